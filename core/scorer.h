#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/answer_parser.h"
#include "core/multispa_sample.h"
#include "core/task_catalog.h"

namespace mspa {

// The truth of one sample, read with this project's documented conventions (docs/SCORING.md).
struct Truth {
  const TaskInfo* task = nullptr;
  AnswerValue value;
  int imageWidth = 0, imageHeight = 0;   // of the image a coordinate answer refers to
  std::vector<Eigen::Vector2d> options;  // depth_comparison_coordinate: the two given points
  ParseOptions parse;                    // what the parser must know about the question
};

// Nullopt with `error` set when the sample cannot be scored (unknown question_type, gt_value of
// the wrong type, missing image sizes for a coordinate task).
std::optional<Truth> truthOf(const Sample& sample, std::string& error);

struct Verdict {
  bool parsed = false;
  bool correct = false;
  double error = 0;  // |pred - gt|: mm, degrees, or pixels for coordinates (0 for words/letters)
};

// The paper's rule: exact match for words and letters; |pred - gt| <= 0.2 |gt| for lengths,
// angles and vectors; within 5% of the image width (pixels) for coordinates.
Verdict judge(const Truth& truth, const ParsedAnswer& answer);

struct Tally {
  std::size_t total = 0, correct = 0, parseFailures = 0, missing = 0;
  double accuracy() const {
    return total ? 100.0 * static_cast<double>(correct) / static_cast<double>(total) : 0.0;
  }
  void add(const Tally& other);
};

struct SampleResult {
  std::string id;
  std::string questionType;
  bool missing = false;
  ParsedAnswer answer;
  Verdict verdict;
};

struct ModelScores {
  std::string name;
  nlohmann::json run;
  std::map<std::string, Tally> byQuestionType;
  std::map<std::string, Tally> byColumn;  // Table-2 columns, pooled over their subtasks
  double average = 0;                     // unweighted mean over the columns that have samples
  std::size_t columnsScored = 0;
  std::size_t unmatchedPredictions = 0;  // ids not in the benchmark
  std::vector<Diagnostic> diagnostics;
  std::vector<SampleResult> results;  // one per scorable benchmark sample, in file order
};

struct ScoreReport {
  std::size_t samples = 0;  // scorable benchmark samples
  std::vector<Diagnostic> benchmarkDiagnostics;
  std::vector<std::string> questionTypes;  // present in the benchmark, in catalogue order
  std::vector<ModelScores> models;
};

struct NamedPredictions {
  std::string name;
  PredictionFile file;
};

ScoreReport scoreRuns(const SampleFile& benchmark, const std::vector<NamedPredictions>& runs,
                      ParseMode mode = ParseMode::Lenient);

}  // namespace mspa
