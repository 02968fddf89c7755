// mspa: the command-line face of MultiSPA Studio. Every capability of the GUI is reachable here.
#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "app/cli_commands.h"
#include "core/version.h"
#include "inference/engine_info.h"
#include "inference/model_commands.h"

namespace {

std::string versionText() {
  return std::string("mspa ") + mspa::version() + " (LibTorch " + mspa::inference::engineInfo().libtorchVersion + ")";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MultiSPA Studio command line: scenes, questions, models and scores"};
  app.name("mspa");
  app.set_version_flag("--version", versionText);
  app.require_subcommand(1);
  mspa::cli::addInfoCommand(app);
  mspa::cli::addMakeDemoCloudCommand(app);
  mspa::cli::addSceneCommand(app);
  mspa::cli::addMakeDemoCommand(app);
  mspa::cli::addScoreCommand(app);
  mspa::cli::addGenerateCommand(app);
  mspa::inference::addModelCommands(app);
  mspa::inference::addAskCommand(app);
  mspa::inference::setCpuThreads(static_cast<int>(std::thread::hardware_concurrency()));
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "mspa: error: " << e.what() << "\n";
    return 2;
  } catch (const std::runtime_error& e) {
    // Bad input: mspa::InputError from core, and the engine's errors (a folder that is not a
    // model, a broken checkpoint), both naming their file.
    std::cerr << "mspa: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "mspa: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
