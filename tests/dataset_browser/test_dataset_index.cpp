#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "core/input_error.h"
#include "core/multispa_sample.h"
#include "dataset_browser/dataset_index.h"
#include "dataset_browser/dataset_query.h"
#include "tests/dataset_browser/dataset_fixture.h"

using namespace mspa;
using namespace mspa::dataset;
using Catch::Matchers::Contains;

namespace {

std::string idOf(const DatasetIndex& index, std::size_t row) {
  std::string error;
  const auto sample = parseSampleLine(index.line(row), error);
  REQUIRE(sample);
  return sample->id;
}

std::size_t typeCode(const DatasetIndex& index, const std::string& type) {
  const auto& t = index.questionTypes();
  return static_cast<std::size_t>(std::find(t.begin(), t.end(), type) - t.begin());
}

}  // namespace

TEST_CASE(
    "The index finds every sample with its line, type, scene, images and answer, and lists the bad "
    "lines") {
  test::SmallDataset d;
  const auto index = DatasetIndex::build(d.paths());
  REQUIRE(index.size() == 7);
  std::vector<std::string> ids;
  for (std::size_t row = 0; row < index.size(); ++row) ids.push_back(idOf(index, row));
  CHECK(ids == std::vector<std::string>{"1", "2", "3", "5", "six", "7", "8"});
  CHECK(index.questionTypes()[index.questionType(0)] == "x_movement");
  CHECK(index.questionTypes()[index.questionType(4)] == "depth_of_field");  // unknown, kept
  CHECK(index.scenes()[index.scene(1)] == "scene0002_00");
  CHECK(index.imageCount(2) == 1);
  CHECK(index.imageCount(0) == 2);
  CHECK(index.answerSummary(0) == "left");
  CHECK(index.answerSummary(2) == "1234");
  CHECK(index.answerSummary(5) == "|v| 0.5");
  CHECK(index.idHash(6) == DatasetIndex::hashId("8"));
  const auto& train = index.files()[0];
  CHECK(train.split == "train");
  CHECK(index.files()[1].split == "test");
  CHECK(train.samples == 5);
  CHECK(train.malformed == 2);
  CHECK(train.malformedLines == std::vector<std::uint64_t>{5, 7});
  CHECK_THAT(train.malformedProblems[0], Contains("malformed JSON"));
  CHECK(train.malformedProblems[1] == "not a JSON object");
  CHECK(index.malformedLines() == 2);
}

TEST_CASE("Reopening reuses a fresh index and rebuilds a stale one, saying why") {
  test::SmallDataset d;
  bool rebuilt = false;
  std::string why;
  const std::string built = DatasetIndex::open(d.paths(), {}, &rebuilt, &why).directory();
  CHECK(rebuilt);
  CHECK(why == "no index yet");
  CHECK(std::filesystem::path(built).parent_path() == std::filesystem::path(d.train).parent_path());
  CHECK(DatasetIndex::open(d.paths(), {}, &rebuilt).size() == 7);
  CHECK_FALSE(rebuilt);

  // Touched but unchanged: the content fingerprint keeps the index.
  std::filesystem::last_write_time(
      d.test, std::filesystem::last_write_time(d.test) + std::chrono::seconds(5));
  CHECK(DatasetIndex::staleReason(d.paths(), built).empty());

  std::ofstream(d.test, std::ios::app)
      << test::sampleLine(9, "y_movement", "scene0004_00", "up", "The camera shifted `up`.")
      << "\n";
  CHECK_THAT(DatasetIndex::staleReason(d.paths(), built),
             Contains("multispa_test.jsonl changed since it was indexed (size"));
  const auto index = DatasetIndex::open(d.paths(), {}, &rebuilt, &why);
  CHECK(rebuilt);
  CHECK(index.size() == 8);
  CHECK(idOf(index, 7) == "9");
}

TEST_CASE("A read-only dataset folder keeps its index in the cache folder") {
  test::TempDir cache;
  setenv("XDG_CACHE_HOME", cache.path().c_str(), 1);
  const std::vector<std::string> paths = {"/data/multispa/train.jsonl"};
  const auto readOnly = DatasetIndex::indexDirFor(paths, false);
  const auto writable = DatasetIndex::indexDirFor(paths, true);
  unsetenv("XDG_CACHE_HOME");
  CHECK_THAT(readOnly,
             Catch::Matchers::StartsWith(cache.path().string() + "/mspa-studio/mspa-index-"));
  CHECK_THAT(writable, Catch::Matchers::StartsWith("/data/multispa/.mspa-index-"));
  // Same files, same index: the two places share the name.
  CHECK(std::filesystem::path(readOnly).filename().string() ==
        std::filesystem::path(writable).filename().string().substr(1));
  // The writability the default choice uses is the folder's own.
  test::SmallDataset d;
  CHECK(DatasetIndex::defaultIndexDir(d.paths()) ==
        DatasetIndex::indexDirFor({d.train, d.test}, true));
}

