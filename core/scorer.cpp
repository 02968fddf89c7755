#include "core/scorer.h"

#include <cmath>
#include <thread>
#include <unordered_map>

namespace mspa {
namespace {

constexpr double kNoMovementMm = kDidNotMoveMetres * 1000;
constexpr double kRelativeTolerance = 0.2;
constexpr double kCoordinateTolerance = 0.05;  // of the image width

bool numbers(const nlohmann::json& j, std::size_t count) {
  if (!j.is_array() || j.size() != count) return false;
  for (const auto& v : j) {
    if (!v.is_number()) return false;
  }
  return true;
}

// gt_value of the vector tasks is in metres in the released data (the answer text is in mm);
// files that say "gt_unit": "mm" are taken as they are.
double vectorScale(const Sample& sample) {
  return sample.fields.is_object() && sample.fields.value("gt_unit", "") == "mm" ? 1.0 : 1000.0;
}

bool readValue(const Sample& sample, const TaskInfo& task, AnswerValue& value, std::string& error) {
  const nlohmann::json& gt = sample.gtValue;
  value.kind = task.answer;
  switch (task.answer) {
    case AnswerKind::Word:
    case AnswerKind::Letter: {
      if (!gt.is_string()) break;
      std::string text = gt.get<std::string>();
      for (auto& c : text)
        c = static_cast<char>(task.answer == AnswerKind::Word ? std::tolower(c) : std::toupper(c));
      if (std::find(task.choices.begin(), task.choices.end(), text) == task.choices.end()) {
        error = "gt_value \"" + gt.get<std::string>() + "\" is not one of the task's choices";
        return false;
      }
      value.text = text;
      return true;
    }
    case AnswerKind::Millimetres:
    case AnswerKind::Degrees:
      if (gt.is_number()) {
        value.number.x() = std::abs(gt.get<double>());
        return true;
      }
      // The released dot variant of object movement stores the vector (metres) for distance
      // questions too: its length is the distance.
      if (taskFamily(task) == TaskFamily::ObjectMovement && numbers(gt, 3)) {
        value.number.x() = Eigen::Vector3d(gt[0], gt[1], gt[2]).norm() * 1000.0;
        return true;
      }
      break;
    case AnswerKind::Coordinate:
      if (numbers(gt, 2)) {
        value.number = Eigen::Vector3d(gt[0].get<double>(), gt[1].get<double>(), 0);
        return true;
      }
      break;
    case AnswerKind::VectorMm:
      if (numbers(gt, 3)) {
        value.number =
            Eigen::Vector3d(gt[0].get<double>(), gt[1].get<double>(), gt[2].get<double>()) *
            vectorScale(sample);
        return true;
      }
      break;
  }
  error = "gt_value " + gt.dump() + " is not a " + answerKindName(task.answer);
  return false;
}

using Scorable = std::vector<std::pair<const Sample*, Truth>>;

// Parses and judges every sample's prediction, on all cores.
std::vector<SampleResult> judgeAll(
    const Scorable& scorable, const std::unordered_map<std::string_view, const Prediction*>& byId) {
  std::vector<SampleResult> results(scorable.size());
  const unsigned workers = std::max(
      1u, std::min<unsigned>(std::thread::hardware_concurrency(), scorable.size() / 1000 + 1));
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      for (std::size_t i = w; i < scorable.size(); i += workers) {
        const auto& [sample, truth] = scorable[i];
        SampleResult& result = results[i];
        result.id = sample->id;
        result.questionType = sample->questionType;
        const auto it = byId.find(sample->id);
        result.missing = it == byId.end();
        if (result.missing) continue;
        result.answer = parseAnswer(it->second->text, *truth.task, truth.parse);
        result.verdict = judge(truth, result.answer);
      }
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace

void Tally::add(const Tally& other) {
  total += other.total;
  correct += other.correct;
  parseFailures += other.parseFailures;
  missing += other.missing;
}

std::optional<Truth> truthOf(const Sample& sample, std::string& error) {
  Truth truth;
  truth.task = findTask(sample.questionType);
  if (!truth.task) {
    error = sample.questionType.empty() ? "no question_type"
                                        : "unknown question_type \"" + sample.questionType + "\"";
    return std::nullopt;
  }
  if (!readValue(sample, *truth.task, truth.value, error)) return std::nullopt;
  if (truth.task->answer == AnswerKind::Coordinate) {
    // The coordinate lives in the last image: the second of a correspondence pair, the only one
    // for depth comparison.
    const std::size_t image = truth.task->frames - 1;
    if (sample.widths.size() <= image || sample.heights.size() <= image ||
        sample.widths[image] <= 0) {
      error = "width_list/height_list missing for the answer's image";
      return std::nullopt;
    }
    truth.imageWidth = sample.widths[image];
    truth.imageHeight = sample.heights[image];
    const auto given = coordinatesIn(sample.prompt);
    const TaskFamily family = taskFamily(*truth.task);
    if (family == TaskFamily::DepthComparison && given.size() >= 2) {
      truth.options.assign(given.end() - 2, given.end());
    }
    if (family == TaskFamily::Correspondence && !given.empty()) {
      truth.parse.excludedCoordinates.push_back(given.back());
    }
  }
  return truth;
}

Verdict judge(const Truth& truth, const ParsedAnswer& answer) {
  Verdict v;
  v.parsed = answer.ok;
  if (!answer.ok) return v;
  const AnswerValue& gt = truth.value;
  const AnswerValue& pred = answer.value;
  switch (gt.kind) {
    case AnswerKind::Word:
    case AnswerKind::Letter:
      v.correct = pred.text == gt.text;
      return v;
    case AnswerKind::Millimetres:
    case AnswerKind::Degrees:
    case AnswerKind::VectorMm: {
      const int n = gt.kind == AnswerKind::VectorMm ? 3 : 1;
      const double gtNorm = gt.number.head(n).norm();
      v.error = (pred.number - gt.number).head(n).norm();
      if (gtNorm == 0) {
        // Zero truth ("did not move", < 1 degree): right when the prediction also rounds to it.
        const double zeroBand = gt.kind == AnswerKind::Degrees ? 1.0 : kNoMovementMm;
        v.correct = pred.number.head(n).norm() < zeroBand;
      } else {
        v.correct = v.error <= kRelativeTolerance * gtNorm;
      }
      return v;
    }
    case AnswerKind::Coordinate: {
      const auto toPixels = [&](const Eigen::Vector3d& p) {
        return Eigen::Vector2d(p.x() / 1000.0 * truth.imageWidth,
                               p.y() / 1000.0 * truth.imageHeight);
      };
      v.error = (toPixels(pred.number) - toPixels(gt.number)).norm();
      v.correct = v.error <= kCoordinateTolerance * truth.imageWidth;
      if (v.correct && truth.options.size() == 2) {
        // Depth comparison: the answer must also be nearer the chosen point than the other one.
        const Eigen::Vector2d p = pred.number.head<2>();
        const Eigen::Vector2d& chosen = (truth.options[0] - gt.number.head<2>()).norm() <=
                                                (truth.options[1] - gt.number.head<2>()).norm()
                                            ? truth.options[0]
                                            : truth.options[1];
        const Eigen::Vector2d& other =
            &chosen == &truth.options[0] ? truth.options[1] : truth.options[0];
        v.correct = (p - chosen).norm() < (p - other).norm();
      }
      return v;
    }
  }
  return v;
}

ScoreReport scoreRuns(const SampleFile& benchmark, const std::vector<NamedPredictions>& runs,
                      ParseMode mode) {
  ScoreReport report;
  report.benchmarkDiagnostics = benchmark.diagnostics;
  Scorable scorable;
  for (const auto& sample : benchmark.samples) {
    std::string error;
    auto truth = truthOf(sample, error);
    if (!truth) {
      report.benchmarkDiagnostics.push_back(
          {"", sample.line, "sample " + sample.id + ": " + error + " (not scored)"});
      continue;
    }
    truth->parse.mode = mode;
    scorable.emplace_back(&sample, std::move(*truth));
  }
  report.samples = scorable.size();
  for (const auto& task : taskCatalog()) {
    const bool present = std::any_of(scorable.begin(), scorable.end(),
                                     [&](const auto& s) { return s.second.task == &task; });
    if (present) report.questionTypes.push_back(task.questionType);
  }

  for (const auto& run : runs) {
    ModelScores scores;
    scores.name = run.name;
    scores.run = run.file.run;
    scores.diagnostics = run.file.diagnostics;
    std::unordered_map<std::string_view, const Prediction*> byId;
    byId.reserve(run.file.predictions.size());
    for (const auto& p : run.file.predictions) byId.emplace(p.id, &p);
    scores.results = judgeAll(scorable, byId);
    std::size_t matched = 0;
    for (std::size_t i = 0; i < scorable.size(); ++i) {
      const SampleResult& result = scores.results[i];
      Tally one;
      one.total = 1;
      one.missing = result.missing ? 1 : 0;
      one.parseFailures = !result.missing && !result.answer.ok ? 1 : 0;
      one.correct = result.verdict.correct ? 1 : 0;
      matched += result.missing ? 0 : 1;
      scores.byQuestionType[result.questionType].add(one);
      scores.byColumn[scorable[i].second.task->column].add(one);
    }
    scores.unmatchedPredictions = run.file.predictions.size() - matched;
    if (scores.unmatchedPredictions > 0) {
      scores.diagnostics.push_back({"", 0,
                                    std::to_string(scores.unmatchedPredictions) +
                                        " predictions have ids that are not in the benchmark"});
    }
    double sum = 0;
    for (const auto& column : table2Columns()) {
      const auto c = scores.byColumn.find(column);
      if (c == scores.byColumn.end() || c->second.total == 0) continue;
      sum += c->second.accuracy();
      ++scores.columnsScored;
    }
    scores.average = scores.columnsScored ? sum / static_cast<double>(scores.columnsScored) : 0.0;
    report.models.push_back(std::move(scores));
  }
  return report;
}

}  // namespace mspa
