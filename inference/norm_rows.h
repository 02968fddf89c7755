#pragma once

// The engine's CPU normalisations on raw bfloat16 rows, no LibTorch: a row is read into float32
// registers and written once, where LibTorch 1.13 runs a chain of conversions and element-wise
// kernels over whole tensors (eight for an RMSNorm). Tested against double precision.

#include <cstdint>

#include "inference/row_kernel.h"

namespace mspa::inference {

// out = (x − mean) / √(variance + eps) · weight + bias over the row's `width` values, computed
// in float32 and rounded once: torch.nn.LayerNorm on bfloat16 (InternViT, the projector).
void layerNormRow(const std::uint16_t* in, std::uint16_t* out, std::int64_t width,
                  const std::uint16_t* weight, const std::uint16_t* bias, float eps,
                  RowKernel kernel = RowKernel::Fastest);

// out = weight · bfloat16(x / √(mean(x²) + eps)): InternLM2's, Qwen2's and Llama's RMSNorm, which
// round the normalised row to the input's dtype before the product with the weight.
void rmsNormRow(const std::uint16_t* in, std::uint16_t* out, std::int64_t width,
                const std::uint16_t* weight, float eps, RowKernel kernel = RowKernel::Fastest);

}  // namespace mspa::inference
