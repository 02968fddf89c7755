#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mspa {
class MappedFile;
}

namespace mspa::dataset {

// One JSONL file of an indexed dataset, as it was when indexed.
struct IndexedFile {
  std::string path;  // absolute
  std::uint64_t size = 0;
  std::int64_t mtimeNs = 0;
  std::uint64_t fingerprint = 0;  // of the first and last 64 KiB
  std::string
      split;  // "train", "val", "test" or "benchmark" from the file name; "" when it says none
  std::uint64_t samples = 0, malformed = 0;
  std::vector<std::uint64_t> malformedLines;  // the first 1,000, 1-based
  std::vector<std::string> malformedProblems;
};

struct IndexProgress {
  double fraction = 0;        // of the bytes of all files
  std::uint64_t samples = 0;  // indexed so far
  double seconds = 0;
};
// Returning false cancels the build (it throws mspa::Cancelled-like InputError "cancelled").
using IndexProgressFn = std::function<bool(const IndexProgress&)>;

// A persistent columnar index over MultiSPA JSONL files: per sample its file, byte offset and
// length, a hash of its id, question type, scene, image count and a compact answer (the gt_value
// string as a dictionary code, or its number, or the length of its numeric vector). Built in one
// streaming pass (bounded memory, all cores), stored as one file per column plus meta.json in the
// index folder, and memory-mapped on reopen, so opening costs the same for 1,000 or 27 million
// samples. The JSONL files are never written.
class DatasetIndex {
 public:
  static constexpr std::uint32_t kNoCode = 0xFFFFFFFFu;

  // Reuses the index of these files when it is there and fresh, else builds it. `rebuilt` says
  // which happened and `why` why a rebuild was needed.
  static DatasetIndex open(const std::vector<std::string>& paths,
                           const IndexProgressFn& progress = {}, bool* rebuilt = nullptr,
                           std::string* why = nullptr, const std::string& indexDir = {});
  static DatasetIndex build(const std::vector<std::string>& paths,
                            const IndexProgressFn& progress = {}, const std::string& indexDir = {});
  // Where the index of these files lives: a hidden folder beside the first file, or under
  // ~/.cache/mspa-studio when that folder is read-only.
  static std::string defaultIndexDir(const std::vector<std::string>& paths);
  // The same choice for given absolute paths, with the writability of their folder as an input.
  static std::string indexDirFor(const std::vector<std::string>& absolutePaths,
                                 bool besideWritable);
  // Empty when the index in `indexDir` matches the files; otherwise why not.
  static std::string staleReason(const std::vector<std::string>& paths,
                                 const std::string& indexDir);

  DatasetIndex(DatasetIndex&&) noexcept;
  DatasetIndex& operator=(DatasetIndex&&) noexcept;
  ~DatasetIndex();

  std::size_t size() const { return rows_; }
  std::uint16_t file(std::size_t row) const { return fileColumn_[row]; }
  std::uint64_t offset(std::size_t row) const { return offsetColumn_[row]; }
  std::uint32_t length(std::size_t row) const { return lengthColumn_[row]; }
  std::uint64_t idHash(std::size_t row) const { return idColumn_[row]; }
  std::uint8_t questionType(std::size_t row) const { return typeColumn_[row]; }
  std::uint32_t scene(std::size_t row) const { return sceneColumn_[row]; }
  std::uint8_t imageCount(std::size_t row) const { return imagesColumn_[row]; }
  std::uint32_t answerCode(std::size_t row) const { return answerCodeColumn_[row]; }
  float answerNumber(std::size_t row) const { return answerNumberColumn_[row]; }

  const std::vector<IndexedFile>& files() const { return files_; }
  const std::vector<std::string>& questionTypes() const { return types_; }  // code -> name
  const std::vector<std::string>& scenes() const { return scenes_; }
  const std::vector<std::string>& answers() const { return answers_; }
  const std::string& directory() const { return dir_; }
  double buildSeconds() const { return buildSeconds_; }
  std::uint64_t malformedLines() const;

  // "left", "A", "950", "|v| 410" (a vector's length): the answer column as text.
  std::string answerSummary(std::size_t row) const;
  // The sample's JSONL line, read from its file.
  std::string line(std::size_t row) const;

  // A permutation of all rows computed once per index (a sort order), kept in memory and in the
  // index folder; `compute` runs only the first time.
  const std::vector<std::uint32_t>& cachedOrder(
      const std::string& name, const std::function<std::vector<std::uint32_t>()>& compute) const;

  // The hash ids are indexed by; predictions join on it.
  static std::uint64_t hashId(const std::string& id);

 private:
  DatasetIndex() = default;
  void mapColumns();

  std::string dir_;
  std::vector<IndexedFile> files_;
  std::vector<std::string> types_, scenes_, answers_;
  std::size_t rows_ = 0;
  double buildSeconds_ = 0;
  std::vector<std::unique_ptr<MappedFile>> maps_;
  struct OpenFiles;  // descriptors for line(), opened once
  std::unique_ptr<OpenFiles> open_;
  struct OrderCache;
  std::unique_ptr<OrderCache> orders_;
  const std::uint16_t* fileColumn_ = nullptr;
  const std::uint64_t* offsetColumn_ = nullptr;
  const std::uint32_t* lengthColumn_ = nullptr;
  const std::uint64_t* idColumn_ = nullptr;
  const std::uint8_t* typeColumn_ = nullptr;
  const std::uint32_t* sceneColumn_ = nullptr;
  const std::uint8_t* imagesColumn_ = nullptr;
  const std::uint32_t* answerCodeColumn_ = nullptr;
  const float* answerNumberColumn_ = nullptr;
};

}  // namespace mspa::dataset
