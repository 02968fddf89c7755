#pragma once

#include <algorithm>
#include <cstring>
#include <string>

namespace mspa::test {

// Builds the body of a hand-made binary PLY file value by value.
class PlyBytes {
 public:
  explicit PlyBytes(bool bigEndian) : bigEndian_(bigEndian) {}

  template <typename T>
  PlyBytes& put(T value) {
    char raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));
    if (bigEndian_) std::reverse(raw, raw + sizeof(T));
    bytes_.append(raw, sizeof(T));
    return *this;
  }
  const std::string& str() const { return bytes_; }

 private:
  bool bigEndian_;
  std::string bytes_;
};

}  // namespace mspa::test
