#include "inference/attention.h"

#include "inference/attention_tiles.h"
#include "inference/decode_attention.h"
#include "inference/huge_page_tensors.h"
#include "inference/rotary_rows.h"
#include "inference/softmax_rows.h"
#include "inference/streamed_products.h"
#include "inference/tensor_bits.h"

#include <torch/version.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

namespace mspa::inference {
namespace {

// Scores held at once by the CPU path: a block of rows against all keys, reused block after block
// and small enough to stay in the last-level cache between the two products around the softmax.
constexpr int64_t kScoreBytesPerBlock = 4ll << 20;

int nextGeneration() {
  static std::atomic<int> allocations{0};
  return ++allocations;
}

// Keys per block in attendAll's split reduction.
constexpr int64_t kKeysPerBlock = 128;

#if TORCH_VERSION_MAJOR >= 2
// True where the query may not look: keys after it (when causal) and, for a query past the
// padding, the padding. Rows are `groups` copies of the chunk's positions.
at::Tensor hiddenKeys(int64_t firstPosition, int64_t rows, int64_t groups, int64_t keys,
                      bool causal, int64_t padding, const at::TensorOptions& options) {
  const auto longs = options.dtype(at::kLong);
  const at::Tensor positions =
      (at::arange(rows, longs) + firstPosition).repeat({groups}).unsqueeze(1);
  const at::Tensor columns = at::arange(keys, longs).unsqueeze(0);
  at::Tensor hidden =
      causal ? columns > positions : at::zeros({rows * groups, keys}, options.dtype(at::kBool));
  if (padding > 0) hidden = hidden | ((columns < padding) & (positions >= padding));
  return hidden;
}

// One chunk with its query heads grouped by key/value head: q [B, Hkv, groups·c, D].
at::Tensor attendGrouped(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                         const at::Tensor& hidden) {
  const c10::optional<at::Tensor> allowed =
      hidden.defined() ? c10::optional<at::Tensor>(hidden.logical_not()) : c10::nullopt;
  return at::scaled_dot_product_attention(q, k, v, allowed, 0.0, false);
}

// CUDA's fused kernels never hold the scores, so no query chunks: the whole prompt in one call.
// A prompt attending causally from its first position takes the flash kernel (is_causal, and
// grouped-query heads natively from LibTorch 2.5); padding or an offset takes an explicit mask.
at::Tensor attendFused(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool causal,
                       int64_t firstQueryPosition, const std::vector<int64_t>& padding) {
  const int64_t batch = q.size(0), heads = q.size(1), length = q.size(2), dim = q.size(3);
  const int64_t kvHeads = k.size(1), groups = heads / kvHeads, keys = k.size(2);
  const bool padded = std::any_of(padding.begin(), padding.end(), [](int64_t p) { return p > 0; });
  // Each head's rows packed so that its products read them in place. The KV cache's views are
  // (each head's first positions); a vision tile's q, k and v are strided views of one joined
  // projection, packed once here rather than copied once per product.
  const auto packed = [](const at::Tensor& t) {
    return t.stride(2) == t.size(3) && t.stride(3) == 1 ? t : t.contiguous();
  };
  const at::Tensor query = packed(q.to(k.scalar_type()));
  const at::Tensor packedKeys = packed(k), packedValues = packed(v);
  if (!padded && (!causal || length == 1)) {
    return attendGrouped(query.reshape({batch, kvHeads, groups * length, dim}), k, v, at::Tensor())
        .reshape({batch, heads, length, dim});
  }
#if TORCH_VERSION_MAJOR > 2 || TORCH_VERSION_MINOR >= 5
  if (!padded && firstQueryPosition == 0 && length == keys)
    return at::scaled_dot_product_attention(query, k, v, c10::nullopt, 0.0, true, c10::nullopt,
                                            groups > 1);
#endif
  at::Tensor out = at::empty({batch, heads, length, dim}, k.options());
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t pad = padding.empty() ? 0 : padding[b];
    const at::Tensor mask = hiddenKeys(firstQueryPosition, length, groups, keys,
                                       causal && length > 1, pad, k.options());
    out.narrow(0, b, 1).copy_(
        attendGrouped(query.narrow(0, b, 1).reshape({1, kvHeads, groups * length, dim}),
                      k.narrow(0, b, 1), v.narrow(0, b, 1), mask)
            .reshape({1, heads, length, dim}));
  }
  return out;
}
#endif

// Normalises a block of score rows in place (rows `first`, `first + 1`, … of the grouped rows).
void normaliseScores(at::Tensor& scores, int64_t first, const VisibleKeys& visible, float scale,
                     RowKernel kernel) {
  const int64_t columns = scores.size(1);
  const auto rows = [&](auto* base) {
    at::parallel_for(0, scores.size(0), 8, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const auto [from, to] = visible.of(first + r);
        softmaxRow(base + r * columns, columns, from, to, scale, kernel);
      }
    });
  };
  if (scores.scalar_type() == at::kFloat)
    rows(scores.data_ptr<float>());
  else
    rows(bitsOf(scores));
}

