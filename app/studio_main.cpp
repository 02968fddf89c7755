// mspa-studio: the GUI. Parses the command line, opens the window, and for --screenshot sets up
// the requested view, renders, saves and exits (used by tests and the documentation).
#include <QApplication>
#include <QCommandLineParser>
#include <QFileDialog>
#include <QFileInfo>
#include <QTableView>
#include <QTimer>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "app/backends/backend_factory.h"
#include "app/resource_paths.h"
#include "core/demo_playlist.h"
#include "core/version.h"
#include "dataset_browser/dataset_browser_window.h"
#include "dataset_browser/score_dashboard.h"
#include "inference/engine_info.h"
#include "widgets/backend_settings_dialog.h"
#include "widgets/demo_tour.h"
#include "widgets/explain_controls.h"
#include "widgets/frame_view.h"
#include "widgets/main_window.h"
#include "widgets/question_panel.h"
#include "widgets/reward_window.h"
#include "widgets/scene_workspace.h"
#include "widgets/surface_format.h"
#include "widgets/timeline.h"
#include "widgets/view_export.h"

namespace {

struct StudioOptions {
  QString path;
  QString screenshot;
  QSize size{1280, 800};
  std::optional<mspa::widgets::ExportedView> exportView;  // with --screenshot: this view alone
  QSize exportSize;
  int frame = 0;
  int pair = -1;
  bool depthOverlay = false;
  QPointF pick{-1, -1};
  QString ask;           // subtask to compose and ask with the oracle (or the saved backend)
  int askSeed = -1;      // sample the question's frames and points
  bool explain = false;  // with --ask: explain the answer (the local model)
  mspa::AttentionPart explainPart = mspa::AttentionPart::Combined;  // which tokens' map to draw
  QStringList dataset;  // MultiSPA JSONL files to browse
  QString images;       // their image root
  QString predictions;
  int select = -1;      // table row to show
  QString record;       // record the timeline into this folder, then exit
  QString tour;         // demo playlist to play
  QString tourShots;    // folder for a screenshot per tour step (then exit)
  bool reward = false;  // open the reward annotator on the scene (with --screenshot: run it)
  QString dashboard;    // benchmark JSONL to score
  QStringList runs;     // prediction files scored against it
};

QPointF parsePoint(const QString& text) {
  const QStringList xy = text.split(',');
  return xy.size() == 2 ? QPointF(xy[0].toDouble(), xy[1].toDouble()) : QPointF(-1, -1);
}

// "WxH" with both positive, else an invalid size.
QSize parseSize(const QString& text) {
  const QStringList wh = text.split('x');
  if (wh.size() != 2 || wh[0].toInt() <= 0 || wh[1].toInt() <= 0) return {};
  return {wh[0].toInt(), wh[1].toInt()};
}

[[noreturn]] void usageError(const QString& message) {
  std::fprintf(stderr, "mspa-studio: %s\n", qPrintable(message));
  std::exit(2);
}

StudioOptions parseOptions(const QApplication& app) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "MultiSPA Studio: multi-frame spatial understanding with multimodal LLMs");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(
      "PATH",
      "Scene to open: ScanNet folder, manifest .json, TAPVid-3D .npz, images, video, "
      ".ply, or a MultiSPA .jsonl dataset (default: the start page)",
      "[PATH]");
  const QCommandLineOption demo("demo", "Open the bundled demo scene");
  const QCommandLineOption demoEpisode("demo-episode",
                                       "Open the bundled robot episode (a gripper pushes a block)");
  const QCommandLineOption reward(
      "reward",
      "Open the reward annotator on the scene; with --screenshot, run it and save its window");
  const QCommandLineOption record(
      "record-timeline",
      "Save the window at every frame into DIR (frame-00000.png, ...), then exit", "DIR");
  const QCommandLineOption tour(
      "tour",
      "Demo mode: play this playlist full screen, looping (the bundled one: demo/demo_tour.json)",
      "PLAYLIST");
  const QCommandLineOption tourShots(
      "tour-screenshots", "With --tour: save each step's window into DIR, then exit", "DIR");
  const QCommandLineOption screenshot("screenshot", "Render the window to OUT.png and exit",
                                      "OUT.png");
  const QCommandLineOption size("size", "Window size", "WxH", "1280x800");
  const QCommandLineOption exportView(
      "export-view", "With --screenshot: save only this view (3d, frame or pair)", "VIEW");
  const QCommandLineOption exportSize(
      "export-size", "With --export-view: the picture's size (default: the view's own)", "WxH");
  const QCommandLineOption frame("frame", "Frame index to show", "N", "0");
  const QCommandLineOption pair("pair", "Show frame M beside the current one", "M");
  const QCommandLineOption depth("depth-overlay", "Overlay depth on the frames");
  const QCommandLineOption pick("pick", "Pick the pixel X,Y of the current frame", "X,Y");
  const QCommandLineOption ask(
      "ask", "Compose SUBTASK on the shown frames and ask the saved backend", "SUBTASK");
  const QCommandLineOption sample("sample",
                                  "With --ask: let the task engine choose frames and points");
  const QCommandLineOption explain(
      "explain",
      "With --ask, or --dataset and --select: explain the answer (token probabilities; attention "
      "from the local model)");
  const QCommandLineOption explainPart(
      "explain-part",
      "With --explain: draw the attention of the tiles and thumbnail together (combined), the grid "
      "tiles alone (tiles) or the thumbnail alone (thumbnail)",
      "PART", "combined");
  const QCommandLineOption dataset("dataset",
                                   "Browse this MultiSPA JSONL file (repeat for several)", "FILE");
  const QCommandLineOption images("images", "With --dataset: the image root", "DIR");
  const QCommandLineOption predictions("predictions", "With --dataset: join this prediction file",
                                       "PRED.jsonl");
  const QCommandLineOption select("select", "With --dataset: show this table row", "N");
  const QCommandLineOption dashboard(
      "dashboard", "Score runs against this benchmark in the dashboard", "BENCH.jsonl");
  const QCommandLineOption run("run", "With --dashboard: a prediction file (repeat for several)",
                               "PRED.jsonl");
  parser.addOptions({screenshot, size,       frame,       pair,   depth,       pick,
                     ask,        sample,     dataset,     images, predictions, select,
                     dashboard,  run,        demo,        tour,   tourShots,   record,
                     exportView, exportSize, demoEpisode, reward, explain,     explainPart});
  parser.process(app);

  StudioOptions options;
  const QString bundled = parser.isSet(demoEpisode) ? mspa::app::demoEpisodePath()
                          : parser.isSet(demo)      ? mspa::app::demoScenePath()
                                                    : QString();
  options.path = parser.positionalArguments().value(0, bundled);
  options.reward = parser.isSet(reward);
  options.screenshot = parser.value(screenshot);
  if (const QSize window = parseSize(parser.value(size)); window.isValid()) options.size = window;
  if (parser.isSet(exportView)) {
    options.exportView = mspa::widgets::exportedViewFromName(parser.value(exportView));
    if (!options.exportView)
      usageError("--export-view must be 3d, frame or pair, not " + parser.value(exportView));
  }
  if (parser.isSet(exportSize)) {
    options.exportSize = parseSize(parser.value(exportSize));
    if (!options.exportSize.isValid())
      usageError("--export-size must be WxH with positive numbers, not " +
                 parser.value(exportSize));
  }
  options.frame = parser.value(frame).toInt();
  if (parser.isSet(pair)) options.pair = parser.value(pair).toInt();
  options.depthOverlay = parser.isSet(depth);
  if (parser.isSet(pick)) options.pick = parsePoint(parser.value(pick));
  options.ask = parser.value(ask);
  if (parser.isSet(sample)) options.askSeed = 0;
  options.explain = parser.isSet(explain);
  if (const auto part = mspa::widgets::attentionPartFromName(parser.value(explainPart))) {
    options.explainPart = *part;
  } else {
    usageError("--explain-part must be combined, tiles or thumbnail, not " +
               parser.value(explainPart));
  }
  options.dataset = parser.values(dataset);
  // A MultiSPA dataset opened from the file manager (the desktop entry's MIME types).
  if (options.path.endsWith(".jsonl") && options.dataset.isEmpty())
    options.dataset = {options.path};
  options.images = parser.value(images);
  options.predictions = parser.value(predictions);
  if (parser.isSet(select)) options.select = parser.value(select).toInt();
  options.record = parser.value(record);
  options.tour = parser.value(tour);
  options.tourShots = parser.value(tourShots);
  options.dashboard = parser.value(dashboard);
  options.runs = parser.values(run);
  return options;
}

