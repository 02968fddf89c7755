#include "inference/token_probabilities.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mspa::inference {

TokenExplanation explainStep(const float* logits, std::size_t vocab, std::int64_t chosen,
                             int topK) {
  const float peak = *std::max_element(logits, logits + vocab);
  double total = 0;
  for (std::size_t i = 0; i < vocab; ++i) total += std::exp(double(logits[i]) - peak);
  const auto probability = [&](std::size_t i) {
    return std::exp(double(logits[i]) - peak) / total;
  };
  TokenExplanation step;
  step.id = chosen;
  step.prob = chosen >= 0 && std::size_t(chosen) < vocab ? probability(std::size_t(chosen)) : 0.0;
  std::vector<std::size_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  const std::size_t k = std::min<std::size_t>(std::max(topK, 0), vocab);
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](std::size_t a, std::size_t b) { return logits[a] > logits[b]; });
  for (std::size_t i = 0; i < k; ++i)
    step.top.push_back({static_cast<std::int64_t>(order[i]), probability(order[i])});
  return step;
}

}  // namespace mspa::inference