// Whether the AMX tiles take this attention: bfloat16, no padding (vision tiles, a single
// prompt's causal chunks), 16 query rows at least and a head size they hold. A batch's
// left-padded prompts stay on the products.
bool tilesTake(const at::Tensor& q, const at::Tensor& k, const std::vector<int64_t>& padding,
               RowKernel kernel) {
  const bool padded = std::any_of(padding.begin(), padding.end(), [](int64_t p) { return p > 0; });
  return kernel == RowKernel::Fastest && k.scalar_type() == at::kBFloat16 && !padded &&
         q.size(2) * (q.size(1) / k.size(1)) >= 16 && tileAttentionFits(k.size(3)) &&
         tileAttentionAvailable();
}

// Per sequence and key/value head: keys and values rearranged for the tiles (in parallel by
// chunks of keys), then the query rows in parallel by blocks of 16. Reads strided views (a vision
// tile's q, k and v in its joined projection) in place.
at::Tensor attendOnTiles(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                         const VisibleKeys& visible) {
  const int64_t batch = q.size(0), heads = q.size(1), length = q.size(2), dim = q.size(3);
  const int64_t kvHeads = k.size(1), groups = heads / kvHeads, keys = k.size(2);
  // Rows of consecutive elements an even number of elements apart: the keys' packing gathers
  // 32-bit pairs.
  const auto rowsInPlace = [](const at::Tensor& t) {
    return t.stride(3) == 1 && t.stride(2) % 2 == 0 ? t : t.contiguous();
  };
  const at::Tensor keysIn = rowsInPlace(k), valuesIn = rowsInPlace(v);
  // Grouped query heads share their rows' stride only when packed.
  const at::Tensor query =
      groups == 1 ? rowsInPlace(q.to(at::kBFloat16)) : q.to(at::kBFloat16).contiguous();
  const int64_t rows = groups * length, blocks = (rows + kTileQueryRows - 1) / kTileQueryRows;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dim));
  // With one query head per key/value head, answers go where the output projection reads them
  // ([B, L, H·D]; returned as a [B, H, L, D] view), which saves the caller a copy.
  const at::Tensor out = groups == 1 ? at::empty({batch, length, heads, dim}, k.options())
                                     : at::empty({batch, heads, length, dim}, k.options());
  const at::Tensor answersOut = groups == 1 ? out.permute({0, 2, 1, 3}) : out;
  TiledKeysValues tiled;
  tiled.resize(keys, dim);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h = 0; h < kvHeads; ++h) {
      const std::uint16_t *keyRows = bitsOf(keysIn[b][h]), *valueRows = bitsOf(valuesIn[b][h]);
      at::parallel_for(0, tiled.chunks(), 4, [&](int64_t begin, int64_t end) {
        tiled.pack(keyRows, keysIn.stride(2), valueRows, valuesIn.stride(2), begin, end);
      });
      const std::uint16_t* queries = bitsOf(query[b][h * groups]);
      std::uint16_t* answers = bitsOf(answersOut[b][h * groups]);
      const int64_t answerStride = answersOut.stride(2);
      at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
        attendOnTiles(tiled, queries, query.stride(2), rows, begin, end, scale, answers,
                      answerStride, visible);
      });
    }
  }
  return answersOut.to(q.scalar_type());
}

// A decode step's query rows in bfloat16 where the CPU has AVX-512 BF16: the cache streams through
// attendOnePosition, key/value heads in parallel, instead of two LibTorch products per head that
// each split a few hundred KB between threads.
bool streamsOnePosition(const at::Tensor& q, const at::Tensor& k, RowKernel kernel) {
  return q.size(2) == 1 && k.scalar_type() == at::kBFloat16 && kernel == RowKernel::Fastest &&
         streamedProductsAreFast();
}