// The window, or with --export-view that view alone at --export-size (default: defaultExportSize).
bool saveRequestedPicture(mspa::widgets::MainWindow& window, const StudioOptions& options) {
  if (!options.exportView) return window.saveScreenshot(options.screenshot);
  const QSize size = options.exportSize.isValid() ? options.exportSize
                                                  : mspa::widgets::defaultExportSize(
                                                        *window.workspace(), *options.exportView);
  QString problem;
  if (window.exportView(*options.exportView, size, options.screenshot, &problem)) return true;
  std::fprintf(stderr, "mspa-studio: error: %s\n", qPrintable(problem));
  return false;
}

// --reward: the annotator on the loaded scene; for --screenshot it runs and its window is saved.
void runRewardAnnotator(mspa::widgets::MainWindow& window, const StudioOptions& options) {
  auto* reward = window.openRewardAnnotator();
  if (options.screenshot.isEmpty()) return;
  reward->resize(1200, 560);
  QObject::connect(reward, &mspa::widgets::RewardWindow::finished, reward,
                   [reward, out = options.screenshot](bool ok, const QString& message) {
                     if (!ok) std::fprintf(stderr, "mspa-studio: error: %s\n", qPrintable(message));
                     QTimer::singleShot(300, reward, [reward, ok, out] {
                       QCoreApplication::exit(ok && reward->grab().save(out) ? 0 : 1);
                     });
                   });
  reward->start();
}

