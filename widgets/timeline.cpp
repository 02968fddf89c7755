#include "widgets/timeline.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QStyle>
#include <QTimer>
#include <QToolButton>

namespace mspa::widgets {

Timeline::Timeline(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  const auto button = [&](QStyle::StandardPixmap icon, const QString& tip) {
    auto* b = new QToolButton(this);
    b->setIcon(style()->standardIcon(icon));
    b->setToolTip(tip);
    layout->addWidget(b);
    return b;
  };
  QToolButton* previous = button(QStyle::SP_MediaSkipBackward, tr("Previous frame (Left)"));
  playButton_ = button(QStyle::SP_MediaPlay, tr("Play / pause (Space)"));
  playButton_->setCheckable(true);
  QToolButton* next = button(QStyle::SP_MediaSkipForward, tr("Next frame (Right)"));
  slider_ = new QSlider(Qt::Horizontal, this);
  slider_->setRange(0, 0);
  layout->addWidget(slider_, 1);
  speed_ = new QComboBox(this);
  for (double fps : {2.0, 5.0, 10.0, 30.0}) speed_->addItem(tr("%1 fps").arg(fps), fps);
  speed_->setCurrentIndex(2);
  speed_->setToolTip(tr("Playback speed"));
  layout->addWidget(speed_);
  label_ = new QLabel(this);
  label_->setMinimumWidth(220);
  layout->addWidget(label_);
  timer_ = new QTimer(this);

  connect(previous, &QToolButton::clicked, this, [this] { step(-1); });
  connect(next, &QToolButton::clicked, this, [this] { step(1); });
  connect(playButton_, &QToolButton::toggled, this, &Timeline::setPlaying);
  connect(slider_, &QSlider::valueChanged, this, [this](int index) {
    updateLabel();
    emit currentChanged(index);
  });
  connect(speed_, &QComboBox::currentIndexChanged, this,
          [this] { timer_->setInterval(static_cast<int>(1000 / framesPerSecond())); });
  connect(timer_, &QTimer::timeout, this, [this] { step(1); });
  timer_->setInterval(static_cast<int>(1000 / framesPerSecond()));
  updateLabel();
}

void Timeline::setFrames(const QStringList& names, const QVector<double>& timestamps) {
  setPlaying(false);
  names_ = names;
  timestamps_ = timestamps;
  const QSignalBlocker block(slider_);
  slider_->setRange(0, std::max(0, static_cast<int>(names.size()) - 1));
  slider_->setValue(0);
  updateLabel();
}

int Timeline::current() const {
  return slider_->value();
}

void Timeline::setCurrent(int index) {
  slider_->setValue(index);
}

void Timeline::step(int delta) {
  if (names_.isEmpty()) return;
  const int n = static_cast<int>(names_.size());
  setCurrent(((current() + delta) % n + n) % n);
}

bool Timeline::playing() const {
  return timer_->isActive();
}

void Timeline::setPlaying(bool playing) {
  playing = playing && names_.size() > 1;
  if (playing) {
    timer_->start();
  } else {
    timer_->stop();
  }
  const QSignalBlocker block(playButton_);
  playButton_->setChecked(playing);
  playButton_->setIcon(
      style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
}

double Timeline::framesPerSecond() const {
  return speed_->currentData().toDouble();
}

QString Timeline::label() const {
  return label_->text();
}

void Timeline::updateLabel() {
  if (names_.isEmpty()) {
    label_->setText(tr("no frames"));
    return;
  }
  const int i = current();
  label_->setText(tr("frame %1/%2  (%3, t = %4 s)")
                      .arg(i + 1)
                      .arg(names_.size())
                      .arg(names_[i])
                      .arg(i < timestamps_.size() ? timestamps_[i] : 0.0, 0, 'f', 2));
}

}  // namespace mspa::widgets
