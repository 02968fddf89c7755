#include "app/backends/backend_factory.h"

#include "app/backends/local_backend.h"
#include "app/backends/openai_backend.h"

namespace mspa::backends {

std::unique_ptr<AnswerBackend> makeBackend(const BackendSettings& settings) {
  switch (settings.kind) {
    case BackendSettings::Kind::Oracle: return std::make_unique<OracleBackend>();
    case BackendSettings::Kind::Local: return std::make_unique<LocalBackend>(settings);
    case BackendSettings::Kind::OpenAI: return std::make_unique<OpenAIBackend>(settings);
  }
  return nullptr;
}

}  // namespace mspa::backends
