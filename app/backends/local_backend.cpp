#include "app/backends/local_backend.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "inference/chat_engine.h"
#include "inference/explain_output.h"

namespace mspa::backends {

LocalBackend::LocalBackend(const BackendSettings& s)
    : engine_(
          inference::ChatEngine::load({s.modelDir, s.loraDir, s.device, s.dtype, s.tilesPerImage})),
      maxNewTokens_(s.maxNewTokens),
      tilesPerImage_(s.tilesPerImage) {
  char memory[64];
  std::snprintf(memory, sizeof memory, "%.2f GB", engine_->weightGigabytes());
  label_ = "local " + std::filesystem::path(s.modelDir).filename().string() +
           (s.loraDir.empty() ? "" : " + LoRA") + " on " + engine_->device() + " (" +
           engine_->dtype() + ", " + memory + ")";
}

LocalBackend::~LocalBackend() = default;

namespace {

inference::ChatRequest chatRequest(const Question& question, int maxNewTokens) {
  inference::ChatRequest request;
  request.question = question.sample.prompt;
  request.sampling.maxNewTokens = maxNewTokens;
  for (const auto& image : question.images)
    request.images.push_back({image.width, image.height, image.pixels});
  return request;
}

BackendReply backendReply(const inference::ChatReply& reply, double seconds) {
  BackendReply out;
  out.text = reply.text;
  out.tokens = static_cast<int>(reply.generation.tokens.size());
  out.cancelled = reply.generation.cancelled;
  out.seconds = seconds;
  return out;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

AnswerExplanation::Candidate candidate(const inference::ChatEngine& engine, std::int64_t id,
                                       double prob) {
  return {engine.tokenText(id), id, prob};
}

// The engine's explanation in core's terms: maps on each image's token grid.
AnswerExplanation explanationOf(const inference::ChatEngine& engine,
                                const inference::ChatRequest& request,
                                const inference::ChatReply& reply,
                                const inference::AnswerAttention& attention, int tilesPerImage) {
  AnswerExplanation out;
  const int tileSize = engine.config().vision.imageSize;
  std::vector<inference::TileGrid> grids;
  for (const auto& image : request.images) {
    grids.push_back(inference::chooseTileGrid(image.width, image.height, tilesPerImage, tileSize));
    const int tiles = inference::tileCount(image.width, image.height, tilesPerImage, tileSize);
    out.tilings.push_back({grids.back().cols, grids.back().rows, tileSize,
                           tiles > grids.back().cols * grids.back().rows});
  }
  for (std::size_t g = 0; g < reply.generation.explained.size(); ++g) {
    const inference::TokenExplanation& step = reply.generation.explained[g];
    AnswerExplanation::Token token{candidate(engine, step.id, step.prob), {}, {}, {}};
    for (const auto& alternative : step.top)
      token.top.push_back(candidate(engine, alternative.id, alternative.prob));
    if (!attention.weights.empty()) {
      token.imageShare = attention.imageShares(g);
      token.systemShare = attention.systemShare(g);
      for (std::size_t k = 0; k < attention.images.size(); ++k) {
        const auto map = [&](inference::MapPart part) {
          auto m =
              inference::tokenGridMap(attention.row(g) + attention.images[k].begin, grids[k],
                                      attention.images[k].tiles, attention.tokensPerTile, part);
          return AttentionMap{m.width, m.height, std::move(m.values)};
        };
        token.maps.push_back({map(inference::MapPart::Combined), {}, {}});
        if (out.tilings[k].thumbnail) {
          token.maps.back().tiles = map(inference::MapPart::Tiles);
          token.maps.back().thumbnail = map(inference::MapPart::Thumbnail);
        }
      }
    }
    out.tokens.push_back(std::move(token));
  }
  return out;
}

}  // namespace

BackendReply LocalBackend::answer(const Question& question, const AnswerProgress& progress,
                                  const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  const auto reply = engine_->answer(chatRequest(question, maxNewTokens_), progress, cancel);
  return backendReply(reply, secondsSince(start));
}

BackendReply LocalBackend::answerExplained(const Question& question, const ExplainOptions& options,
                                           const AnswerProgress& progress,
                                           const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  inference::ChatRequest request = chatRequest(question, maxNewTokens_);
  request.sampling.explainTopK = std::max(1, options.topK);
  const auto reply = engine_->answer(request, progress, cancel);
  BackendReply out = backendReply(reply, 0);
  if (!out.cancelled) {
    const int last = options.lastLayer < 0 ? engine_->config().llm.layers - 1 : options.lastLayer;
    const auto attention = engine_->attention(request, reply, options.firstLayer, last);
    auto explanation = std::make_shared<AnswerExplanation>(
        explanationOf(*engine_, request, reply, attention, tilesPerImage_));
    explanation->firstLayer = options.firstLayer;
    explanation->lastLayer = last;
    out.explanation = std::move(explanation);
  }
  out.seconds = secondsSince(start);
  return out;
}

std::vector<BackendReply> LocalBackend::answerBatch(const std::vector<Question>& questions,
                                                    const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<inference::ChatRequest> requests;
  for (const auto& q : questions) requests.push_back(chatRequest(q, maxNewTokens_));
  const auto replies = engine_->answerBatch(requests, cancel);
  std::vector<BackendReply> out;
  for (const auto& reply : replies) out.push_back(backendReply(reply, secondsSince(start)));
  return out;
}

}  // namespace mspa::backends
