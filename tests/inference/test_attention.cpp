// The engine's CPU attention against the textbook formula (scores, additive mask, float32
// softmax, as transformers' eager attention computes it), its row kernels (softmax, layer norm,
// RMS norm) and its MLP in hidden blocks against double precision. LibTorch brings glog's CHECK,
// which aborts instead of reporting: assertions here are REQUIRE.

#include <catch2/catch.hpp>

#include "inference/attention.h"
#include "inference/attention_tiles.h"
#include "inference/norm_rows.h"
#include "inference/norms.h"
#include "inference/products.h"
#include "inference/softmax_rows.h"
#include "tests/inference/bfloat16_bits.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace mspa::inference;
using namespace mspa::inference::testing;

namespace {

std::vector<double> softmaxInDouble(const std::vector<float>& row, int begin, int end,
                                    double scale) {
  double top = -INFINITY, sum = 0;
  for (int i = begin; i < end; ++i) top = std::max(top, static_cast<double>(row[i]));
  std::vector<double> out(row.size(), 0.0);
  for (int i = begin; i < end; ++i) sum += out[i] = std::exp((row[i] - top) * scale);
  for (int i = begin; i < end; ++i) out[i] /= sum;
  return out;
}

// Keys [begin, end) of a row of `columns`, one visible at least.
struct RowCase {
  int columns, begin, end;
};

const std::vector<RowCase> kRowCases{{1, 0, 1},       {15, 0, 15},   {16, 3, 16},
                                     {17, 0, 9},      {33, 16, 33},  {1025, 0, 1025},
                                     {3000, 7, 2991}, {100, 99, 100}};

// The references for both kernels, float32 and bfloat16 rows (scores up to ±30 before the scale,
// as long prompts produce).
template <typename Check>
void forEveryRow(Check check) {
  std::mt19937 random(7);
  std::uniform_real_distribution<float> score(-30.0f, 30.0f);
  for (const RowCase& c : kRowCases) {
    std::vector<float> row(c.columns);
    for (float& x : row) x = fromBfloat16(bfloat16Bits(score(random)));  // exact in both types
    for (const RowKernel kernel : {RowKernel::Fastest, RowKernel::Portable})
      check(c, row, softmaxInDouble(row, c.begin, c.end, 0.125), kernel);
  }
}

}  // namespace

TEST_CASE("The row softmax equals softmax over the visible keys in double, zero elsewhere") {
  forEveryRow([](const RowCase& c, const std::vector<float>& row, const std::vector<double>& want,
                 RowKernel kernel) {
    CAPTURE(c.columns, c.begin, c.end, kernel == RowKernel::Fastest);
    std::vector<float> floats = row;
    softmaxRow(floats.data(), c.columns, c.begin, c.end, 0.125f, kernel);
    std::vector<std::uint16_t> halves(c.columns);
    for (int i = 0; i < c.columns; ++i) halves[i] = bfloat16Bits(row[i]);
    softmaxRow(halves.data(), c.columns, c.begin, c.end, 0.125f, kernel);
    double sum = 0;
    for (int i = 0; i < c.columns; ++i) {
      CAPTURE(i);
      if (i < c.begin || i >= c.end) {
        REQUIRE(floats[i] == 0.0f);
        REQUIRE(halves[i] == 0);
        continue;
      }
      // Float32 sums of up to 3,000 terms (16 partial sums on AVX-512).
      REQUIRE(std::abs(floats[i] - want[i]) <= 1e-5 * want[i]);
      // bfloat16 keeps 8 significant bits: within half a unit of the last place, relative.
      REQUIRE(std::abs(fromBfloat16(halves[i]) - want[i]) <= want[i] / 256 + 1e-30);
      sum += floats[i];
    }
    REQUIRE(sum == Approx(1.0).epsilon(1e-5));
  });
}

