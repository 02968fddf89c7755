#pragma once

#include <functional>

namespace mspa::test {

// Runs `body` (the test binary's work) in a child process whose standard error passes through,
// and runs it again, up to three times, when it failed because the X server dropped a new
// connection: Debian 12's Xvfb (xserver 21.1) closes about 4% of the connections that arrive
// while it is closing others, which with tests in parallel is several per run. Returns the last
// run's exit status. Prints what is wrong when $DISPLAY is not set at all.
int runWithXRetries(const std::function<int()>& body);

}  // namespace mspa::test
