#include "inference/chat_engine.h"

#include "inference/internvl_model.h"
#include "inference/tokenizer.h"

namespace mspa::inference {

ChatEngine::ChatEngine(const ChatEngineOptions& options, ChatPrompt prompt)
    : options_(options), prompt_(std::move(prompt)) {}
ChatEngine::~ChatEngine() = default;

std::unique_ptr<ChatEngine> ChatEngine::load(const ChatEngineOptions& options) {
  std::unique_ptr<ChatEngine> engine(new ChatEngine(options, ChatPrompt(options.modelDir)));
  LoadOptions load;
  load.device = options.device;
  load.dtype = options.dtype;
  load.imageTokenId = static_cast<int>(engine->prompt_.tokenizer().specialId("<IMG_CONTEXT>"));
  load.loraDir = options.loraDir;
  engine->model_ = InternVLModel::load(options.modelDir, load);
  return engine;
}

std::vector<int> ChatEngine::tile(const ChatRequest& request,
                                  std::vector<std::uint8_t>& tiles) const {
  std::vector<int> counts;
  for (const auto& image : request.images) {
    int count = 0;
    const auto t = makeTiles(image, options_.tilesPerImage, count, config().vision.imageSize);
    tiles.insert(tiles.end(), t.begin(), t.end());
    counts.push_back(count);
  }
  return counts;
}

ChatReply ChatEngine::answer(const ChatRequest& request,
                             const std::function<void(const std::string&)>& onText,
                             const std::atomic<bool>* cancel) {
  std::vector<std::uint8_t> tiles;
  const std::vector<int> tilesPerImage = tile(request, tiles);
  SamplingOptions sampling = request.sampling;
  sampling.stopIds = prompt_.stopIds();
  std::vector<std::int64_t> answer;
  ChatReply reply;
  const auto ids = prompt_.encode(prompt_.render(request.question, tilesPerImage, request.system));
  reply.generation = generate(
      *model_, ids, {tiles.data(), tilesPerImage}, sampling,
      [&](std::int64_t token) {
        answer.push_back(token);
        // Decoding the whole answer keeps multi-token characters intact.
        if (onText) onText(prompt_.partialText(answer));
      },
      cancel);
  reply.text = prompt_.answerText(answer);
  return reply;
}

const ModelConfig& ChatEngine::config() const { return model_->config(); }
std::string ChatEngine::device() const { return model_->device(); }
std::string ChatEngine::dtype() const {
  return model_->dtype();
}
double ChatEngine::weightGigabytes() const { return static_cast<double>(model_->weightBytes()) / 1e9; }

}  // namespace mspa::inference
