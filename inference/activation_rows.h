#pragma once

// The MLP activations of the engine's CPU path on raw bfloat16 values, no LibTorch: computed in
// float32 registers and rounded once where LibTorch 1.13's bfloat16 GELU and SiLU run 2-9x slower
// here (and its SiLU rounded 14% of a product's outputs the wrong way). Tested against double
// precision for every bfloat16 input.

#include <cstdint>

#include "inference/row_kernel.h"

namespace mspa::inference {

// x ← x · Φ(x), the exact (erf) GELU of torch.nn.GELU() that InternViT and the projector use,
// rounded once to bfloat16.
void geluInPlace(std::uint16_t* x, std::int64_t count, RowKernel kernel = RowKernel::Fastest);

// gate ← bfloat16(silu(gate)) · up, rounded to bfloat16: transformers' `act_fn(gate_proj(x)) *
// up_proj(x)` (InternLM2, Qwen2, Llama) in bfloat16, which rounds the activation before the
// product.
void siluTimesInPlace(std::uint16_t* gate, const std::uint16_t* up, std::int64_t count,
                      RowKernel kernel = RowKernel::Fastest);

}  // namespace mspa::inference
