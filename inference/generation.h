#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "inference/internvl_model.h"
#include "inference/token_probabilities.h"

namespace mspa::inference {

struct SamplingOptions {
  int maxNewTokens = 64;
  double temperature = 0;  // 0: greedy
  double topP = 1.0;
  int topK = 0;  // 0: no limit
  std::uint64_t seed = 0;
  std::vector<std::int64_t> stopIds;  // generation ends after emitting one of these
  // > 0: GenerationResult::explained holds each token's probability and this many most probable
  // candidates. It copies each step's logits to the host; 0 leaves the decode path as it is.
  int explainTopK = 0;
};

struct GenerationTiming {
  double visionMs = 0;      // tiles through InternViT and the projector
  double prefillMs = 0;     // the whole prompt, vision included
  double firstTokenMs = 0;  // prefill and picking the first token (time to first token)
  double decodeMs = 0;      // every later token
  int promptTokens = 0, newTokens = 0;
  double decodeTokensPerSecond() const {
    return newTokens > 1 ? (newTokens - 1) / (decodeMs / 1e3) : 0;
  }
};

struct GenerationResult {
  std::vector<std::int64_t> tokens;
  bool stopped = false;    // a stop token ended it
  bool cancelled = false;  // `cancel` was set
  GenerationTiming timing;
  std::vector<TokenExplanation> explained;  // one per token when SamplingOptions::explainTopK
};

// How the next token is picked (InternVLModel::sample does it on the model's device): argmax
// when temperature is 0, else a draw from the softmax at that temperature restricted to the top-k
// and the top-p nucleus. Its draws are deterministic for a seed, the same on every platform.
class TokenSampler {
 public:
  explicit TokenSampler(const SamplingOptions& options);
  const SamplingOptions& options() const { return options_; }
  double uniform();  // the next draw in [0, 1)

 private:
  SamplingOptions options_;
  std::uint64_t state_;
};

// Prefill then decode until a stop token, maxNewTokens or cancellation. `onToken` sees each token
// as it is produced (streaming); `cancel` may be set from another thread.
GenerationResult generate(InternVLModel& model, const std::vector<std::int64_t>& promptIds,
                          const ImageTiles& images, const SamplingOptions& options,
                          const std::function<void(std::int64_t)>& onToken = {},
                          const std::atomic<bool>* cancel = nullptr);

// Several prompts at once, each with its images (InternVLModel::prefillBatch); each sequence
// ends at its own stop token and decoding ends when all have. `onToken` hears (sequence, token).
// Under greedy decoding every answer is the one its prompt gets alone. The timings are the
// batch's, shared by its results.
std::vector<GenerationResult> generateBatch(
    InternVLModel& model, const std::vector<std::vector<std::int64_t>>& prompts,
    const std::vector<ImageTiles>& images, const SamplingOptions& options,
    const std::function<void(std::size_t, std::int64_t)>& onToken = {},
    const std::atomic<bool>* cancel = nullptr);

}  // namespace mspa::inference
