#pragma once

#include <string>
#include <vector>

#include "inference/generation.h"

namespace CLI {
class App;
}

namespace mspa::inference {

// What names a model to load, spelled the same by every command that loads one.
struct ModelFlags {
  std::string model, lora, device = "cpu", dtype;  // dtype empty: the checkpoint's
  int tiles = 6;                                   // per image, as Multi-SpatialMLLM uses
};

// --model (described by `modelHelp`), --lora, --device, --dtype and --tiles.
void addModelFlags(CLI::App& command, ModelFlags& flags, const std::string& modelHelp);

struct AskOptions : ModelFlags {
  std::string question, system;
  std::vector<std::string> images;
  SamplingOptions sampling;
  bool printPrompt = false;     // print the exact model input and stop, loading no weights
  std::string format = "text";  // text or json
  std::string explain;          // a folder for the explanation (explain_output.h); empty: none
  int explainTopK = 5;
  std::string layers;  // "A:B": the decoder layers the attention maps average (default all)
  bool perToken = false;
};

// The exact text the model reads for `question` about images with these tile counts, on stdout:
// the text alone, or {"prompt", "input_ids", "template"} as JSON.
void printPrompt(const std::string& modelDir, const std::string& question,
                 const std::vector<int>& tilesPerImage, const std::string& system,
                 const std::string& format);

// Registers `model info DIR`, `model check --model DIR --reference FILE` and
// `model merge --model DIR [--lora DIR] --out DIR` on a command line; shared by `mspa` and the
// standalone `mspa-engine`.
void addModelCommands(CLI::App& app);

// Registers `ask --model DIR --image A.jpg [--image B.jpg] "question"`: tiles the images, builds
// the chat prompt, and streams the model's answer to stdout.
void addAskCommand(CLI::App& app);
// The same options on another command (none required, so a front end can add modes), and the run.
void addAskOptions(CLI::App& ask, AskOptions& options);
void runAsk(const AskOptions& options);

}  // namespace mspa::inference
