#include "widgets/reward_window.h"

#include <QChart>
#include <QChartView>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtConcurrent>
#include <algorithm>

#include "widgets/frame_view.h"

namespace mspa::widgets {

RewardWindow::RewardWindow(std::shared_ptr<const Scene> scene,
                           std::shared_ptr<BackendCache> backends, QWidget* parent)
    : QWidget(parent), scene_(std::move(scene)), backends_(std::move(backends)) {
  setWindowTitle(tr("Reward annotation"));
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout;
  startFrame_ = new QSpinBox(this);
  run_ = new QPushButton(tr("Annotate"), this);
  stop_ = new QPushButton(tr("Cancel"), this);
  export_ = new QPushButton(tr("Export CSV…"), this);
  progress_ = new QProgressBar(this);
  stop_->setEnabled(false);
  export_->setEnabled(false);
  controls->addWidget(new QLabel(tr("Start frame"), this));
  controls->addWidget(startFrame_);
  controls->addWidget(run_);
  controls->addWidget(stop_);
  controls->addWidget(export_);
  controls->addWidget(progress_, 1);
  layout->addLayout(controls);

  startView_ = new FrameView(this);
  startView_->setMinimumWidth(320);
  predicted_ = new QLineSeries;
  predicted_->setName(tr("answered distance (mm)"));
  predicted_->setPointsVisible(true);
  truth_ = new QLineSeries;
  truth_->setName(tr("truth (mm)"));
  // Wide and pale beneath the answers, so that a model that matches the truth shows both.
  truth_->setPen(QPen(QColor(70, 130, 230, 110), 8, Qt::SolidLine, Qt::RoundCap));
  auto* chart = new QChart;
  chart->addSeries(truth_);
  chart->addSeries(predicted_);
  chart->createDefaultAxes();
  chart->setTitle(tr("Distance the point moved since the start frame"));
  chart_ = new QChartView(chart, this);
  chart_->setRenderHint(QPainter::Antialiasing);
  auto* split = new QSplitter(this);
  split->addWidget(startView_);
  split->addWidget(chart_);
  split->setStretchFactor(1, 2);
  layout->addWidget(split, 1);
  truthNote_ = new QLabel(this);
  truthNote_->setWordWrap(true);
  layout->addWidget(truthNote_);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  layout->addWidget(status_);

  const int frames = scene_ ? static_cast<int>(scene_->frames.size()) : 0;
  startFrame_->setRange(0, std::max(0, frames - 1));
  if (const QString why = reason(); !why.isEmpty()) {
    run_->setEnabled(false);
    startFrame_->setEnabled(false);
    status_->setText(tr("Reward annotation is not available for this episode: %1").arg(why));
  } else {
    status_->setText(tr("Click the point to follow on the start frame. Backend: %1")
                         .arg(backendKindName(backends_->settings().kind)));
    setStartFrame(truthReason().isEmpty() ? std::max(0, firstFrameWithTracks(*scene_)) : 0);
  }
  connect(startFrame_, &QSpinBox::valueChanged, this, &RewardWindow::setStartFrame);
  connect(startView_, &FrameView::clicked, this, [this](const QPointF& pixel) {
    pickPoint({pixel.x(), pixel.y()});
  });
  connect(run_, &QPushButton::clicked, this, &RewardWindow::start);
  connect(stop_, &QPushButton::clicked, this, &RewardWindow::cancel);
  connect(export_, &QPushButton::clicked, this, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Reward curve"), "reward.csv", tr("CSV (*.csv)"));
    if (!path.isEmpty()) exportCsv(path);
  });
  connect(&watcher_, &QFutureWatcher<QString>::finished, this, [this] {
    const QString error = watcher_.result();
    run_->setEnabled(blockedReason().isEmpty());
    stop_->setEnabled(false);
    startFrame_->setEnabled(true);
    export_->setEnabled(!curve_.points.empty());
    std::sort(curve_.points.begin(), curve_.points.end(),
              [](const RewardPoint& a, const RewardPoint& b) { return a.frame < b.frame; });
    if (error.isEmpty())
      progress_->setValue(progress_->maximum());  // frames where the track hides are not asked
    status_->setText(error.isEmpty() ? tr("%1 frames annotated.").arg(curve_.points.size())
                                     : error);
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

QString RewardWindow::truthReason() const {
  return scene_ ? QString::fromStdString(rewardTruthUnavailableReason(*scene_)) : QString();
}

void RewardWindow::setStartFrame(int frame) {
  if (!reason().isEmpty() || frame < 0 || frame >= static_cast<int>(scene_->frames.size())) return;
  const QSignalBlocker block(startFrame_);
  startFrame_->setValue(frame);
  const Frame& f = scene_->frames[frame];
  try {
    startView_->setFrame(loadColor(*scene_, f), nullptr,
                         tr("start frame %1").arg(QString::fromStdString(f.name)));
  } catch (const std::exception& e) {
    startView_->showMessage(QString::fromStdString(e.what()));
    return;
  }
  const QSize size = startView_->imageSize();
  const Eigen::Vector2d centre(size.width() / 2.0, size.height() / 2.0);
  const int near = truthReason().isEmpty() ? trackNearPixel(*scene_, frame, centre) : -1;
  target_ = {frame, near, near >= 0 ? std::nullopt : std::optional(centre)};
  showTarget();
}

void RewardWindow::pickPoint(const Eigen::Vector2d& pixel) {
  target_ = {target_.startFrame, -1, pixel};
  showTarget();
}

void RewardWindow::showTarget() {
  try {
    target_ = resolveRewardTarget(*scene_, target_);
  } catch (const std::exception& e) {
    status_->setText(QString::fromStdString(e.what()));
    return;
  }
  const QPointF at(target_.pixel->x(), target_.pixel->y());
  const bool tracked = target_.track >= 0;
  const QString label = tracked
                            ? tr("track %1 (%2)")
                                  .arg(target_.track)
                                  .arg(QString::fromStdString(scene_->tracks[target_.track].label))
                            : tr("untracked point");
  startView_->setMarkers({{at, tracked ? QColor(60, 220, 90) : QColor(255, 170, 40), label, 0}});
  const QString why = truthReason();
  truthNote_->setText(
      tracked
          ? tr("Truth: from %1.").arg(label)
          : tr("No truth for this point (%1): only a model can answer it.")
                .arg(why.isEmpty() ? tr("no track within %1 pixels").arg(kTrackSnapPixels) : why));
  const QString blocked = blockedReason();
  run_->setEnabled(blocked.isEmpty() && !running());
  run_->setToolTip(blocked);
  if (!blocked.isEmpty()) status_->setText(blocked);
}

QString RewardWindow::blockedReason() const {
  if (const QString why = reason(); !why.isEmpty()) return why;
  if (!target_.pixel) return tr("pick a point on the start frame");
  if (target_.track < 0 && backends_->settings().kind == BackendSettings::Kind::Oracle) {
    return tr(
        "the geometry oracle answers from the truth, and this point has none: choose a model (Ask "
        "panel > Backend…)");
  }
  return {};
}

void RewardWindow::start() {
  if (running()) return;
  if (const QString why = blockedReason(); !why.isEmpty()) {
    status_->setText(why);
    emit finished(false, why);
    return;
  }
  curve_ = {};
  predicted_->clear();
  truth_->clear();
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  run_->setEnabled(false);
  stop_->setEnabled(true);
  startFrame_->setEnabled(false);
  progress_->setRange(0, static_cast<int>(scene_->frames.size()) - target_.startFrame - 1);
  progress_->setValue(0);
  status_->setText(tr("Asking %1 frames…").arg(progress_->maximum()));
  QPointer<RewardWindow> self(this);
  watcher_.setFuture(QtConcurrent::run(
      [self, scene = scene_, backends = backends_, target = target_, cancel = cancel_] {
        try {
          // The Ask panel's backends: a local model already loaded there answers here too.
          const auto leases = backends->acquire(backends->settings().parallelQuestions());
          std::vector<AnswerBackend*> workers;
          for (const auto& lease : leases) workers.push_back(lease.get());
          annotateReward(
              *scene, target, workers,
              [self](const RewardPoint& p) {
                QMetaObject::invokeMethod(
                    self,
                    [self, p] {
                      if (self) self->onPoint(p);
                    },
                    Qt::QueuedConnection);
              },
              cancel.get());
          return cancel->load() ? QObject::tr("Cancelled.") : QString();
        } catch (const std::exception& e) {
          return QString::fromStdString(e.what());
        }
      }));
}

void RewardWindow::onPoint(const RewardPoint& p) {
  curve_.points.push_back(p);
  progress_->setValue(progress_->value() + 1);
  // Parallel answers arrive out of order; the series are kept sorted by frame.
  const auto insert = [](QLineSeries* series, int frame, double value) {
    const auto points = series->points();
    const auto at = std::lower_bound(points.begin(), points.end(), frame,
                                     [](const QPointF& q, int f) { return q.x() < f; });
    series->insert(static_cast<int>(at - points.begin()), QPointF(frame, value));
  };
  if (p.truthMm) insert(truth_, p.frame, *p.truthMm);
  if (p.predictedMm) insert(predicted_, p.frame, *p.predictedMm);
  fitAxes();
}

void RewardWindow::fitAxes() {
  double top = 1;
  int first = curve_.points.front().frame, last = first;
  for (const auto& q : curve_.points) {
    top = std::max({top, q.truthMm.value_or(0), q.predictedMm.value_or(0)});
    first = std::min(first, q.frame);
    last = std::max(last, q.frame);
  }
  for (auto* axis : chart_->chart()->axes()) {
    auto* value = qobject_cast<QValueAxis*>(axis);
    if (!value) continue;
    if (axis->orientation() == Qt::Horizontal) {
      value->setRange(first - 1, last + 1);
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

int RewardWindow::predictedPoints() const {
  return predicted_->count();
}

int RewardWindow::truthPoints() const {
  return truth_->count();
}

}  // namespace mspa::widgets
