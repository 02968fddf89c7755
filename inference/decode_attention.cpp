#include "inference/decode_attention.h"

#include "inference/bfloat16_lanes.h"
#include "inference/softmax_rows.h"
#include "inference/streamed_products.h"

#include <algorithm>
#include <vector>

namespace mspa::inference {
namespace {

using namespace lanes;

// answers[r] = Σ_p weights[r, p] · values[p] for `count` positions, float32 sums rounded once.
void weightedValuesPortable(const std::uint16_t* weights, std::int64_t rows, std::int64_t count,
                            const std::uint16_t* values, std::int64_t dim, std::uint16_t* answers) {
  std::vector<float> sums(dim);
  for (std::int64_t r = 0; r < rows; ++r) {
    std::fill(sums.begin(), sums.end(), 0.0f);
    for (std::int64_t p = 0; p < count; ++p) {
      const float w = fromBits(weights[r * count + p]);
      for (std::int64_t d = 0; d < dim; ++d) sums[d] += w * fromBits(values[p * dim + d]);
    }
    for (std::int64_t d = 0; d < dim; ++d) answers[r * dim + d] = toBits(sums[d]);
  }
}

#ifdef MSPA_ROWS_AVX512
// Value rows requested this far ahead of the one multiplied: the hardware's prefetchers left the
// value loop waiting on memory at 7 GB/s on one core of the AMD EPYC of docs/PERFORMANCE.md, 26
// GB/s with these requests.
constexpr std::int64_t kRowsAhead = 16;

// R rows' answers over the V vectors of sixteen elements from `first` on, all in registers while
// every value row streams past once (R · V sums and V values: at most 24 of the 32 registers).
template <int R, int V>
MSPA_AVX512 void weightedSlice(const std::uint16_t* weights, std::int64_t count,
                               const std::uint16_t* values, std::int64_t dim, std::int64_t first,
                               std::uint16_t* answers) {
  __m512 sums[R][V];
  __mmask16 lanes[V];
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v) {
    const std::int64_t left = dim - first - 16 * v;
    lanes[v] = left > 0 ? lanesFor(left) : 0;
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) sums[r][v] = _mm512_setzero_ps();
  }
  for (std::int64_t p = 0; p < count; ++p) {
    const std::uint16_t* row = values + p * dim + first;
#pragma GCC unroll 4
    for (int line = 0; line < V / 2; ++line) {
      const std::uint16_t* ahead = row + kRowsAhead * dim + 32 * line;
      _mm_prefetch(reinterpret_cast<const char*>(ahead), _MM_HINT_T0);
    }
    __m512 value[V];
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) value[v] = load16(row + 16 * v, lanes[v]);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const __m512 w = _mm512_set1_ps(fromBits(weights[r * count + p]));
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) sums[r][v] = _mm512_fmadd_ps(w, value[v], sums[r][v]);
    }
  }
  // Unrolled like the loops above: GCC 12 otherwise keeps the sums on the stack, stored every
  // position (a third of the speed).
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) store16(answers + r * dim + first + 16 * v, sums[r][v], lanes[v]);
  }
}

template <int R, int V>
MSPA_AVX512 void weightedRows(const std::uint16_t* weights, std::int64_t count,
                              const std::uint16_t* values, std::int64_t dim,
                              std::uint16_t* answers) {
  for (std::int64_t first = 0; first < dim; first += 16 * V)
    weightedSlice<R, V>(weights, count, values, dim, first, answers);
}

MSPA_AVX512 void weightedValuesFast(const std::uint16_t* weights, std::int64_t rows,
                                    std::int64_t count, const std::uint16_t* values,
                                    std::int64_t dim, std::uint16_t* answers) {
  for (std::int64_t r = 0; r < rows; r += 4) {
    const std::uint16_t* w = weights + r * count;
    std::uint16_t* a = answers + r * dim;
    switch (std::min<std::int64_t>(rows - r, 4)) {
      case 1:
        weightedRows<1, 8>(w, count, values, dim, a);
        break;
      case 2:
        weightedRows<2, 8>(w, count, values, dim, a);
        break;
      case 3:
        weightedRows<3, 4>(w, count, values, dim, a);
        break;
      default:
        weightedRows<4, 4>(w, count, values, dim, a);
        break;
    }
  }
}
#endif

void weightedValues(const std::uint16_t* weights, std::int64_t rows, std::int64_t count,
                    const std::uint16_t* values, std::int64_t dim, std::uint16_t* answers,
                    RowKernel kernel) {
#ifdef MSPA_ROWS_AVX512
  if (kernel == RowKernel::Fastest && hasAvx512())
    return weightedValuesFast(weights, rows, count, values, dim, answers);
#endif
  weightedValuesPortable(weights, rows, count, values, dim, answers);
}

}  // namespace

void attendOnePosition(const std::uint16_t* queries, std::int64_t rows, const CachedHead& head,
                       std::int64_t from, std::int64_t to, float scale, std::uint16_t* scores,
                       std::uint16_t* answers, RowKernel kernel) {
  const std::int64_t count = to - from;
  const StreamedWeights keys{head.keys + from * head.dim, count, 1, head.dim};
  streamedProduct(queries, rows, keys, nullptr, scores, 0, count, kernel);
  for (std::int64_t r = 0; r < rows; ++r)
    softmaxRow(scores + r * count, count, 0, count, scale, kernel);
  weightedValues(scores, rows, count, head.values + from * head.dim, head.dim, answers, kernel);
}

}  // namespace mspa::inference
