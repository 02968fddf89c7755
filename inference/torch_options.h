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

// The activations' dtype for weights stored in `storage` on this CPU: the storage dtype where
// its matrix products are at least as fast as float32's (bfloat16 with AMX or AVX512-BF16),
// else float32. Measured once per process (a few tens of milliseconds).
c10::ScalarType fasterCpuArithmetic(c10::ScalarType storage);

}  // namespace mspa::inference
