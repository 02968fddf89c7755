#include "inference/streamed_products.h"

#include "inference/bfloat16_lanes.h"

#include <algorithm>

namespace mspa::inference {
namespace {

using namespace lanes;

const std::uint16_t* weightRow(const StreamedWeights& w, std::int64_t block, std::int64_t n) {
  return w.bits + (block * w.outputs + n) * w.width;
}

void streamedProductPortable(const std::uint16_t* x, std::int64_t rows, const StreamedWeights& w,
                             const std::uint16_t* bias, std::uint16_t* y, std::int64_t first,
                             std::int64_t count) {
  const std::int64_t inputs = w.blocks * w.width;
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t n = first; n < first + count; ++n) {
      float sum = bias ? fromBits(bias[n]) : 0.0f;
      for (std::int64_t b = 0; b < w.blocks; ++b) {
        const std::uint16_t* row = weightRow(w, b, n);
        const std::uint16_t* in = x + r * inputs + b * w.width;
        for (std::int64_t k = 0; k < w.width; ++k) sum += fromBits(row[k]) * fromBits(in[k]);
      }
      y[r * w.outputs + n] = toBits(sum);
    }
  }
}

#ifdef MSPA_ROWS_AVX512
#define MSPA_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

// Four accumulators of sixteen float32 partial sums per input row: independent, so that no dot
// product waits for the one before.
template <int R>
using Sums = __m512[R][4];

// Adds row[k] · in[r, k] for k in [0, width) to each input row r's sums (rows `inputs` apart):
// whole 128-element pieces, then 32-element ones, the rest masked. Each piece of the weight row is
// loaded once for all R rows.
template <int R>
MSPA_AVX512_BF16 inline void accumulate(Sums<R>& sums, const std::uint16_t* in, std::int64_t inputs,
                                        const std::uint16_t* row, std::int64_t width) {
  const auto dot = [&](int s, std::int64_t k, __mmask32 m) MSPA_AVX512_BF16 {
    const __m512bh ws = reinterpret_cast<__m512bh>(_mm512_maskz_loadu_epi16(m, row + k));
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const __m512i xs = _mm512_maskz_loadu_epi16(m, in + r * inputs + k);
      sums[r][s] = _mm512_dpbf16_ps(sums[r][s], ws, reinterpret_cast<__m512bh>(xs));
    }
  };
  constexpr __mmask32 kAll = ~__mmask32{0};
  std::int64_t k = 0;
  for (; k + 128 <= width; k += 128) {
#pragma GCC unroll 4
    for (int s = 0; s < 4; ++s) dot(s, k + 32 * s, kAll);
  }
  for (; k + 32 <= width; k += 32) dot(0, k, kAll);
  if (k < width) dot(1, k, static_cast<__mmask32>((1ull << (width - k)) - 1));
}

// Output n for R input rows. Its weight row is read front to back, one stream that the hardware's
// prefetchers follow across pages: four weight rows read side by side (four streams, each a page
// long at 2,048 columns) read 34 GB/s where this reads 41 at one input row on the AMD EPYC of
// docs/PERFORMANCE.md (medians of twelve rounds, two threads).
template <int R>
MSPA_AVX512_BF16 void output(const std::uint16_t* x, const StreamedWeights& w,
                             const std::uint16_t* bias, std::uint16_t* y, std::int64_t n) {
  const std::int64_t inputs = w.blocks * w.width;
  Sums<R> sums;
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int s = 0; s < 4; ++s) sums[r][s] = _mm512_setzero_ps();
  }
  for (std::int64_t b = 0; b < w.blocks; ++b)
    accumulate<R>(sums, x + b * w.width, inputs, weightRow(w, b, n), w.width);
  const float offset = bias ? fromBits(bias[n]) : 0.0f;
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    const __m512 sum =
        _mm512_add_ps(_mm512_add_ps(sums[r][0], sums[r][1]), _mm512_add_ps(sums[r][2], sums[r][3]));
    y[r * w.outputs + n] = toBits(_mm512_reduce_add_ps(sum) + offset);
  }
}

template <int R>
MSPA_AVX512_BF16 void outputs(const std::uint16_t* x, const StreamedWeights& w,
                              const std::uint16_t* bias, std::uint16_t* y, std::int64_t first,
                              std::int64_t count) {
  for (std::int64_t n = first; n < first + count; ++n) output<R>(x, w, bias, y, n);
}

// Up to four input rows at a time: their sums fill 16 of the 32 registers.
MSPA_AVX512_BF16 void streamedProductFast(const std::uint16_t* x, std::int64_t rows,
                                          const StreamedWeights& w, const std::uint16_t* bias,
                                          std::uint16_t* y, std::int64_t first,
                                          std::int64_t count) {
  const std::int64_t inputs = w.blocks * w.width;
  for (std::int64_t r = 0; r < rows; r += 4) {
    const std::uint16_t* in = x + r * inputs;
    std::uint16_t* out = y + r * w.outputs;
    switch (std::min<std::int64_t>(rows - r, 4)) {
      case 1:
        outputs<1>(in, w, bias, out, first, count);
        break;
      case 2:
        outputs<2>(in, w, bias, out, first, count);
        break;
      case 3:
        outputs<3>(in, w, bias, out, first, count);
        break;
      default:
        outputs<4>(in, w, bias, out, first, count);
        break;
    }
  }
}
#endif

}  // namespace

bool streamedProductsAreFast() {
#ifdef MSPA_ROWS_AVX512
  static const bool fast = hasAvx512() && __builtin_cpu_supports("avx512bf16");
  return fast;
#else
  return false;
#endif
}

void streamedProduct(const std::uint16_t* x, std::int64_t rows, const StreamedWeights& w,
                     const std::uint16_t* bias, std::uint16_t* y, std::int64_t first,
                     std::int64_t count, RowKernel kernel) {
#ifdef MSPA_ROWS_AVX512
  if (kernel == RowKernel::Fastest && streamedProductsAreFast())
    return streamedProductFast(x, rows, w, bias, y, first, count);
#endif
  streamedProductPortable(x, rows, w, bias, y, first, count);
}

}  // namespace mspa::inference
