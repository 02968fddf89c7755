#pragma once

// Shared by the fuzz targets (libFuzzer entry points) and their replay in the normal build.
// A target returns normally when the input is handled or refused with the project's input error
// (a std::runtime_error naming the file); anything else — another exception, a crash, a huge
// allocation — is a finding.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace mspa::fuzz {

// A folder of this process's own, under /dev/shm when it exists (files cost no disk there).
inline const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path base =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    const auto d = base / ("mspa-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

inline std::string writeScratch(const std::string& name, std::string_view bytes) {
  const auto path = scratch() / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

// Takes bytes from the front of the input: small structured choices for harnesses that build
// valid-looking files around the fuzzer's values.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::size_t left() const { return size_; }
  std::uint8_t byte() { return size_ ? (--size_, *data_++) : 0; }
  std::uint64_t integer(int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | byte();
    return v;
  }
  std::string_view text(std::size_t most) {
    const std::size_t n = std::min<std::size_t>(most, size_);
    const std::string_view out(reinterpret_cast<const char*>(data_), n);
    data_ += n;
    size_ -= n;
    return out;
  }
  std::string_view rest() { return text(size_); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

}  // namespace mspa::fuzz
