#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mspa {

// FNV-1a, 64 bits: a stable hash for ids, file fingerprints and config hashes written to disk
// (std::hash may differ between builds). Chain calls by passing the previous hash.
inline std::uint64_t fnv1a(const void* data, std::size_t size,
                           std::uint64_t hash = 1469598103934665603ull) {
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  for (std::size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
  return hash;
}

inline std::uint64_t fnv1a(std::string_view text) {
  return fnv1a(text.data(), text.size());
}

}  // namespace mspa
