// mspa: the command-line face of MultiSPA Studio. Every capability of the GUI is reachable here.
#include <CLI/CLI.hpp>
#include <thread>

#include "app/cli_commands.h"
#include "core/version.h"
#include "inference/command_line.h"
#include "inference/engine_info.h"
#include "inference/model_commands.h"

namespace {

std::string versionText() {
  return std::string("mspa ") + mspa::version() + " (LibTorch " +
         mspa::inference::engineInfo().libtorchVersion + ")";
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
  mspa::cli::addAskCommand(app);
  mspa::cli::addDatasetCommand(app);
  mspa::cli::addBenchCommand(app);
  mspa::cli::addRewardCommand(app);
  mspa::inference::setCpuThreads(static_cast<int>(std::thread::hardware_concurrency()));
  return mspa::inference::runCommandLine(app, argc, argv);
}