// q [B, H, 1, D] contiguous; k, v [B, Hkv, S, D] packed (each head's rows of D one after the
// other), as the cache's views are.
at::Tensor attendOnePositionOnCpu(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                  int64_t firstQueryPosition, const std::vector<int64_t>& padding) {
  const int64_t batch = q.size(0), heads = q.size(1), dim = q.size(3);
  const int64_t kvHeads = k.size(1), groups = heads / kvHeads, keys = k.size(2);
  const float scale = 1.0f / std::sqrt(static_cast<float>(dim));
  at::Tensor out = at::empty({batch, heads, 1, dim}, k.options());
  const std::uint16_t *queries = bitsOf(q), *keyBits = bitsOf(k), *valueBits = bitsOf(v);
  std::uint16_t* answers = bitsOf(out);
  at::parallel_for(0, batch * kvHeads, 1, [&](int64_t begin, int64_t end) {
    // Grows with the longest context seen, then is reused step after step.
    thread_local std::vector<std::uint16_t> scores;
    scores.resize(std::max<std::size_t>(scores.size(), groups * keys));
    for (int64_t i = begin; i < end; ++i) {
      const int64_t b = i / kvHeads, h = i % kvHeads;
      const VisibleKeys visible{1, firstQueryPosition, keys, padding.empty() ? 0 : padding[b],
                                false};
      const auto [from, to] = visible.of(0);
      const CachedHead head{keyBits + b * k.stride(0) + h * k.stride(1),
                            valueBits + b * v.stride(0) + h * v.stride(1), keys, dim};
      const int64_t firstRow = (b * heads + h * groups) * dim;
      attendOnePosition(queries + firstRow, groups, head, from, to, scale, scores.data(),
                        answers + firstRow);
    }
  });
  return out;
}

// LibTorch 1.13 has no fused attention on the CPU (and 2.x's would be one more path to keep
// equal). Per sequence and key/value head, the query
// heads it serves go through as one block of rows: two 2-D products on the cache in place (a
// batched product over views of the cache copies keys and values first, every decode step) around
// a softmax that scales, masks by row range and normalises in one pass (softmax_rows.h) instead
// of a division, a boolean mask, a fill and LibTorch's softmax, which together cost more than the
// products for vision tiles and long prompts.
at::Tensor attendOnCpu(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool causal,
                       int64_t firstQueryPosition, const std::vector<int64_t>& padding,
                       RowKernel kernel) {
  const int64_t batch = q.size(0), heads = q.size(1), length = q.size(2), dim = q.size(3);
  const int64_t kvHeads = k.size(1), groups = heads / kvHeads, keys = k.size(2);
  // Each head's rows packed so that its products read them in place. The KV cache's views are
  // (each head's first positions); a vision tile's q, k and v are strided views of one joined
  // projection, packed once here rather than copied once per product.
  const auto packed = [](const at::Tensor& t) {
    return t.stride(2) == t.size(3) && t.stride(3) == 1 ? t : t.contiguous();
  };
  if (k.scalar_type() != at::kFloat && k.scalar_type() != at::kBFloat16)
    throw std::invalid_argument("CPU attention computes in float32 or bfloat16");
  if (tilesTake(q, k, padding, kernel))
    return attendOnTiles(q, k, v, {length, firstQueryPosition, k.size(2), 0, causal && length > 1});
  const at::Tensor query = packed(q.to(k.scalar_type()));
  const at::Tensor packedKeys = packed(k), packedValues = packed(v);
  if (streamsOnePosition(q, k, kernel)) {
    return attendOnePositionOnCpu(query.contiguous(), packedKeys, packedValues, firstQueryPosition,
                                  padding)
        .to(q.scalar_type());
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(dim));
  const int64_t rows = groups * length;
  const int64_t perBlock =
      std::clamp<int64_t>(kScoreBytesPerBlock / (keys * k.element_size()), 1, rows);
  at::Tensor scores = at::empty({perBlock, keys}, k.options());
  at::Tensor out = at::empty({batch, heads, length, dim}, k.options());
  for (int64_t b = 0; b < batch; ++b) {
    const VisibleKeys visible{length, firstQueryPosition, keys, padding.empty() ? 0 : padding[b],
                              causal && length > 1};
    for (int64_t h = 0; h < kvHeads; ++h) {
      const at::Tensor queries = query[b].narrow(0, h * groups, groups).reshape({rows, dim});
      const at::Tensor keysT = packedKeys[b][h].t(), values = packedValues[b][h];
      at::Tensor answers = out[b].narrow(0, h * groups, groups).view({rows, dim});
      for (int64_t first = 0; first < rows; first += perBlock) {
        const int64_t n = std::min(perBlock, rows - first);
        at::Tensor block = scores.narrow(0, 0, n);
        at::mm_out(block, queries.narrow(0, first, n), keysT);
        normaliseScores(block, first, visible, scale, kernel);
        at::Tensor answer = answers.narrow(0, first, n);
        at::mm_out(answer, block, values);
      }
    }
  }
  return out.to(q.scalar_type());
}

}  // namespace

