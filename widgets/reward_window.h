#pragma once

#include <QFutureWatcher>
#include <QWidget>
#include <atomic>
#include <memory>

#include "core/ask_session.h"
#include "core/reward_curve.h"

class QChartView;
class QLabel;
class QLineSeries;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace mspa::widgets {

class FrameView;

// The reward annotator: a point picked on the start frame is followed through the episode; the
// chosen backend is asked how far it moved at every later frame (spread over parallel requests
// for an endpoint), and the answers are plotted against the frame index beside the truth when a
// track follows the point. The curve exports as CSV. Episodes with frames alone work with a
// model; why there is no truth is shown under the chart.
class RewardWindow : public QWidget {
  Q_OBJECT

 public:
  RewardWindow(std::shared_ptr<const Scene> scene, std::shared_ptr<BackendCache> backends,
               QWidget* parent = nullptr);
  ~RewardWindow() override;

  // Shows `frame` to pick on; the point resets to the track nearest its centre (or the centre).
  void setStartFrame(int frame);
  // Picks the point to follow (start-frame pixels), snapping to a track within kTrackSnapPixels.
  void pickPoint(const Eigen::Vector2d& pixel);
  const RewardTarget& target() const { return target_; }
  void start();
  void cancel();
  bool running() const { return watcher_.isRunning(); }
  const RewardCurve& curve() const { return curve_; }
  QString reason() const;       // why the annotator is disabled, or empty
  QString truthReason() const;  // why the curve has no truth, or empty
  // Why Annotate cannot run now (no point, or the oracle asked about an untracked point), or empty.
  QString blockedReason() const;
  bool exportCsv(const QString& path);
  int predictedPoints() const;
  int truthPoints() const;

 signals:
  void finished(bool ok, const QString& message);

 private:
  void onPoint(const RewardPoint& p);
  void showTarget();
  void fitAxes();

  std::shared_ptr<const Scene> scene_;
  std::shared_ptr<BackendCache> backends_;
  RewardTarget target_;
  RewardCurve curve_;
  QFutureWatcher<QString> watcher_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  FrameView* startView_;
  QChartView* chart_;
  QLineSeries *predicted_, *truth_;
  QLabel *status_, *truthNote_;
  QProgressBar* progress_;
  QSpinBox* startFrame_;
  QPushButton *run_, *stop_, *export_;
};

}  // namespace mspa::widgets
