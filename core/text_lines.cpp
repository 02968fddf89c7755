#include "core/text_lines.h"

#include <cstring>
#include <limits>

#include "core/input_error.h"

namespace mspa {

TextLines splitLines(const std::uint8_t* data, std::size_t size, const std::string& path) {
  TextLines out;
  const auto* text = reinterpret_cast<const char*>(data);
  std::size_t begin = 0;
  std::uint64_t number = 1;
  while (begin < size) {
    const void* newline = std::memchr(text + begin, '\n', size - begin);
    const std::size_t end =
        newline ? static_cast<std::size_t>(static_cast<const char*>(newline) - text) : size;
    std::size_t length = end - begin;
    if (length > 0 && text[begin + length - 1] == '\r') --length;
    if (length > std::numeric_limits<std::uint32_t>::max()) {
      throw InputError(path, "line " + std::to_string(number) + " is longer than 4 GiB");
    }
    if (length == 0) {
      ++out.blankLines;
    } else {
      out.lines.push_back({begin, static_cast<std::uint32_t>(length), number});
    }
    begin = end + 1;
    ++number;
  }
  return out;
}

}  // namespace mspa
