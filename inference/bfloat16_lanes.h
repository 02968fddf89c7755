#pragma once

// bfloat16 as raw bits and, on x86-64, sixteen float32 lanes of AVX-512 at a time: what the
// engine's row kernels (softmax_rows, norm_rows, activation_rows, rotary_rows) and the tile
// attention share. Internal to those translation units.

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MSPA_ROWS_AVX512 1
#define MSPA_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))
// GCC 12's AVX-512 reductions start from _mm512_undefined_ps, which its own flow analysis then
// reports as uninitialised (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace mspa::inference::lanes {

inline float fromBits(std::uint16_t bits) {
  const std::uint32_t wide = static_cast<std::uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof value);
  return value;
}

// Round to nearest even, NaN kept a NaN.
inline std::uint16_t toBits(float value) {
  std::uint32_t wide;
  std::memcpy(&wide, &value, sizeof wide);
  if (std::isnan(value)) return static_cast<std::uint16_t>((wide >> 16) | 0x40);
  wide += 0x7fff + ((wide >> 16) & 1);
  return static_cast<std::uint16_t>(wide >> 16);
}

inline float load(const float* row, std::int64_t i) {
  return row[i];
}
inline float load(const std::uint16_t* row, std::int64_t i) {
  return fromBits(row[i]);
}
inline void store(float* row, std::int64_t i, float value) {
  row[i] = value;
}
inline void store(std::uint16_t* row, std::int64_t i, float value) {
  row[i] = toBits(value);
}

#ifdef MSPA_ROWS_AVX512
inline bool hasAvx512() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl");
  return has;
}

constexpr __mmask16 kAllLanes = 0xffff;

// The lanes of a row's last `left` elements (all sixteen when that many are left).
MSPA_AVX512 inline __mmask16 lanesFor(std::int64_t left) {
  return left >= 16 ? kAllLanes : static_cast<__mmask16>((1u << left) - 1);
}

MSPA_AVX512 inline __m512 load16(const float* p, __mmask16 m) {
  return _mm512_maskz_loadu_ps(m, p);
}
MSPA_AVX512 inline __m512 load16(const std::uint16_t* p, __mmask16 m) {
  const __m256i bits = _mm256_maskz_loadu_epi16(m, p);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}
MSPA_AVX512 inline void store16(float* p, __m512 v, __mmask16 m) {
  _mm512_mask_storeu_ps(p, m, v);
}
// v rounded to bfloat16 to nearest even, as toBits does (for values that are not NaN), kept in
// float32 lanes.
MSPA_AVX512 inline __m512 roundedToBfloat16(__m512 v) {
  __m512i bits = _mm512_castps_si512(v);
  const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  bits = _mm512_add_epi32(bits, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7fff)));
  return _mm512_castsi512_ps(_mm512_and_si512(bits, _mm512_set1_epi32(~0xffff)));
}
MSPA_AVX512 inline void store16(std::uint16_t* p, __m512 v, __mmask16 m) {
  const __m512i bits = _mm512_castps_si512(roundedToBfloat16(v));
  _mm256_mask_storeu_epi16(p, m, _mm512_cvtepi32_epi16(_mm512_srli_epi32(bits, 16)));
}

// 2^t: t = n + f with n an integer and |f| <= 1/2, 2^f by the degree-5 polynomial through its six
// Chebyshev nodes (within 1.1e-7 relative), 2^n by scalef (t below -126 counts as -126). A caller
// folds its own factors and log2(e) into t, so that an exponential costs ten instructions where
// Cephes' expf in base e costs fifteen.
MSPA_AVX512 inline __m512 exp2of16(__m512 t) {
  t = _mm512_max_ps(t, _mm512_set1_ps(-126.0f));
  const __m512 n = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 f = _mm512_sub_ps(t, n);
  __m512 p = _mm512_set1_ps(1.3390863e-3f);
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(9.6760319e-3f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.5503571e-2f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4022107e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.9314719e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0000001f));
  return _mm512_scalef_ps(p, n);
}
#endif

}  // namespace mspa::inference::lanes
