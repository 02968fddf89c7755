#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "inference/model_config.h"

namespace mspa::inference {

// What loading a model on a device takes, against what the device has, stated before any weight
// is read so a model that cannot fit is refused with the numbers instead of being killed by the
// kernel or by CUDA halfway through.
struct MemoryNeed {
  std::string device, dtype;
  std::size_t weightBytes = 0;  // the checkpoint's tensors in `dtype`
  std::size_t workingBytes =
      0;  // KV cache for 8,192 tokens plus activations of a MultiSPA question
  std::optional<std::size_t> availableBytes;  // unknown where the device cannot be asked

  std::size_t totalBytes() const { return weightBytes + workingBytes; }
  bool fits() const { return !availableBytes || totalBytes() <= *availableBytes; }
  // "17.3 GB (16.2 GB of bfloat16 weights + 1.1 GB working memory); the cpu has 22.9 GB available"
  std::string describe() const;
};

class WeightSource;

// From the safetensors headers alone: no tensor data is read.
MemoryNeed describeMemoryNeed(const WeightSource& source, const ModelConfig& config,
                              const std::string& device, const std::string& dtype);
// For weights of a known size (a model made without files).
MemoryNeed describeMemoryNeed(std::size_t weightBytes, const ModelConfig& config,
                              const std::string& device, const std::string& dtype);

// Throws std::runtime_error "MODEL needs X but the DEVICE has Y available" when it does not fit.
void requireMemory(const MemoryNeed& need, const std::string& modelDir);

// Free memory for a new model: MemAvailable on the CPU, cudaMemGetInfo's free bytes on CUDA
// (when the CUDA runtime is in the process); nothing when it cannot be asked.
std::optional<std::size_t> availableMemory(const std::string& device);

// The most memory LibTorch's CUDA allocator has held in tensors since the last reset, in bytes
// (empty where the engine was built without CUDA support; cuda_runtime.cpp).
std::optional<std::size_t> peakDeviceBytes();
void resetPeakDeviceBytes();

// The most this process has had resident since it started or since the last reset (Linux's
// VmHWM), in bytes; nothing where /proc cannot tell. The reset (writing 5 to
// /proc/self/clear_refs) returns false where the kernel does not allow it.
std::optional<std::size_t> peakResidentBytes();
bool resetPeakResidentBytes();

}  // namespace mspa::inference
