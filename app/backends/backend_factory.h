#pragma once

#include <memory>

#include "core/ask.h"

namespace mspa::backends {

// The backend the settings describe; loading a local model happens here (call it off the GUI
// thread). Throws std::runtime_error with a message for the user.
std::unique_ptr<AnswerBackend> makeBackend(const BackendSettings& settings);

// The exact text the backend's model reads for the question (its prompt as given), without
// loading weights: for the local engine, the checkpoint's chat template with every image token
// spelled out; for the others, what renders it instead. Throws std::runtime_error naming the
// folder when the model's config or tokenizer cannot be read.
std::string renderModelInput(const BackendSettings& settings, const Question& question);

}  // namespace mspa::backends
