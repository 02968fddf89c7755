#include "widgets/main_window.h"

#include <vtkVersion.h>

#include <QApplication>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QStatusBar>
#include <QTime>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include "core/input_error.h"
#include "core/ply_reader.h"
#include "core/version.h"
#include "widgets/cloud_info_panel.h"
#include "widgets/vtk_view_widget.h"

namespace mspa::widgets {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("MultiSPA Studio"));
  setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
  view3d_ = new VtkViewWidget(this);
  view3d_->addRenderer(scene_.renderer());
  setCentralWidget(view3d_);
  buildDocks();
  buildMenus();
  buildStatusBar();
  connect(&loadWatcher_, &QFutureWatcherBase::finished, this, &MainWindow::onLoadDone);
}

MainWindow::~MainWindow() {
  cancelLoading();
  loadWatcher_.waitForFinished();
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open point cloud…"), QKeySequence::Open, this, &MainWindow::promptOpen);
  file->addAction(tr("Save &screenshot…"), QKeySequence(tr("Ctrl+Shift+S")), this, &MainWindow::promptScreenshot);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(tr("&Reset camera"), QKeySequence(tr("Ctrl+R")), this, [this] {
    scene_.resetCamera();
    view3d_->update();
  });
  view->addSeparator();
  for (auto* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About MultiSPA Studio"), this, &MainWindow::showAbout);
}

void MainWindow::buildDocks() {
  auto* sceneDock = new QDockWidget(tr("Scene"), this);
  sceneDock->setObjectName("sceneDock");
  cloudInfo_ = new CloudInfoPanel(sceneDock);
  sceneDock->setWidget(cloudInfo_);
  addDockWidget(Qt::LeftDockWidgetArea, sceneDock);
  resizeDocks({sceneDock}, {300}, Qt::Horizontal);

  auto* logDock = new QDockWidget(tr("Log"), this);
  logDock->setObjectName("logDock");
  logView_ = new QPlainTextEdit(logDock);
  logView_->setReadOnly(true);
  logView_->setMaximumBlockCount(5000);
  logDock->setWidget(logView_);
  addDockWidget(Qt::BottomDockWidgetArea, logDock);
  resizeDocks({logDock}, {110}, Qt::Vertical);
}

void MainWindow::buildStatusBar() {
  pickLabel_ = new QLabel(this);
  frameTimeLabel_ = new QLabel(this);
  frameTimeLabel_->setMinimumWidth(110);
  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1000);
  progress_->setMaximumWidth(220);
  progress_->hide();
  cancelButton_ = new QPushButton(tr("Cancel"), this);
  cancelButton_->hide();
  connect(cancelButton_, &QPushButton::clicked, this, &MainWindow::cancelLoading);
  statusBar()->addWidget(pickLabel_, 1);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancelButton_);
  statusBar()->addPermanentWidget(frameTimeLabel_);

  progressTimer_ = new QTimer(this);
  progressTimer_->setInterval(100);
  connect(progressTimer_, &QTimer::timeout, this, [this] {
    if (loadPermille_) progress_->setValue(loadPermille_->load());
  });
  connect(view3d_, &VtkViewWidget::rendered, this,
          [this](double ms) { frameTimeLabel_->setText(tr("frame %1 ms").arg(ms, 0, 'f', 1)); });
  connect(view3d_, &VtkViewWidget::pointPicked, this, [this](double x, double y, double z, long long id) {
    pickLabel_->setText(tr("Point %1 at (%2, %3, %4) m").arg(id).arg(x, 0, 'f', 3).arg(y, 0, 'f', 3).arg(z, 0, 'f', 3));
  });
}

void MainWindow::openPointCloud(const QString& path) {
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
    PlyReadOptions options;
    options.progress = [&](double fraction) {
      permille->store(static_cast<int>(fraction * 1000));
      return !cancel->load();
    };
    try {
      result.cloud = std::make_shared<PointCloud>(readPly(file, options));
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

bool MainWindow::isLoading() const { return loadWatcher_.isRunning(); }

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
  if (!result.cloud) {
    showError(tr("Cannot open point cloud"), result.error);
    emit loadFinished(false, result.error);
    return;
  }
  scene_.setPointCloud(result.cloud);
  cloudInfo_->showCloud(loadingPath_, *result.cloud, result.seconds);
  const QString message = tr("Loaded %1 points from %2 in %3 ms")
                              .arg(result.cloud->size())
                              .arg(loadingPath_)
                              .arg(result.seconds * 1000, 0, 'f', 0);
  log(message);
  setWindowTitle(tr("%1 — MultiSPA Studio").arg(QFileInfo(loadingPath_).fileName()));
  view3d_->update();
  emit loadFinished(true, message);
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

QString MainWindow::logText() const { return logView_->toPlainText(); }

bool MainWindow::saveScreenshot(const QString& path) {
  const bool ok = grab().save(path);
  if (ok) {
    log(tr("Saved screenshot %1").arg(path));
  } else {
    showError(tr("Cannot save screenshot"), tr("%1: cannot write the image").arg(path));
  }
  return ok;
}

void MainWindow::promptOpen() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open point cloud"), QString(),
                                                    tr("Point clouds (*.ply);;All files (*)"));
  if (!path.isEmpty()) openPointCloud(path);
}

void MainWindow::promptScreenshot() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Save screenshot"), "screenshot.png",
                                                    tr("PNG images (*.png)"));
  if (!path.isEmpty()) saveScreenshot(path);
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About MultiSPA Studio"),
                     tr("<b>MultiSPA Studio %1</b><br>Multi-frame spatial understanding with multimodal LLMs."
                        "<br><br>Qt %2, VTK %3")
                         .arg(version(), qVersion(), vtkVersion::GetVTKVersion()));
}

}  // namespace mspa::widgets
