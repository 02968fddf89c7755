#pragma once

// Torch-facing: tensors in a HugePageArena. Included only by the engine's torch translation units.

#include <ATen/ATen.h>

#include <memory>

#include "inference/huge_pages.h"

namespace mspa::inference {

// An uninitialised tensor in the arena (zeros where the arena's memory is untouched: fresh
// anonymous pages read as zeros); the tensor keeps the arena alive.
inline at::Tensor tensorIn(const std::shared_ptr<HugePageArena>& arena, at::IntArrayRef sizes,
                           const at::TensorOptions& options) {
  const std::size_t bytes = c10::multiply_integers(sizes) * options.dtype().itemsize();
  return at::from_blob(
      arena->take(bytes), sizes, [arena](void*) {}, options);
}

}  // namespace mspa::inference
