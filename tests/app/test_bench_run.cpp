#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/inference/tokenizer_fixture.h"
#include "tests/support/fake_endpoint.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;
using mspa::test::shellQuote;

namespace {

mspa::test::ProcessResult mspaCli(const std::string& arguments) {
  return mspa::test::runProcess(std::string(MSPA_CLI) + " " + arguments);
}

// A benchmark generated from the demo scene: OUT/bench.jsonl with images under OUT/images.
struct DemoBenchmark {
  mspa::test::TempDir dir;
  std::string data = dir.file("bench.jsonl"), images = dir.file("gen/images");

  explicit DemoBenchmark(int perSubtask = 3) {
    const auto r =
        mspaCli("generate " + shellQuote(MSPA_DEMO_SCENE) + " --out " +
                shellQuote(dir.file("gen")) + " --per-subtask " + std::to_string(perSubtask));
    REQUIRE(r.exitCode == 0);
    std::ofstream out(data);
    for (const auto& entry : std::filesystem::directory_iterator(dir.file("gen"))) {
      if (entry.path().extension() != ".jsonl") continue;
      std::ifstream in(entry.path());
      out << in.rdbuf();
    }
  }
  std::string run(const std::string& out, const std::string& extra) const {
    return "bench run --data " + shellQuote(data) + " --images " + shellQuote(images) + " --out " +
           shellQuote(out) + " " + extra;
  }
};

// The prediction lines of a file by id (the header aside), each id counted.
std::map<std::string, std::vector<nlohmann::json>> linesById(const std::string& path) {
  std::map<std::string, std::vector<nlohmann::json>> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (!j.contains("run")) out[j["id"].dump()].push_back(j);
  }
  return out;
}

// The tiny InternLM2 fixture with a SentencePiece tokenizer, in a folder of `models`.
std::filesystem::path tinyLocalModel(const mspa::test::TempDir& models) {
  const auto model = models.path() / "tiny";
  std::filesystem::copy(
      std::filesystem::path(MSPA_TEST_DATA_DIR) / "internvl/tiny-internlm2/original", model);
  mspa::test::writeSentencePieceTokenizer(model);
  return model;
}

// The demo's benchmark answered by the tiny fixture model, one tile per image.
struct LocalBenchmark {
  DemoBenchmark bench{1};
  mspa::test::TempDir models;
  std::string backend =
      "--backend local --model " + shellQuote(tinyLocalModel(models).string()) + " --tiles 1 ";
  mspa::test::ProcessResult run(const std::string& file, const std::string& options) const {
    return mspaCli(bench.run(bench.dir.file(file), backend + options));
  }
};

std::size_t benchmarkSize(const std::string& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

}  // namespace

TEST_CASE("mspa bench run with the oracle answers every sample and scores 100%") {
  DemoBenchmark bench;
  const auto r = mspaCli(bench.run(bench.dir.file("pred.jsonl"), "--backend oracle"));
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  const auto score = mspaCli("score --gt " + shellQuote(bench.data) + " --pred " +
                             shellQuote(bench.dir.file("pred.jsonl")) + " --format json");
  const auto report = nlohmann::json::parse(score.out);
  CHECK(report["models"][0]["average"] == Approx(100.0));
  std::ifstream in(bench.dir.file("pred.jsonl"));
  std::string header;
  std::getline(in, header);
  CHECK(nlohmann::json::parse(header)["run"]["backend"] == "oracle");
}

TEST_CASE(
    "mspa bench run resumes: an interrupted run plus its resume equals an uninterrupted run") {
  DemoBenchmark bench;
  REQUIRE(mspaCli(bench.run(bench.dir.file("whole.jsonl"), "--backend oracle")).exitCode == 0);
  REQUIRE(
      mspaCli(bench.run(bench.dir.file("resumed.jsonl"), "--backend oracle --limit 20")).exitCode ==
      0);
  const auto resumed = mspaCli(bench.run(bench.dir.file("resumed.jsonl"), "--backend oracle"));
  CHECK_THAT(resumed.out, Contains("20 already in"));
  CHECK(linesById(bench.dir.file("whole.jsonl")) == linesById(bench.dir.file("resumed.jsonl")));
  // Another setup does not mix into the same file.
  const auto mixed =
      mspaCli(bench.run(bench.dir.file("whole.jsonl"),
                        "--backend openai --endpoint http://127.0.0.1:9 --model other"));
  CHECK(mixed.exitCode == 2);
  CHECK_THAT(mixed.err, Contains("holds a run with another setup"));
}

TEST_CASE(
    "mspa bench run spreads over a slow and a flaky endpoint: every sample once and retries "
    "counted") {
  DemoBenchmark bench;
  mspa::test::FakeEndpoint slow("slow", "The camera shifted `left`.", 0.02),
      flaky("flaky", "The camera shifted `left`.");
  // --endpoint implies the OpenAI-compatible backend.
  const auto r = mspaCli(bench.run(bench.dir.file("pred.jsonl"),
                                   "--model m --endpoint " + slow.url() + " --endpoint " +
                                       flaky.url() + " --concurrency 2 --retries 4"));
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  const auto lines = linesById(bench.dir.file("pred.jsonl"));
  CHECK(lines.size() == benchmarkSize(bench.data));
  for (const auto& [id, list] : lines) {
    CHECK(list.size() == 1);
    CHECK(list[0]["text"] == "The camera shifted `left`.");
  }
  CHECK_THAT(r.out, Contains(" 0 errors"));
  CHECK_FALSE(slow.requests().empty());
  CHECK(flaky.requests().size() >= 2);
  const std::size_t retries = std::stoul(r.out.substr(r.out.find("errors, ") + 8));
  CHECK(retries >= flaky.requests().size() / 2 - 1);
}

