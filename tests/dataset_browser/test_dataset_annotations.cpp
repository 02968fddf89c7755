#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/input_error.h"
#include "core/multispa_sample.h"
#include "dataset_browser/dataset_annotations.h"
#include "dataset_browser/dataset_predictions.h"
#include "dataset_browser/dataset_query.h"
#include "tests/dataset_browser/dataset_fixture.h"

using namespace mspa;
using namespace mspa::dataset;
using Catch::Matchers::Contains;

TEST_CASE("Annotations are saved, read back after reopening, undone, and filter the table") {
  test::SmallDataset d;
  const auto index = DatasetIndex::build(d.paths());
  const std::string path = Annotations::defaultPath(index);
  {
    Annotations a(path);
    a.save(Annotations::keyOf(index, 1),
           {Flag::WrongTruth, "the camera moved left", "The camera shifted `left`."});
    a.save(Annotations::keyOf(index, 5), {Flag::Ambiguous, "", ""});
    a.save(Annotations::keyOf(index, 5), {Flag::BadImage, "blurred", ""});
  }
  Annotations a(path);
  CHECK(a.get(Annotations::keyOf(index, 1))->note == "the camera moved left");
  CHECK(a.get(Annotations::keyOf(index, 5))->flag == Flag::BadImage);
  CHECK(a.flaggedRows(index) == std::vector<std::uint32_t>{1, 5});
  CHECK(filterRows(index, parseWhere("flagged=yes"), &a) == std::vector<std::uint32_t>{1, 5});
  CHECK(filterRows(index, parseWhere("flagged=no"), &a).size() == 5);
  REQUIRE(a.undo());
  CHECK(a.get(Annotations::keyOf(index, 5))->flag == Flag::Ambiguous);
  REQUIRE(a.undo());
  CHECK_FALSE(a.get(Annotations::keyOf(index, 5)));
  REQUIRE(a.undo());
  CHECK_FALSE(a.undo());
  CHECK(a.annotatedKeys().empty());
  // Keys survive re-indexing: they are file name and id, not row numbers.
  CHECK(Annotations::keyOf(index, 1) ==
        "multispa_train.jsonl#" + Annotations::keyOf(index, 1).substr(21));
}

TEST_CASE("Annotations acknowledged before a kill -9 are all there afterwards") {
  test::SmallDataset d;
  const auto index = DatasetIndex::build(d.paths());
  const std::string path = Annotations::defaultPath(index);
  int acks[2];
  REQUIRE(::pipe(acks) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(acks[0]);
    Annotations a(path);
    for (int i = 0;; ++i) {
      a.save("stress#" + std::to_string(i), {Flag::Other, "note " + std::to_string(i), ""});
      if (::write(acks[1], &i, sizeof i) != sizeof i)
        ::_exit(1);  // acknowledged only after save() returned
    }
  }
  ::close(acks[1]);
  int last = -1;
  for (int received = 0; received < 40; ++received)
    REQUIRE(::read(acks[0], &last, sizeof last) == sizeof last);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));
  // Acknowledgements still in the pipe count too.
  for (int more; ::read(acks[0], &more, sizeof more) == sizeof more;) last = more;
  ::close(acks[0]);
  Annotations a(path);
  for (int i = 0; i <= last; ++i) {
    INFO(i);
    const auto saved = a.get("stress#" + std::to_string(i));
    REQUIRE(saved);
    CHECK(saved->note == "note " + std::to_string(i));
  }
}

TEST_CASE("A full disk fails the save with a message and keeps the earlier annotations") {
  test::SmallDataset d;
  const auto index = DatasetIndex::build(d.paths());
  Annotations a(Annotations::defaultPath(index));
  a.save("first#1", {Flag::Other, "kept", ""});
  a.setSizeLimit(std::filesystem::file_size(a.path()) + 4096);
  const std::string huge(1 << 20, 'x');
  CHECK_THROWS_WITH(a.save("second#2", {Flag::Other, huge, ""}),
                    Contains(a.path()) && Contains("full"));
  CHECK(a.get("first#1")->note == "kept");
  CHECK_FALSE(a.get("second#2"));
}

TEST_CASE(
    "Exports: the flagged samples with their annotation, and a corrected copy beside untouched "
    "sources") {
  test::SmallDataset d;
  const auto index = DatasetIndex::build(d.paths());
  Annotations a(Annotations::defaultPath(index));
  a.save(Annotations::keyOf(index, 1),
         {Flag::WrongTruth, "moved left", "The camera shifted `left`."});
  const std::string before = [&] {
    std::ifstream in(d.train);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  test::TempDir out;
  CHECK(exportFlagged(index, a, out.file("flagged.jsonl")) == 1);
  std::ifstream flagged(out.file("flagged.jsonl"));
  std::string line;
  std::getline(flagged, line);
  const auto j = nlohmann::json::parse(line);
  CHECK(j["id"] == 2);
  CHECK(j["annotation"]["flag"] == "wrong_truth");
  CHECK(exportCorrected(index, a, out.file("corrected")) == 1);
  const SampleFile corrected = readSampleFile(out.file("corrected/multispa_train.jsonl"));
  REQUIRE(corrected.samples.size() == 5);
  CHECK(corrected.samples[1].answer == "The camera shifted `left`.");
  CHECK(corrected.samples[1].fields["original_answer"] == "The camera shifted `right`.");
  std::ifstream in(d.train);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == before);
  CHECK_THROWS_WITH(exportCorrected(index, a, d.dir.path().string()),
                    Contains("is the source file"));
}

TEST_CASE(
    "Predictions join by id and are judged as correct or wrong or unparsable and unknown ids are "
    "counted") {
  test::SmallDataset d;
  const auto index = DatasetIndex::build(d.paths());
  test::writeFile(d.dir.file("pred.jsonl"),
                  "{\"run\": {\"model\": \"tiny\"}}\n"
                  "{\"id\": 1, \"text\": \"The camera shifted `left`.\"}\n"
                  "{\"id\": 2, \"text\": \"The camera shifted `left`.\"}\n"
                  "{\"id\": 3, \"text\": \"The depth is `2000` mm.\"}\n"
                  "{\"id\": 5, \"text\": \"no idea\"}\n"
                  "{\"id\": 404, \"text\": \"`left`\"}\n");
  const auto joined = joinPredictions(index, d.dir.file("pred.jsonl"));
  CHECK(joined.name == "tiny");
  CHECK(joined.byRow.size() == 4);
  CHECK(joined.unmatched == 1);
  CHECK(joined.correct == 1);
  CHECK(joined.byRow.at(0).correct);
  CHECK_FALSE(joined.byRow.at(1).correct);
  CHECK(joined.byRow.at(2).error == Approx(766));
  CHECK_FALSE(joined.byRow.at(3).parsed);
  auto rows = filterRows(index, {});
  const auto errors = joined.errors(index.size());
  sortRows(index, rows, SortKey::Error, true, &errors);
  CHECK(rows[0] == 3);  // unparsable first, then the largest error
  CHECK(rows[1] == 2);
}
