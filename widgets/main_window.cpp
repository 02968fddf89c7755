#include "widgets/main_window.h"

#include <vtkVersion.h>

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QProgressDialog>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTime>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>
#include <functional>

#include "core/input_error.h"
#include "core/version.h"
#include "widgets/frame_view.h"
#include "widgets/question_panel.h"
#include "widgets/reward_window.h"
#include "widgets/scene_panel.h"
#include "widgets/scene_workspace.h"
#include "widgets/start_page.h"
#include "widgets/timeline.h"
#include "widgets/vtk_view_widget.h"

namespace mspa::widgets {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("MultiSPA Studio"));
  setAcceptDrops(true);
  setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
  centre_ = new QStackedWidget(this);
  // Scrollable, so the start page's buttons never set the window's minimum size.
  auto* startScroll = new QScrollArea(centre_);
  startScroll->setWidgetResizable(true);
  startScroll->setFrameShape(QFrame::NoFrame);
  startPage_ = new StartPage(startScroll);
  startScroll->setWidget(startPage_);
  workspace_ = new SceneWorkspace(centre_);
  centre_->addWidget(startScroll);
  centre_->addWidget(workspace_);
  centre_->setCurrentWidget(workspace_);
  setCentralWidget(centre_);
  buildDocks();
  buildMenus();
  buildStatusBar();
  connect(&loadWatcher_, &QFutureWatcherBase::finished, this, &MainWindow::onLoadDone);
  connect(startPage_, &StartPage::openDemo, this, [this] { openScene(demoPath_); });
  connect(startPage_, &StartPage::openRewardDemo, this, &MainWindow::openRewardDemo);
  connect(startPage_, &StartPage::openScene, this, [this] { promptOpen(false); });
  connect(startPage_, &StartPage::openDataset, this, &MainWindow::datasetRequested);
  connect(startPage_, &StartPage::configureModel, this, [this] { questionPanel_->openSettings(); });
  connect(startPage_, &StartPage::openRuns, this, &MainWindow::dashboardRequested);
  connect(startPage_, &StartPage::openRecent, this, &MainWindow::openScene);
  startPage_->setRecentFiles(QSettings().value("recentFiles").toStringList());
}

void MainWindow::restoreLayout() {
  QSettings settings;
  restoreGeometry(settings.value("window/geometry").toByteArray());
  restoreState(settings.value("window/state").toByteArray());
}

void MainWindow::setRemembersRecentFiles(bool remembers) {
  remembersRecent_ = remembers;
  startPage_->setRecentFiles(remembers ? QSettings().value("recentFiles").toStringList()
                                       : QStringList());
}

void MainWindow::showStartPage() {
  centre_->setCurrentIndex(0);
}
bool MainWindow::startPageShown() const {
  return centre_->currentIndex() == 0;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (interactive_) {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
  }
  QMainWindow::closeEvent(event);
}

namespace {

// The first local file or folder dropped, or empty.
QString droppedPath(const QMimeData* mime) {
  for (const QUrl& url : mime->urls()) {
    if (url.isLocalFile()) return url.toLocalFile();
  }
  return {};
}

}  // namespace

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (!droppedPath(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QString path = droppedPath(event->mimeData());
  if (path.isEmpty()) return;
  event->acceptProposedAction();
  openScene(path);
}

VtkViewWidget* MainWindow::view3d() const {
  return workspace_->view3d();
}

std::shared_ptr<const Scene> MainWindow::scene() const {
  return workspace_->scene();
}

MainWindow::~MainWindow() {
  cancelLoading();
  loadWatcher_.waitForFinished();
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open scene file…"), QKeySequence::Open, this, [this] { promptOpen(false); });
  file->addAction(tr("Open scene &folder…"), QKeySequence(tr("Ctrl+Shift+O")), this,
                  [this] { promptOpen(true); });
  file->addAction(tr("Open MultiSPA &dataset…"), QKeySequence(tr("Ctrl+D")), this,
                  &MainWindow::datasetRequested);
  file->addAction(tr("Open &benchmark runs…"), QKeySequence(tr("Ctrl+B")), this,
                  &MainWindow::dashboardRequested);
  file->addAction(tr("&Record timeline as images…"), this, [this] {
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Folder for the image sequence"));
    if (!dir.isEmpty()) recordTimeline(dir);
  });
  file->addAction(tr("Save &screenshot…"), QKeySequence(tr("Ctrl+Shift+S")), this,
                  &MainWindow::promptScreenshot);
  file->addAction(tr("&Export view…"), QKeySequence(tr("Ctrl+E")), this,
                  &MainWindow::promptExportView);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("&Reset camera"), QKeySequence(tr("Ctrl+R")), this,
                  [this] { workspace_->resetCamera(); });
  view->addSeparator();
  for (auto* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());

  auto* tools = menuBar()->addMenu(tr("&Tools"));
  tools->addAction(tr("&Reward annotation…"), this, &MainWindow::openRewardAnnotator);
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Keyboard shortcuts"), QKeySequence(Qt::Key_F1), this, [this] {
    QMessageBox::information(this, tr("Keyboard shortcuts"), shortcutsText());
  });
  help->addAction(tr("&About MultiSPA Studio"), this, &MainWindow::showAbout);
}

