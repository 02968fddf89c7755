#pragma once

#include <cstdint>
#include <string>

#include "core/text_lines.h"

namespace mspa::dataset {

// Where every non-blank line of a JSONL file starts and ends: the first pass of indexing a
// MultiSPA dataset, and what lets a table show row N without reading rows 0..N-1.
struct JsonlLineIndex : TextLines {
  std::uint64_t fileSize = 0;
};

// Throws mspa::InputError naming the file when it cannot be read or a line exceeds 4 GiB.
JsonlLineIndex indexJsonlLines(const std::string& path);

}  // namespace mspa::dataset
