#pragma once

namespace mspa::test {

// True once the X server named by $DISPLAY accepts a connection. Retries for a few seconds:
// under a loaded Xvfb a single connection can be refused for a moment, and Qt turns that into
// an abort of the whole test binary. Prints what is wrong when there is no server at all.
bool waitForXDisplay();

}  // namespace mspa::test
