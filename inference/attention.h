#pragma once

// Torch-facing: attention, the KV cache and rotary tables of the engine's decoder. Included only
// by the engine's torch translation units.

#include <ATen/ATen.h>

#include "inference/row_kernel.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace mspa::inference {

// softmax(q kᵀ / √d [+ causal mask]) v for q [B, H, Lq, D] and k, v [B, Hkv, Lk, D] with H a
// multiple of Hkv (grouped-query attention: each key/value head serves H/Hkv query heads, read
// in place, never repeated). `firstQueryPosition` is the key position of q's first row when
// causal. `padding` (per batch element, or empty) is how many keys at the start are left padding:
// real queries never attend to them (padding queries attend among themselves, which keeps their
// rows finite). On the CPU, queries go through in blocks of rows whose scores stay within a few MB
// whatever Lq·Lk is; scores are computed in k's dtype (float32 or bfloat16) and normalised in
// float32, as transformers' eager attention does. Where nothing is padded (vision tiles, a single
// prompt's chunks) in bfloat16 on a CPU with AMX, the fastest kernel keeps the scores in float32
// on the tiles instead (attention_tiles.h); RowKernel::Portable keeps to LibTorch's products and
// the portable softmax. On CUDA (LibTorch ≥ 2.0) it is scaled_dot_product_attention's fused
// kernels. Returns [B, H, Lq, D] in q's dtype.
at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool causal,
                  int64_t firstQueryPosition, const std::vector<int64_t>& padding = {},
                  RowKernel kernel = RowKernel::Fastest);

// One query position per sequence (q [B, H, 1, D]) against every key of k, v [B, Hkv, S, D]
// except those `hidden` ([B, 1, 1, S], true where not to look) hides: the decode step with shapes
// fixed by the cache's capacity, as a CUDA graph records it. Masked keys must be finite.
at::Tensor attendAll(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const at::Tensor& hidden);

// Keys and values of every decoder layer, preallocated in the cache's dtype and written in place:
// a decode step copies one position per layer and reads the rest as views.
class KvCache {
 public:
  // Empties the cache; its memory is kept when the shape is the same (so that a recorded decode
  // step stays valid), else allocated zeroed (unwritten positions must be finite for attendAll),
  // on the CPU in huge pages where the kernel offers them unless `hugePages` is false.
  void reset(int layers, int64_t batch, int64_t kvHeads, int64_t headDim, int64_t capacity,
             const at::TensorOptions& options, bool hugePages);
  // Whether the cache's memory already has this shape (reset would keep it).
  bool holds(int layers, int64_t batch, int64_t kvHeads, int64_t headDim, int64_t capacity,
             const at::TensorOptions& options) const;
  // Makes room for `positions` in total, copying the cache once when it must grow.
  void reserve(int64_t positions);
  // Writes k, v [B, Hkv, L, D] after the cached positions of `layer`; returns the layer's keys and
  // values so far (views).
  std::pair<at::Tensor, at::Tensor> append(int layer, const at::Tensor& k, const at::Tensor& v);
  // Writes k, v [B, Hkv, 1, D] at the cache column held by `column` (a one-element long tensor on
  // the device, so that the position is data, not shape); returns the layer's whole capacity.
  std::pair<at::Tensor, at::Tensor> write(int layer, const at::Tensor& column, const at::Tensor& k,
                                          const at::Tensor& v);
  // Call after every layer has appended the same L positions.
  void advance(int64_t positions) { length_ += positions; }
  // Keeps the first `positions` (at most the length); the next append writes after them.
  void rewind(int64_t positions) { length_ = std::min(length_, positions); }
  int64_t length() const { return length_; }
  int64_t capacity() const { return keys_.empty() ? 0 : keys_.front().size(2); }
  // Identifies the cache's memory, unique in the process (0: none): a recorded step that reads it
  // is valid while this stays the same (an address alone could be handed out again).
  int generation() const { return generation_; }
  std::size_t bytes() const;

 private:
  std::vector<at::Tensor> keys_, values_;  // per layer [B, Hkv, capacity, D]
  bool hugePages_ = true;
  int64_t length_ = 0;
  int generation_ = 0;
};

// cos and sin (the latter signed for applyRotary) of rotary embeddings for positions [0, capacity),
// built once on the device in the activations' dtype (computed in double, rounded through float32
// as transformers does). Dynamic NTK scaling past the trained length changes the base with the
// sequence length, so those positions are computed per call.
class RotaryTable {
 public:
  RotaryTable(int64_t headDim, double theta, bool dynamicNtk, double factor, int64_t maxPositions,
              const at::TensorOptions& options);
  // cos and sin [length, D] for positions [start, start + length).
  std::pair<at::Tensor, at::Tensor> at(int64_t start, int64_t length);

 private:
  std::pair<at::Tensor, at::Tensor> compute(int64_t start, int64_t length, double base) const;

  int64_t headDim_, maxPositions_;
  double theta_, factor_;
  bool dynamicNtk_;
  at::TensorOptions options_;
  at::Tensor cos_, sin_;
};

// x·cos + rotate_half(x)·sin for x [B, H, L, D] and the table's cos, sin [L, D]; the table's sin
// carries rotate_half's minus sign on its first half, which saves a negation per call.
at::Tensor applyRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

}  // namespace mspa::inference
