// Scoring benchmark: writes a benchmark of N samples (all 26 subtasks, MultiSPA line sizes) and a
// prediction file, then times reading both and scoring.
//   bench_scoring [N]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/multispa_sample.h"
#include "core/scorer.h"

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void writeFiles(const std::string& bench, const std::string& pred, std::size_t n) {
  std::ofstream b(bench), p(pred);
  std::mt19937 rng(1);
  const auto& tasks = mspa::taskCatalog();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& t = tasks[i % tasks.size()];
    nlohmann::json gt;
    std::string answer;
    switch (t.answer) {
      case mspa::AnswerKind::Word:
      case mspa::AnswerKind::Letter:
        gt = t.choices[rng() % t.choices.size()];
        answer = "`" + gt.get<std::string>() + "`";
        break;
      case mspa::AnswerKind::Coordinate:
        gt = {rng() % 1000, rng() % 1000};
        answer = "`[ 500 , 500 ]`";
        break;
      case mspa::AnswerKind::VectorMm:
        gt = {0.1, -0.2, 0.3};
        answer = "The displacement vector is `[ 100 , -200 , 290 ]` mm.";
        break;
      default:
        gt = 100 + rng() % 4000;
        answer = "It is `1500` mm away.";
    }
    nlohmann::json sample = {
        {"id", i},
        {"image", {"scene0006_01/01550.jpg", "scene0006_01/01245.jpg"}},
        {"conversations",
         {{{"from", "human"}, {"value", t.taskDescription + "\n" + t.question}},
          {{"from", "gpt"}, {"value", t.answerTemplate}}}},
        {"height_list", {968, 968}},
        {"width_list", {1296, 1296}},
        {"question_type", t.questionType},
        {"gt_value", gt}};
    b << sample.dump() << "\n";
    p << nlohmann::json{{"id", i}, {"text", answer}}.dump() << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 1'000'000;
  const auto dir = std::filesystem::temp_directory_path() / "mspa-bench-scoring";
  std::filesystem::create_directories(dir);
  const std::string bench = (dir / "bench.jsonl").string(), pred = (dir / "pred.jsonl").string();
  writeFiles(bench, pred, n);
  const double mb =
      static_cast<double>(std::filesystem::file_size(bench) + std::filesystem::file_size(pred)) /
      1e6;

  auto start = std::chrono::steady_clock::now();
  const auto samples = mspa::readSampleFile(bench);
  const auto predictions = mspa::readPredictionFile(pred);
  const double read = secondsSince(start);
  start = std::chrono::steady_clock::now();
  const auto report = mspa::scoreRuns(samples, {{"model", predictions}});
  const double score = secondsSince(start);
  std::printf(
      "%zu predictions (%.0f MB of JSONL): read %.2f s, score %.2f s, total %.2f s = %.0f "
      "predictions/s; "
      "average %.2f\n",
      n, mb, read, score, read + score, n / (read + score), report.models[0].average);
  std::filesystem::remove_all(dir);
  return 0;
}
