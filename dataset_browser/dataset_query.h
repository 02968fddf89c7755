#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "dataset_browser/dataset_index.h"

namespace mspa::dataset {

class Annotations;

enum class FlagFilter { Any, Flagged, Unflagged };

// What the table shows: every field is "any" when empty (or -1).
struct DatasetFilter {
  std::vector<std::string> questionTypes;
  std::vector<std::string> columns;  // Table-2 columns
  std::vector<std::string> scenes;
  std::string split;
  int imageCount = -1;
  FlagFilter flagged = FlagFilter::Any;
  std::string text;  // in the sample's question or answer (reads the lines of the candidates)
};

// "question_type=a|b,scene=s,column=Depth,split=test,images=2,flagged=yes,text=chair": the CLI's
// --where. Throws InputError for an unknown key.
DatasetFilter parseWhere(const std::string& where);

// The rows that pass, in index order. Column filters run over the mapped columns; text search reads
// only the lines that passed them, on all cores. `cancel` stops a long text search.
std::vector<std::uint32_t> filterRows(const DatasetIndex& index, const DatasetFilter& filter,
                                      const Annotations* annotations = nullptr,
                                      const std::atomic<bool>* cancel = nullptr);

enum class SortKey { File, QuestionType, Column, Scene, Images, Answer, Error };

// Stable sort of `rows` by a key (radix sort: 27M rows in well under a second). Error sorts by
// `errors[row]` (NaN last), which predictions provide.
void sortRows(const DatasetIndex& index, std::vector<std::uint32_t>& rows, SortKey key,
              bool descending, const std::vector<float>* errors = nullptr);

struct DatasetStats {
  std::uint64_t samples = 0, malformed = 0;
  std::map<std::string, std::uint64_t> byQuestionType, byColumn, byScene, bySplit;
  // Per question type: the ten most common string answers, and min / median / max of numbers.
  std::map<std::string, std::vector<std::pair<std::string, std::uint64_t>>> topAnswers;
  struct NumberSummary {
    std::uint64_t count = 0;
    double min = 0, median = 0, max = 0;
  };
  std::map<std::string, NumberSummary> numbers;
};

DatasetStats computeStats(const DatasetIndex& index,
                          const std::vector<std::uint32_t>* rows = nullptr);
// Only the counts per question type (the histogram): one pass over a byte column.
std::map<std::string, std::uint64_t> countByQuestionType(const DatasetIndex& index,
                                                         const std::vector<std::uint32_t>& rows);

// The Table-2 column of a question type, or "unknown".
std::string columnOf(const std::string& questionType);

}  // namespace mspa::dataset
