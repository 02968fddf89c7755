#include <catch2/catch.hpp>

#include <fstream>

#include "core/score_report.h"
#include "core/scorer.h"
#include "tests/support/temp_dir.h"

using namespace mspa;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

json sample(const std::string& id, const std::string& questionType, json gt,
            std::string prompt = "", int width = 1296, int height = 968) {
  return {{"id", id},
          {"image", {"s/00000.jpg", "s/00005.jpg"}},
          {"question_type", questionType},
          {"gt_value", gt},
          {"width_list", {width, width}},
          {"height_list", {height, height}},
          {"conversations",
           {{{"from", "human"}, {"value", prompt}}, {{"from", "gpt"}, {"value", ""}}}}};
}

void writeLines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path);
  for (const auto& l : lines) out << l << "\n";
}

std::string predictionLine(const std::string& id, const std::string& text) {
  return json{{"id", id}, {"text", text}}.dump();
}

struct Scored {
  test::TempDir dir;
  ScoreReport report;
  Scored(const std::vector<json>& samples, const std::vector<std::string>& predictions) {
    std::vector<std::string> lines;
    for (const auto& s : samples) lines.push_back(s.dump());
    writeLines(dir.file("bench.jsonl"), lines);
    writeLines(dir.file("pred.jsonl"), predictions);
    report = scoreRuns(readSampleFile(dir.file("bench.jsonl")),
                       {{"model", readPredictionFile(dir.file("pred.jsonl"))}});
  }
  const ModelScores& model() const { return report.models.at(0); }
  bool correct(const std::string& id) const {
    for (const auto& r : model().results) {
      if (r.id == id) return r.verdict.correct;
    }
    FAIL("no result for " << id);
    return false;
  }
};

}  // namespace

TEST_CASE("Scalars and vectors: within 20% of the truth's magnitude") {
  Scored s(
      {sample("a", "total_distance", 1000), sample("b", "total_distance", 1000),
       sample("c", "total_distance", 1000), sample("v", "displacement_vector", {0.1, 0.0, -0.2}),
       sample("w", "displacement_vector", {0.1, 0.0, -0.2}), sample("y", "yaw_angle", 40)},
      {predictionLine("a", "`1200` mm"), predictionLine("b", "`1201` mm"),
       predictionLine("c", "`800`"), predictionLine("v", "`[ 110 , 20 , -210 ]` mm"),
       predictionLine("w", "`[ 0.1 , 0 , -0.2 ]`"),
       predictionLine("y", "It rotated `31` degrees.")});
  CHECK(s.correct("a"));
  CHECK_FALSE(s.correct("b"));
  CHECK(s.correct("c"));
  CHECK(s.correct("v"));        // gt_value in metres, answer in mm
  CHECK_FALSE(s.correct("w"));  // an answer in metres without a unit reads as mm: far off
  CHECK_FALSE(s.correct("y"));  // 9 > 0.2 * 40
}

TEST_CASE("Zero truth: the point did not move") {
  Scored s({sample("a", "tapvid3d_total_distance", 0), sample("b", "tapvid3d_total_distance", 0),
            sample("c", "tapvid3d_total_distance", 0),
            sample("d", "tapvid3d_displacement_vector", {0, 0, 0}),
            sample("e", "tapvid3d_total_distance", {0.3, 0.0, 0.4})},
           {predictionLine("a", "The point did not move."), predictionLine("b", "`5` mm"),
            predictionLine("c", "`50` mm"),
            predictionLine("d", "The point did not move. `[ 0 , 0 , 0 ]`"),
            predictionLine("e", "`480` mm")});
  CHECK(s.correct("a"));
  CHECK(s.correct("b"));
  CHECK_FALSE(s.correct("c"));
  CHECK(s.correct("d"));
  CHECK(
      s.correct("e"));  // dot-variant defect: a vector in metres for a distance question -> 500 mm
}

TEST_CASE("Coordinates: within 5% of the image width, in pixels") {
  // 5% of 1296 px = 64.8 px; one normalized unit in x is 1.296 px.
  Scored s({sample("near", "visual_correspondence_coor_2_coor", {500, 500},
                   "Given point coordinates [ 100 , 200 ] in the first image"),
            sample("far", "visual_correspondence_coor_2_coor", {500, 500}),
            sample("query", "visual_correspondence_coor_2_coor", {500, 500},
                   "Given point coordinates [ 100 , 200 ] in the first image")},
           {predictionLine("near", "`[ 549 , 500 ]`"), predictionLine("far", "`[ 551 , 500 ]`"),
            predictionLine(
                "query",
                "The point [ 100 , 200 ] in Image-1 corresponds to [ 520 , 490 ] in Image-2.")});
  CHECK(s.correct("near"));
  CHECK_FALSE(s.correct("far"));
  CHECK(s.correct("query"));
}

