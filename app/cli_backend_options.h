#pragma once

// The answer-backend options that `ask --scene`, `bench run` and `reward` share: declared in one
// place and resolved by one rule, so that the same flags mean the same thing in each command.

#include <string>
#include <vector>

#include "core/ask.h"
#include "inference/model_commands.h"

namespace CLI {
class App;
}

namespace mspa::cli {

// The model flags name the local model (--model: for openai, the served model's name).
struct BackendOptions : inference::ModelFlags {
  // oracle, local or openai; empty: openai with --endpoint, local with --model, else the
  // command's own default.
  std::string backend;
  std::vector<std::string> endpoints;
  std::string apiKeyVariable = "OPENAI_API_KEY";
  double timeout = 120;
  int concurrency = 8;
};

// Which of the shared options a command declares.
struct BackendOptionSet {
  // --model, --lora, --device, --dtype and --tiles (`ask` has them from the engine's own options).
  bool modelOptions = true;
  bool severalEndpoints = false;  // --endpoint may repeat
  bool concurrency = false;       // --concurrency: requests in flight per endpoint
};

void addBackendOptions(CLI::App& command, BackendOptions& options, const BackendOptionSet& set);

// The settings the options describe (the first endpoint's, for several): --backend when given,
// else openai with --endpoint, local with --model, else `otherwise`. Throws CLI::ValidationError
// naming what the chosen backend lacks.
BackendSettings resolveBackend(const BackendOptions& options, BackendSettings::Kind otherwise,
                               const std::string& command);

}  // namespace mspa::cli
