#include "inference/command_line.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <stdexcept>

namespace mspa::inference {

int runCommandLine(CLI::App& app, int argc, char** argv) {
  const std::string name = app.get_name();
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const std::runtime_error& e) {
    std::cerr << name << ": error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << name << ": internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace mspa::inference
