#pragma once

// Torch-facing: the engine's matrix products shaped for oneDNN on the CPU. Included only by the
// engine's torch translation units.

#include <ATen/ATen.h>

#include <functional>

namespace mspa::inference {

// The rows of x: all its dimensions but the last, flattened.
int64_t rowsOf(const at::Tensor& x);

// x · wᵀ (+ b) for x of any rank, w and b in x's dtype. On the CPU one row is a matrix-vector
// product and more than 512 rows go in blocks of 512, the shapes LibTorch 1.13 runs fastest here.
at::Tensor linearForCpu(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

// The width of the hidden blocks an MLP of `hidden` units is computed in on the CPU: the
// largest divisor of `hidden` up to 1,024 that is a multiple of 32 (or `hidden` itself when it
// has none, or is that small).
int64_t hiddenBlockWidth(int64_t hidden);

// fc2's weight [out, hidden] as `hidden / width` contiguous blocks of its columns, one under the
// other: [blocks · out, width], each block of `out` rows the matrix that multiplies one hidden
// block. A matrix still, so that it keeps the storage dtype as the others do. Written into `into`
// (contiguous, as many elements, w2's dtype) where given; else a view of w2 when it is one block.
at::Tensor columnBlocks(const at::Tensor& w2, int64_t width, at::Tensor into = {});

// h · w2ᵀ (+ b2) for the few rows of a decode step, w2 as columnBlocks: one batched product over
// the blocks and their sum, computed in w2's dtype and returned in h's.
at::Tensor productWithColumnBlocks(const at::Tensor& h, const at::Tensor& w2Blocks,
                                   const at::Tensor& b2);

// The activated hidden units [first, first + width) of an MLP for the rows `x` [n, in].
using HiddenBlock = std::function<at::Tensor(const at::Tensor& x, int64_t first, int64_t width)>;

// fc2(hidden(x)) (+ b2) for an MLP of `hiddenWidth` units with fc2's weight as columnBlocks:
// each block of hidden units is computed, activated and multiplied by its share of fc2 while it
// is in cache, 512 rows at a time. oneDNN's bfloat16 products run faster on these narrower shapes
// than on a 4,096-column fc1 and a 4,096-deep fc2 (InternViT's MLP 1.45x, InternLM2-1.8B's 1.30x
// here).
at::Tensor mlpInHiddenBlocks(const at::Tensor& x, const HiddenBlock& hidden, int64_t hiddenWidth,
                             const at::Tensor& w2Blocks, const at::Tensor& b2);

}  // namespace mspa::inference
