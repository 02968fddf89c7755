#pragma once

#include <string>
#include <vector>

#include "inference/generation.h"

namespace CLI {
class App;
}

namespace mspa::inference {

struct AskOptions {
  std::string model, lora, device = "cpu", dtype = "float32", question, system;
  std::vector<std::string> images;
  int tiles = 6;  // per image, as Multi-SpatialMLLM uses
  SamplingOptions sampling;
};

// Registers `model info DIR` and `model check --model DIR --reference FILE` on a command line;
// shared by `mspa` and the standalone `mspa-engine`.
void addModelCommands(CLI::App& app);

// Registers `ask --model DIR --image A.jpg [--image B.jpg] "question"`: tiles the images, builds
// the chat prompt, and streams the model's answer to stdout.
void addAskCommand(CLI::App& app);
// The same options on another command (none required, so a front end can add modes), and the run.
void addAskOptions(CLI::App& ask, AskOptions& options);
void runAsk(const AskOptions& options);

}  // namespace mspa::inference
