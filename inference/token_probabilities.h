#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mspa::inference {

// How sure the model was of one generated token: the probability it gave the token it produced
// and its most probable candidates (the model's own distribution, temperature 1).
struct TokenAlternative {
  std::int64_t id = 0;
  double prob = 0;
};
struct TokenExplanation {
  std::int64_t id = 0;
  double prob = 0;
  std::vector<TokenAlternative> top;  // descending probability
};

// The softmax of one step's logits (in double, shifted by the maximum) read at `chosen`, and the
// `topK` most probable tokens.
TokenExplanation explainStep(const float* logits, std::size_t vocab, std::int64_t chosen, int topK);

}  // namespace mspa::inference
