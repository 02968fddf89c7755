#include "dataset_browser/jsonl_line_index.h"

#include "core/mapped_file.h"

namespace mspa::dataset {

JsonlLineIndex indexJsonlLines(const std::string& path) {
  const MappedFile file(path);
  JsonlLineIndex index;
  static_cast<TextLines&>(index) = splitLines(file.data(), file.size(), path);
  index.fileSize = file.size();
  return index;
}

}  // namespace mspa::dataset
