#include "inference/generation.h"

#include <algorithm>
#include <chrono>

namespace mspa::inference {
namespace {

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TokenSampler::TokenSampler(const SamplingOptions& options) : options_(options), state_(options.seed * 2654435761u + 1) {}

double TokenSampler::uniform() {
  // xorshift64*: a small, seedable generator with identical streams on every platform.
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return static_cast<double>((state_ * 2685821657736338717ull) >> 11) /
         static_cast<double>(1ull << 53);
}

GenerationResult generate(InternVLModel& model, const std::vector<std::int64_t>& promptIds,
                          const ImageTiles& images, const SamplingOptions& options, const std::function<void(std::int64_t)>& onToken,
                          const std::atomic<bool>* cancel) {
  GenerationResult result;
  TokenSampler sampler(options);
  auto start = std::chrono::steady_clock::now();
  model.prefill(promptIds, images, options.maxNewTokens);
  result.timing.prefillMs = millisecondsSince(start);
  result.timing.visionMs = model.lastVisionMilliseconds();
  result.timing.promptTokens = static_cast<int>(promptIds.size());
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < options.maxNewTokens; ++i) {
    if (cancel && cancel->load()) {
      result.cancelled = true;
      break;
    }
    const std::int64_t token = model.sample(sampler);
    if (i == 0) result.timing.firstTokenMs = result.timing.prefillMs + millisecondsSince(start);
    result.tokens.push_back(token);
    if (onToken) onToken(token);
    if (std::find(options.stopIds.begin(), options.stopIds.end(), token) != options.stopIds.end()) {
      result.stopped = true;
      break;
    }
    if (i + 1 < options.maxNewTokens) model.step(token);
  }
  result.timing.newTokens = static_cast<int>(result.tokens.size());
  result.timing.decodeMs = millisecondsSince(start);
  return result;
}

}  // namespace mspa::inference