void MainWindow::buildDocks() {
  auto* sceneDock = new QDockWidget(tr("Scene"), this);
  sceneDock->setObjectName("sceneDock");
  scenePanel_ = new ScenePanel(sceneDock);
  sceneDock->setWidget(scenePanel_);
  addDockWidget(Qt::LeftDockWidgetArea, sceneDock);
  resizeDocks({sceneDock}, {330}, Qt::Horizontal);
  connect(scenePanel_, &ScenePanel::coloringChanged, this,
          [this](render::CloudColoring c) { workspace_->setColoring(c); });
  connect(scenePanel_, &ScenePanel::layerToggled, this,
          [this](render::Layer layer, bool on) { workspace_->setLayerVisible(layer, on); });

  auto* timelineDock = new QDockWidget(tr("Timeline"), this);
  timelineDock->setObjectName("timelineDock");
  timeline_ = new Timeline(timelineDock);
  timelineDock->setWidget(timeline_);
  addDockWidget(Qt::BottomDockWidgetArea, timelineDock);
  connect(timeline_, &Timeline::currentChanged, workspace_, &SceneWorkspace::showFrame);
  connect(workspace_, &SceneWorkspace::currentFrameChanged, timeline_, [this](int index) {
    const QSignalBlocker block(timeline_);  // following, not driving
    timeline_->setCurrent(index);
  });

  auto* logDock = new QDockWidget(tr("Log"), this);
  logDock->setObjectName("logDock");
  logView_ = new QPlainTextEdit(logDock);
  logView_->setReadOnly(true);
  logView_->setMaximumBlockCount(5000);
  logDock->setWidget(logView_);
  addDockWidget(Qt::BottomDockWidgetArea, logDock);
  resizeDocks({logDock}, {90}, Qt::Vertical);
  connect(workspace_, &SceneWorkspace::problem, this,
          [this](const QString& m) { log(tr("Problem: %1").arg(m)); });

  auto* askDock = new QDockWidget(tr("Ask"), this);
  askDock->setObjectName("askDock");
  // Scrollable, so the many controls never force a minimum window height.
  auto* askScroll = new QScrollArea(askDock);
  askScroll->setWidgetResizable(true);
  askScroll->setFrameShape(QFrame::NoFrame);
  questionPanel_ = new QuestionPanel(workspace_, askScroll);
  askScroll->setWidget(questionPanel_);
  askDock->setWidget(askScroll);
  // Beside the scene panel as a tab, raised: the window stays usable at 800 px wide.
  tabifyDockWidget(findChild<QDockWidget*>("sceneDock"), askDock);
  askDock->raise();
  resizeDocks({askDock}, {330}, Qt::Horizontal);
  connect(questionPanel_, &QuestionPanel::logMessage, this, &MainWindow::log);
  connect(questionPanel_, &QuestionPanel::sceneRequested, this,
          [this](std::shared_ptr<const Scene> scene) { showScene(std::move(scene), 0); });
}

void MainWindow::buildStatusBar() {
  readout_ = new QLabel(this);
  readout_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  frameTimeLabel_ = new QLabel(this);
  frameTimeLabel_->setMinimumWidth(110);
  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1000);
  progress_->setMaximumWidth(220);
  progress_->hide();
  cancelButton_ = new QPushButton(tr("Cancel"), this);
  cancelButton_->hide();
  connect(cancelButton_, &QPushButton::clicked, this, &MainWindow::cancelLoading);
  statusBar()->addWidget(readout_, 1);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancelButton_);
  statusBar()->addPermanentWidget(frameTimeLabel_);

  progressTimer_ = new QTimer(this);
  progressTimer_->setInterval(100);
  connect(progressTimer_, &QTimer::timeout, this, [this] {
    if (loadPermille_) progress_->setValue(loadPermille_->load());
  });
  connect(view3d(), &VtkViewWidget::rendered, this,
          [this](double ms) { frameTimeLabel_->setText(tr("render %1 ms").arg(ms, 0, 'f', 1)); });
  connect(workspace_, &SceneWorkspace::status, readout_, &QLabel::setText);
}