// Applies the view options once the scene is in; then, for --screenshot, saves and quits with 0,
// or 2 when the scene could not be loaded.
void whenLoaded(mspa::widgets::MainWindow& window, const StudioOptions& options) {
  QObject::connect(
      &window, &mspa::widgets::MainWindow::loadFinished, &window,
      [&window, options](bool ok, const QString& message) {
        if (!ok) {
          if (options.screenshot.isEmpty()) return;
          std::fprintf(stderr, "mspa-studio: error: %s\n", qPrintable(message));
          QCoreApplication::exit(2);
          return;
        }
        auto* workspace = window.workspace();
        window.timeline()->setCurrent(options.frame);
        if (options.pair >= 0) workspace->setPairFrame(options.pair);
        workspace->setDepthOverlay(options.depthOverlay, 0.5);
        if (options.pick.x() >= 0) workspace->pickPixel(0, options.pick);
        const auto screenshot = [&window, options] {
          if (options.screenshot.isEmpty()) return;
          QTimer::singleShot(300, &window, [&window, options] {
            QCoreApplication::exit(saveRequestedPicture(window, options) ? 0 : 1);
          });
        };
        if (options.reward) return runRewardAnnotator(window, options);
        if (!options.record.isEmpty()) {
          QTimer::singleShot(300, &window, [&window, dir = options.record] {
            QCoreApplication::exit(window.recordTimeline(dir) > 0 ? 0 : 1);
          });
          return;
        }
        if (options.ask.isEmpty()) return screenshot();
        auto* panel = window.questionPanel();
        panel->setExplaining(options.explain);
        panel->attentionDisplay()->setPart(options.explainPart);
        QObject::connect(panel, &mspa::widgets::QuestionPanel::askFinished, &window, screenshot);
        const bool composed =
            panel->selectSubtask(options.ask) && (options.askSeed < 0 || panel->compose(true));
        if (!composed || !panel->ask()) {
          std::fprintf(stderr, "mspa-studio: cannot ask %s: %s\n", qPrintable(options.ask),
                       qPrintable(panel->message()));
          if (!options.screenshot.isEmpty()) QCoreApplication::exit(2);
        }
      });
}

