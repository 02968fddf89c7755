#include "inference/token_sampling.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mspa::inference {
namespace {

constexpr int64_t kFirstCandidates = 64;

// Unnormalised probabilities (relative to the best) of the `count` most likely tokens, best
// first, with their ids; `total` is the sum over the whole row (or over the top-k under top-k).
struct Candidates {
  std::vector<double> weights;
  std::vector<int64_t> ids;
  double total = 0;
};

Candidates topCandidates(const at::Tensor& scaled, int64_t count, bool totalOfCandidates) {
  const auto [values, indices] = at::topk(scaled, count);
  const at::Tensor weights = (values - values[0]).exp().to(at::kDouble);
  at::Tensor total =
      totalOfCandidates ? weights.sum() : (scaled - values[0]).exp().to(at::kDouble).sum();
  const at::Tensor packed = at::cat({weights, total.unsqueeze(0), indices.to(at::kDouble)}).cpu();
  const double* p = packed.data_ptr<double>();
  Candidates c;
  c.weights.assign(p, p + count);
  c.total = p[count];
  for (int64_t i = 0; i < count; ++i) c.ids.push_back(static_cast<int64_t>(p[count + 1 + i]));
  return c;
}

// How many of the best candidates make up the nucleus (at least one), or 0 when it needs more
// candidates than there are.
std::size_t nucleusSize(const Candidates& c, double topP) {
  double kept = 0;
  for (std::size_t n = 0; n < c.weights.size(); ++n) {
    kept += c.weights[n];
    if (kept >= topP * c.total) return n + 1;
  }
  return 0;
}

}  // namespace

std::int64_t sampleToken(const at::Tensor& logits, TokenSampler& sampler) {
  const SamplingOptions& o = sampler.options();
  if (o.temperature <= 0) return logits.argmax().item<int64_t>();
  const at::Tensor scaled = logits.to(at::kFloat) / o.temperature;
  const int64_t vocab = scaled.numel();
  const bool topK = o.topK > 0 && o.topK < vocab;
  int64_t count = topK ? o.topK : std::min(kFirstCandidates, vocab);
  Candidates c = topCandidates(scaled, count, topK);
  std::size_t n = nucleusSize(c, o.topP);
  while (n == 0 && count < vocab) {
    count = std::min(count * 8, vocab);
    c = topCandidates(scaled, count, topK);
    n = nucleusSize(c, o.topP);
  }
  if (n == 0) n = c.weights.size();  // rounding left the whole row just short of topP
  double kept = 0;
  for (std::size_t i = 0; i < n; ++i) kept += c.weights[i];
  const double u = sampler.uniform() * kept;
  double acc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    acc += c.weights[i];
    if (u < acc) return c.ids[i];
  }
  return c.ids[n - 1];
}

}  // namespace mspa::inference
