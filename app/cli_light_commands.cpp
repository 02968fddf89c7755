#include <CLI/CLI.hpp>

#include "app/cli_commands.h"
#include "core/version.h"

namespace mspa::cli {

namespace {

// LibTorch's version comes from the build: this program does not link it.
std::string versionText() {
  return std::string("mspa ") + version() + " (LibTorch " + MSPA_TORCH_VERSION + ")";
}

}  // namespace

void initCommandLine(CLI::App& app) {
  app.description("MultiSPA Studio command line: scenes, questions, models and scores");
  app.name("mspa");
  app.set_version_flag("--version", versionText);
  app.require_subcommand(1);
  addInfoCommand(app);
  addMakeDemoCloudCommand(app);
  addSceneCommand(app);
  addScoreCommand(app);
  addGenerateCommand(app);
  addDatasetCommand(app);
}

}  // namespace mspa::cli