TEST_CASE("The softmax numerators into bfloat16 and their sum equal double precision") {
  forEveryRow([](const RowCase& c, const std::vector<float>& row, const std::vector<double>&,
                 RowKernel kernel) {
    CAPTURE(c.columns, kernel == RowKernel::Fastest);
    // Every key visible, as the tile attention's rows have them.
    const std::vector<double> want = softmaxInDouble(row, 0, c.columns, 0.125);
    const double top = *std::max_element(row.begin(), row.end());
    double wantSum = 0;
    for (float score : row) wantSum += std::exp((score - top) * 0.125);
    std::vector<std::uint16_t> numerators(c.columns, 0xffff);
    const float sum =
        softmaxNumeratorsInto(row.data(), c.columns, 0.125f, numerators.data(), kernel);
    // Float32 sums of up to 3,000 terms (16 partial sums on AVX-512).
    REQUIRE(std::abs(sum - wantSum) <= 1e-5 * wantSum);
    for (int i = 0; i < c.columns; ++i) {
      CAPTURE(i);
      // Each numerator within half a bfloat16 unit of the last place, the sum within 1e-5.
      REQUIRE(std::abs(fromBfloat16(numerators[i]) / sum - want[i]) <=
              want[i] * (1.0 / 256 + 2e-5));
    }
  });
}

namespace {

// softmax(q kᵀ/√d + mask) v with K/V repeated per query head, in float32.
at::Tensor textbookAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             bool causal, int64_t first, const std::vector<int64_t>& padding) {
  const int64_t groups = q.size(1) / k.size(1), length = q.size(2), keys = k.size(2);
  const at::Tensor kf = k.to(at::kFloat).repeat_interleave(groups, 1);
  const at::Tensor vf = v.to(at::kFloat).repeat_interleave(groups, 1);
  at::Tensor scores = at::matmul(q.to(at::kFloat), kf.transpose(-1, -2)) / std::sqrt(q.size(3));
  const at::Tensor positions = at::arange(first, first + length, at::kLong).view({length, 1});
  const at::Tensor columns = at::arange(keys, at::kLong).view({1, keys});
  for (int64_t b = 0; b < q.size(0); ++b) {
    at::Tensor hidden = at::zeros({length, keys}, at::kBool);
    if (causal && length > 1) hidden = hidden | (columns > positions);
    const int64_t pad = padding.empty() ? 0 : padding[b];
    if (pad > 0) hidden = hidden | ((columns < pad) & (positions >= pad));
    scores[b].masked_fill_(hidden, -std::numeric_limits<float>::infinity());
  }
  return at::matmul(at::softmax(scores, -1), vf);
}

struct AttentionCase {
  const char* name;
  int64_t batch, heads, kvHeads, length, keys, dim, first;
  bool causal;
  std::vector<int64_t> padding;
};

}  // namespace

