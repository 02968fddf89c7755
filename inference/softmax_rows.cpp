#include "inference/softmax_rows.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "inference/bfloat16_lanes.h"

namespace mspa::inference {
namespace {

using namespace lanes;

// Exponentials of one row, kept in float32 until the sum is known (rounding them to bfloat16
// before dividing would round twice).
std::vector<float>& exponentials(std::int64_t size) {
  thread_local std::vector<float> buffer;
  if (static_cast<std::int64_t>(buffer.size()) < size) buffer.resize(size);
  return buffer;
}

template <typename In>
float rowMaxPortable(const In* row, std::int64_t begin, std::int64_t end) {
  float top = -std::numeric_limits<float>::infinity();
  for (std::int64_t i = begin; i < end; ++i) top = std::max(top, load(row, i));
  return top;
}

// exp((row[i] - top) · scale) into e[i - begin] for i in [begin, end); their sum.
template <typename In, typename E>
double exponentialsPortable(const In* row, E* e, std::int64_t begin, std::int64_t end, float top,
                            float scale) {
  double sum = 0;
  for (std::int64_t i = begin; i < end; ++i) {
    const float value = std::exp((load(row, i) - top) * scale);
    store(e, i - begin, value);
    sum += value;
  }
  return sum;
}

// Reads `row`, writes `out` (which may be `row`), keeps the exponentials in `e` meanwhile (which
// may be `row` too when it is float32: each is written where its score was just read).
template <typename In, typename Out>
void softmaxRowPortable(const In* row, Out* out, float* e, std::int64_t columns, std::int64_t begin,
                        std::int64_t end, float scale) {
  const double sum =
      exponentialsPortable(row, e, begin, end, rowMaxPortable(row, begin, end), scale);
  const float inverse = static_cast<float>(1.0 / sum);
  for (std::int64_t i = 0; i < columns; ++i)
    store(out, i, i >= begin && i < end ? e[i - begin] * inverse : 0.0f);
}

#ifdef MSPA_ROWS_AVX512
template <typename In>
MSPA_AVX512 float rowMax16(const In* row, std::int64_t begin, std::int64_t end) {
  // Two accumulators in each reduction: one would make every step wait for the previous one.
  const __m512 lowest = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  __m512 top = lowest, top2 = lowest;
  std::int64_t i = begin;
  for (; i + 32 <= end; i += 32) {
    top = _mm512_max_ps(top, load16(row + i, kAllLanes));
    top2 = _mm512_max_ps(top2, load16(row + i + 16, kAllLanes));
  }
  for (; i < end; i += 16) {
    const __mmask16 m = lanesFor(end - i);
    top = _mm512_mask_max_ps(top, m, top, load16(row + i, m));
  }
  return _mm512_reduce_max_ps(_mm512_max_ps(top, top2));
}

// exp((row[i] - top) · scale) into e[i - begin] for i in [begin, end); their float32 sum.
template <typename In, typename E>
MSPA_AVX512 float exponentials16(const In* row, E* e, std::int64_t begin, std::int64_t end,
                                 float top, float scale) {
  const float toBase2 = scale * 1.44269504088896341f;
  const __m512 factor = _mm512_set1_ps(toBase2), offset = _mm512_set1_ps(-top * toBase2);
  __m512 sum = _mm512_setzero_ps(), sum2 = _mm512_setzero_ps();
  std::int64_t i = begin;
  for (; i + 32 <= end; i += 32) {
    const __m512 first = exp2of16(_mm512_fmadd_ps(load16(row + i, kAllLanes), factor, offset));
    const __m512 second =
        exp2of16(_mm512_fmadd_ps(load16(row + i + 16, kAllLanes), factor, offset));
    sum = _mm512_add_ps(sum, first);
    sum2 = _mm512_add_ps(sum2, second);
    store16(e + (i - begin), first, kAllLanes);
    store16(e + (i - begin) + 16, second, kAllLanes);
  }
  for (; i < end; i += 16) {
    const __mmask16 m = lanesFor(end - i);
    const __m512 value =
        _mm512_maskz_mov_ps(m, exp2of16(_mm512_fmadd_ps(load16(row + i, m), factor, offset)));
    sum = _mm512_add_ps(sum, value);
    store16(e + (i - begin), value, m);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(sum, sum2));
}

template <typename In, typename Out>
MSPA_AVX512 void softmaxRow16(const In* row, Out* out, float* e, std::int64_t columns,
                              std::int64_t begin, std::int64_t end, float scale) {
  const float sum = exponentials16(row, e, begin, end, rowMax16(row, begin, end), scale);
  const __m512 inverse = _mm512_set1_ps(1.0f / sum);
  for (std::int64_t i = begin; i < end; i += 16) {
    const __mmask16 m = lanesFor(end - i);
    store16(out + i, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, e + (i - begin)), inverse), m);
  }
  const __m512 zero = _mm512_setzero_ps();
  for (std::int64_t i = 0; i < begin; i += 16) store16(out + i, zero, lanesFor(begin - i));
  for (std::int64_t i = end; i < columns; i += 16) store16(out + i, zero, lanesFor(columns - i));
}

#endif

template <typename In, typename Out>
void softmaxRowAny(const In* row, Out* out, float* e, std::int64_t columns, std::int64_t begin,
                   std::int64_t end, float scale, RowKernel kernel) {
#ifdef MSPA_ROWS_AVX512
  if (kernel == RowKernel::Fastest && hasAvx512())
    return softmaxRow16(row, out, e, columns, begin, end, scale);
#endif
  softmaxRowPortable(row, out, e, columns, begin, end, scale);
}

}  // namespace

void softmaxRow(float* row, std::int64_t columns, std::int64_t begin, std::int64_t end, float scale,
                RowKernel kernel) {
  softmaxRowAny(row, row, exponentials(end - begin).data(), columns, begin, end, scale, kernel);
}

void softmaxRow(std::uint16_t* row, std::int64_t columns, std::int64_t begin, std::int64_t end,
                float scale, RowKernel kernel) {
  softmaxRowAny(row, row, exponentials(end - begin).data(), columns, begin, end, scale, kernel);
}

float softmaxNumeratorsInto(const float* scores, std::int64_t columns, float scale,
                            std::uint16_t* numerators, RowKernel kernel) {
#ifdef MSPA_ROWS_AVX512
  if (kernel == RowKernel::Fastest && hasAvx512())
    return exponentials16(scores, numerators, 0, columns, rowMax16(scores, 0, columns), scale);
#endif
  return static_cast<float>(exponentialsPortable(scores, numerators, 0, columns,
                                                 rowMaxPortable(scores, 0, columns), scale));
}

}  // namespace mspa::inference
