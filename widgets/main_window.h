#pragma once

#include <QFutureWatcher>
#include <QMainWindow>
#include <atomic>
#include <memory>

#include "core/scene.h"
#include "widgets/view_export.h"

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTimer;

namespace mspa::widgets {

class QuestionPanel;
class StartPage;
class RewardWindow;
class ScenePanel;
class SceneWorkspace;
class Timeline;
class VtkViewWidget;

// The application window: the linked scene views in the centre, the scene description, the
// timeline and the log in docks, and a status bar with readouts and load progress. Scenes load on a
// worker thread; a failed or cancelled load leaves what was shown before in place.
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Errors are shown in a dialog (interactive) or only logged and reported through
  // loadFinished (scripted runs such as --screenshot).
  void setInteractive(bool interactive) { interactive_ = interactive; }
  // Whether opened scenes join the recent files (scripted runs such as tests leave them alone).
  void setRemembersRecentFiles(bool remembers);
  // The window geometry and dock layout of the last interactive session (scripted runs skip it,
  // so their pictures do not depend on the user's settings).
  void restoreLayout();

  // Starts loading any supported scene (or a .ply) in the background; loadFinished reports it.
  void openScene(const QString& path);
  void cancelLoading();
  bool isLoading() const;

  bool saveScreenshot(const QString& path);
  // Saves one view (3D, frame, pair frame) at `size` pixels as an image file; on failure the
  // message (naming the file) is shown and returned in `problem`.
  bool exportView(ExportedView view, const QSize& size, const QString& path,
                  QString* problem = nullptr);
  // Saves the window at every frame of the timeline as DIR/frame-00000.png, …; returns how many.
  int recordTimeline(const QString& dir);
  // Tools > Reward annotation on the open scene, with the Ask panel's backend.
  RewardWindow* openRewardAnnotator();
  // The start page (first steps, recent files) until a scene is open.
  void showStartPage();
  bool startPageShown() const;
  StartPage* startPage() const { return startPage_; }
  void setDemoScenePath(const QString& path) { demoPath_ = path; }
  void setDemoEpisodePath(const QString& path) { episodePath_ = path; }
  // Opens the bundled robot episode, then the reward annotator on it.
  void openRewardDemo();
  // LibTorch version and device, for the About box (the engine lives above this library).
  void setEngineDescription(const QString& text) { engineDescription_ = text; }
  QString aboutText() const;
  QString shortcutsText() const;
  SceneWorkspace* workspace() const { return workspace_; }
  Timeline* timeline() const { return timeline_; }
  ScenePanel* scenePanel() const { return scenePanel_; }
  QuestionPanel* questionPanel() const { return questionPanel_; }
  VtkViewWidget* view3d() const;
  std::shared_ptr<const Scene> scene() const;
  QString logText() const;
  QString statusText() const;

 signals:
  void loadFinished(bool ok, const QString& message);
  // File > Open MultiSPA dataset: the app opens its browser (which lives above this library).
  void datasetRequested();
  // File > Open benchmark runs: the app opens its scoring dashboard.
  void dashboardRequested();

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  void closeEvent(QCloseEvent* event) override;
  // A scene file or folder dropped on the window opens like File > Open.
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  struct LoadResult {
    std::shared_ptr<Scene> scene;
    QString error;
    bool cancelled = false;
    double seconds = 0;
  };

  void buildMenus();
  void buildDocks();
  void buildStatusBar();
  void onLoadDone();
  // Shows a scene already in memory in every view (a load, or a history entry's own scene).
  void showScene(std::shared_ptr<const Scene> scene, double loadSeconds);
  void showError(const QString& title, const QString& message);
  void log(const QString& message);
  void promptOpen(bool folder);
  void promptScreenshot();
  void promptExportView();
  void showAbout();

  SceneWorkspace* workspace_ = nullptr;
  ScenePanel* scenePanel_ = nullptr;
  QuestionPanel* questionPanel_ = nullptr;
  StartPage* startPage_ = nullptr;
  class QStackedWidget* centre_ = nullptr;
  QString demoPath_, episodePath_, engineDescription_;
  Timeline* timeline_ = nullptr;
  QPlainTextEdit* logView_ = nullptr;
  QLabel* readout_ = nullptr;
  QLabel* frameTimeLabel_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QPushButton* cancelButton_ = nullptr;
  QTimer* progressTimer_ = nullptr;
  QFutureWatcher<LoadResult> loadWatcher_;
  QString loadingPath_;
  std::shared_ptr<std::atomic<int>> loadPermille_;
  std::shared_ptr<std::atomic<bool>> loadCancel_;
  bool interactive_ = true;
  bool remembersRecent_ = true;
};

}  // namespace mspa::widgets
