#pragma once

// Torch-facing: picking the next token where the logits are. Included only by the engine's torch
// translation units.

#include <ATen/ATen.h>

#include <cstdint>

#include "inference/generation.h"

namespace mspa::inference {

// The next token from a logits row [vocab] on its own device: argmax when greedy, else a draw at
// the sampler's temperature from the top-k and top-p nucleus. Only the candidates leave the
// device (top-k, or for top-p alone the smallest top-k that holds the nucleus, starting at 64 and
// widening), never the sorted vocabulary; one host transfer per token.
std::int64_t sampleToken(const at::Tensor& logits, TokenSampler& sampler);

}  // namespace mspa::inference