TEST_CASE("Depth comparison by coordinate: the answer must pick the right point") {
  const std::string prompt = "Which point is closer to the camera: [ 400 , 500 ] or [ 430 , 500 ]?";
  Scored s({sample("right", "depth_comparison_coordinate", {400, 500}, prompt),
            sample("wrong", "depth_comparison_coordinate", {400, 500}, prompt)},
           {predictionLine("right", "Point `[ 405 , 500 ]` is closer."),
            predictionLine("wrong", "Point `[ 428 , 500 ]` is closer.")});
  CHECK(s.correct("right"));
  CHECK_FALSE(s.correct("wrong"));  // within 5% of the width, but it is the other point
}

TEST_CASE("Hand-computed accuracies, parse failures and missing predictions") {
  Scored s(
      {sample("1", "x_movement", "left"), sample("2", "x_movement", "right"),
       sample("3", "x_movement", "left"), sample("4", "visual_correspondence_multiple_choice", "C"),
       sample("5", "visual_correspondence_multiple_choice", "A")},
      {predictionLine("1", "`left`"), predictionLine("2", "`left`"), predictionLine("3", "no idea"),
       predictionLine("4", "The correct point is labeled `C`.")});
  const auto& m = s.model();
  CHECK(m.byQuestionType.at("x_movement").correct == 1);
  CHECK(m.byQuestionType.at("x_movement").parseFailures == 1);
  CHECK(m.byQuestionType.at("x_movement").accuracy() == Approx(100.0 / 3));
  CHECK(m.byColumn.at("Vis. corr. MCQ").missing == 1);
  CHECK(m.byColumn.at("Vis. corr. MCQ").accuracy() == Approx(50));
  CHECK(m.columnsScored == 2);
  CHECK(m.average == Approx((100.0 / 3 + 50) / 2));
}

TEST_CASE("A prediction file equal to the truth scores 100% on every column") {
  std::vector<json> samples;
  std::vector<std::string> predictions;
  int n = 0;
  for (const auto& task : taskCatalog()) {
    json gt;
    std::string answer;
    switch (task.answer) {
      case AnswerKind::Word:
        gt = task.choices.back();
        answer = "`" + task.choices.back() + "`";
        break;
      case AnswerKind::Letter:
        gt = task.choices.back();
        answer = "`" + task.choices.back() + "`";
        break;
      case AnswerKind::Millimetres:
      case AnswerKind::Degrees:
        gt = 1234;
        answer = "`1234`";
        break;
      case AnswerKind::Coordinate:
        gt = {321, 654};
        answer = "`[ 321 , 654 ]`";
        break;
      case AnswerKind::VectorMm:
        gt = {0.012, -0.5, 1.25};
        answer = "`[ 12 , -500 , 1250 ]`";
        break;
    }
    const std::string id = std::to_string(n++);
    samples.push_back(sample(id, task.questionType, gt));
    predictions.push_back(predictionLine(id, answer));
  }
  Scored s(samples, predictions);
  CHECK(s.model().columnsScored == 12);
  for (const auto& column : table2Columns())
    CHECK(s.model().byColumn.at(column).accuracy() == 100.0);
  CHECK(s.model().average == 100.0);
}

TEST_CASE("Table 2 pooling and average reproduce the paper's arithmetic") {
  // Multi-SpatialMLLM's column accuracies and sample counts from the paper.
  const std::vector<std::pair<double, int>> paper = {
      {74.00, 600}, {75.33, 600}, {49.00, 300}, {90.00, 300},  {90.83, 600},  {45.50, 600},
      {85.89, 900}, {42.33, 300}, {18.00, 300}, {40.42, 1200}, {12.92, 1200}, {49.11, 900}};
  std::vector<json> samples;
  std::vector<std::string> predictions;
  for (std::size_t c = 0; c < paper.size(); ++c) {
    const auto& column = table2Columns()[c];
    std::vector<const TaskInfo*> tasks;
    for (const auto& t : taskCatalog()) {
      if (t.column == column) tasks.push_back(&t);
    }
    const int correct = static_cast<int>(std::lround(paper[c].first / 100 * paper[c].second));
    for (int i = 0; i < paper[c].second; ++i) {
      const TaskInfo& t = *tasks[static_cast<std::size_t>(i) % tasks.size()];
      const std::string id = column + std::to_string(i);
      const bool right = i < correct;
      switch (t.answer) {
        case AnswerKind::Word:
          samples.push_back(sample(id, t.questionType, t.choices[0]));
          predictions.push_back(predictionLine(id, "`" + t.choices[right ? 0 : 1] + "`"));
          break;
        case AnswerKind::Letter:
          samples.push_back(sample(id, t.questionType, "A"));
          predictions.push_back(predictionLine(id, right ? "`A`" : "`B`"));
          break;
        case AnswerKind::Coordinate:
          samples.push_back(sample(id, t.questionType, {500, 500}));
          predictions.push_back(predictionLine(id, right ? "`[ 500 , 500 ]`" : "`[ 900 , 900 ]`"));
          break;
        case AnswerKind::VectorMm:
          samples.push_back(sample(id, t.questionType, {1, 0, 0}));
          predictions.push_back(
              predictionLine(id, right ? "`[ 1000 , 0 , 0 ]`" : "`[ 0 , 0 , 0 ]`"));
          break;
        default:
          samples.push_back(sample(id, t.questionType, 1000));
          predictions.push_back(predictionLine(id, right ? "`1000`" : "`3000`"));
      }
    }
  }
  Scored s(samples, predictions);
  for (std::size_t c = 0; c < paper.size(); ++c) {
    const auto& tally = s.model().byColumn.at(table2Columns()[c]);
    CHECK(tally.total == static_cast<std::size_t>(paper[c].second));
    CHECK(tally.accuracy() == Approx(paper[c].first).margin(0.005));
  }
  CHECK(std::round(s.model().average * 100) / 100 == Approx(56.11));
  const std::string md = renderReport(s.report, ReportFormat::Markdown);
  CHECK_THAT(md, Contains("| **Average** |  | **56.11** |"));
  CHECK_THAT(md, Contains("| Object movement distance | 1200 | 40.42 |"));
}

