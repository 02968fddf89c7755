#include "widgets/demo_tour.h"

#include <QApplication>
#include <QKeyEvent>

#include "widgets/main_window.h"
#include "widgets/question_panel.h"
#include "widgets/scene_workspace.h"
#include "widgets/timeline.h"

namespace mspa::widgets {

DemoTour::DemoTour(MainWindow* window, DemoPlaylist playlist, QObject* parent)
    : QObject(parent), window_(window), playlist_(std::move(playlist)) {
  next_.setSingleShot(true);
  connect(&next_, &QTimer::timeout, this, &DemoTour::advance);
  connect(window_, &MainWindow::loadFinished, this, [this](bool ok, const QString& message) {
    if (!waitingForScene_) return;
    waitingForScene_ = false;
    if (!ok) {
      emit stepShown(current_, false, message);
      return scheduleNext(0.5);
    }
    sceneOpen_ = QString::fromStdString(playlist_.steps[static_cast<std::size_t>(current_)].scene);
    present();
  });
  connect(window_->questionPanel(), &QuestionPanel::askFinished, this, [this](bool answered) {
    if (!waitingForAnswer_) return;
    waitingForAnswer_ = false;
    emit stepShown(
        current_, answered,
        answered ? window_->questionPanel()->verdict() : window_->questionPanel()->message());
    scheduleNext(playlist_.steps[static_cast<std::size_t>(current_)].pauseSeconds);
  });
  // Keys go to whichever child has focus, so the tour listens application-wide.
  qApp->installEventFilter(this);
}

void DemoTour::start() {
  if (playlist_.steps.empty()) return emit finished();
  runStep(0);
}

void DemoTour::runStep(int index) {
  current_ = index;
  const DemoStep& step = playlist_.steps[static_cast<std::size_t>(index)];
  if (!step.problem.empty()) {
    emit stepShown(index, false, QString::fromStdString(step.problem));
    return scheduleNext(0.5);
  }
  if (QString::fromStdString(step.scene) != sceneOpen_ || !window_->scene()) {
    waitingForScene_ = true;
    window_->openScene(QString::fromStdString(step.scene));
    return;
  }
  present();
}

void DemoTour::present() {
  const DemoStep& step = playlist_.steps[static_cast<std::size_t>(current_)];
  auto* workspace = window_->workspace();
  auto* panel = window_->questionPanel();
  if (!step.frames.empty()) window_->timeline()->setCurrent(step.frames[0]);
  if (step.frames.size() > 1) workspace->setPairFrame(step.frames[1]);
  BackendSettings settings = panel->backendSettings();
  try {
    settings.kind = parseBackendKind(step.backend);
  } catch (const std::exception& e) {
    emit stepShown(current_, false, e.what());
    return scheduleNext(0.5);
  }
  panel->setBackendSettings(settings);
  bool composed = panel->selectSubtask(QString::fromStdString(step.subtask));
  if (composed && !step.points.empty()) {
    panel->setPlacingPoints(true);
    for (const auto& p : step.points) panel->placePoint(0, QPointF(p.x(), p.y()));
    panel->setPlacingPoints(false);
  }
  composed = composed && panel->question() &&
             panel->question()->task->subtask == findSubtask(step.subtask)->subtask;
  if (!composed && panel->compose(true))
    composed = true;  // the frames did not fit the question: sample them
  if (!composed) {
    emit stepShown(current_, false, panel->message());
    return scheduleNext(0.5);
  }
  workspace->resetCamera(step.azimuth, step.elevation);
  waitingForAnswer_ = panel->ask();
  if (!waitingForAnswer_) {
    emit stepShown(current_, false, panel->message());
    scheduleNext(0.5);
  }
}

void DemoTour::scheduleNext(double seconds) {
  if (!paused_) next_.start(static_cast<int>(seconds * 1000));
}

void DemoTour::advance() {
  const int next = current_ + 1;
  if (next >= static_cast<int>(playlist_.steps.size())) {
    if (onePass_ || !playlist_.loop) return emit finished();
    return runStep(0);
  }
  runStep(next);
}

void DemoTour::togglePause() {
  paused_ = !paused_;
  if (paused_) {
    next_.stop();
  } else if (!waitingForScene_ && !waitingForAnswer_) {
    scheduleNext(0.2);
  }
}

void DemoTour::stepBy(int delta) {
  if (waitingForScene_ || waitingForAnswer_) return;
  next_.stop();
  const int count = static_cast<int>(playlist_.steps.size());
  runStep(((current_ + delta) % count + count) % count);
}

bool DemoTour::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::KeyPress && window_->isActiveWindow()) {
    switch (static_cast<QKeyEvent*>(event)->key()) {
      case Qt::Key_Space:
        togglePause();
        return true;
      case Qt::Key_Right:
        stepBy(1);
        return true;
      case Qt::Key_Left:
        stepBy(-1);
        return true;
      default:
        break;
    }
  }
  return QObject::eventFilter(watched, event);
}

}  // namespace mspa::widgets
