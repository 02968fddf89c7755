// Runner for tests that render with VTK: they need an X server (Xvfb in CI).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstring>

#include "tests/support/x_display.h"

int main(int argc, char** argv) {
  // Test discovery at build time lists the tests without a display.
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--list", 6) == 0) return Catch::Session().run(argc, argv);
  }
  return mspa::test::runWithXRetries([&] { return Catch::Session().run(argc, argv); });
}
