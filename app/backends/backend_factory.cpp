#include "app/backends/backend_factory.h"

#include "app/backends/local_backend.h"
#include "app/backends/openai_backend.h"
#include "inference/chat_prompt.h"
#include "inference/image_preprocess.h"

namespace mspa::backends {

std::unique_ptr<AnswerBackend> makeBackend(const BackendSettings& settings) {
  switch (settings.kind) {
    case BackendSettings::Kind::Oracle:
      return std::make_unique<OracleBackend>();
    case BackendSettings::Kind::Local:
      return std::make_unique<LocalBackend>(settings);
    case BackendSettings::Kind::OpenAI:
      return std::make_unique<OpenAIBackend>(settings);
  }
  return nullptr;
}

std::string renderModelInput(const BackendSettings& settings, const Question& question) {
  switch (settings.kind) {
    case BackendSettings::Kind::Oracle:
      return "The geometry oracle answers from the scene's truth and reads no prompt.";
    case BackendSettings::Kind::OpenAI:
      return "The endpoint renders this prompt with its own chat template; the model input is the "
             "server's to show.";
    case BackendSettings::Kind::Local:
      break;
  }
  const inference::ChatPrompt prompt(settings.modelDir);
  std::vector<int> tiles;
  for (const auto& image : question.images) {
    tiles.push_back(inference::tileCount(image.width, image.height, settings.tilesPerImage,
                                         prompt.config().vision.imageSize));
  }
  return prompt.render(question.sample.prompt, tiles);
}

}  // namespace mspa::backends
