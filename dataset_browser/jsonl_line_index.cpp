#include "dataset_browser/jsonl_line_index.h"

#include <cstring>
#include <limits>

#include "core/input_error.h"
#include "core/mapped_file.h"

namespace mspa::dataset {

JsonlLineIndex indexJsonlLines(const std::string& path) {
  const MappedFile file(path);
  JsonlLineIndex index;
  index.fileSize = file.size();
  const auto* data = reinterpret_cast<const char*>(file.data());
  std::size_t begin = 0;
  while (begin < file.size()) {
    const void* newline = std::memchr(data + begin, '\n', file.size() - begin);
    const std::size_t end = newline ? static_cast<std::size_t>(static_cast<const char*>(newline) - data) : file.size();
    std::size_t length = end - begin;
    if (length > 0 && data[begin + length - 1] == '\r') --length;
    if (length > std::numeric_limits<std::uint32_t>::max()) {
      throw InputError(path, "line " + std::to_string(index.lines.size() + index.blankLines + 1) + " is longer than 4 GiB");
    }
    if (length == 0) {
      ++index.blankLines;
    } else {
      index.lines.push_back({begin, static_cast<std::uint32_t>(length)});
    }
    begin = end + 1;
  }
  return index;
}

}  // namespace mspa::dataset
