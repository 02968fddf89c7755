#pragma once

// The products of a decode step's few rows with bfloat16 weights, no LibTorch: each weight is read
// once from memory and multiplied by every row (up to four at once) while it is in a register, with
// float32 sums (AVX-512 BF16's dot products where the CPU has them) rounded once to bfloat16. A
// decode step is this: the weights stream past once per token, and LibTorch 1.13's bfloat16
// matrix-vector product and one-row linear read them at 10-18 GB/s on an AMD EPYC whose cores read
// 27-44 GB/s (docs/PERFORMANCE.md).

#include <cstdint>

#include "inference/row_kernel.h"

namespace mspa::inference {

// Weights as `blocks` matrices [outputs, width] one under the other (blocks = 1: an ordinary
// [outputs, width] matrix; more: fc2 or down kept as columnBlocks), so that output n is
// Σ_b w[b · outputs + n] · x[b · width ...].
struct StreamedWeights {
  const std::uint16_t* bits;
  std::int64_t outputs, blocks, width;
};

// y[r, n] = bias[n] + Σ_k x[r, k] · w(n, k) for the outputs n in [first, first + count) of each of
// `rows` rows; x is [rows, blocks · width] and y [rows, outputs], both contiguous bfloat16; bias
// may be null. Callers split the outputs between threads.
void streamedProduct(const std::uint16_t* x, std::int64_t rows, const StreamedWeights& w,
                     const std::uint16_t* bias, std::uint16_t* y, std::int64_t first,
                     std::int64_t count, RowKernel kernel = RowKernel::Fastest);

// Whether streamedProduct's fastest kernel runs here (AVX-512 BF16); the portable one is slower
// than LibTorch's, so callers keep LibTorch's products without it.
bool streamedProductsAreFast();

}  // namespace mspa::inference