TEST_CASE("CPU attention equals the textbook formula: vision, prompt chunks, padding, decode") {
  const std::vector<AttentionCase> cases{
      {"vision tiles (no mask, one query head per key head)", 2, 4, 4, 65, 65, 16, 0, false, {}},
      {"whole prompt, grouped-query heads", 1, 4, 2, 40, 40, 32, 0, true, {}},
      {"a later prompt chunk against the cache", 1, 4, 2, 24, 60, 32, 36, true, {}},
      {"left-padded batch", 2, 4, 2, 30, 30, 32, 0, true, {0, 9}},
      {"decode step, padded batch", 2, 8, 2, 1, 77, 64, 76, true, {5, 0}},
      // 4 MB of float32 scores hold 1,024 rows of 1,024 keys: this runs in three blocks.
      {"rows beyond one score block", 1, 6, 2, 1024, 1024, 8, 0, true, {}},
      // The real models' head sizes (InternViT-300M's 64, InternLM2's 128).
      {"vision tiles of 64-dim heads", 2, 3, 3, 1025, 1025, 64, 0, false, {}},
      {"a prompt chunk of 128-dim grouped heads", 1, 4, 2, 45, 109, 128, 64, true, {}},
      {"left-padded batch of 128-dim heads", 2, 2, 1, 37, 37, 128, 0, true, {3, 0}},
      {"decode step of 128-dim grouped heads at a long context",
       1,
       4,
       2,
       1,
       2500,
       128,
       2499,
       true,
       {}},
      {"decode step, seven query heads per key head", 2, 14, 2, 1, 50, 64, 49, true, {0, 4}},
  };
  for (const auto& c : cases) {
    for (const auto& [dtype, kernel] : {std::pair{at::kFloat, RowKernel::Fastest},
                                        {at::kBFloat16, RowKernel::Fastest},
                                        {at::kBFloat16, RowKernel::Portable}}) {
      CAPTURE(c.name, dtype == at::kFloat ? "float32" : "bfloat16", kernel == RowKernel::Fastest);
      at::manual_seed(11);
      const at::Tensor q = at::randn({c.batch, c.heads, c.length, c.dim}).to(dtype);
      const at::Tensor k = at::randn({c.batch, c.kvHeads, c.keys, c.dim}).to(dtype);
      const at::Tensor v = at::randn({c.batch, c.kvHeads, c.keys, c.dim}).to(dtype);
      const at::Tensor got = attend(q, k, v, c.causal, c.first, c.padding, kernel);
      const at::Tensor want = textbookAttention(q, k, v, c.causal, c.first, c.padding);
      REQUIRE(got.sizes() == want.sizes());
      REQUIRE(got.scalar_type() == dtype);
      const double error = (got.to(at::kFloat) - want).abs().max().item<double>();
      // bfloat16 rounds the scores and the weights to 8 bits before the second product.
      REQUIRE(error < (dtype == at::kFloat ? 1e-5 : 0.06));
    }
  }
}

namespace {

// The tile kernel on raw bfloat16 rows against double precision: rows `stride` apart, as a vision
// tile's joined projection holds them.
struct TileCase {
  std::int64_t queries, keys, dim, stride;
  // Causal: the queries are heads of `length` rows stacked, the first at key position `first`.
  bool causal = false;
  std::int64_t length = 1, first = 0;
};

}  // namespace

