#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace mspa::dataset {

class DatasetIndex;

enum class Flag { None = 0, WrongTruth, Ambiguous, BadImage, Other };
const char* flagName(Flag flag);          // "wrong_truth", ...
Flag parseFlag(const std::string& name);  // throws InputError

struct Annotation {
  Flag flag = Flag::None;
  std::string note;
  std::string correctedAnswer;
};

// The annotations of one dataset in a sidecar SQLite database (never the source JSONL). Each save
// is one transaction in WAL mode with full sync: when save() returns, the annotation survives a
// crash or a kill. Samples are keyed by file name and id, so annotations outlive re-indexing.
class Annotations {
 public:
  // Beside the dataset's index: `<index folder>.annotations.sqlite`.
  static std::string defaultPath(const DatasetIndex& index);
  static std::string keyOf(const DatasetIndex& index, std::size_t row);

  explicit Annotations(const std::string& path);  // throws InputError naming the file
  ~Annotations();
  Annotations(const Annotations&) = delete;
  Annotations& operator=(const Annotations&) = delete;

  // Throws InputError (disk full, read-only) with everything saved before intact.
  void save(const std::string& key, const Annotation& annotation);
  std::optional<Annotation> get(const std::string& key) const;
  // Reverts the last save; false when there is nothing to undo.
  bool undo();
  std::vector<std::string> annotatedKeys() const;
  // Index rows with a flag, sorted.
  std::vector<std::uint32_t> flaggedRows(const DatasetIndex& index) const;
  // Caps the database size (a quota); saves beyond it fail like a full disk.
  void setSizeLimit(std::uint64_t bytes);
  const std::string& path() const { return path_; }

 private:
  void exec(const std::string& sql) const;
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_;
  sqlite3* db_ = nullptr;
};

// Writes the flagged samples (their source lines with an "annotation" object added) as JSONL;
// returns how many.
std::size_t exportFlagged(const DatasetIndex& index, const Annotations& annotations,
                          const std::string& outPath);
// Writes a copy of every file of the dataset into `outDir` with corrected answers applied (the
// gpt turn replaced, the original kept as "original_answer"); the sources stay untouched.
std::size_t exportCorrected(const DatasetIndex& index, const Annotations& annotations,
                            const std::string& outDir);

}  // namespace mspa::dataset
