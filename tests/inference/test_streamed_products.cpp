// A decode step's products of a few bfloat16 rows with streamed weights against double precision:
// on both kernels every output is the exact sum rounded once to bfloat16 (float32 partial sums
// allowed their rounding); linearForCpu and productWithColumnBlocks, which pick the kernel where
// the CPU has it, stay as close as LibTorch's own bfloat16 linear on every CPU.

#include <catch2/catch.hpp>

#include "inference/products.h"
#include "inference/streamed_products.h"
#include "tests/inference/bfloat16_bits.h"

#include <cmath>
#include <random>
#include <vector>

using namespace mspa::inference;
using namespace mspa::inference::testing;

namespace {

struct ProductCase {
  std::int64_t rows, outputs, blocks, width;
  bool bias;
};

}  // namespace

TEST_CASE("Streamed products of a few bfloat16 rows equal double precision rounded to bfloat16") {
  std::mt19937 random(11);
  // Widths of whole 128-element pieces, of 32-element ones and of neither; column blocks; more
  // rows than the kernel takes at once.
  for (const ProductCase& c : {ProductCase{1, 7, 1, 40, false}, ProductCase{2, 9, 1, 64, true},
                               ProductCase{3, 4, 3, 33, true}, ProductCase{4, 13, 2, 96, false},
                               ProductCase{1, 1, 1, 5, true}, ProductCase{2, 5, 1, 300, true},
                               ProductCase{4, 3, 2, 256, false}, ProductCase{6, 5, 1, 140, true}}) {
    const std::int64_t inputs = c.blocks * c.width;
    const auto x = randomBfloat16(c.rows * inputs, random);
    const auto w = randomBfloat16(c.blocks * c.outputs * c.width, random);
    const auto bias = randomBfloat16(c.outputs, random);
    const StreamedWeights weights{w.data(), c.outputs, c.blocks, c.width};
    for (const RowKernel kernel : {RowKernel::Fastest, RowKernel::Portable}) {
      CAPTURE(c.rows, c.outputs, c.blocks, c.width, c.bias, kernel == RowKernel::Fastest);
      std::vector<std::uint16_t> y(c.rows * c.outputs, 0xffff);
      // Two calls over the outputs, as two threads split them.
      const std::int64_t split = c.outputs / 2;
      const std::uint16_t* b = c.bias ? bias.data() : nullptr;
      streamedProduct(x.data(), c.rows, weights, b, y.data(), 0, split, kernel);
      streamedProduct(x.data(), c.rows, weights, b, y.data(), split, c.outputs - split, kernel);
      for (std::int64_t r = 0; r < c.rows; ++r) {
        for (std::int64_t n = 0; n < c.outputs; ++n) {
          double exact = c.bias ? fromBfloat16(bias[n]) : 0.0, magnitude = std::abs(exact);
          for (std::int64_t k = 0; k < inputs; ++k) {
            const std::int64_t block = k / c.width, column = k % c.width;
            const double term = static_cast<double>(fromBfloat16(x[r * inputs + k])) *
                                fromBfloat16(w[(block * c.outputs + n) * c.width + column]);
            exact += term;
            magnitude += std::abs(term);
          }
          CAPTURE(r, n, exact);
          REQUIRE(isRoundingOf(fromBfloat16(y[r * c.outputs + n]), exact, 0.0, 1e-6 * magnitude));
        }
      }
    }
  }
}

TEST_CASE(
    "linearForCpu and productWithColumnBlocks on a decode step's bfloat16 rows are as close as "
    "LibTorch's bfloat16 linear") {
  at::manual_seed(5);
  const at::Tensor w = at::randn({300, 1024}).to(at::kBFloat16);
  const at::Tensor b = at::randn({300}).to(at::kBFloat16);
  for (const int64_t rows : {1, 2, 4, 5}) {
    CAPTURE(rows);
    const at::Tensor x = at::randn({rows, 1, 1024}).to(at::kBFloat16);
    const at::Tensor exact = at::linear(x.to(at::kDouble), w.to(at::kDouble), b.to(at::kDouble));
    const auto error = [&](const at::Tensor& got) {
      REQUIRE(got.sizes() == exact.sizes());
      return (got.to(at::kDouble) - exact).abs().max().item<double>();
    };
    // LibTorch's bfloat16 linear rounds once, as streamed rows do; without the streamed kernel
    // (more rows, or a CPU without AVX-512 BF16) productWithColumnBlocks rounds each block's
    // partial sums too: twice LibTorch's error here, never three times.
    const double once = error(at::linear(x, w, b));
    CAPTURE(once);
    REQUIRE(error(linearForCpu(x, w, b)) <= 1.25 * once);
    REQUIRE(error(productWithColumnBlocks(x, columnBlocks(w, 256), b)) <= 3 * once);
    REQUIRE(error(linearForCpu(x, w, {})) <= 1.25 * error(at::linear(x, w)));
  }
}
