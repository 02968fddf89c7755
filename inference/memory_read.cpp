#include "inference/memory_read.h"

#include "inference/bfloat16_lanes.h"

namespace mspa::inference {
namespace {

float sumPortable(const float* values, std::int64_t count) {
  float sums[8] = {};
  std::int64_t i = 0;
  for (; i + 8 <= count; i += 8)
    for (int j = 0; j < 8; ++j) sums[j] += values[i + j];
  for (; i < count; ++i) sums[0] += values[i];
  float sum = 0;
  for (const float s : sums) sum += s;
  return sum;
}

#ifdef MSPA_ROWS_AVX512
MSPA_AVX512 float sumAvx512(const float* values, std::int64_t count) {
  __m512 sums[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                    _mm512_setzero_ps()};
  std::int64_t i = 0;
  for (; i + 64 <= count; i += 64) {
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j)
      sums[j] = _mm512_add_ps(sums[j], _mm512_loadu_ps(values + i + 16 * j));
  }
  for (; i < count; i += 16)
    sums[0] = _mm512_add_ps(sums[0], lanes::load16(values + i, lanes::lanesFor(count - i)));
  return _mm512_reduce_add_ps(
      _mm512_add_ps(_mm512_add_ps(sums[0], sums[1]), _mm512_add_ps(sums[2], sums[3])));
}
#endif

}  // namespace

float sumByWidestLoads(const float* values, std::int64_t count) {
#ifdef MSPA_ROWS_AVX512
  if (lanes::hasAvx512()) return sumAvx512(values, count);
#endif
  return sumPortable(values, count);
}

}  // namespace mspa::inference