// The dataset browser as its own window; for --screenshot it renders once the table is filled.
// `backends`: the Ask panel's, so that Explain uses the model already loaded; none (the browser
// alone): the saved backend settings.
void browseDataset(const StudioOptions& options,
                   std::shared_ptr<mspa::BackendCache> backends = nullptr) {
  if (!backends) {
    backends = std::make_shared<mspa::BackendCache>(mspa::backends::makeBackend);
    backends->setSettings(mspa::widgets::loadBackendSettings());
  }
  auto* browser = new mspa::dataset::DatasetBrowser;
  browser->setBackends(std::move(backends));
  browser->attentionDisplay()->setPart(options.explainPart);
  browser->setAttribute(Qt::WA_DeleteOnClose);
  browser->resize(options.size);
  QObject::connect(browser, &mspa::dataset::DatasetBrowser::indexReady, browser,
                   [browser, options](bool ok, const QString& message) {
                     if (!ok) {
                       std::fprintf(stderr, "mspa-studio: error: %s\n", qPrintable(message));
                       if (!options.screenshot.isEmpty()) QCoreApplication::exit(2);
                       return;
                     }
                     if (!options.predictions.isEmpty())
                       browser->loadPredictions(options.predictions);
                     if (options.select >= 0) {
                       browser->table()->selectRow(options.select);
                       browser->table()->scrollTo(browser->model()->index(options.select, 0),
                                                  QAbstractItemView::PositionAtCenter);
                     }
                     const auto screenshot = [browser, out = options.screenshot] {
                       if (out.isEmpty()) return;
                       QTimer::singleShot(300, browser, [browser, out] {
                         QCoreApplication::exit(browser->grab().save(out) ? 0 : 1);
                       });
                     };
                     if (options.explain && options.select >= 0) {
                       QObject::connect(browser, &mspa::dataset::DatasetBrowser::explained, browser,
                                        screenshot);
                       if (browser->explainSample()) return;
                       std::fprintf(stderr, "mspa-studio: cannot explain: %s\n",
                                    qPrintable(browser->statusText()));
                     }
                     screenshot();
                   });
  browser->show();
  browser->openDataset(options.dataset, options.images.isEmpty()
                                            ? QFileInfo(options.dataset[0]).absolutePath()
                                            : options.images);
}

// The scoring dashboard as its own window; for --screenshot it renders once scored.
int showDashboard(const StudioOptions& options) {
  auto* dashboard = new mspa::dataset::ScoreDashboard;
  dashboard->setAttribute(Qt::WA_DeleteOnClose);
  dashboard->resize(options.size);
  dashboard->show();
  if (!dashboard->load(options.dashboard, options.runs, options.images)) {
    std::fprintf(stderr, "mspa-studio: error: %s\n", qPrintable(dashboard->status()));
    if (!options.screenshot.isEmpty()) return 2;
  }
  if (!options.screenshot.isEmpty()) {
    QTimer::singleShot(300, dashboard, [dashboard, out = options.screenshot] {
      QCoreApplication::exit(dashboard->grab().save(out) ? 0 : 1);
    });
  }
  return QApplication::exec();
}

// Demo mode: large type, thick overlays, full screen, the playlist looping hands-free.
int playTour(mspa::widgets::MainWindow& window, const StudioOptions& options) {
  mspa::DemoPlaylist playlist;
  try {
    playlist = mspa::readDemoPlaylist(options.tour.toStdString());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mspa-studio: error: %s\n", e.what());
    return 2;
  }
  QFont font = QApplication::font();
  font.setPointSizeF(font.pointSizeF() * 1.5);
  QApplication::setFont(font);
  mspa::widgets::FrameView::setOverlayScale(2.5);
  auto* tour = new mspa::widgets::DemoTour(&window, playlist, &window);
  QObject::connect(
      tour, &mspa::widgets::DemoTour::stepShown, &window,
      [&window, options](int index, bool ok, const QString& message) {
        std::fprintf(stderr, "step %d: %s%s\n", index + 1,
                     ok ? "" : "skipped: ", qPrintable(message));
        if (!options.tourShots.isEmpty())
          window.saveScreenshot(
              QString("%1/tour-%2.png").arg(options.tourShots).arg(index + 1, 2, 10, QChar('0')));
      });
  if (options.tourShots.isEmpty()) {
    window.showFullScreen();
  } else {
    tour->setOnePass(true);
    QObject::connect(tour, &mspa::widgets::DemoTour::finished, &window,
                     [] { QCoreApplication::exit(0); });
    window.show();
  }
  tour->start();
  return QApplication::exec();
}

}  // namespace

