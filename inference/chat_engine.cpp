#include "inference/chat_engine.h"

#include <numeric>

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

std::vector<std::int64_t> ChatEngine::promptIds(const ChatRequest& request,
                                                const std::vector<int>& tilesPerImage) const {
  return prompt_.encode(prompt_.render(request.question, tilesPerImage, request.system));
}

SamplingOptions ChatEngine::sampling(const ChatRequest& request) const {
  SamplingOptions sampling = request.sampling;
  sampling.stopIds = prompt_.stopIds();
  return sampling;
}

ChatReply ChatEngine::answer(const ChatRequest& request,
                             const std::function<void(const std::string&)>& onText,
                             const std::atomic<bool>* cancel) {
  std::vector<std::uint8_t> tiles;
  const std::vector<int> tilesPerImage = tile(request, tiles);
  std::vector<std::int64_t> answer;
  ChatReply reply;
  reply.generation = generate(
      *model_, promptIds(request, tilesPerImage), {tiles.data(), tilesPerImage}, sampling(request),
      [&](std::int64_t token) {
        answer.push_back(token);
        // Decoding the whole answer keeps multi-token characters intact.
        if (onText) onText(prompt_.partialText(answer));
      },
      cancel);
  reply.text = prompt_.answerText(answer);
  return reply;
}

std::vector<double> AnswerAttention::imageShares(std::size_t token) const {
  std::vector<double> shares;
  for (const Image& image : images) {
    const float* first = row(token) + image.begin;
    shares.push_back(std::accumulate(
        first, first + static_cast<std::int64_t>(image.tiles) * tokensPerTile, 0.0));
  }
  return shares;
}

double AnswerAttention::systemShare(std::size_t token) const {
  return std::accumulate(row(token), row(token) + systemEnd, 0.0);
}

AnswerAttention ChatEngine::attention(const ChatRequest& request, const ChatReply& reply,
                                      int firstLayer, int lastLayer) {
  std::vector<std::uint8_t> tiles;
  const std::vector<int> tilesPerImage = tile(request, tiles);
  std::vector<std::int64_t> ids = promptIds(request, tilesPerImage);
  const std::vector<std::int64_t>& answer = reply.generation.tokens;
  AnswerAttention result;
  result.tokensPerTile = config().tokensPerTile();
  result.systemEnd = prompt_.systemTurnLength(request.question, tilesPerImage, request.system);
  std::int64_t position = 0;
  for (int count : tilesPerImage) {
    while (position < static_cast<std::int64_t>(ids.size()) &&
           ids[position] != model_->imageTokenId())
      ++position;
    result.images.push_back({position, count});
    position += static_cast<std::int64_t>(count) * result.tokensPerTile;
  }
  if (answer.empty()) return result;
  // Token g was produced at the position after the prompt and the g tokens before it.
  ids.insert(ids.end(), answer.begin(), answer.end() - 1);
  result.length = static_cast<std::int64_t>(ids.size());
  result.weights = model_->attentionMap(ids, {tiles.data(), tilesPerImage},
                                        static_cast<int>(answer.size()), firstLayer, lastLayer);
  return result;
}

std::vector<ChatReply> ChatEngine::answerBatch(const std::vector<ChatRequest>& requests,
                                               const std::atomic<bool>* cancel) {
  if (requests.empty()) return {};
  std::vector<std::vector<std::uint8_t>> tiles(requests.size());
  std::vector<std::vector<std::int64_t>> prompts;
  std::vector<ImageTiles> images;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const std::vector<int> tilesPerImage = tile(requests[i], tiles[i]);
    prompts.push_back(promptIds(requests[i], tilesPerImage));
    images.push_back({tiles[i].data(), tilesPerImage});
  }
  const auto results =
      generateBatch(*model_, prompts, images, sampling(requests.front()), {}, cancel);
  std::vector<ChatReply> replies;
  for (const auto& generation : results)
    replies.push_back({prompt_.answerText(generation.tokens), generation});
  return replies;
}

const ModelConfig& ChatEngine::config() const {
  return model_->config();
}

std::string ChatEngine::tokenText(std::int64_t id) const {
  return prompt_.tokenizer().decode({id});
}
std::string ChatEngine::device() const {
  return model_->device();
}
std::string ChatEngine::dtype() const {
  return model_->dtype();
}
double ChatEngine::weightGigabytes() const {
  return static_cast<double>(model_->weightBytes()) / 1e9;
}

}  // namespace mspa::inference