TEST_CASE("A file that changes while it is indexed is reported, and no half index is left") {
  test::SmallDataset d;
  const auto append = [&](const IndexProgress&) {
    std::ofstream(d.train, std::ios::app) << "{\"id\": 99}\n";
    return true;
  };
  CHECK_THROWS_WITH(
      DatasetIndex::build(d.paths(), append),
      Contains("multispa_train.jsonl") && Contains("changed while it was being indexed"));
  CHECK_FALSE(std::filesystem::exists(DatasetIndex::defaultIndexDir(d.paths())));
  CHECK_FALSE(std::filesystem::exists(DatasetIndex::defaultIndexDir(d.paths()) + ".building"));
}

TEST_CASE("Indexing can be cancelled and missing files are named") {
  test::SmallDataset d;
  CHECK_THROWS_AS(DatasetIndex::build(d.paths(), [](const IndexProgress&) { return false; }),
                  Cancelled);
  CHECK_THROWS_WITH(DatasetIndex::build({d.dir.file("none.jsonl")}),
                    Contains("none.jsonl") && Contains("no such file"));
}

TEST_CASE("Filters by type, column, scene, split, images and text, and sorts are stable") {
  test::SmallDataset d;
  const auto index = DatasetIndex::build(d.paths());
  CHECK(filterRows(index, parseWhere("")).size() == 7);
  CHECK(filterRows(index, parseWhere("question_type=x_movement")) ==
        std::vector<std::uint32_t>{0, 1, 6});
  CHECK(filterRows(index, parseWhere("question_type=x_movement|total_distance,split=train")) ==
        std::vector<std::uint32_t>{0, 1, 3});
  CHECK(filterRows(index, parseWhere("column=Cam. translation direction")) ==
        std::vector<std::uint32_t>{0, 1, 6});
  CHECK(filterRows(index, parseWhere("scene=scene0003_00")) == std::vector<std::uint32_t>{4, 5, 6});
  CHECK(filterRows(index, parseWhere("images=1")) == std::vector<std::uint32_t>{2});
  CHECK(filterRows(index, parseWhere("text=BLURRY")) == std::vector<std::uint32_t>{4});
  CHECK(filterRows(index, parseWhere("question_type=depth_of_field")) ==
        std::vector<std::uint32_t>{4});
  CHECK_THROWS_WITH(parseWhere("colour=red"), Contains("unknown key"));

  auto rows = filterRows(index, {});
  sortRows(index, rows, SortKey::Answer, false);
  CHECK(index.answerSummary(rows[0]) == "blurry");  // words first, by name, then numbers by value
  CHECK(index.answerSummary(rows[1]) == "left");
  CHECK(index.answerSummary(rows[2]) == "left");
  CHECK(rows[1] < rows[2]);  // stable
  CHECK(index.answerSummary(rows.back()) == "1234");
  sortRows(index, rows, SortKey::Images, true);
  CHECK(index.imageCount(rows.back()) == 1);
  sortRows(index, rows, SortKey::QuestionType, false);
  CHECK(index.questionTypes()[index.questionType(rows[0])] == "depth_estimation_dot");
  (void)typeCode;
}

TEST_CASE("Stats count types, columns, splits, scenes and summarise answers") {
  test::SmallDataset d;
  const auto stats = computeStats(DatasetIndex::build(d.paths()));
  CHECK(stats.samples == 7);
  CHECK(stats.malformed == 2);
  CHECK(stats.byQuestionType.at("x_movement") == 3);
  CHECK(stats.byColumn.at("unknown") == 1);
  CHECK(stats.bySplit.at("train") == 5);
  CHECK(stats.byScene.size() == 3);
  CHECK(stats.topAnswers.at("x_movement")[0] ==
        std::make_pair(std::string("left"), std::uint64_t{2}));
  CHECK(stats.numbers.at("depth_estimation_dot").median == 1234);
}

TEST_CASE("Coordinate answers are kept exactly and print in MultiSPA's form") {
  test::TempDir dir;
  test::writeFile(dir.file("c.jsonl"),
                  test::sampleLine(1, "visual_correspondence_coor_2_coor", "s",
                                   nlohmann::json::array({819, 160}), "`[ 819 , 160 ]`") +
                      "\n" +
                      test::sampleLine(2, "visual_correspondence_coor_2_coor", "s",
                                       nlohmann::json::array({0, 1000}), "x") +
                      "\n");
  const auto index = DatasetIndex::build({dir.file("c.jsonl")});
  CHECK(index.answerSummary(0) == "[ 819 , 160 ]");
  CHECK(index.answerSummary(1) == "[ 0 , 1000 ]");
}