TEST_CASE(
    "Bad benchmark and prediction lines are reported with line numbers and the rest is scored") {
  test::TempDir dir;
  writeLines(
      dir.file("bench.jsonl"),
      {sample("1", "x_movement", "left").dump(), "{not json",
       sample("2", "teleportation", "left").dump(),
       json{{"question_type", "x_movement"}, {"gt_value", "left"}}.dump(),
       sample("1", "x_movement", "right").dump(), sample("3", "total_distance", "far").dump(),
       sample("4", "z_movement", "forward").dump()});
  writeLines(
      dir.file("pred.jsonl"),
      {json{{"run", {{"model", "/models/InternVL2-8B"}}}}.dump(), predictionLine("1", "`left`"),
       "[1, 2]", predictionLine("4", "`backward`"), predictionLine("99", "`left`"),
       json{{"id", "4"}, {"text", "dup"}}.dump(), json{{"id", "5"}}.dump()});
  const SampleFile bench = readSampleFile(dir.file("bench.jsonl"));
  CHECK(bench.malformedLines == 1);
  const PredictionFile pred = readPredictionFile(dir.file("pred.jsonl"));
  CHECK(pred.run["model"] == "/models/InternVL2-8B");
  const ScoreReport report = scoreRuns(bench, {{"m", pred}});
  std::string problems;
  for (const auto& d : report.benchmarkDiagnostics)
    problems += std::to_string(d.line) + ": " + d.problem + "\n";
  CHECK_THAT(problems, Contains("2: malformed JSON"));
  CHECK_THAT(problems, Contains("3: sample 2: unknown question_type \"teleportation\""));
  CHECK_THAT(problems, Contains("4: no \"id\""));
  CHECK_THAT(problems, Contains("5: duplicate id 1"));
  CHECK_THAT(problems, Contains("6: sample 3: gt_value \"far\" is not a millimetres"));
  CHECK(report.samples == 2);
  const auto& m = report.models[0];
  std::string predProblems;
  for (const auto& d : m.diagnostics)
    predProblems += std::to_string(d.line) + ": " + d.problem + "\n";
  CHECK_THAT(predProblems, Contains("3: not a JSON object"));
  CHECK_THAT(predProblems, Contains("6: duplicate id 4"));
  CHECK_THAT(predProblems, Contains("7: prediction 5 has no \"text\""));
  CHECK_THAT(predProblems, Contains("1 predictions have ids that are not in the benchmark"));
  CHECK(m.byColumn.at("Cam. translation direction").correct == 1);
  CHECK(m.byColumn.at("Cam. translation direction").total == 2);
}

TEST_CASE("Reports render in every format with one column per model") {
  Scored s({sample("1", "x_movement", "left")}, {predictionLine("1", "`left`")});
  ScoreReport two = s.report;
  two.models.push_back(two.models[0]);
  two.models[1].name = "other";
  CHECK_THAT(renderReport(two, ReportFormat::Table), Contains("Cam. translation direction"));
  CHECK_THAT(renderReport(two, ReportFormat::Csv), Contains("section,row,n,model,other"));
  CHECK_THAT(renderReport(two, ReportFormat::Latex),
             Contains("model & - & - & - & - & - & - & 100.00"));
  const auto j = nlohmann::json::parse(renderReport(two, ReportFormat::Json));
  CHECK(j["models"].size() == 2);
  CHECK(j["models"][0]["table2"]["Cam. translation direction"]["accuracy"] == 100.0);
  CHECK_THROWS_AS(parseReportFormat("xlsx"), std::invalid_argument);
}
