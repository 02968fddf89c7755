#include "inference/rotary_rows.h"

#include "inference/bfloat16_lanes.h"

namespace mspa::inference {
namespace {

using namespace lanes;

float rotatedPortable(float x, float cos, float swapped, float sin) {
  return fromBits(toBits(x * cos)) + fromBits(toBits(swapped * sin));
}

#ifdef MSPA_ROWS_AVX512
MSPA_AVX512 __m512 rotated16(__m512 x, __m512 cos, __m512 swapped, __m512 sin) {
  return _mm512_add_ps(roundedToBfloat16(_mm512_mul_ps(x, cos)),
                       roundedToBfloat16(_mm512_mul_ps(swapped, sin)));
}

// Sixteen lanes of the first half at a time with the same lanes of the second: dim/2 must be a
// multiple of 16.
MSPA_AVX512 void rotateRow16(const std::uint16_t* x, const std::uint16_t* cos,
                             const std::uint16_t* sin, std::uint16_t* out, std::int64_t dim) {
  const std::int64_t half = dim / 2;
  for (std::int64_t i = 0; i < half; i += 16) {
    const __m512 low = load16(x + i, kAllLanes), high = load16(x + half + i, kAllLanes);
    store16(out + i, rotated16(low, load16(cos + i, kAllLanes), high, load16(sin + i, kAllLanes)),
            kAllLanes);
    store16(
        out + half + i,
        rotated16(high, load16(cos + half + i, kAllLanes), low, load16(sin + half + i, kAllLanes)),
        kAllLanes);
  }
}
#endif

}  // namespace

void rotateRow(const std::uint16_t* x, const std::uint16_t* cos, const std::uint16_t* sin,
               std::uint16_t* out, std::int64_t dim, RowKernel kernel) {
#ifdef MSPA_ROWS_AVX512
  if (kernel == RowKernel::Fastest && hasAvx512() && (dim / 2) % 16 == 0)
    return rotateRow16(x, cos, sin, out, dim);
#endif
  const std::int64_t half = dim / 2;
  for (std::int64_t i = 0; i < dim; ++i) {
    const std::int64_t other = i < half ? i + half : i - half;
    store(out, i, rotatedPortable(load(x, i), load(cos, i), load(x, other), load(sin, i)));
  }
}

}  // namespace mspa::inference
