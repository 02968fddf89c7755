#include "tests/support/run_process.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace mspa::test {
namespace {

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string shellQuote(const std::string& argument) {
  std::string quoted = "'";
  for (char c : argument) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

bool isXConnectionFailure(std::string_view output) {
  return output.find("could not connect to display") != std::string_view::npos ||
         output.find("bad X server connection") != std::string_view::npos;
}

ProcessResult runProcess(const std::string& commandLine) {
  TempDir dir;
  const std::string out = dir.file("out"), err = dir.file("err");
  for (int run = 1;; ++run) {
    const int status =
        std::system((commandLine + " >" + shellQuote(out) + " 2>" + shellQuote(err)).c_str());
    ProcessResult result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, readAll(out), readAll(err)};
    if (result.exitCode == 0 || run == 3 || !isXConnectionFailure(result.err)) return result;
  }
}

}  // namespace mspa::test
