#pragma once

#include <QStringList>
#include <QVector>
#include <QWidget>

class QComboBox;
class QLabel;
class QSlider;
class QTimer;
class QToolButton;

namespace mspa::widgets {

// Frame slider with play/pause, single steps and a playback speed; drives every view through
// currentChanged. Playback loops.
class Timeline : public QWidget {
  Q_OBJECT

 public:
  explicit Timeline(QWidget* parent = nullptr);

  void setFrames(const QStringList& names, const QVector<double>& timestamps);
  int count() const { return names_.size(); }
  int current() const;
  void setCurrent(int index);
  void step(int delta);
  bool playing() const;
  void setPlaying(bool playing);
  double framesPerSecond() const;
  QString label() const;

 signals:
  void currentChanged(int index);

 private:
  void updateLabel();

  QSlider* slider_;
  QToolButton* playButton_;
  QComboBox* speed_;
  QLabel* label_;
  QTimer* timer_;
  QStringList names_;
  QVector<double> timestamps_;
};

}  // namespace mspa::widgets
