#pragma once

namespace CLI {
class App;
}

namespace mspa::inference {

// Registers `model info DIR` and `model check --model DIR --reference FILE` on a command line;
// shared by `mspa` and the standalone `mspa-engine`.
void addModelCommands(CLI::App& app);

}  // namespace mspa::inference
