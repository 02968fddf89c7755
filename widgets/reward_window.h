#pragma once

#include <QFutureWatcher>
#include <QWidget>
#include <atomic>
#include <memory>

#include "core/reward_curve.h"
#include "widgets/ask_worker.h"

class QChartView;
class QLabel;
class QLineSeries;
class QPushButton;
class QSpinBox;

namespace mspa::widgets {

// The reward annotator: follows a tracked point from a start frame through an episode, asks the
// chosen backend how far it moved at every later frame, and plots the answers against the frame
// index beside the truth; the curve exports as CSV. Disabled, with the reason, for episodes that
// cannot support it (no tracks, no poses).
class RewardWindow : public QWidget {
  Q_OBJECT

 public:
  RewardWindow(std::shared_ptr<const Scene> scene, BackendFactory factory, BackendSettings settings, QWidget* parent = nullptr);
  ~RewardWindow() override;

  void start(int startFrame, int track);
  void cancel();
  bool running() const { return watcher_.isRunning(); }
  const RewardCurve& curve() const { return curve_; }
  QString reason() const;  // why the annotator is disabled, or empty
  bool exportCsv(const QString& path);
  int predictedPoints() const;

 signals:
  void finished(bool ok, const QString& message);

 private:
  void onPoint(const RewardPoint& p);

  std::shared_ptr<const Scene> scene_;
  BackendFactory factory_;
  BackendSettings settings_;
  RewardCurve curve_;
  QFutureWatcher<QString> watcher_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  QChartView* chart_;
  QLineSeries *predicted_, *truth_;
  QLabel* status_;
  QSpinBox *startFrame_, *track_;
  QPushButton *run_, *stop_, *export_;
};

}  // namespace mspa::widgets
