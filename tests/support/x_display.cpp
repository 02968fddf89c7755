#include "tests/support/x_display.h"

#include <X11/Xlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace mspa::test {

bool waitForXDisplay() {
  const char* name = std::getenv("DISPLAY");
  if (!name || !*name) {
    std::fprintf(stderr, "these tests need an X server: run packaging/run-tests.sh, "
                         "or wrap the command in packaging/with-xvfb.sh\n");
    return false;
  }
  constexpr int kAttempts = 50;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    if (Display* display = XOpenDisplay(name)) {
      XCloseDisplay(display);
      if (attempt > 1) std::fprintf(stderr, "X display %s answered on attempt %d\n", name, attempt);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::fprintf(stderr, "X display %s refused every connection for 5 s\n", name);
  return false;
}

}  // namespace mspa::test
