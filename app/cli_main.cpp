// mspa-full: every command of `mspa`, the engine's and the renderer's included. `mspa` starts
// without LibTorch and VTK and hands the commands that need them here (app/cli_front_main.cpp).
#include <CLI/CLI.hpp>

#include "app/cli_commands.h"
#include "inference/command_line.h"
#include "inference/engine_info.h"
#include "inference/model_commands.h"

int main(int argc, char** argv) {
  CLI::App app;
  mspa::cli::initCommandLine(app);
  mspa::cli::addMakeDemoCommand(app);
  mspa::inference::addModelCommands(app);
  mspa::cli::addAskCommand(app);
  mspa::cli::addBenchCommand(app);
  mspa::cli::addRewardCommand(app);
  mspa::inference::useEveryCpuCore();
  return mspa::inference::runCommandLine(app, argc, argv);
}
