#include "inference/memory_need.h"

#include <dlfcn.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <stdexcept>

#include "inference/weight_source.h"

namespace mspa::inference {
namespace {

std::string gigabytes(std::size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GB", static_cast<double>(bytes) / 1e9);
  return text;
}

std::size_t elementSize(const std::string& dtype) {
  return dtype == "float32" ? 4 : 2;
}

// The KV cache of 8,192 tokens (a two-image MultiSPA question at 6 tiles each is ~3.7k) plus the
// logits and the largest activations of a prefill, with a margin for the allocator.
std::size_t workingMemory(const ModelConfig& config, const std::string& dtype) {
  const LlmConfig& l = config.llm;
  const std::size_t tokens = 8192, element = elementSize(dtype);
  const std::size_t kv = 2ull * l.layers * l.kvHeads * l.headDim * tokens * element;
  const std::size_t activations = 4ull * tokens * std::max(l.intermediate, l.hidden) * element;
  const std::size_t logits = static_cast<std::size_t>(l.vocab) * 4 * 16;
  return kv + activations + logits + (256ull << 20);
}

// The value of a "Key: N kB" line of a /proc file, in bytes.
std::optional<std::size_t> kilobytesIn(const char* file, const std::string& wanted) {
  std::ifstream in(file);
  std::string key;
  while (in >> key) {
    std::size_t kilobytes = 0;
    if (key == wanted && in >> kilobytes) return kilobytes * 1024;
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

}  // namespace

std::string MemoryNeed::describe() const {
  return gigabytes(totalBytes()) + " (" + gigabytes(weightBytes) + " of " + dtype + " weights + " +
         gigabytes(workingBytes) + " working memory); the " + device +
         (availableBytes ? " has " + gigabytes(*availableBytes) + " available"
                         : "'s free memory is unknown");
}

MemoryNeed describeMemoryNeed(const WeightSource& source, const ModelConfig& config,
                              const std::string& device, const std::string& dtype) {
  return describeMemoryNeed(source.bytesAs(elementSize(dtype)), config, device, dtype);
}

MemoryNeed describeMemoryNeed(std::size_t weightBytes, const ModelConfig& config,
                              const std::string& device, const std::string& dtype) {
  MemoryNeed need;
  need.device = device;
  need.dtype = dtype;
  need.weightBytes = weightBytes;
  need.workingBytes = workingMemory(config, dtype);
  need.availableBytes = availableMemory(device);
  return need;
}

void requireMemory(const MemoryNeed& need, const std::string& modelDir) {
  if (need.fits()) return;
  throw std::runtime_error(modelDir + ": the model needs " + need.describe() +
                           ": it does not fit (choose a smaller dtype, " +
                           "another device or free memory)");
}

std::optional<std::size_t> availableMemory(const std::string& device) {
  if (device == "cpu") return kilobytesIn("/proc/meminfo", "MemAvailable:");
  // The CUDA runtime is linked into LibTorch's CUDA builds; asking it needs no CUDA headers here.
  using MemGetInfo = int (*)(std::size_t*, std::size_t*);
  if (const auto query = reinterpret_cast<MemGetInfo>(::dlsym(RTLD_DEFAULT, "cudaMemGetInfo"))) {
    std::size_t free = 0, total = 0;
    if (query(&free, &total) == 0) return free;
  }
  return std::nullopt;
}

std::optional<std::size_t> peakResidentBytes() {
  return kilobytesIn("/proc/self/status", "VmHWM:");
}

bool resetPeakResidentBytes() {
  std::ofstream clear("/proc/self/clear_refs");
  return static_cast<bool>(clear << "5" << std::flush);
}

}  // namespace mspa::inference
