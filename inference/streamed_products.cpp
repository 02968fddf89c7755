#include "inference/streamed_products.h"

#include "inference/bfloat16_lanes.h"

namespace mspa::inference {
namespace {

using namespace lanes;

// Each group of outputs is this many weight rows, read together: 4 rows of 2,048 bfloat16 are 16
// KB, which stay in the first-level cache while every input row multiplies them.
constexpr std::int64_t kOutputsPerGroup = 4;

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

// Adds row[k] · in[k] for k in [0, width) to G accumulators, one per weight row (each `width`
// after the one before), sixteen float32 partial sums each: whole 32-element pieces unmasked, the
// rest masked.
template <int G>
MSPA_AVX512_BF16 inline void accumulate(__m512 (&sums)[G], const std::uint16_t* in,
                                        const std::uint16_t* row, std::int64_t width) {
  std::int64_t k = 0;
  for (; k + 32 <= width; k += 32) {
    const __m512bh xs = reinterpret_cast<__m512bh>(_mm512_loadu_si512(in + k));
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
      const __m512bh ws = reinterpret_cast<__m512bh>(_mm512_loadu_si512(row + g * width + k));
      sums[g] = _mm512_dpbf16_ps(sums[g], ws, xs);
    }
  }
  if (k == width) return;
  const __mmask32 m = static_cast<__mmask32>((1ull << (width - k)) - 1);
  const __m512bh xs = reinterpret_cast<__m512bh>(_mm512_maskz_loadu_epi16(m, in + k));
#pragma GCC unroll 4
  for (int g = 0; g < G; ++g) {
    const __m512bh ws =
        reinterpret_cast<__m512bh>(_mm512_maskz_loadu_epi16(m, row + g * width + k));
    sums[g] = _mm512_dpbf16_ps(sums[g], ws, xs);
  }
}

// The G outputs from n on, for every row.
template <int G>
MSPA_AVX512_BF16 void outputGroup(const std::uint16_t* x, std::int64_t rows,
                                  const StreamedWeights& w, const std::uint16_t* bias,
                                  std::uint16_t* y, std::int64_t n) {
  const std::int64_t inputs = w.blocks * w.width;
  for (std::int64_t r = 0; r < rows; ++r) {
    __m512 sums[G];
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) sums[g] = _mm512_setzero_ps();
    for (std::int64_t b = 0; b < w.blocks; ++b)
      accumulate<G>(sums, x + r * inputs + b * w.width, weightRow(w, b, n), w.width);
    for (int g = 0; g < G; ++g) {
      const float sum = _mm512_reduce_add_ps(sums[g]) + (bias ? fromBits(bias[n + g]) : 0.0f);
      y[r * w.outputs + n + g] = toBits(sum);
    }
  }
}

MSPA_AVX512_BF16 void streamedProductFast(const std::uint16_t* x, std::int64_t rows,
                                          const StreamedWeights& w, const std::uint16_t* bias,
                                          std::uint16_t* y, std::int64_t first,
                                          std::int64_t count) {
  std::int64_t n = first;
  for (; n + kOutputsPerGroup <= first + count; n += kOutputsPerGroup)
    outputGroup<kOutputsPerGroup>(x, rows, w, bias, y, n);
  for (; n < first + count; ++n) outputGroup<1>(x, rows, w, bias, y, n);
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