at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool causal,
                  int64_t firstQueryPosition, const std::vector<int64_t>& padding,
                  RowKernel kernel) {
#if TORCH_VERSION_MAJOR >= 2
  if (q.is_cuda())
    return attendFused(q, k, v, causal, firstQueryPosition, padding).to(q.scalar_type());
#endif
  return attendOnCpu(q, k, v, causal, firstQueryPosition, padding, kernel);
}

at::Tensor attendAll(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const at::Tensor& hidden) {
  const int64_t batch = q.size(0), heads = q.size(1), dim = q.size(3);
  const int64_t kvHeads = k.size(1), groups = heads / kvHeads;
  const at::Tensor grouped = q.to(k.scalar_type()).reshape({batch, kvHeads, groups, dim});
  at::Tensor scores = at::matmul(grouped, k.transpose(-1, -2))
                          .div_(std::sqrt(static_cast<double>(dim)))
                          .masked_fill_(hidden, -std::numeric_limits<double>::infinity());
  // weights·v reduces over the whole capacity with only groups×D outputs per head, which a GPU
  // runs on one block per head: split the keys into blocks, multiply block by block in parallel
  // and add the partial sums in float32.
  const int64_t keys = k.size(2), blocks = keys % kKeysPerBlock == 0 ? keys / kKeysPerBlock : 1;
  const at::Tensor weights =
      at::softmax(scores, -1).view({batch, kvHeads, groups, blocks, keys / blocks}).transpose(2, 3);
  return at::matmul(weights, v.view({batch, kvHeads, blocks, keys / blocks, dim}))
      .sum(2, false, at::kFloat)
      .reshape({batch, heads, 1, dim})
      .to(q.scalar_type());
}

namespace {

// `count` zero tensors: with `hugePages`, on the CPU in one arena of huge pages where the kernel
// offers them (a decode step streams the cache as it does the weights; fresh pages read as zeros
// and take no memory until written), else at::zeros.
std::vector<at::Tensor> zeroTensors(int count, at::IntArrayRef shape,
                                    const at::TensorOptions& options, bool hugePages) {
  const std::size_t bytes = c10::multiply_integers(shape) * options.dtype().itemsize();
  const auto arena = hugePages && options.device().is_cpu()
                         ? HugePageArena::create(count * HugePageArena::paddedSize(bytes))
                         : nullptr;
  std::vector<at::Tensor> out;
  for (int i = 0; i < count; ++i)
    out.push_back(arena ? tensorIn(arena, shape, options) : at::zeros(shape, options));
  return out;
}

}  // namespace

void KvCache::reset(int layers, int64_t batch, int64_t kvHeads, int64_t headDim, int64_t capacity,
                    const at::TensorOptions& options, bool hugePages) {
  length_ = 0;
  if (holds(layers, batch, kvHeads, headDim, capacity, options)) return;
  hugePages_ = hugePages;
  const std::vector<int64_t> shape{batch, kvHeads, capacity, headDim};
  generation_ = nextGeneration();
  keys_ = zeroTensors(layers, shape, options, hugePages_);
  values_ = zeroTensors(layers, shape, options, hugePages_);
}

void KvCache::reserve(int64_t positions) {
  if (positions <= capacity()) return;
  const int64_t grown = std::max(positions, 2 * capacity());
  generation_ = nextGeneration();
  for (auto* tensors : {&keys_, &values_}) {
    const at::Tensor& t = tensors->front();
    std::vector<at::Tensor> bigger =
        zeroTensors(static_cast<int>(tensors->size()), {t.size(0), t.size(1), grown, t.size(3)},
                    t.options(), hugePages_);
    for (std::size_t i = 0; i < bigger.size(); ++i)
      bigger[i].narrow(2, 0, length_).copy_((*tensors)[i].narrow(2, 0, length_));
    *tensors = std::move(bigger);
  }
}

bool KvCache::holds(int layers, int64_t batch, int64_t kvHeads, int64_t headDim, int64_t capacity,
                    const at::TensorOptions& options) const {
  return static_cast<int>(keys_.size()) == layers &&
         keys_.front().sizes() == std::vector<int64_t>{batch, kvHeads, capacity, headDim} &&
         keys_.front().options().dtype() == options.dtype() &&
         keys_.front().device() == options.device();
}