void MainWindow::openScene(const QString& path) {
  if (isLoading()) cancelLoading();
  loadWatcher_.waitForFinished();
  loadingPath_ = path;
  loadPermille_ = std::make_shared<std::atomic<int>>(0);
  loadCancel_ = std::make_shared<std::atomic<bool>>(false);
  log(tr("Loading %1").arg(path));
  progress_->setValue(0);
  progress_->show();
  cancelButton_->show();
  progressTimer_->start();
  const std::string file = path.toStdString();
  loadWatcher_.setFuture(QtConcurrent::run([file, permille = loadPermille_, cancel = loadCancel_] {
    LoadResult result;
    QElapsedTimer timer;
    timer.start();
    const LoadProgress progress = [&](double fraction) {
      permille->store(static_cast<int>(fraction * 1000));
      return !cancel->load();
    };
    try {
      result.scene = std::make_shared<Scene>(loadScene(file, progress));
    } catch (const Cancelled&) {
      result.cancelled = true;
    } catch (const std::exception& e) {
      result.error = QString::fromStdString(e.what());
    }
    result.seconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    return result;
  }));
}

void MainWindow::cancelLoading() {
  if (loadCancel_) loadCancel_->store(true);
}

bool MainWindow::isLoading() const {
  return loadWatcher_.isRunning();
}

void MainWindow::onLoadDone() {
  progressTimer_->stop();
  progress_->hide();
  cancelButton_->hide();
  const LoadResult result = loadWatcher_.result();
  if (result.cancelled) {
    log(tr("Loading %1 cancelled").arg(loadingPath_));
    emit loadFinished(false, tr("cancelled"));
    return;
  }
  if (!result.scene) {
    showError(tr("Cannot open scene"), result.error);
    emit loadFinished(false, result.error);
    return;
  }
  showScene(result.scene, result.seconds);
  const Scene& scene = *result.scene;
  if (remembersRecent_) {
    QSettings settings;
    QStringList recent = settings.value("recentFiles").toStringList();
    recent.removeAll(loadingPath_);
    recent.prepend(loadingPath_);
    while (recent.size() > 10) recent.removeLast();
    settings.setValue("recentFiles", recent);
    startPage_->setRecentFiles(recent);
  }
  const QString message = tr("Loaded %1 (%2): %3 frames, %4 points, %5 tracks in %6 ms")
                              .arg(loadingPath_, QString::fromStdString(scene.kind))
                              .arg(scene.frames.size())
                              .arg(scene.cloud ? scene.cloud->size() : 0)
                              .arg(scene.tracks.size())
                              .arg(result.seconds * 1000, 0, 'f', 0);
  log(message);
  for (const auto& w : scene.warnings) log(tr("Problem: %1").arg(QString::fromStdString(w)));
  emit loadFinished(true, message);
}

void MainWindow::showScene(std::shared_ptr<const Scene> shown, double loadSeconds) {
  const Scene& scene = *shown;
  scenePanel_->showScene(scene, loadSeconds);
  QStringList names;
  QVector<double> times;
  for (const auto& f : scene.frames) {
    names << QString::fromStdString(f.name);
    times << f.timestamp;
  }
  {
    // The workspace shows frame 0 itself; the timeline only follows.
    const QSignalBlocker block(timeline_);
    timeline_->setFrames(names, times);
  }
  workspace_->setScene(std::move(shown));
  questionPanel_->sceneChanged();
  centre_->setCurrentWidget(workspace_);
  setWindowTitle(tr("%1 — MultiSPA Studio").arg(QString::fromStdString(scene.name)));
}

void MainWindow::showError(const QString& title, const QString& message) {
  log(tr("Error: %1").arg(message));
  statusBar()->showMessage(message, 10000);
  if (!interactive_) return;
  // Window-modal and non-blocking: the event loop, and whatever the user was doing, go on.
  auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
}

void MainWindow::log(const QString& message) {
  logView_->appendPlainText(QTime::currentTime().toString("HH:mm:ss  ") + message);
}

QString MainWindow::logText() const {
  return logView_->toPlainText();
}

bool MainWindow::saveScreenshot(const QString& path) {
  const bool ok = grab().save(path);
  if (ok) {
    log(tr("Saved screenshot %1").arg(path));
  } else {
    showError(tr("Cannot save screenshot"), tr("%1: cannot write the image").arg(path));
  }
  return ok;
}

