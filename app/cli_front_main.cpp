// mspa: the command-line face of MultiSPA Studio. Every capability of the GUI is reachable here.
// Commands that need neither the engine nor the renderer run in this small program, which maps
// neither LibTorch nor VTK; every other command (and the full help) is handed to mspa-full.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "app/cli_commands.h"
#include "inference/command_line.h"

namespace fs = std::filesystem;

namespace {

// The command the arguments name: the first that is not an option; empty when there is none.
std::string commandOf(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] != '-') return argv[i];
  }
  return {};
}

// Beside this program in a build tree, in ../lib/mspa when installed.
fs::path fullProgram() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  for (const fs::path& candidate :
       {self.parent_path() / "mspa-full", self.parent_path() / "../lib/mspa/mspa-full"}) {
    if (!error && fs::exists(candidate)) return candidate;
  }
  return {};
}

bool runsHere(const CLI::App& app, const std::string& command) {
  const auto commands =
      app.get_subcommands([&](const CLI::App* sub) { return sub->check_name(command); });
  return !commands.empty();
}

int handOver(char** argv) {
  const fs::path full = fullProgram();
  if (full.empty()) {
    std::fprintf(stderr,
                 "mspa: error: mspa-full (the engine's and renderer's commands) is not "
                 "installed beside mspa\n");
    return 1;
  }
  execv(full.c_str(), argv);
  std::fprintf(stderr, "mspa: error: cannot run %s: %s\n", full.c_str(), std::strerror(errno));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app;
  mspa::cli::initCommandLine(app);
  const std::string command = commandOf(argc, argv);
  const bool version = argc == 2 && std::strcmp(argv[1], "--version") == 0;
  if (!version && (command.empty() || !runsHere(app, command))) return handOver(argv);
  return mspa::inference::runCommandLine(app, argc, argv);
}
