#pragma once

namespace CLI {
class App;
}

namespace mspa::inference {

// Registers `speed` on a command group (`mspa bench speed`, `mspa-engine bench speed`): one
// question's phases measured against the machine's own limits, as text or JSON.
void addSpeedCommand(CLI::App& bench);

}  // namespace mspa::inference