TEST_CASE("mspa bench run stops cleanly on Ctrl-C and the resume completes the file") {
  DemoBenchmark bench;
  mspa::test::FakeEndpoint slow("slow", "`left`", 0.05);
  const std::string out = bench.dir.file("pred.jsonl");
  const std::string command =
      std::string(MSPA_CLI) + " " +
      bench.run(out, "--backend openai --model m --concurrency 1 --endpoint " + slow.url());
  const auto started = mspa::test::runProcess(command + " > " + shellQuote(bench.dir.file("log")) +
                                              " 2>&1 & echo $!");
  const int pid = std::stoi(started.out);
  for (int i = 0; i < 400 && linesById(out).size() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ::kill(pid, SIGINT);
  for (int i = 0; i < 400 && ::kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  const std::size_t before = linesById(out).size();  // parses every line: none was cut
  CHECK(before >= 3);
  CHECK(before < benchmarkSize(bench.data));
  const auto resumed = mspaCli(
      bench.run(out, "--backend openai --model m --concurrency 4 --endpoint " + slow.url()));
  REQUIRE(resumed.exitCode == 0);
  CHECK(linesById(out).size() == benchmarkSize(bench.data));
}

TEST_CASE("mspa bench run records missing images as errors and retries them on resume") {
  DemoBenchmark bench(1);
  std::filesystem::rename(bench.images, bench.dir.file("hidden"));
  const auto r = mspaCli(bench.run(bench.dir.file("pred.jsonl"), "--backend oracle"));
  REQUIRE(r.exitCode == 0);
  const auto lines = linesById(bench.dir.file("pred.jsonl"));
  CHECK(lines.size() == benchmarkSize(bench.data));
  CHECK_THAT(lines.begin()->second[0]["error"].get<std::string>(), Contains("missing image"));
  std::filesystem::rename(bench.dir.file("hidden"), bench.images);
  const auto resumed = mspaCli(bench.run(bench.dir.file("pred.jsonl"), "--backend oracle"));
  CHECK_THAT(resumed.out,
             Contains(std::to_string(benchmarkSize(bench.data)) + " answered, 0 errors"));
}

TEST_CASE("mspa bench run with a tiny fixture model completes and records its setup") {
  const LocalBenchmark local;
  const auto r = local.run("pred.jsonl", "--max-new-tokens 2 --limit 3");
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  CHECK_THAT(r.out, Contains("3 answered, 0 errors"));
  std::ifstream in(local.bench.dir.file("pred.jsonl"));
  std::string header;
  std::getline(in, header);
  const auto run = nlohmann::json::parse(header)["run"];
  CHECK(run["tiles_per_image"] == 1);
  CHECK(run["config_hash"].get<std::string>().size() == 16);
  CHECK(run["template"] == "internlm2-chat");
  CHECK(run["dtype"] == "float32");  // no --dtype: the checkpoint's torch_dtype
}

TEST_CASE("mspa bench run --batch answers like batch 1 with a tiny fixture model") {
  const LocalBenchmark local;
  const auto one = local.run("one.jsonl", "--max-new-tokens 6 --limit 5");
  const auto three = local.run("three.jsonl", "--max-new-tokens 6 --limit 5 --batch 3");
  INFO(one.err << three.err);
  REQUIRE(one.exitCode == 0);
  REQUIRE(three.exitCode == 0);
  CHECK_THAT(three.out, Contains("5 answered, 0 errors"));
  const auto alone = linesById(local.bench.dir.file("one.jsonl")),
             batched = linesById(local.bench.dir.file("three.jsonl"));
  REQUIRE(alone.size() == 5);
  REQUIRE(batched.size() == 5);
  for (const auto& [id, lines] : alone) {
    INFO(id);
    REQUIRE(batched.count(id));
    CHECK(batched.at(id).front()["text"] == lines.front()["text"]);
  }
}

TEST_CASE("mspa bench run refuses a batch larger than memory with the estimate, then goes on") {
  const LocalBenchmark local;
  // Room for two billion new tokens: each sequence's KV cache alone would be terabytes.
  const auto r = local.run("pred.jsonl", "--max-new-tokens 2000000000 --limit 3 --batch 3");
  INFO(r.out << r.err);
  CHECK(r.exitCode == 0);
  // The local engine's refusal is not retried: asking again cannot change it.
  CHECK_THAT(r.out, Contains("0 answered, 3 errors, 0 retries"));
  CHECK_THAT(r.err, Contains("a batch of 3 failed (a batch of 3 sequences of up to ") &&
                        Contains(" GB (KV cache ") && Contains(" GB available: lower the batch)"));
  const auto lines = linesById(local.bench.dir.file("pred.jsonl"));
  REQUIRE(lines.size() == 3);
  for (const auto& [id, answers] : lines) {
    INFO(id);
    CHECK_THAT(answers.front()["error"].get<std::string>(),
               Contains("a sequence of up to ") && Contains("ask for fewer new tokens"));
  }
}
