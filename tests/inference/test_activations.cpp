// The MLP activations (activation_rows, activations) against double precision: every finite
// bfloat16 input, both kernels, correctly rounded.

#include <ATen/ATen.h>

#include <catch2/catch.hpp>

#include "inference/activation_rows.h"
#include "inference/activations.h"
#include "tests/inference/bfloat16_bits.h"

#include <cmath>
#include <vector>

using namespace mspa::inference;
using namespace mspa::inference::testing;

namespace {

// Within this (relative) of halfway between two bfloat16 values either is a correct rounding:
// the kernels' float32 erfc and exponentials are within 1.2e-7 and 1.1e-7.
constexpr double kSlack = 1e-6;

double geluInDouble(double x) {
  return 0.5 * x * std::erfc(-x / std::sqrt(2.0));
}

double siluInDouble(double x) {
  return x / (1.0 + std::exp(-x));
}

// Every bfloat16 bit pattern but NaNs and −∞ (whose GELU, −∞ · 0, has no value).
std::vector<std::uint16_t> everyBfloat16() {
  std::vector<std::uint16_t> values;
  for (std::uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const float x = fromBfloat16(static_cast<std::uint16_t>(bits));
    if (!std::isnan(x) && x != -INFINITY) values.push_back(static_cast<std::uint16_t>(bits));
  }
  return values;
}

const RowKernel kKernels[] = {RowKernel::Fastest, RowKernel::Portable};

}  // namespace

TEST_CASE("GELU on bfloat16 is the exact GELU correctly rounded, for every input") {
  const std::vector<std::uint16_t> inputs = everyBfloat16();
  for (const RowKernel kernel : kKernels) {
    CAPTURE(kernel == RowKernel::Fastest);
    std::vector<std::uint16_t> values = inputs;
    // An odd count: the vector kernel's last sixteen lanes are partly masked.
    geluInPlace(values.data(), static_cast<std::int64_t>(values.size()), kernel);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const float x = fromBfloat16(inputs[i]);
      CAPTURE(x);
      // The vector kernel takes GELU's values below 3e-36 (x < −12.7) as 0, avoiding float32's
      // slow subnormals.
      REQUIRE(isRoundingOf(fromBfloat16(values[i]), geluInDouble(x), kSlack, 3e-36));
    }
  }
}

TEST_CASE("SiLU times up on bfloat16 rounds the SiLU, then the product, as transformers does") {
  const std::vector<std::uint16_t> gates = everyBfloat16();
  for (const RowKernel kernel : kKernels) {
    for (const float up : {1.0f, -0.75f, 0.0035f, 96.0f}) {
      CAPTURE(kernel == RowKernel::Fastest, up);
      const std::uint16_t upBits = bfloat16Bits(up);
      const std::vector<std::uint16_t> ups(gates.size(), upBits);
      std::vector<std::uint16_t> values = gates;
      siluTimesInPlace(values.data(), ups.data(), static_cast<std::int64_t>(values.size()), kernel);
      for (std::size_t i = 0; i < values.size(); ++i) {
        const float x = fromBfloat16(gates[i]), got = fromBfloat16(values[i]);
        CAPTURE(x, got);
        const double silu = siluInDouble(x);
        if (std::abs(silu) * 96 > 3e38) continue;  // the product overflows bfloat16
        // The SiLU's own rounding: where it is (nearly) halfway, either neighbour may be taken.
        bool matches = false;
        for (const std::uint16_t step : {0, 1, 0xffff}) {
          const float activated = fromBfloat16(
              static_cast<std::uint16_t>(bfloat16Bits(static_cast<float>(silu)) + step));
          if (!isRoundingOf(activated, silu, kSlack)) continue;
          // bfloat16 × bfloat16 is exact in double: the product's rounding is the second one.
          matches = matches ||
                    isRoundingOf(got, static_cast<double>(activated) * fromBfloat16(upBits), 0);
        }
        REQUIRE(matches);
      }
    }
  }
}

TEST_CASE("The activations overwrite a product's output in place, LibTorch's where rows cannot") {
  const at::Tensor input = at::randn({3, 517}) * 4;
  SECTION("GELU") {
    at::Tensor bf16 = input.to(at::kBFloat16);
    const void* storage = bf16.data_ptr();
    const at::Tensor got = geluOverwriting(bf16);
    REQUIRE(got.data_ptr() == storage);
    // Through erfc: LibTorch's 0.5·x·(1 + erf(x/√2)) cancels to 0 below x ≈ −8 even in double.
    const at::Tensor x = input.to(at::kBFloat16).to(at::kDouble);
    const at::Tensor want = 0.5 * x * at::erfc(-x / std::sqrt(2.0));
    REQUIRE(at::allclose(got.to(at::kDouble), want, 1.0 / 256, 1e-30));
    // float32 (and strided views) keep to LibTorch's in-place GELU.
    at::Tensor f32 = input.clone();
    REQUIRE(at::equal(geluOverwriting(f32), at::gelu(input)));
    REQUIRE(at::equal(f32, at::gelu(input)));
  }
  SECTION("SiLU times up") {
    const at::Tensor up = at::randn({3, 517});
    at::Tensor gate = input.to(at::kBFloat16);
    const void* storage = gate.data_ptr();
    const at::Tensor got = siluTimesOverwriting(gate, up.to(at::kBFloat16));
    REQUIRE(got.data_ptr() == storage);
    const at::Tensor want =
        at::silu(input.to(at::kBFloat16).to(at::kDouble)) * up.to(at::kBFloat16).to(at::kDouble);
    REQUIRE(at::allclose(got.to(at::kDouble), want, 2.0 / 256, 1e-30));
    at::Tensor f32 = input.clone();
    REQUIRE(at::equal(siluTimesOverwriting(f32, up), at::silu(input) * up));
  }
}
