#include "widgets/reward_window.h"

#include <QChart>
#include <QChartView>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QPointer>
#include <QPushButton>
#include <QSpinBox>
#include <QValueAxis>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace mspa::widgets {

RewardWindow::RewardWindow(std::shared_ptr<const Scene> scene, BackendFactory factory, BackendSettings settings, QWidget* parent)
    : QWidget(parent), scene_(std::move(scene)), factory_(std::move(factory)), settings_(std::move(settings)) {
  setWindowTitle(tr("Reward annotation"));
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout;
  startFrame_ = new QSpinBox(this);
  track_ = new QSpinBox(this);
  run_ = new QPushButton(tr("Annotate"), this);
  stop_ = new QPushButton(tr("Cancel"), this);
  export_ = new QPushButton(tr("Export CSV…"), this);
  stop_->setEnabled(false);
  export_->setEnabled(false);
  controls->addWidget(new QLabel(tr("Start frame"), this));
  controls->addWidget(startFrame_);
  controls->addWidget(new QLabel(tr("Track"), this));
  controls->addWidget(track_);
  controls->addWidget(run_);
  controls->addWidget(stop_);
  controls->addWidget(export_);
  controls->addStretch(1);
  layout->addLayout(controls);
  predicted_ = new QLineSeries;
  predicted_->setName(tr("answered distance (mm)"));
  truth_ = new QLineSeries;
  truth_->setName(tr("truth (mm)"));
  auto* chart = new QChart;
  chart->addSeries(truth_);
  chart->addSeries(predicted_);
  chart->createDefaultAxes();
  chart->setTitle(tr("Distance the point moved since the start frame"));
  chart_ = new QChartView(chart, this);
  chart_->setRenderHint(QPainter::Antialiasing);
  layout->addWidget(chart_, 1);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  layout->addWidget(status_);

  const int frames = scene_ ? static_cast<int>(scene_->frames.size()) : 0;
  startFrame_->setRange(0, std::max(0, frames - 1));
  track_->setRange(0, std::max(0, scene_ ? static_cast<int>(scene_->tracks.size()) - 1 : 0));
  if (const QString why = reason(); !why.isEmpty()) {
    run_->setEnabled(false);
    status_->setText(tr("Reward annotation is not available for this episode: %1").arg(why));
  } else {
    const int first = firstFrameWithTracks(*scene_);
    startFrame_->setValue(first);
    const Intrinsics& k = *scene_->frames[first].intrinsics;
    track_->setValue(std::max(0, trackNearPixel(*scene_, first, {k.width / 2.0, k.height / 2.0})));
    status_->setText(tr("Backend: %1").arg(backendKindName(settings_.kind)));
  }
  connect(run_, &QPushButton::clicked, this, [this] { start(startFrame_->value(), track_->value()); });
  connect(stop_, &QPushButton::clicked, this, &RewardWindow::cancel);
  connect(export_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Reward curve"), "reward.csv", tr("CSV (*.csv)"));
    if (!path.isEmpty()) exportCsv(path);
  });
  connect(&watcher_, &QFutureWatcher<QString>::finished, this, [this] {
    const QString error = watcher_.result();
    run_->setEnabled(true);
    stop_->setEnabled(false);
    export_->setEnabled(!curve_.points.empty());
    status_->setText(error.isEmpty() ? tr("%1 frames annotated.").arg(curve_.points.size()) : error);
    emit finished(error.isEmpty(), status_->text());
  });
}

RewardWindow::~RewardWindow() {
  cancel();
  watcher_.waitForFinished();
}

QString RewardWindow::reason() const {
  if (!scene_) return tr("no scene is open");
  return QString::fromStdString(rewardUnsupportedReason(*scene_));
}

void RewardWindow::start(int startFrame, int track) {
  if (running() || !reason().isEmpty()) return;
  curve_ = {};
  predicted_->clear();
  truth_->clear();
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  run_->setEnabled(false);
  stop_->setEnabled(true);
  status_->setText(tr("Asking frame by frame…"));
  QPointer<RewardWindow> self(this);
  watcher_.setFuture(QtConcurrent::run([self, scene = scene_, factory = factory_, settings = settings_, startFrame, track, cancel = cancel_] {
    try {
      const auto backend = factory(settings);
      annotateReward(*scene, startFrame, track, *backend, [&](const RewardPoint& p) {
        QMetaObject::invokeMethod(self, [self, p] {
          if (self) self->onPoint(p);
        }, Qt::QueuedConnection);
      }, cancel.get());
      return cancel->load() ? QObject::tr("Cancelled.") : QString();
    } catch (const std::exception& e) {
      return QString::fromStdString(e.what());
    }
  }));
}

void RewardWindow::onPoint(const RewardPoint& p) {
  curve_.points.push_back(p);
  truth_->append(p.frame, p.truthMm);
  if (p.predictedMm) predicted_->append(p.frame, *p.predictedMm);
  double top = 1;
  for (const auto& q : curve_.points) top = std::max({top, q.truthMm, q.predictedMm.value_or(0)});
  auto axes = chart_->chart()->axes();
  for (auto* axis : axes) {
    auto* value = qobject_cast<QValueAxis*>(axis);
    if (!value) continue;
    if (axis->orientation() == Qt::Horizontal) {
      value->setRange(curve_.points.front().frame - 1, p.frame + 1);
      value->setTitleText(tr("frame"));
    } else {
      value->setRange(0, top * 1.1);
      value->setTitleText(tr("mm"));
    }
  }
}

void RewardWindow::cancel() {
  if (cancel_) *cancel_ = true;
}

bool RewardWindow::exportCsv(const QString& path) {
  try {
    writeRewardCsv(curve_, path.toStdString());
  } catch (const std::exception& e) {
    status_->setText(QString::fromStdString(e.what()));
    return false;
  }
  status_->setText(tr("Written to %1").arg(path));
  return true;
}

int RewardWindow::predictedPoints() const { return predicted_->count(); }

}  // namespace mspa::widgets
