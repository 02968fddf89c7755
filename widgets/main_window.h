#pragma once

#include <QFutureWatcher>
#include <QMainWindow>
#include <atomic>
#include <memory>

#include "core/point_cloud.h"
#include "render/scene_renderer.h"

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTimer;

namespace mspa::widgets {

class CloudInfoPanel;
class VtkViewWidget;

// The application window: the 3D view in the centre, docks around it, a status bar with load
// progress. Files load on a worker thread; a failed load leaves what was shown before in place.
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Errors are shown in a dialog (interactive) or only logged and reported through
  // loadFinished (scripted runs such as --screenshot).
  void setInteractive(bool interactive) { interactive_ = interactive; }

  // Starts loading a point cloud in the background; loadFinished reports the outcome.
  void openPointCloud(const QString& path);
  void cancelLoading();
  bool isLoading() const;

  bool saveScreenshot(const QString& path);
  VtkViewWidget* view3d() const { return view3d_; }
  const render::SceneRenderer& scene() const { return scene_; }
  CloudInfoPanel* cloudInfo() const { return cloudInfo_; }
  QString logText() const;

 signals:
  void loadFinished(bool ok, const QString& message);

 private:
  struct LoadResult {
    std::shared_ptr<PointCloud> cloud;
    QString error;
    bool cancelled = false;
    double seconds = 0;
  };

  void buildMenus();
  void buildDocks();
  void buildStatusBar();
  void onLoadDone();
  void showError(const QString& title, const QString& message);
  void log(const QString& message);
  void promptOpen();
  void promptScreenshot();
  void showAbout();

  render::SceneRenderer scene_;
  VtkViewWidget* view3d_ = nullptr;
  CloudInfoPanel* cloudInfo_ = nullptr;
  QPlainTextEdit* logView_ = nullptr;
  QLabel* pickLabel_ = nullptr;
  QLabel* frameTimeLabel_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QPushButton* cancelButton_ = nullptr;
  QTimer* progressTimer_ = nullptr;
  QFutureWatcher<LoadResult> loadWatcher_;
  QString loadingPath_;
  std::shared_ptr<std::atomic<int>> loadPermille_;
  std::shared_ptr<std::atomic<bool>> loadCancel_;
  bool interactive_ = true;
};

}  // namespace mspa::widgets
