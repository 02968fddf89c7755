#include "inference/norm_rows.h"

#include "inference/bfloat16_lanes.h"

namespace mspa::inference {
namespace {

using namespace lanes;

void layerNormPortable(const std::uint16_t* in, std::uint16_t* out, std::int64_t width,
                       const std::uint16_t* weight, const std::uint16_t* bias, float eps) {
  double sum = 0;
  for (std::int64_t i = 0; i < width; ++i) sum += load(in, i);
  const float mean = static_cast<float>(sum / width);
  double squares = 0;
  for (std::int64_t i = 0; i < width; ++i) squares += (load(in, i) - mean) * (load(in, i) - mean);
  const float scale = 1.0f / std::sqrt(static_cast<float>(squares / width) + eps);
  for (std::int64_t i = 0; i < width; ++i)
    store(out, i, (load(in, i) - mean) * scale * load(weight, i) + load(bias, i));
}

void rmsNormPortable(const std::uint16_t* in, std::uint16_t* out, std::int64_t width,
                     const std::uint16_t* weight, float eps) {
  double squares = 0;
  for (std::int64_t i = 0; i < width; ++i) squares += load(in, i) * load(in, i);
  const float scale = 1.0f / std::sqrt(static_cast<float>(squares / width) + eps);
  for (std::int64_t i = 0; i < width; ++i)
    store(out, i, fromBits(toBits(load(in, i) * scale)) * load(weight, i));
}

#ifdef MSPA_ROWS_AVX512
// Σ x, or with Squares Σ (x − center)², over the row in two accumulators (one would make every
// step wait for the previous one).
template <bool Squares>
MSPA_AVX512 __m512 term(__m512 x, __m512 center) {
  if (!Squares) return x;
  const __m512 d = _mm512_sub_ps(x, center);
  return _mm512_mul_ps(d, d);
}

template <bool Squares>
MSPA_AVX512 float rowSum(const std::uint16_t* in, std::int64_t width, __m512 center) {
  __m512 sum = _mm512_setzero_ps(), sum2 = _mm512_setzero_ps();
  std::int64_t i = 0;
  for (; i + 32 <= width; i += 32) {
    sum = _mm512_add_ps(sum, term<Squares>(load16(in + i, kAllLanes), center));
    sum2 = _mm512_add_ps(sum2, term<Squares>(load16(in + i + 16, kAllLanes), center));
  }
  for (; i < width; i += 16) {
    const __mmask16 m = lanesFor(width - i);
    sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(m, term<Squares>(load16(in + i, m), center)));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(sum, sum2));
}

MSPA_AVX512 void layerNorm16(const std::uint16_t* in, std::uint16_t* out, std::int64_t width,
                             const std::uint16_t* weight, const std::uint16_t* bias, float eps) {
  const __m512 center = _mm512_set1_ps(rowSum<false>(in, width, _mm512_setzero_ps()) / width);
  const float squares = rowSum<true>(in, width, center);
  const __m512 scale = _mm512_set1_ps(1.0f / std::sqrt(squares / width + eps));
  for (std::int64_t i = 0; i < width; i += 16) {
    const __mmask16 m = lanesFor(width - i);
    const __m512 normed = _mm512_mul_ps(_mm512_sub_ps(load16(in + i, m), center), scale);
    store16(out + i, _mm512_fmadd_ps(normed, load16(weight + i, m), load16(bias + i, m)), m);
  }
}

MSPA_AVX512 void rmsNorm16(const std::uint16_t* in, std::uint16_t* out, std::int64_t width,
                           const std::uint16_t* weight, float eps) {
  const float squares = rowSum<true>(in, width, _mm512_setzero_ps());
  const __m512 scale = _mm512_set1_ps(1.0f / std::sqrt(squares / width + eps));
  for (std::int64_t i = 0; i < width; i += 16) {
    const __mmask16 m = lanesFor(width - i);
    store16(out + i, _mm512_mul_ps(load16(in + i, m), scale), m);  // rounded, as the model does
    store16(out + i, _mm512_mul_ps(load16(out + i, m), load16(weight + i, m)), m);
  }
}
#endif

}  // namespace

void layerNormRow(const std::uint16_t* in, std::uint16_t* out, std::int64_t width,
                  const std::uint16_t* weight, const std::uint16_t* bias, float eps,
                  RowKernel kernel) {
#ifdef MSPA_ROWS_AVX512
  if (kernel == RowKernel::Fastest && hasAvx512())
    return layerNorm16(in, out, width, weight, bias, eps);
#endif
  layerNormPortable(in, out, width, weight, bias, eps);
}

void rmsNormRow(const std::uint16_t* in, std::uint16_t* out, std::int64_t width,
                const std::uint16_t* weight, float eps, RowKernel kernel) {
#ifdef MSPA_ROWS_AVX512
  if (kernel == RowKernel::Fastest && hasAvx512()) return rmsNorm16(in, out, width, weight, eps);
#endif
  rmsNormPortable(in, out, width, weight, eps);
}

}  // namespace mspa::inference
