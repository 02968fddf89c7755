#include "inference/activation_rows.h"

#include <cmath>
#include <initializer_list>

#include "inference/bfloat16_lanes.h"

namespace mspa::inference {
namespace {

using namespace lanes;

float geluPortable(float x) {
  return 0.5f * x * std::erfc(-x * static_cast<float>(M_SQRT1_2));
}

float siluPortable(float x) {
  return x / (1.0f + std::exp(-x));
}

#ifdef MSPA_ROWS_AVX512
constexpr float kLog2e = 1.44269504088896341f;

// erfc(z) for z >= 0 within 1.2e-7 relative (Numerical Recipes' erfcc, a Chebyshev fit):
// t · exp(−z² + P(t)) with t = 1 / (1 + z/2). Relative accuracy is what GELU needs for negative
// inputs, where it is x/2 · erfc(|x|/√2) and tiny.
MSPA_AVX512 __m512 erfcOfNonNegative16(__m512 z) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 denominator = _mm512_fmadd_ps(z, _mm512_set1_ps(0.5f), one);
  // One Newton step on the 14-bit reciprocal: within 1e-8.
  __m512 t = _mm512_rcp14_ps(denominator);
  t = _mm512_mul_ps(t, _mm512_fnmadd_ps(denominator, t, _mm512_set1_ps(2.0f)));
  __m512 p = _mm512_set1_ps(0.17087277f);
  for (const float c : {-0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f,
                        0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f})
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(c));
  const __m512 exponent = _mm512_fnmadd_ps(z, z, p);  // −z² + P(t)
  return _mm512_mul_ps(t, exp2of16(_mm512_mul_ps(exponent, _mm512_set1_ps(kLog2e))));
}

MSPA_AVX512 __m512 gelu16(__m512 x) {
  // Beyond z = 9 (x = ±12.7) erfc(z) < 4e-37 is taken as 0: GELU is x or 0 to bfloat16's
  // precision, and float32's subnormals, which the erfc would otherwise pass through, cost a
  // microcode assist each (GELU ran 7x slower on large activations).
  const __m512 z = _mm512_mul_ps(_mm512_abs_ps(x), _mm512_set1_ps(static_cast<float>(M_SQRT1_2)));
  const __m512 halfErfc = _mm512_maskz_mul_ps(
      _mm512_cmp_ps_mask(z, _mm512_set1_ps(9.0f), _CMP_LT_OQ),
      erfcOfNonNegative16(_mm512_min_ps(z, _mm512_set1_ps(9.0f))), _mm512_set1_ps(0.5f));
  // Φ(x) = 1 − erfc(z)/2 for x >= 0, erfc(z)/2 below.
  const __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
  const __m512 phi =
      _mm512_mask_mov_ps(_mm512_sub_ps(_mm512_set1_ps(1.0f), halfErfc), negative, halfErfc);
  return _mm512_mul_ps(x, phi);
}

MSPA_AVX512 __m512 silu16(__m512 x) {
  const __m512 e = exp2of16(_mm512_mul_ps(x, _mm512_set1_ps(-kLog2e)));
  return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}

MSPA_AVX512 void geluInPlace16(std::uint16_t* x, std::int64_t count) {
  for (std::int64_t i = 0; i < count; i += 16) {
    const __mmask16 m = lanesFor(count - i);
    store16(x + i, gelu16(load16(x + i, m)), m);
  }
}

MSPA_AVX512 void siluTimesInPlace16(std::uint16_t* gate, const std::uint16_t* up,
                                    std::int64_t count) {
  for (std::int64_t i = 0; i < count; i += 16) {
    const __mmask16 m = lanesFor(count - i);
    const __m512 activated = roundedToBfloat16(silu16(load16(gate + i, m)));
    store16(gate + i, _mm512_mul_ps(activated, load16(up + i, m)), m);
  }
}
#endif

}  // namespace

void geluInPlace(std::uint16_t* x, std::int64_t count, RowKernel kernel) {
#ifdef MSPA_ROWS_AVX512
  if (kernel == RowKernel::Fastest && hasAvx512()) return geluInPlace16(x, count);
#endif
  for (std::int64_t i = 0; i < count; ++i) store(x, i, geluPortable(load(x, i)));
}

void siluTimesInPlace(std::uint16_t* gate, const std::uint16_t* up, std::int64_t count,
                      RowKernel kernel) {
#ifdef MSPA_ROWS_AVX512
  if (kernel == RowKernel::Fastest && hasAvx512()) return siluTimesInPlace16(gate, up, count);
#endif
  for (std::int64_t i = 0; i < count; ++i) {
    store(gate, i, fromBits(toBits(siluPortable(load(gate, i)))) * load(up, i));
  }
}

}  // namespace mspa::inference
