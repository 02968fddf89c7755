#include "inference/generation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace mspa::inference {
namespace {

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TokenSampler::TokenSampler(const SamplingOptions& options) : options_(options), state_(options.seed * 2654435761u + 1) {}

std::int64_t TokenSampler::next(const std::vector<float>& logits) {
  if (options_.temperature <= 0) return std::max_element(logits.begin(), logits.end()) - logits.begin();
  std::vector<std::int64_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return logits[a] > logits[b]; });
  if (options_.topK > 0 && static_cast<std::size_t>(options_.topK) < order.size()) order.resize(static_cast<std::size_t>(options_.topK));
  std::vector<double> p(order.size());
  const double top = logits[order[0]];
  double sum = 0;
  for (std::size_t i = 0; i < order.size(); ++i) sum += p[i] = std::exp((logits[order[i]] - top) / options_.temperature);
  double kept = 0;
  std::size_t n = 0;
  while (n < p.size() && (n == 0 || kept < options_.topP * sum)) kept += p[n++];
  // xorshift64*: a small, seedable generator with identical streams on every platform.
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  const double u = static_cast<double>((state_ * 2685821657736338717ull) >> 11) / static_cast<double>(1ull << 53);
  double acc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    acc += p[i];
    if (u * kept < acc) return order[i];
  }
  return order[n - 1];
}

GenerationResult generate(InternVLModel& model, const std::vector<std::int64_t>& promptIds, const std::uint8_t* tiles,
                          int tileCount, const SamplingOptions& options, const std::function<void(std::int64_t)>& onToken,
                          const std::atomic<bool>* cancel) {
  GenerationResult result;
  TokenSampler sampler(options);
  auto start = std::chrono::steady_clock::now();
  std::vector<float> logits = model.prefill(promptIds, tiles, tileCount, 1);
  result.timing.prefillMs = millisecondsSince(start);
  result.timing.visionMs = model.lastVisionMilliseconds();
  result.timing.promptTokens = static_cast<int>(promptIds.size());
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < options.maxNewTokens; ++i) {
    if (cancel && cancel->load()) {
      result.cancelled = true;
      break;
    }
    const std::int64_t token = sampler.next(logits);
    result.tokens.push_back(token);
    if (onToken) onToken(token);
    if (std::find(options.stopIds.begin(), options.stopIds.end(), token) != options.stopIds.end()) {
      result.stopped = true;
      break;
    }
    if (i + 1 < options.maxNewTokens) logits = model.step(token);
  }
  result.timing.newTokens = static_cast<int>(result.tokens.size());
  result.timing.decodeMs = millisecondsSince(start);
  return result;
}

}  // namespace mspa::inference
