#pragma once

#include <memory>

#include "core/ask.h"

namespace mspa::backends {

// The backend the settings describe; loading a local model happens here (call it off the GUI
// thread). Throws std::runtime_error with a message for the user.
std::unique_ptr<AnswerBackend> makeBackend(const BackendSettings& settings);

}  // namespace mspa::backends
