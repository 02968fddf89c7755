#include "inference/chat_engine.h"

#include <numeric>

#include "inference/internvl_model.h"
#include "inference/tokenizer.h"

namespace mspa::inference {

ChatEngine::~ChatEngine() = default;

std::unique_ptr<ChatEngine> ChatEngine::load(const ChatEngineOptions& options) {
  std::unique_ptr<ChatEngine> engine(new ChatEngine);
  engine->options_ = options;
  engine->tokenizer_ = Tokenizer::load(options.modelDir);
  LoadOptions load;
  load.device = options.device;
  load.dtype = options.dtype;
  load.imageTokenId = static_cast<int>(engine->tokenizer_->specialId("<IMG_CONTEXT>"));
  load.loraDir = options.loraDir;
  engine->model_ = InternVLModel::load(options.modelDir, load);
  return engine;
}

ChatReply ChatEngine::answer(const ChatRequest& request, const std::function<void(const std::string&)>& onText,
                             const std::atomic<bool>* cancel) {
  std::vector<std::uint8_t> tiles;
  std::vector<int> tilesPerImage;
  for (const auto& image : request.images) {
    int count = 0;
    const auto t = makeTiles(image, options_.tilesPerImage, count, config().vision.imageSize);
    tiles.insert(tiles.end(), t.begin(), t.end());
    tilesPerImage.push_back(count);
  }
  const std::string prompt = formatChat({config().templateName, request.system, withImageLabels(request.question, static_cast<int>(request.images.size()))},
                                        tilesPerImage, config().tokensPerTile());
  SamplingOptions sampling = request.sampling;
  // The chat turn ends at <|im_end|>; the model's own EOS ids end it too.
  sampling.stopIds = config().eosIds;
  if (const auto id = tokenizer_->specialId("<|im_end|>"); id >= 0) sampling.stopIds.push_back(id);
  std::vector<std::int64_t> answer;
  ChatReply reply;
  const int totalTiles = std::accumulate(tilesPerImage.begin(), tilesPerImage.end(), 0);
  reply.generation = generate(*model_, tokenizer_->encode(prompt), tiles.data(), totalTiles, sampling, [&](std::int64_t token) {
    if (std::find(sampling.stopIds.begin(), sampling.stopIds.end(), token) != sampling.stopIds.end()) return;
    answer.push_back(token);
    // Decoding the whole answer keeps multi-token characters intact.
    reply.text = tokenizer_->decode(answer);
    if (onText) onText(reply.text);
  }, cancel);
  return reply;
}

const ModelConfig& ChatEngine::config() const { return model_->config(); }
std::string ChatEngine::device() const { return model_->device(); }
double ChatEngine::weightGigabytes() const { return static_cast<double>(model_->weightBytes()) / 1e9; }

}  // namespace mspa::inference
