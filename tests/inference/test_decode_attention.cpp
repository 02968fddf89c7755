// A decode step's attention on raw bfloat16 rows against double precision, on both kernels: the
// scores and the weights rounded to bfloat16 where LibTorch's bfloat16 attention rounds them
// (inference/attention.cpp's products), the answers' sums exact. Through attend() the streamed
// path is also checked against the textbook formula (test_attention.cpp).

#include <catch2/catch.hpp>

#include "inference/decode_attention.h"
#include "tests/inference/bfloat16_bits.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace mspa::inference;
using namespace mspa::inference::testing;

namespace {

// Nearest bfloat16 of a double, ties to even: truncation gives the neighbour toward zero, one
// step up in the bits the neighbour away from it.
double roundedToBfloat16(double value) {
  std::uint16_t bits = bfloat16Bits(static_cast<float>(value));
  const double towardZero = fromBfloat16(bits);
  const double awayFromZero = fromBfloat16(static_cast<std::uint16_t>(bits + 1));
  const double below = std::abs(value - towardZero), above = std::abs(awayFromZero - value);
  if (above < below || (above == below && (bits & 1))) ++bits;
  return fromBfloat16(bits);
}

struct DecodeCase {
  std::int64_t rows, positions, dim, from, to;
};

}  // namespace

TEST_CASE("A decode step's attention over cached bfloat16 heads equals double precision") {
  std::mt19937 random(3);
  // Head sizes off the 16-element vectors, 1-7 query heads per key/value head (InternLM2's 2,
  // Qwen2's 7), padding hidden at the start, a 3.6k-token context.
  for (const DecodeCase& c :
       {DecodeCase{1, 1, 16, 0, 1}, DecodeCase{2, 77, 128, 5, 77}, DecodeCase{3, 40, 40, 0, 40},
        DecodeCase{4, 300, 64, 0, 300}, DecodeCase{7, 33, 128, 2, 30},
        DecodeCase{2, 3660, 128, 0, 3660}, DecodeCase{5, 20, 8, 19, 20}}) {
    const auto queries = randomBfloat16(c.rows * c.dim, random);
    const auto keys = randomBfloat16(c.positions * c.dim, random);
    const auto values = randomBfloat16(c.positions * c.dim, random);
    const std::int64_t count = c.to - c.from;
    const double scale = 1.0 / std::sqrt(static_cast<double>(c.dim));
    for (const RowKernel kernel : {RowKernel::Fastest, RowKernel::Portable}) {
      CAPTURE(c.rows, c.positions, c.dim, c.from, c.to, kernel == RowKernel::Fastest);
      std::vector<std::uint16_t> scores(c.rows * count, 0xffff), answers(c.rows * c.dim, 0xffff);
      attendOnePosition(queries.data(), c.rows, {keys.data(), values.data(), c.positions, c.dim},
                        c.from, c.to, static_cast<float>(scale), scores.data(), answers.data(),
                        kernel);
      for (std::int64_t r = 0; r < c.rows; ++r) {
        std::vector<double> weights(count);
        for (std::int64_t p = 0; p < count; ++p) {
          double score = 0;
          for (std::int64_t d = 0; d < c.dim; ++d)
            score += static_cast<double>(fromBfloat16(queries[r * c.dim + d])) *
                     fromBfloat16(keys[(c.from + p) * c.dim + d]);
          weights[p] = roundedToBfloat16(score) * scale;
        }
        const double top = *std::max_element(weights.begin(), weights.end());
        double sum = 0;
        for (double& w : weights) sum += w = std::exp(w - top);
        for (double& w : weights) w = roundedToBfloat16(w / sum);
        for (std::int64_t d = 0; d < c.dim; ++d) {
          double want = 0, magnitude = 0;
          for (std::int64_t p = 0; p < count; ++p) {
            const double term = weights[p] * fromBfloat16(values[(c.from + p) * c.dim + d]);
            want += term;
            magnitude += std::abs(term);
          }
          CAPTURE(r, d, want);
          // Half a bfloat16 unit for the answer's rounding; a score or weight that float32 rounds
          // to the other neighbour shifts it by a fraction of one term.
          REQUIRE(std::abs(fromBfloat16(answers[r * c.dim + d]) - want) <=
                  std::abs(want) / 256 + 5e-3 * magnitude);
        }
      }
    }
  }
}
