#include "inference/generation.h"

#include <algorithm>
#include <chrono>

namespace mspa::inference {
namespace {

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

TokenSampler::TokenSampler(const SamplingOptions& options)
    : options_(options), state_(options.seed * 2654435761u + 1) {}

double TokenSampler::uniform() {
  // xorshift64*: a small, seedable generator with identical streams on every platform.
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return static_cast<double>((state_ * 2685821657736338717ull) >> 11) /
         static_cast<double>(1ull << 53);
}

GenerationResult generate(InternVLModel& model, const std::vector<std::int64_t>& promptIds,
                          const ImageTiles& images, const SamplingOptions& options,
                          const std::function<void(std::int64_t)>& onToken,
                          const std::atomic<bool>* cancel) {
  const auto streamed = [&](std::size_t, std::int64_t token) {
    if (onToken) onToken(token);
  };
  return generateBatch(model, {promptIds}, {images}, options, streamed, cancel).front();
}

std::vector<GenerationResult> generateBatch(
    InternVLModel& model, const std::vector<std::vector<std::int64_t>>& prompts,
    const std::vector<ImageTiles>& images, const SamplingOptions& options,
    const std::function<void(std::size_t, std::int64_t)>& onToken,
    const std::atomic<bool>* cancel) {
  std::vector<GenerationResult> results(prompts.size());
  std::vector<TokenSampler> samplers(prompts.size(), TokenSampler(options));
  GenerationTiming timing;
  auto start = std::chrono::steady_clock::now();
  model.prefillBatch(prompts, images, options.maxNewTokens);
  timing.prefillMs = millisecondsSince(start);
  timing.visionMs = model.lastVisionMilliseconds();
  start = std::chrono::steady_clock::now();
  const auto finished = [](const GenerationResult& r) { return r.stopped || r.cancelled; };
  std::size_t running = prompts.size();
  for (int i = 0; i < options.maxNewTokens && running > 0; ++i) {
    if (cancel && cancel->load()) {
      for (auto& r : results) r.cancelled = !r.stopped;
      break;
    }
    const std::vector<std::int64_t> tokens = model.sampleBatch(samplers);
    if (i == 0) timing.firstTokenMs = timing.prefillMs + millisecondsSince(start);
    // The logits the tokens were picked from, one row per sequence, before the step replaces them.
    const std::vector<float> logits =
        options.explainTopK > 0 ? model.logits() : std::vector<float>();
    const std::size_t vocab = logits.size() / results.size();
    for (std::size_t b = 0; b < results.size(); ++b) {
      if (finished(results[b])) continue;  // a finished sequence keeps decoding, unseen
      results[b].tokens.push_back(tokens[b]);
      if (!logits.empty())
        results[b].explained.push_back(
            explainStep(logits.data() + b * vocab, vocab, tokens[b], options.explainTopK));
      if (onToken) onToken(b, tokens[b]);
      if (std::find(options.stopIds.begin(), options.stopIds.end(), tokens[b]) !=
          options.stopIds.end()) {
        results[b].stopped = true;
        --running;
      }
    }
    if (i + 1 < options.maxNewTokens && running > 0) model.stepBatch(tokens);
  }
  timing.decodeMs = millisecondsSince(start);
  for (std::size_t b = 0; b < results.size(); ++b) {
    results[b].timing = timing;
    results[b].timing.promptTokens = static_cast<int>(prompts[b].size());
    results[b].timing.newTokens = static_cast<int>(results[b].tokens.size());
  }
  return results;
}

}  // namespace mspa::inference
