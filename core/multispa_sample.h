#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mspa {

// One MultiSPA sample (../shared/docs/multispa.md §2): the prompt from the human turn or `text`,
// the canonical answer from the gpt turn when present, and everything else kept as JSON.
struct Sample {
  std::string id;  // numbers are kept as their decimal text
  std::vector<std::string> images;
  std::string prompt;
  std::string answer;
  std::vector<int> widths, heights;
  std::string questionType;
  nlohmann::json gtValue;
  nlohmann::json
      fields;  // every other key, for task-specific extras (points_info, p1, gt_unit, ...)
  std::size_t line = 0;
};

// A model's raw answer to one sample.
struct Prediction {
  std::string id;
  std::string text;
  std::size_t line = 0;
};

struct Diagnostic {
  std::string file;
  std::size_t line = 0;  // 0: about the whole file
  std::string problem;
};

struct SampleFile {
  std::vector<Sample> samples;
  std::vector<Diagnostic> diagnostics;
  std::size_t malformedLines = 0;
};

struct PredictionFile {
  nlohmann::json run;  // the run header (model, adapter, tiles, template, date), when present
  std::vector<Prediction> predictions;
  std::vector<Diagnostic> diagnostics;
  std::size_t malformedLines = 0;
};

// Reads JSONL, one object per line. Lines that are not JSON objects, lack an id, or repeat an id
// are skipped and reported with their line numbers; the rest is returned. Throws InputError only
// when the file cannot be opened.
SampleFile readSampleFile(const std::string& path);
PredictionFile readPredictionFile(const std::string& path);

// One JSONL line as a sample; nullopt with `error` set when it is not a JSON object with an id.
std::optional<Sample> parseSampleLine(std::string_view line, std::string& error);

nlohmann::json sampleToJson(const Sample& sample);

}  // namespace mspa
