#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mspa {

// One non-blank line of a text file: where it starts, its length without the newline (and
// without a trailing '\r'), and its 1-based line number.
struct TextLine {
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::uint64_t number = 0;

  std::string_view in(const std::uint8_t* data) const {
    return {reinterpret_cast<const char*>(data) + offset, length};
  }
};

struct TextLines {
  std::vector<TextLine> lines;
  std::uint64_t blankLines = 0;
};

// Splits bytes into lines (memchr speed: JSONL files run to hundreds of MB). Throws InputError
// naming `path` when a line is longer than 4 GiB.
TextLines splitLines(const std::uint8_t* data, std::size_t size, const std::string& path);

}  // namespace mspa
