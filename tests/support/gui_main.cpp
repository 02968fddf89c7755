// Runner for GUI tests: one QApplication (with VTK's surface format) for the whole binary.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <QApplication>
#include <QStandardPaths>
#include <cstring>

#include "tests/support/x_display.h"
#include "widgets/surface_format.h"

int main(int argc, char** argv) {
  // Test discovery at build time lists the tests without a display.
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--list", 6) == 0) return Catch::Session().run(argc, argv);
  }
  return mspa::test::runWithXRetries([&] {
    mspa::widgets::setVtkSurfaceFormat();
    QApplication app(argc, argv);
    // Settings the tests save (the backend choice) go to a throwaway location, not the user's.
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName("MultiSPA-tests");
    return Catch::Session().run(argc, argv);
  });
}
