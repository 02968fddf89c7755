#pragma once

// Torch-facing: a bfloat16 tensor's storage as the raw bits the engine's torch-free row kernels
// (norm_rows, activation_rows, rotary_rows, softmax_rows, attention_tiles) take. Included only by
// the engine's torch translation units.

#include <ATen/ATen.h>

#include <cstdint>

namespace mspa::inference {

inline std::uint16_t* bitsOf(const at::Tensor& bfloat16) {
  return reinterpret_cast<std::uint16_t*>(bfloat16.data_ptr<at::BFloat16>());
}

}  // namespace mspa::inference