std::pair<at::Tensor, at::Tensor> KvCache::append(int layer, const at::Tensor& k,
                                                  const at::Tensor& v) {
  const int64_t end = length_ + k.size(2);
  keys_[layer].narrow(2, length_, k.size(2)).copy_(k);
  values_[layer].narrow(2, length_, v.size(2)).copy_(v);
  return {keys_[layer].narrow(2, 0, end), values_[layer].narrow(2, 0, end)};
}

std::pair<at::Tensor, at::Tensor> KvCache::write(int layer, const at::Tensor& column,
                                                 const at::Tensor& k, const at::Tensor& v) {
  keys_[layer].index_copy_(2, column, k);
  values_[layer].index_copy_(2, column, v);
  return {keys_[layer], values_[layer]};
}

std::size_t KvCache::bytes() const {
  std::size_t total = 0;
  for (const auto* tensors : {&keys_, &values_})
    for (const auto& t : *tensors) total += t.nbytes();
  return total;
}

RotaryTable::RotaryTable(int64_t headDim, double theta, bool dynamicNtk, double factor,
                         int64_t maxPositions, const at::TensorOptions& options)
    : headDim_(headDim),
      maxPositions_(maxPositions),
      theta_(theta),
      factor_(factor),
      dynamicNtk_(dynamicNtk),
      options_(options) {}

std::pair<at::Tensor, at::Tensor> RotaryTable::compute(int64_t start, int64_t length,
                                                       double base) const {
  const double d = static_cast<double>(headDim_);
  const at::Tensor inv = 1.0 / at::pow(base, at::arange(0, headDim_, 2, at::kDouble) / d);
  const at::Tensor freqs = at::outer(at::arange(start, start + length, at::kDouble), inv);
  const at::Tensor emb = at::cat({freqs, freqs}, -1).to(at::kFloat);
  at::Tensor sin = emb.sin();
  sin.narrow(-1, 0, headDim_ / 2).neg_();  // rotate_half's sign, folded in (see applyRotary)
  return {emb.cos().to(options_), sin.to(options_)};
}

std::pair<at::Tensor, at::Tensor> RotaryTable::at(int64_t start, int64_t length) {
  const int64_t total = start + length;
  if (dynamicNtk_ && total > maxPositions_) {
    const double d = static_cast<double>(headDim_);
    const double scale = factor_ * static_cast<double>(total) / maxPositions_ - (factor_ - 1);
    return compute(start, length, theta_ * std::pow(scale, d / (d - 2)));
  }
  if (!cos_.defined() || cos_.size(0) < total) {
    int64_t size = std::max<int64_t>(total, cos_.defined() ? 2 * cos_.size(0) : 4096);
    if (dynamicNtk_) size = std::min(size, maxPositions_);
    std::tie(cos_, sin_) = compute(0, size, theta_);
  }
  return {cos_.narrow(0, start, length), sin_.narrow(0, start, length)};
}

namespace {

// Contiguous bfloat16 rows of D elements: x's last dimension and a table [L, D] or [B, 1, L, D].
bool rotaryByRows(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t rows = x.size(2) * x.size(3);
  const auto table = [&](const at::Tensor& t) {
    return t.scalar_type() == at::kBFloat16 && t.is_contiguous() &&
           (t.numel() == rows || t.numel() == x.size(0) * rows);
  };
  return x.is_cpu() && x.dim() == 4 && x.scalar_type() == at::kBFloat16 && x.stride(3) == 1 &&
         table(cos) && table(sin);
}

}  // namespace

at::Tensor applyRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  if (!rotaryByRows(x, cos, sin)) {
    const int64_t half = x.size(-1) / 2;
    const at::Tensor swapped = at::cat({x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    return x * cos + swapped * sin;
  }
  const int64_t heads = x.size(1), length = x.size(2), dim = x.size(3);
  at::Tensor out = at::empty(x.sizes(), x.options());
  const std::uint16_t *in = bitsOf(x), *cosRows = bitsOf(cos), *sinRows = bitsOf(sin);
  std::uint16_t* to = bitsOf(out);
  const bool perSequence = cos.numel() > length * dim;
  at::parallel_for(0, x.size(0) * heads * length, 64, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t b = r / (heads * length), h = r / length % heads, l = r % length;
      const int64_t table = ((perSequence ? b * length : 0) + l) * dim;
      rotateRow(in + b * x.stride(0) + h * x.stride(1) + l * x.stride(2), cosRows + table,
                sinRows + table, to + r * dim, dim);
    }
  });
  return out;
}

}  // namespace mspa::inference