bool MainWindow::exportView(ExportedView view, const QSize& size, const QString& path,
                            QString* problem) {
  QString why;
  const QImage image = renderExportedView(*workspace_, view, size, &why);
  if (image.isNull() || !image.save(path)) {
    const QString message =
        tr("%1: %2").arg(path, image.isNull() ? why : tr("cannot write the image"));
    showError(tr("Cannot export the view"), message);
    if (problem) *problem = message;
    return false;
  }
  log(tr("Saved the %1 view at %2x%3 to %4")
          .arg(exportedViewName(view))
          .arg(size.width())
          .arg(size.height())
          .arg(path));
  return true;
}

int MainWindow::recordTimeline(const QString& dir) {
  const auto current = scene();
  if (!current || !QDir().mkpath(dir)) return 0;
  const int frames = static_cast<int>(current->frames.size());
  QProgressDialog progress(tr("Recording the timeline…"), tr("Cancel"), 0, frames, this);
  progress.setWindowModality(Qt::WindowModal);
  int written = 0;
  for (int i = 0; i < frames && !progress.wasCanceled(); ++i) {
    timeline_->setCurrent(i);
    QCoreApplication::processEvents();
    if (!grab().save(QDir(dir).filePath(QString("frame-%1.png").arg(i, 5, 10, QChar('0'))))) break;
    ++written;
    progress.setValue(i + 1);
  }
  log(tr("Recorded %1 frames into %2").arg(written).arg(dir));
  return written;
}

RewardWindow* MainWindow::openRewardAnnotator() {
  auto* window = new RewardWindow(scene(), questionPanel_->session().backends());
  window->setAttribute(Qt::WA_DeleteOnClose);
  window->resize(900, 600);
  window->show();
  return window;
}

void MainWindow::openRewardDemo() {
  auto once = std::make_shared<QMetaObject::Connection>();
  *once = connect(this, &MainWindow::loadFinished, this, [this, once](bool ok) {
    disconnect(*once);
    if (ok) openRewardAnnotator();
  });
  openScene(episodePath_);
}

void MainWindow::promptOpen(bool folder) {
  const QString path =
      folder ? QFileDialog::getExistingDirectory(this,
                                                 tr("Open scene folder (ScanNet frames or images)"))
             : QFileDialog::getOpenFileName(
                   this, tr("Open scene"), QString(),
                   tr("Scenes (*.sens *.json *.npz *.ply *.mp4 *.avi *.mov *.mkv);;All files (*)"));
  if (!path.isEmpty()) openScene(path);
}

void MainWindow::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
    case Qt::Key_Space:
      return timeline_->setPlaying(!timeline_->playing());
    case Qt::Key_Left:
      return timeline_->step(-1);
    case Qt::Key_Right:
      return timeline_->step(1);
    default:
      QMainWindow::keyPressEvent(event);
  }
}

QString MainWindow::statusText() const {
  return readout_->text();
}

void MainWindow::promptScreenshot() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save screenshot"), "screenshot.png",
                                                    tr("PNG images (*.png)"));
  if (!path.isEmpty()) saveScreenshot(path);
}

void MainWindow::promptExportView() {
  if (!scene()) {
    showError(tr("Cannot export the view"), tr("Open a scene first."));
    return;
  }
  ExportViewDialog dialog(*workspace_, this);
  if (dialog.exec() != QDialog::Accepted) return;
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export view"), exportedViewName(dialog.view()) + ".png", tr("PNG images (*.png)"));
  if (!path.isEmpty()) exportView(dialog.view(), dialog.size(), path);
}

QString MainWindow::aboutText() const {
  return tr("<b>MultiSPA Studio %1</b><br>Multi-frame spatial understanding with multimodal "
            "LLMs.<br><br>Qt %2, VTK %3%4")
      .arg(version(), qVersion(), vtkVersion::GetVTKVersion(),
           engineDescription_.isEmpty() ? QString() : ", " + engineDescription_);
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About MultiSPA Studio"), aboutText());
}

QString MainWindow::shortcutsText() const {
  QStringList lines;
  const std::function<void(const QList<QAction*>&)> collect = [&](const QList<QAction*>& actions) {
    for (auto* action : actions) {
      if (action->menu()) collect(action->menu()->actions());
      if (!action->shortcut().isEmpty())
        lines << action->shortcut().toString(QKeySequence::NativeText) + "\t" +
                     action->text().remove('&');
    }
  };
  collect(menuBar()->actions());
  lines << tr("Space\tplay / pause the timeline") << tr("Left, Right\tprevious / next frame")
        << tr("R (3D view)\treset the camera")
        << tr("Shift-click\tmeasure a distance (frames or 3D)");
  return lines.join("\n");
}

}  // namespace mspa::widgets