TEST_CASE("Attention on AMX tiles equals double precision within bfloat16's rounding") {
  if (!tileAttentionAvailable()) {
    WARN("this CPU has no AMX tiles: the tile kernel is not run");
    return;
  }
  // Keys and queries past and short of the 16-row and 32-key blocks; every head size the tiles
  // take; InternViT-300M's tile (1,025 × 64, rows 3 × 1,024 apart in the joined projection);
  // causal prompt chunks of grouped heads (blocks spanning two heads, chunks of 32 keys a block
  // sees only partly or not at all) and a whole causal prompt.
  const std::vector<TileCase> cases{{1, 1, 32, 32},
                                    {16, 16, 64, 64},
                                    {17, 33, 96, 96},
                                    {40, 15, 128, 160},
                                    {33, 100, 64, 200},
                                    {1025, 1025, 64, 3072},
                                    {40, 60, 64, 64, true, 20, 40},
                                    {2 * 70, 200, 128, 128, true, 70, 130},
                                    {100, 100, 32, 32, true, 100, 0}};
  std::mt19937 random(3);
  for (const TileCase& c : cases) {
    CAPTURE(c.queries, c.keys, c.dim, c.stride, c.causal);
    const VisibleKeys visible{c.length, c.first, c.keys, 0, c.causal};
    REQUIRE(tileAttentionFits(c.dim));
    const auto q = randomBfloat16(c.queries * c.stride, random);
    const auto k = randomBfloat16(c.keys * c.stride, random);
    const auto v = randomBfloat16(c.keys * c.stride, random);
    TiledKeysValues tiled;
    tiled.resize(c.keys, c.dim);
    tiled.pack(k.data(), c.stride, v.data(), c.stride, 0, tiled.chunks());
    const float scale = 1.0f / std::sqrt(static_cast<float>(c.dim));
    std::vector<std::uint16_t> answers(c.queries * c.dim);
    const std::int64_t blocks = (c.queries + kTileQueryRows - 1) / kTileQueryRows;
    // In two calls, as two threads would take the blocks.
    attendOnTiles(tiled, q.data(), c.stride, c.queries, 0, blocks / 2, scale, answers.data(), c.dim,
                  visible);
    attendOnTiles(tiled, q.data(), c.stride, c.queries, blocks / 2, blocks, scale, answers.data(),
                  c.dim, visible);
    for (std::int64_t i = 0; i < c.queries; ++i) {
      // Independently of VisibleKeys: row i is position first + i mod length of its head.
      const std::int64_t seen = c.causal ? std::min(c.keys, c.first + i % c.length + 1) : c.keys;
      std::vector<float> scores(seen);
      for (std::int64_t j = 0; j < seen; ++j) {
        double dot = 0;
        for (std::int64_t e = 0; e < c.dim; ++e)
          dot += static_cast<double>(fromBfloat16(q[i * c.stride + e])) *
                 fromBfloat16(k[j * c.stride + e]);
        scores[j] = static_cast<float>(dot);
      }
      const std::vector<double> p = softmaxInDouble(scores, 0, seen, scale);
      for (std::int64_t e = 0; e < c.dim; ++e) {
        double want = 0, magnitude = 0;
        for (std::int64_t j = 0; j < seen; ++j) {
          want += p[j] * fromBfloat16(v[j * c.stride + e]);
          magnitude += p[j] * std::abs(fromBfloat16(v[j * c.stride + e]));
        }
        CAPTURE(i, e);
        // Probabilities and the answer each rounded to bfloat16 (half a unit in 2⁸ each); the
        // scores stay float32.
        REQUIRE(std::abs(fromBfloat16(answers[i * c.dim + e]) - want) <= magnitude / 128 + 1e-6);
      }
    }
  }
}

namespace {

// The vision encoder's split of a joined q/k/v projection [tiles, length, 3 · heads · dim] (with
// `extra` unused columns after it, making rows that many elements further apart).
struct JoinedCase {
  at::ScalarType dtype;
  int64_t length, heads, dim, extra;
  double tolerance;  // against the textbook formula in float32
};

}  // namespace

TEST_CASE(
    "CPU attention answers a joined q/k/v projection's strided views as it answers packed "
    "tensors: float32 on products, bfloat16 on tiles where the CPU has them, odd strides") {
  CAPTURE(tileAttentionAvailable());
  // bfloat16 rounds the probabilities before the values' product; 64-dim heads take the tiles.
  const std::vector<JoinedCase> cases{{at::kFloat, 33, 4, 16, 0, 1e-5},
                                      {at::kBFloat16, 70, 3, 64, 0, 0.03},
                                      {at::kBFloat16, 70, 3, 64, 1, 0.03}};
  for (const JoinedCase& c : cases) {
    CAPTURE(c.dtype == at::kFloat ? "float32" : "bfloat16", c.dim, c.extra);
    at::manual_seed(5);
    const int64_t tiles = 2, width = 3 * c.heads * c.dim;
    const at::Tensor joined = at::randn({tiles, c.length, width + c.extra}).to(c.dtype);
    const auto parts = joined.narrow(-1, 0, width).chunk(3, -1);
    const auto split = [&](const at::Tensor& t) {
      return t.view({tiles, c.length, c.heads, c.dim}).transpose(1, 2);
    };
    const at::Tensor q = split(parts[0]), k = split(parts[1]), v = split(parts[2]);
    REQUIRE_FALSE(k.is_contiguous());
    // Rows an odd number of elements apart put element pairs across 32-bit words, which the
    // tiles' key gathers cannot read: those are packed first.
    REQUIRE(k.stride(2) % 2 == c.extra);
    const at::Tensor fromViews = attend(q, k, v, false, 0);
    REQUIRE(at::equal(fromViews, attend(q.contiguous(), k.contiguous(), v.contiguous(), false, 0)));
    REQUIRE((fromViews.to(at::kFloat) - textbookAttention(q, k, v, false, 0, {}))
                .abs()
                .max()
                .item<double>() < c.tolerance);
  }
}