int main(int argc, char** argv) {
  mspa::widgets::setVtkSurfaceFormat();
  mspa::inference::useEveryCpuCore();
  QApplication app(argc, argv);
  QApplication::setApplicationName("MultiSPA Studio");
  QApplication::setOrganizationName("MultiSPA");
  QApplication::setApplicationVersion(mspa::version());
  const StudioOptions options = parseOptions(app);
  if (!options.dataset.isEmpty()) {
    browseDataset(options);
    return QApplication::exec();
  }
  if (!options.dashboard.isEmpty()) return showDashboard(options);

  mspa::widgets::MainWindow window;
  window.questionPanel()->setBackendFactory(mspa::backends::makeBackend);
  window.questionPanel()->setModelInputRenderer(mspa::backends::renderModelInput);
  window.setDemoScenePath(mspa::app::demoScenePath());
  window.setDemoEpisodePath(mspa::app::demoEpisodePath());
  const auto engine = mspa::inference::engineInfo();
  window.setEngineDescription(QString("LibTorch %1 (%2)")
                                  .arg(QString::fromStdString(engine.libtorchVersion),
                                       engine.cudaDevices > 0
                                           ? QString("CUDA, %1 GPU(s)").arg(engine.cudaDevices)
                                           : QString("CPU only")));
  QObject::connect(
      &window, &mspa::widgets::MainWindow::datasetRequested, &window, [&window, options] {
        StudioOptions browse = options;
        browse.screenshot.clear();
        browse.dataset = QFileDialog::getOpenFileNames(&window, QObject::tr("MultiSPA JSONL files"),
                                                       {}, QObject::tr("JSONL (*.jsonl)"));
        if (browse.dataset.isEmpty()) return;
        browse.images = QFileDialog::getExistingDirectory(
            &window, QObject::tr("Image root"), QFileInfo(browse.dataset[0]).absolutePath());
        browseDataset(browse, window.questionPanel()->session().backends());
      });
  QObject::connect(&window, &mspa::widgets::MainWindow::dashboardRequested, &window, [&window] {
    const QString bench = QFileDialog::getOpenFileName(&window, QObject::tr("Benchmark JSONL"), {},
                                                       QObject::tr("JSONL (*.jsonl)"));
    if (bench.isEmpty()) return;
    const QStringList runs = QFileDialog::getOpenFileNames(&window, QObject::tr("Prediction files"),
                                                           QFileInfo(bench).absolutePath(),
                                                           QObject::tr("JSONL (*.jsonl)"));
    auto* dashboard = new mspa::dataset::ScoreDashboard;
    dashboard->setAttribute(Qt::WA_DeleteOnClose);
    dashboard->resize(1400, 900);
    dashboard->show();
    dashboard->load(bench, runs);
  });
  window.resize(options.size);
  // Scripted runs (pictures for tests and documentation) neither show dialogs nor read or write
  // the user's layout and recent files, so they do not depend on, or change, the user's state.
  const bool scripted =
      !options.screenshot.isEmpty() || !options.record.isEmpty() || !options.tourShots.isEmpty();
  window.setInteractive(!scripted);
  window.setRemembersRecentFiles(!scripted);
  if (!scripted) window.restoreLayout();
  if (!options.tour.isEmpty()) return playTour(window, options);
  whenLoaded(window, options);
  window.show();
  if (options.path.isEmpty()) {
    window.showStartPage();
    if (!options.screenshot.isEmpty()) {
      QTimer::singleShot(300, &window, [&window, out = options.screenshot] {
        QCoreApplication::exit(window.saveScreenshot(out) ? 0 : 1);
      });
    }
  } else {
    window.openScene(options.path);
  }
  return QApplication::exec();
}
