// mspa-studio: the GUI. Parses the command line, opens the window, and for --screenshot renders,
// saves and exits (used by tests and the documentation).
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <cstdio>

#include "app/resource_paths.h"
#include "core/version.h"
#include "widgets/main_window.h"
#include "widgets/surface_format.h"

namespace {

struct StudioOptions {
  QString file;
  QString screenshot;
  QSize size{1280, 800};
};

StudioOptions parseOptions(const QApplication& app) {
  QCommandLineParser parser;
  parser.setApplicationDescription("MultiSPA Studio: multi-frame spatial understanding with multimodal LLMs");
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument("FILE", "Point cloud to open (default: the bundled demo)", "[FILE]");
  const QCommandLineOption screenshot("screenshot", "Render the window to OUT.png and exit", "OUT.png");
  const QCommandLineOption size("size", "Window size for --screenshot", "WxH", "1280x800");
  parser.addOption(screenshot);
  parser.addOption(size);
  parser.process(app);

  StudioOptions options;
  options.file = parser.positionalArguments().value(0, mspa::app::demoCloudPath());
  options.screenshot = parser.value(screenshot);
  const QStringList wh = parser.value(size).split('x');
  if (wh.size() == 2 && wh[0].toInt() > 0 && wh[1].toInt() > 0) options.size = {wh[0].toInt(), wh[1].toInt()};
  return options;
}

// Waits for the load, lets the view paint, saves the window and quits with 0, or 2 on bad input.
void screenshotWhenLoaded(mspa::widgets::MainWindow& window, const QString& out) {
  QObject::connect(&window, &mspa::widgets::MainWindow::loadFinished, &window,
                   [&window, out](bool ok, const QString& message) {
                     if (!ok) {
                       std::fprintf(stderr, "mspa-studio: error: %s\n", qPrintable(message));
                       QCoreApplication::exit(2);
                       return;
                     }
                     QTimer::singleShot(200, &window, [&window, out] {
                       QCoreApplication::exit(window.saveScreenshot(out) ? 0 : 1);
                     });
                   });
}

}  // namespace

int main(int argc, char** argv) {
  mspa::widgets::setVtkSurfaceFormat();
  QApplication app(argc, argv);
  QApplication::setApplicationName("MultiSPA Studio");
  QApplication::setOrganizationName("MultiSPA");
  QApplication::setApplicationVersion(mspa::version());
  const StudioOptions options = parseOptions(app);

  mspa::widgets::MainWindow window;
  window.resize(options.size);
  if (!options.screenshot.isEmpty()) {
    window.setInteractive(false);
    screenshotWhenLoaded(window, options.screenshot);
  }
  window.show();
  window.openPointCloud(options.file);
  return QApplication::exec();
}