TEST_CASE("A decode step attends to the KV cache's views in place as to packed copies") {
  at::manual_seed(9);
  for (const at::ScalarType dtype : {at::kFloat, at::kBFloat16}) {
    CAPTURE(dtype == at::kFloat ? "float32" : "bfloat16");
    KvCache cache;
    cache.reset(1, 2, 2, 64, 300, at::TensorOptions().dtype(dtype), true);
    cache.append(0, at::randn({2, 2, 120, 64}).to(dtype), at::randn({2, 2, 120, 64}).to(dtype));
    cache.advance(120);
    const auto [k, v] =
        cache.append(0, at::randn({2, 2, 1, 64}).to(dtype), at::randn({2, 2, 1, 64}).to(dtype));
    REQUIRE_FALSE(k.is_contiguous());
    const at::Tensor q = at::randn({2, 4, 1, 64}).to(dtype);
    const at::Tensor fromViews = attend(q, k, v, true, 120, {0, 7});
    REQUIRE(at::equal(fromViews, attend(q, k.contiguous(), v.contiguous(), true, 120, {0, 7})));
    REQUIRE((fromViews.to(at::kFloat) - textbookAttention(q, k, v, true, 120, {0, 7}))
                .abs()
                .max()
                .item<double>() < (dtype == at::kFloat ? 1e-5 : 0.03));
  }
}

TEST_CASE("A KV cache starts zeroed, in huge pages or not, and keeps what it holds as it grows") {
  at::manual_seed(10);
  const auto zero = [](const at::Tensor& t) { return t.abs().max().item<float>() == 0; };
  for (const bool hugePages : {true, false}) {
    CAPTURE(hugePages);
    KvCache cache;
    cache.reset(2, 1, 2, 64, 40, at::TensorOptions().dtype(at::kBFloat16), hugePages);
    const at::Tensor k = at::randn({1, 2, 30, 64}).to(at::kBFloat16), v = -k;
    const at::Tensor one = k.narrow(2, 0, 1);
    // write() returns the layer's whole capacity: unwritten positions must read as zeros (finite,
    // for attendAll's masked columns).
    const auto [fresh, freshValues] = cache.write(0, at::full({1}, 0, at::kLong), one, one);
    REQUIRE(zero(fresh.narrow(2, 1, 39)));
    REQUIRE(zero(freshValues.narrow(2, 1, 39)));
    for (int layer = 0; layer < 2; ++layer) cache.append(layer, k, v);
    cache.advance(30);
    cache.reserve(100);
    REQUIRE(cache.capacity() == 100);
    const auto [keys, values] = cache.write(1, at::full({1}, 30, at::kLong), one, -one);
    REQUIRE(at::equal(keys.narrow(2, 0, 30), k));
    REQUIRE(at::equal(values.narrow(2, 0, 30), v));
    REQUIRE(at::equal(keys.narrow(2, 30, 1), one));
    REQUIRE(zero(keys.narrow(2, 31, 69)));
    REQUIRE(zero(values.narrow(2, 31, 69)));
  }
}

