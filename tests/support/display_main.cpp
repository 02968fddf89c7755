// Runner for tests that render with VTK: they need an X server (Xvfb in CI).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  bool listing = false;
  for (int i = 1; i < argc; ++i) listing = listing || std::strncmp(argv[i], "--list", 6) == 0;
  const char* display = std::getenv("DISPLAY");
  if (!listing && (!display || !*display)) {
    std::fprintf(stderr, "these tests render with OpenGL and need an X server: run packaging/run-tests.sh, "
                         "or wrap the command in packaging/with-xvfb.sh\n");
    return 1;
  }
  return Catch::Session().run(argc, argv);
}
