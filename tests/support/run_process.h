#pragma once

#include <string>

namespace mspa::test {

struct ProcessResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

// Runs a shell command line, capturing its standard output and error.
ProcessResult runProcess(const std::string& commandLine);

// Quotes an argument for the shell.
std::string shellQuote(const std::string& argument);

}  // namespace mspa::test