TEST_CASE("Layer and RMS norms of bfloat16 rows equal double precision, rounded as the models do") {
  std::mt19937 random(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const auto row = [&](std::int64_t n, float offset, float spread) {
    std::vector<std::uint16_t> bits(n);
    for (auto& b : bits) b = bfloat16Bits(offset + spread * normal(random));
    return bits;
  };
  for (const std::int64_t width : {1, 15, 16, 17, 33, 1024, 2048, 4097}) {
    CAPTURE(width);
    const auto x = row(width, 3.0f, 2.0f), weight = row(width, 1.0f, 0.3f),
               bias = row(width, 0.0f, 0.5f);
    std::vector<double> v(width);
    for (std::int64_t i = 0; i < width; ++i) v[i] = fromBfloat16(x[i]);
    double mean = 0, squares = 0, meanSquare = 0;
    for (double a : v) mean += a / width;
    for (double a : v) squares += (a - mean) * (a - mean) / width;
    for (double a : v) meanSquare += a * a / width;
    const float eps = 1e-6f;
    for (const RowKernel kernel : {RowKernel::Fastest, RowKernel::Portable}) {
      std::vector<std::uint16_t> layer(width), rms(width);
      layerNormRow(x.data(), layer.data(), width, weight.data(), bias.data(), eps, kernel);
      rmsNormRow(x.data(), rms.data(), width, weight.data(), eps, kernel);
      for (std::int64_t i = 0; i < width; ++i) {
        const double w = fromBfloat16(weight[i]), b = fromBfloat16(bias[i]);
        const double wantLayer = (v[i] - mean) / std::sqrt(squares + eps) * w + b;
        // Rounded once to 8 significant bits (and float32's error on a sum that cancels).
        REQUIRE(std::abs(fromBfloat16(layer[i]) - wantLayer) <= std::abs(wantLayer) / 256 + 2e-3);
        // Rounded twice: the normalised value, then its product with the weight.
        const double wantRms = v[i] / std::sqrt(meanSquare + eps) * w;
        REQUIRE(std::abs(fromBfloat16(rms[i]) - wantRms) <= std::abs(wantRms) / 128 + 1e-6);
      }
    }
  }
  // The engine's norms on bfloat16 tensors (rows in parallel) against LibTorch's formulas, which
  // they replace on the CPU: at most a unit in the last place apart.
  at::manual_seed(2);
  const at::Tensor x = (at::randn({3, 50, 1024}) * 2 + 1).to(at::kBFloat16);
  const at::Tensor w = (at::randn({1024}) * 0.2 + 1).to(at::kBFloat16);
  const at::Tensor b = at::randn({1024}).to(at::kBFloat16);
  const at::Tensor xf = x.to(at::kFloat);
  const at::Tensor wantLayer =
      at::layer_norm(xf, {1024}, w.to(at::kFloat), b.to(at::kFloat), 1e-6).to(at::kBFloat16);
  const at::Tensor wantRms =
      w * (xf * at::rsqrt(xf.pow(2).mean({-1}, true) + 1e-6)).to(at::kBFloat16);
  const auto ulps = [](const at::Tensor& got, const at::Tensor& want) {
    REQUIRE(got.sizes() == want.sizes());
    REQUIRE(got.scalar_type() == want.scalar_type());
    return ((got.to(at::kFloat) - want.to(at::kFloat)).abs() /
            (want.to(at::kFloat).abs() * (1.0 / 128) + 1e-6))
        .max()
        .item<double>();
  };
  REQUIRE(ulps(layerNorm(x, w, b, 1e-6), wantLayer) <= 1.0);
  REQUIRE(ulps(rmsNorm(x, w, 1e-6), wantRms) <= 1.0);
  // float32 keeps LibTorch's own.
  REQUIRE(at::equal(layerNorm(xf, w.to(at::kFloat), b.to(at::kFloat), 1e-6),
                    at::layer_norm(xf, {1024}, w.to(at::kFloat), b.to(at::kFloat), 1e-6)));
}

TEST_CASE(
    "MLPs in hidden blocks equal fc2(act(fc1(x))) in double: InternViT-300M, InternLM2-1.8B") {
  REQUIRE(hiddenBlockWidth(4096) == 1024);  // InternViT-300M: four blocks
  REQUIRE(hiddenBlockWidth(8192) == 1024);  // InternLM2-1.8B: eight
  REQUIRE(hiddenBlockWidth(12800) == 800);  // InternViT-6B: sixteen
  REQUIRE(hiddenBlockWidth(128) == 128);    // the fixtures: one
  REQUIRE(hiddenBlockWidth(1000) == 1000);  // no divisor that is a multiple of 32

  at::manual_seed(3);
  // 1,100 rows: a block of 512 and a remainder of 588 that runs as one.
  const at::Tensor x = at::randn({1100, 1024}, at::kDouble);
  const at::Tensor w1 = at::randn({4096, 1024}, at::kDouble) * 0.03,
                   b1 = at::randn({4096}, at::kDouble);
  const at::Tensor w2 = at::randn({1024, 4096}, at::kDouble) * 0.03,
                   b2 = at::randn({1024}, at::kDouble);
  const at::Tensor blocks = columnBlocks(w2, 1024);
  REQUIRE(blocks.sizes() == at::IntArrayRef{4 * 1024, 1024});
  REQUIRE(at::equal(blocks.narrow(0, 2 * 1024, 1024), w2.narrow(1, 2 * 1024, 1024)));

  const at::Tensor want = at::linear(at::gelu(at::linear(x, w1, b1)), w2, b2);
  for (const auto dtype : {at::kFloat, at::kBFloat16}) {
    CAPTURE(dtype);
    const auto as = [&](const at::Tensor& t) { return t.to(dtype); };
    const at::Tensor w1d = as(w1), b1d = as(b1);
    const auto hidden = [&](const at::Tensor& rows, int64_t first, int64_t width) {
      return at::gelu(at::linear(rows, w1d.narrow(0, first, width), b1d.narrow(0, first, width)));
    };
    const at::Tensor got =
        mlpInHiddenBlocks(as(x), hidden, 4096, columnBlocks(as(w2), 1024), as(b2));
    REQUIRE(got.scalar_type() == dtype);
    // Against the rounding of the inputs alone: products over 1,024 and 4,096 terms in float32,
    // or bfloat16 partial sums rounded once per block (four roundings where one product has one).
    const at::Tensor unblocked = at::linear(at::gelu(at::linear(as(x), w1d, b1d)), as(w2), as(b2));
    const double error = (got.to(at::kDouble) - want).abs().max().item<double>();
    const double unblockedError = (unblocked.to(at::kDouble) - want).abs().max().item<double>();
    CAPTURE(error, unblockedError);
    REQUIRE(error <= (dtype == at::kFloat ? 1e-4 : 2 * unblockedError));
  }

  // fc2 stored in bfloat16 under float32 activations (a CPU without bfloat16 products): each block
  // joins the activations' dtype, so the result is float32's with fc2's weights rounded.
  {
    const auto f32 = [](const at::Tensor& t) { return t.to(at::kFloat); };
    const at::Tensor w1f = f32(w1), b1f = f32(b1), storedW2 = w2.to(at::kBFloat16);
    const auto hidden = [&](const at::Tensor& rows, int64_t first, int64_t width) {
      return at::gelu(at::linear(rows, w1f.narrow(0, first, width), b1f.narrow(0, first, width)));
    };
    const at::Tensor got =
        mlpInHiddenBlocks(f32(x), hidden, 4096, columnBlocks(storedW2, 1024), f32(b2));
    REQUIRE(got.scalar_type() == at::kFloat);
    const at::Tensor rounded =
        at::linear(at::gelu(at::linear(x, w1, b1)), storedW2.to(at::kDouble), b2);
    REQUIRE((got.to(at::kDouble) - rounded).abs().max().item<double>() <= 1e-4);
  }

  // A decode step's rows (one, and a batch of three) through the blocks of a SwiGLU's down
  // projection (eight blocks of 1,024), in bfloat16 storage with float32 activations too.
  const at::Tensor down = at::randn({2048, 8192}, at::kDouble) * 0.02;
  for (const int64_t rows : {1, 3}) {
    const at::Tensor h = at::randn({rows, 1, 8192}, at::kDouble);
    const at::Tensor exact = at::linear(h, down);
    for (const auto storage : {at::kFloat, at::kBFloat16}) {
      CAPTURE(rows, storage);
      const at::Tensor got =
          productWithColumnBlocks(h.to(at::kFloat), columnBlocks(down.to(storage), 1024), {});
      REQUIRE(got.scalar_type() == at::kFloat);
      REQUIRE(got.sizes() == exact.sizes());
      const at::Tensor plain = at::linear(h.to(storage), down.to(storage)).to(at::kDouble);
      const double error = (got.to(at::kDouble) - exact).abs().max().item<double>();
      const double plainError = (plain - exact).abs().max().item<double>();
      CAPTURE(error, plainError);
      REQUIRE(error <= (storage == at::kFloat ? 1e-4 : 1.5 * plainError));
    }
  }
  // One row through linearForCpu's matrix-vector product, with and without a bias.
  const at::Tensor row = at::randn({1, 1, 1024}, at::kDouble);
  REQUIRE(at::allclose(
      linearForCpu(row.to(at::kFloat), w1.to(at::kFloat), b1.to(at::kFloat)).to(at::kDouble),
      at::linear(row, w1, b1), 1e-4, 1e-4));
  REQUIRE(linearForCpu(row, w1, {}).sizes() == at::IntArrayRef{1, 1, 4096});
  REQUIRE(at::allclose(linearForCpu(row, w1, {}), at::linear(row, w1), 1e-12, 1e-12));
}

namespace {

// transformers' apply_rotary_pos_emb in bfloat16 through LibTorch's own operations (each computes
// in float32 and rounds), with RotaryTable's sign-carrying sin.
at::Tensor rotaryByLibTorch(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  return x * cos + at::cat({x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1) * sin;
}

}  // namespace

TEST_CASE("Rotary embedding by rows equals LibTorch's bfloat16 operations bit for bit") {
  struct Case {
    int64_t batch, length, heads, dim;
    bool perSequence;  // a padded batch's table [B, 1, L, D]
  };
  for (const Case& c :
       {Case{1, 37, 3, 128, false}, Case{2, 20, 2, 64, true}, Case{1, 5, 2, 40, false}}) {
    CAPTURE(c.batch, c.length, c.heads, c.dim, c.perSequence);
    RotaryTable table(c.dim, 10000.0, false, 1.0, 4096, at::TensorOptions().dtype(at::kBFloat16));
    auto [cos, sin] = table.at(100, c.length);
    if (c.perSequence) {
      // Each sequence its own positions, as left padding gives them.
      const auto [cos2, sin2] = table.at(7, c.length);
      cos = at::stack({cos, cos2}).unsqueeze(1).contiguous();
      sin = at::stack({sin, sin2}).unsqueeze(1).contiguous();
    }
    // q as the decoder has it: heads of a joined projection [B, L, heads + 1, D], transposed.
    const at::Tensor joined =
        (at::randn({c.batch, c.length, c.heads + 1, c.dim}) * 3).to(at::kBFloat16);
    const at::Tensor x = joined.narrow(2, 0, c.heads).transpose(1, 2);
    const at::Tensor got = applyRotary(x, cos, sin);
    REQUIRE(at::equal(got, rotaryByLibTorch(x, cos, sin)));
    // And the formula itself, within the three roundings.
    const at::Tensor xd = x.to(at::kDouble),
                     half = at::cat(
                         {xd.narrow(-1, c.dim / 2, c.dim / 2), xd.narrow(-1, 0, c.dim / 2)}, -1);
    const at::Tensor want = xd * cos.to(at::kDouble) + half * sin.to(at::kDouble);
    REQUIRE(at::allclose(got.to(at::kDouble), want, 0, 3 * 3.0 / 128));
  }
}
