#include "dataset_browser/dataset_predictions.h"

#include <cmath>
#include <filesystem>

#include "core/multispa_sample.h"
#include "core/scorer.h"

namespace mspa::dataset {

std::vector<float> JoinedPredictions::errors(std::size_t rows) const {
  std::vector<float> out(rows, NAN);
  for (const auto& [row, p] : byRow)
    out[row] = p.parsed ? static_cast<float>(p.correct ? 0.0 : std::max(p.error, 1e-6)) : INFINITY;
  return out;
}

JoinedPredictions joinPredictions(const DatasetIndex& index, const std::string& path) {
  const PredictionFile file = readPredictionFile(path);
  JoinedPredictions joined;
  joined.path = path;
  joined.name = file.run.is_object()
                    ? file.run.value("model", std::filesystem::path(path).stem().string())
                    : std::filesystem::path(path).stem().string();
  std::unordered_map<std::uint64_t, std::size_t> byHash;
  for (std::size_t i = 0; i < file.predictions.size(); ++i)
    byHash.emplace(DatasetIndex::hashId(file.predictions[i].id), i);
  std::size_t matched = 0;
  for (std::size_t row = 0; row < index.size() && matched < byHash.size(); ++row) {
    const auto it = byHash.find(index.idHash(row));
    if (it == byHash.end()) continue;
    const Prediction& p = file.predictions[it->second];
    std::string error;
    const auto sample = parseSampleLine(index.line(row), error);
    if (!sample || sample->id != p.id) continue;  // a hash collision, not this sample
    ++matched;
    JudgedPrediction judged{p.text};
    const auto truth = truthOf(*sample, error);
    if (!truth) {
      judged.value = error;
    } else {
      const ParsedAnswer answer = parseAnswer(p.text, *truth->task, truth->parse);
      const Verdict verdict = judge(*truth, answer);
      judged.parsed = answer.ok;
      judged.correct = verdict.correct;
      judged.error = verdict.error;
      judged.value = answer.ok ? formatAnswerValue(answer.value) : answer.error;
    }
    joined.correct += judged.correct ? 1 : 0;
    joined.byRow.emplace(static_cast<std::uint32_t>(row), std::move(judged));
  }
  joined.unmatched = file.predictions.size() - matched;
  return joined;
}

}  // namespace mspa::dataset
