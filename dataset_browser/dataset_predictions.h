#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataset_browser/dataset_index.h"

namespace mspa::dataset {

// One model's answer to one indexed sample, judged under the scorer's rule.
struct JudgedPrediction {
  std::string text;
  bool parsed = false, correct = false;
  std::string value;  // the parsed value in canonical form, or why it failed
  double error = 0;   // |pred - gt| in the answer's unit
};

// A prediction file joined to the index by sample id.
struct JoinedPredictions {
  std::string name, path;
  std::unordered_map<std::uint32_t, JudgedPrediction> byRow;
  std::size_t unmatched = 0;  // ids not in the dataset
  std::size_t correct = 0;

  // Per index row: the error, NaN where there is no judged prediction; for sorting.
  std::vector<float> errors(std::size_t rows) const;
};

// Reads PRED.jsonl ({"id", "text"} lines, an optional run header) and judges each prediction
// against its sample's truth. Throws InputError when the file cannot be read.
JoinedPredictions joinPredictions(const DatasetIndex& index, const std::string& path);

}  // namespace mspa::dataset
