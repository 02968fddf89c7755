#pragma once

// Torch-facing: the normalisations of the engine's vision encoder and decoder. Included only by
// the engine's torch translation units.

#include <ATen/ATen.h>

namespace mspa::inference {

// w · bfloat16-or-not(x / √(mean(x²) + eps)) over the last dimension, rounding the normalised
// tensor to x's dtype before the product with the weight, as InternLM2's, Qwen2's and Llama's
// RMSNorm do. On the CPU, bfloat16 rows go through norm_rows.
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& w, double eps);

// torch.nn.LayerNorm over the last dimension, computed in float32 and rounded once to x's dtype.
// On the CPU, bfloat16 rows go through norm_rows.
at::Tensor layerNorm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, double eps);

}  // namespace mspa::inference
