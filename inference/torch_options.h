#pragma once

// Torch-facing: the engine's device and dtype names. Included only by the engine's torch units.

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

namespace mspa::inference {

// "cpu" or "cuda" (clear error when CUDA is not available); "float32", "bfloat16" or "float16".
// Throw std::runtime_error for anything else.
c10::Device parseDevice(const std::string& device);
c10::ScalarType parseDType(const std::string& dtype);

}  // namespace mspa::inference
