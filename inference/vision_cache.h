#pragma once

// Torch-facing: the engine's cache of image embeddings. Included only by the engine's torch
// translation units.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <list>
#include <string_view>
#include <unordered_map>

#include "inference/internvl_model.h"

namespace mspa::inference {

// Projector outputs per image, keyed by the image's tile bytes (same frame, same tile setting:
// same bytes), least recently used first out when the bytes held exceed the capacity.
class VisionCache {
 public:
  explicit VisionCache(std::size_t capacityBytes) { stats_.capacityBytes = capacityBytes; }

  // The cached embeddings of these tile bytes, or an undefined tensor (counted as a miss).
  at::Tensor find(std::string_view tiles);
  void insert(std::string_view tiles, const at::Tensor& embeddings);
  void setCapacity(std::size_t bytes);
  const VisionCacheStats& stats() const { return stats_; }

 private:
  struct Entry {
    std::uint64_t key;
    std::size_t size;  // tile bytes, checked with the key so that a hash collision is a miss
    at::Tensor embeddings;
  };
  void evict();

  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::uint64_t, std::list<Entry>::iterator> index_;
  VisionCacheStats stats_;
};

}  // namespace mspa::inference
