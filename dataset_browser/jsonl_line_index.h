#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mspa::dataset {

struct LineSpan {
  std::uint64_t offset = 0;
  std::uint32_t length = 0;  // without the newline (and without a trailing '\r')
};

// Where every non-blank line of a JSONL file starts and ends: the first pass of indexing a
// MultiSPA dataset, and what lets a table show row N without reading rows 0..N-1.
struct JsonlLineIndex {
  std::vector<LineSpan> lines;
  std::uint64_t blankLines = 0;
  std::uint64_t fileSize = 0;
};

// Throws mspa::InputError naming the file when it cannot be read or a line exceeds 4 GiB.
JsonlLineIndex indexJsonlLines(const std::string& path);

}  // namespace mspa::dataset
