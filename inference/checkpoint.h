#pragma once

// Torch-facing: reads a checkpoint's tensors into canonical names. Only included by the engine's
// torch translation units.

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>

#include "inference/huge_pages.h"
#include "inference/model_config.h"

namespace mspa::inference {

class WeightSource;

struct LoadedWeights {
  // Canonical names: v.* vision, p.* projector, l.* language model. Packed projections stay
  // packed (InternLM2's wqkv as l.N.wqkv, InternViT's qkv as v.N.qkv.*) so they can be used in
  // place.
  std::map<std::string, at::Tensor> tensors;
  // The mapped files: tensors used in place point into them.
  std::shared_ptr<const WeightSource> source;
  std::size_t bytesInPlace = 0;  // tensors used from the map without a copy
  // Where the CPU's streamed matrices are read from huge pages: arenas (which the tensors keep
  // alive) and blocks of the map.
  std::vector<MemoryRange> inHugePages;
};

// The model's weights in `dtype` on `device`, from a source (whose LoRA updates are merged). On the
// CPU a tensor already in `dtype` is used in place from the memory map; every other tensor is
// converted or moved one at a time and its mapped pages dropped, so host memory beyond the map
// stays small. LoRA updates (from the folder itself or `loraDir`) are merged on the device in
// float32 and stored in `dtype`. On the CPU the language model's matrices are then read from
// transparent huge pages where the kernel offers them (huge_pages.h): where the map holds them,
// made huge in place; the others in arenas. Without `hugePages` the map is kept out of them. Throws
// std::runtime_error for a missing, misshapen or unknown tensor, naming the folder.
LoadedWeights loadCheckpoint(std::shared_ptr<const WeightSource> weights, const ModelConfig& config,
                             c10::Device device, c10::ScalarType dtype, bool hugePages);

// Every tensor the config asks for, with random values (norm weights 1, the rest uniform in
// ±0.02): the full-size model for speed measurements without its files.
LoadedWeights randomWeights(const ModelConfig& config, c10::Device device, c10::ScalarType dtype,
                            bool hugePages);
// What randomWeights would allocate, computed without allocating.
std::size_t randomWeightBytes(const ModelConfig& config, c10::ScalarType dtype);

// The tensor `name` of a source with its LoRA update merged, in its stored dtype on the CPU
// (what `model merge` writes).
at::Tensor mergedTensor(const WeightSource& source, const std::string& name);

}  // namespace mspa::inference
