#pragma once

#include <string>
#include <string_view>

namespace mspa::test {

struct ProcessResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

// Runs a shell command line, capturing its standard output and error. A run that failed because
// the X server dropped its connection (see x_display.h) is run again, up to three times.
ProcessResult runProcess(const std::string& commandLine);

// What Qt and VTK print when the X server drops a new connection.
bool isXConnectionFailure(std::string_view output);

// Quotes an argument for the shell.
std::string shellQuote(const std::string& argument);

}  // namespace mspa::test
