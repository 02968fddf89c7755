#pragma once

namespace CLI {
class App;
}

namespace mspa::inference {

// Registers `model info DIR` and `model check --model DIR --reference FILE` on a command line;
// shared by `mspa` and the standalone `mspa-engine`.
void addModelCommands(CLI::App& app);

// Registers `ask --model DIR --image A.jpg [--image B.jpg] "question"`: tiles the images, builds
// the chat prompt, and streams the model's answer to stdout.
void addAskCommand(CLI::App& app);

}  // namespace mspa::inference
