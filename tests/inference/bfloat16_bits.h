#pragma once

// bfloat16 as raw bits for the kernel tests, written independently of the engine's own
// conversions (inference/bfloat16_lanes.h) so that they check them.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace mspa::inference::testing {

// The upper half of a float32: truncation, exact for values that already are bfloat16.
inline std::uint16_t bfloat16Bits(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return static_cast<std::uint16_t>(bits >> 16);
}

inline float fromBfloat16(std::uint16_t bits) {
  const std::uint32_t wide = static_cast<std::uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof value);
  return value;
}

// Whether `got` is `value` rounded to the nearest bfloat16: no neighbour of it (one step either
// way in its bits) is nearer to `value` by more than `slack` relative to `value` (for what the
// kernel's own float32 arithmetic may shift) or `tiny` (bfloat16's subnormals by default). Written
// from the definition, not from the engine's rounding.
inline bool isRoundingOf(float got, double value, double slack, double tiny = 1e-38) {
  if (std::isinf(value) || std::isnan(got)) return got == value;
  const std::uint16_t bits = bfloat16Bits(got);
  if (fromBfloat16(bits) != got) return false;  // not a bfloat16 value at all
  const double allowed = std::abs(got - value) - slack * std::abs(value) - tiny;
  for (const auto other :
       {static_cast<std::uint16_t>(bits + 1), static_cast<std::uint16_t>(bits - 1)}) {
    const float neighbour = fromBfloat16(other);
    if (!std::isnan(neighbour) && std::abs(neighbour - value) < allowed) return false;
  }
  return true;
}

// `count` bfloat16 values drawn from the standard normal distribution (truncated to bfloat16).
inline std::vector<std::uint16_t> randomBfloat16(std::size_t count, std::mt19937& random) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<std::uint16_t> bits(count);
  for (auto& b : bits) b = bfloat16Bits(normal(random));
  return bits;
}

}  // namespace mspa::inference::testing
