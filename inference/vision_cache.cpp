#include "inference/vision_cache.h"

#include <functional>

namespace mspa::inference {

at::Tensor VisionCache::find(std::string_view tiles) {
  const auto it = index_.find(std::hash<std::string_view>()(tiles));
  if (it == index_.end() || it->second->size != tiles.size()) {
    ++stats_.misses;
    return {};
  }
  entries_.splice(entries_.begin(), entries_, it->second);
  ++stats_.hits;
  return it->second->embeddings;
}

void VisionCache::insert(std::string_view tiles, const at::Tensor& embeddings) {
  const std::uint64_t key = std::hash<std::string_view>()(tiles);
  if (index_.count(key) || embeddings.nbytes() > stats_.capacityBytes) return;
  entries_.push_front({key, tiles.size(), embeddings});
  index_[key] = entries_.begin();
  stats_.bytes += embeddings.nbytes();
  ++stats_.entries;
  evict();
}

void VisionCache::setCapacity(std::size_t bytes) {
  stats_.capacityBytes = bytes;
  evict();
}

void VisionCache::evict() {
  while (stats_.bytes > stats_.capacityBytes && !entries_.empty()) {
    stats_.bytes -= entries_.back().embeddings.nbytes();
    --stats_.entries;
    index_.erase(entries_.back().key);
    entries_.pop_back();
  }
}

}  // namespace mspa::inference
