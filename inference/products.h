#pragma once

// Torch-facing: the engine's matrix products shaped for oneDNN on the CPU. Included only by the
// engine's torch translation units.

#include <ATen/ATen.h>

namespace mspa::inference {

// x · wᵀ (+ b) for x of any rank, w and b in x's dtype. On the CPU in blocks of 512 rows.
at::Tensor linearInRowBlocks(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

// The width of the hidden blocks an MLP of `hidden` units is computed in on the CPU: the
// largest divisor of `hidden` up to 1,024 that is a multiple of 32 (or `hidden` itself when it
// has none, or is that small).
int64_t hiddenBlockWidth(int64_t hidden);

// fc2's weight [out, hidden] as `hidden / width` contiguous blocks of its columns, one under the
// other: [blocks · out, width], each block of `out` rows the matrix that multiplies one hidden
// block. A matrix still, so that it keeps the storage dtype as the others do.
at::Tensor columnBlocks(const at::Tensor& w2, int64_t width);

// fc2(act(fc1(x))) with fc2's weight as columnBlocks: each block of hidden units goes through
// fc1, the activation and its share of fc2 while it is in cache, and the products are narrower
// (faster with oneDNN's bfloat16 kernels here than 4,096 columns, or a 4,096-deep sum).
at::Tensor mlpInHiddenBlocks(const at::Tensor& x, const at::Tensor& w1, const at::Tensor& b1,
                             const at::Tensor& w2Blocks, const at::Tensor& b2,
                             at::Tensor (*activation)(const at::Tensor&));

}  // namespace mspa::inference
