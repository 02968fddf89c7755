#pragma once

namespace CLI {
class App;
}

namespace mspa::inference {

// Parses and runs a command line; shared by `mspa` and `mspa-engine` so both report the same way:
// usage errors and bad input (a std::runtime_error or std::invalid_argument, naming its file) print
// "NAME: error: ..." and give 2, a command's own failure code is returned as is, anything else is
// an internal error (1).
int runCommandLine(CLI::App& app, int argc, char** argv);

}  // namespace mspa::inference
