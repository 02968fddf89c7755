#include <catch2/catch.hpp>

#include "core/demo_cloud.h"
#include "core/ply_reader.h"
#include "core/ply_writer.h"
#include "core/version.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include "tests/inference/tokenizer_fixture.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

using namespace mspa;
using Catch::Matchers::Contains;
using test::shellQuote;

namespace {

test::ProcessResult mspaCli(const std::string& arguments) {
  return test::runProcess(std::string(MSPA_CLI) + " " + arguments);
}

}  // namespace

TEST_CASE("mspa --version names the project and LibTorch versions") {
  const auto r = mspaCli("--version");
  CHECK(r.exitCode == 0);
  CHECK_THAT(r.out, Contains(std::string("mspa ") + version()));
  CHECK_THAT(r.out, Contains("LibTorch"));
}

TEST_CASE("mspa info describes a PLY file") {
  test::TempDir dir;
  PointCloud cloud = makeDemoCloud(1234);
  cloud.triangles = {{0, 1, 2}};
  writePly(dir.file("c.ply"), cloud, PlyFormat::Ascii);
  const auto r = mspaCli("info " + shellQuote(dir.file("c.ply")));
  REQUIRE(r.exitCode == 0);
  CHECK_THAT(r.out, Contains("format:     PLY ascii"));
  CHECK_THAT(r.out, Contains("points:     1234"));
  CHECK_THAT(r.out, Contains("triangles:  1"));
  CHECK_THAT(r.out, Contains("colors:     yes"));
  CHECK_THAT(r.out, Contains("element:    vertex x 1234: x:float y:float z:float red:uchar"));
}

TEST_CASE("mspa info: bad files give one message on stderr and exit code 2") {
  test::TempDir dir;
  test::writeFile(dir.file("empty.ply"), "");
  test::writeFile(dir.file("text.ply"), "not a point cloud\n");
  test::writeFile(dir.file("cut.ply"), "ply\nformat binary_little_endian 1.0\nelement vertex 10\n"
                                       "property float x\nproperty float y\nproperty float z\nend_header\nabc");
  const std::pair<std::string, std::string> cases[] = {
      {"missing.ply", "No such file"}, {"empty.ply", "empty"}, {"text.ply", "not a PLY"}, {"cut.ply", "truncated"}};
  for (const auto& [name, problem] : cases) {
    INFO(name);
    const auto r = mspaCli("info " + shellQuote(dir.file(name)));
    CHECK(r.exitCode == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Contains("mspa: error: " + dir.file(name)));
    CHECK_THAT(r.err, Contains(problem));
  }
}

TEST_CASE("mspa usage errors exit with 2, help with 0") {
  CHECK(mspaCli("").exitCode == 2);
  CHECK(mspaCli("frobnicate").exitCode == 2);
  const auto help = mspaCli("info --help");
  CHECK(help.exitCode == 0);
  CHECK_THAT(help.out, Contains("FILE"));
}

TEST_CASE("mspa make-demo-cloud writes a readable cloud") {
  test::TempDir dir;
  REQUIRE(mspaCli("make-demo-cloud " + shellQuote(dir.file("d.ply")) + " --points 5000 --seed 3").exitCode == 0);
  const auto cloud = readPly(dir.file("d.ply"));
  CHECK(cloud.positions == makeDemoCloud(5000, 3).positions);
}

TEST_CASE("mspa make-demo writes a scene that mspa scene info describes") {
  test::TempDir dir;
  const std::string folder = (dir.path() / "demo").string();
  REQUIRE(mspaCli("make-demo " + shellQuote(folder) + " --frames 6 --tracks 4").exitCode == 0);
  const auto r = mspaCli("scene info " + shellQuote(folder));
  REQUIRE(r.exitCode == 0);
  CHECK_THAT(r.out, Contains("(scannet)"));
  CHECK_THAT(r.out, Contains("frames:     6 (00000 .. 00025)"));
  CHECK_THAT(r.out, Contains("resolution: 640x480"));
  CHECK_THAT(r.out, Contains("poses:      6/6 valid"));
  CHECK_THAT(r.out, Contains("instances:  6 (floor, wall, table, cabinet, bed, box)"));
  CHECK_THAT(r.out, Contains("tracks:     4 points"));
  CHECK_THAT(r.out, Contains("problems:   0"));
}

TEST_CASE("mspa scene info names pose problems per frame and fails cleanly on bad paths") {
  test::TempDir dir;
  const std::string folder = (dir.path() / "demo").string();
  REQUIRE(mspaCli("make-demo " + shellQuote(folder) + " --frames 3 --tracks 1").exitCode == 0);
  test::writeFile(folder + "/00005.txt", "nan nan nan nan\n0 1 0 0\n0 0 1 0\n0 0 0 1\n");
  const auto r = mspaCli("scene info " + shellQuote(folder));
  REQUIRE(r.exitCode == 0);
  CHECK_THAT(r.out, Contains("poses:      2/3 valid"));
  CHECK_THAT(r.out, Contains("00005.txt: pose has non-finite values"));
  const auto missing = mspaCli("scene info " + shellQuote(dir.file("nowhere")));
  CHECK(missing.exitCode == 2);
  CHECK_THAT(missing.err, Contains("nowhere: no such file or folder"));
}

TEST_CASE("mspa score compares models side by side and reports bad lines") {
  test::TempDir dir;
  const auto sampleLine = [](const std::string& id, const std::string& type, const std::string& gt) {
    return "{\"id\": \"" + id + "\", \"question_type\": \"" + type + "\", \"gt_value\": " + gt +
           ", \"width_list\": [640, 640], \"height_list\": [480, 480], \"text\": \"q\"}\n";
  };
  test::writeFile(dir.file("bench.jsonl"), sampleLine("1", "x_movement", "\"left\"") + sampleLine("2", "total_distance", "1000") +
                                               "{broken\n" + sampleLine("3", "yaw_angle", "30"));
  test::writeFile(dir.file("a.jsonl"), "{\"run\": {\"model\": \"/ckpt/tuned\"}}\n{\"id\": \"1\", \"text\": \"`left`\"}\n"
                                       "{\"id\": \"2\", \"text\": \"`1100` mm\"}\n{\"id\": \"3\", \"text\": \"`30`\"}\n");
  test::writeFile(dir.file("b.jsonl"), "{\"id\": \"1\", \"text\": \"`right`\"}\n{\"id\": \"2\", \"text\": \"far\"}\n");
  const auto r = mspaCli("score --gt " + shellQuote(dir.file("bench.jsonl")) + " --pred " + shellQuote(dir.file("a.jsonl")) +
                         " --pred " + shellQuote(dir.file("b.jsonl")) + " --format md");
  REQUIRE(r.exitCode == 0);
  CHECK_THAT(r.out, Contains("|  | n | tuned | b |"));
  CHECK_THAT(r.out, Contains("| Cam. translation direction | 1 | 100.00 | 0.00 |"));
  CHECK_THAT(r.out, Contains("| **Average** |  | **100.00** | **0.00** |"));
  CHECK_THAT(r.out, Contains("| Parse failures (counted wrong) |  | 0 (0.00%) | 1 (33.33%) |"));
  CHECK_THAT(r.out, Contains("| Missing predictions (counted wrong) |  | 0 | 1 |"));
  CHECK_THAT(r.err, Contains("bench.jsonl:3: malformed JSON"));
  CHECK_THAT(r.err, Contains("scored 3 samples"));
  const auto bad = mspaCli("score --gt " + shellQuote(dir.file("bench.jsonl")) + " --pred " + shellQuote(dir.file("a.jsonl")) +
                           " --format xlsx");
  CHECK(bad.exitCode == 2);
  CHECK_THAT(bad.err, Contains("unknown report format 'xlsx'"));
  const auto missing = mspaCli("score --gt " + shellQuote(dir.file("none.jsonl")) + " --pred " + shellQuote(dir.file("a.jsonl")));
  CHECK(missing.exitCode == 2);
  CHECK_THAT(missing.err, Contains("none.jsonl"));
}

TEST_CASE("mspa generate writes MultiSPA JSONL and images that mspa score rates 100% with the canonical answers") {
  test::TempDir dir;
  const std::string scene = (dir.path() / "demo").string(), out = (dir.path() / "data").string();
  REQUIRE(mspaCli("make-demo " + shellQuote(scene) + " --frames 10 --tracks 9").exitCode == 0);
  const auto r = mspaCli("generate " + shellQuote(scene) + " --out " + shellQuote(out) + " --per-subtask 4");
  REQUIRE(r.exitCode == 0);
  CHECK_THAT(r.out, Contains("x_movement                                        4 samples"));
  CHECK_THAT(r.out, Contains("88 samples in"));
  CHECK_THAT(r.out, Contains("samples/s"));
  // Canonical answers as predictions.
  std::string bench, predictions;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    if (entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      bench += line + "\n";
      const auto sample = nlohmann::json::parse(line);
      predictions += nlohmann::json{{"id", sample["id"]}, {"text", sample["conversations"][1]["value"]}}.dump() + "\n";
    }
  }
  test::writeFile(dir.file("bench.jsonl"), bench);
  test::writeFile(dir.file("pred.jsonl"), predictions);
  const auto scored = mspaCli("score --gt " + shellQuote(dir.file("bench.jsonl")) + " --pred " + shellQuote(dir.file("pred.jsonl")) +
                              " --strict --format csv");
  REQUIRE(scored.exitCode == 0);
  CHECK_THAT(scored.out, Contains("Average,,100.00"));
}

TEST_CASE("mspa model check passes on a fixture and fails beyond tolerance; model info describes it") {
  const std::string fixture = std::string(MSPA_TEST_DATA_DIR) + "/internvl/tiny-qwen2";
  const std::string args = "--model " + shellQuote(fixture + "/hf") + " --reference " + shellQuote(fixture + "/reference.safetensors");
  const auto pass = mspaCli("model check " + args);
  CHECK(pass.exitCode == 0);
  CHECK_THAT(pass.out, Contains("greedy ids                      identical"));
  CHECK_THAT(pass.out, Contains("PASS"));
  const auto strict = mspaCli("model check " + args + " --dtype bfloat16 --tolerance 1e-6");
  CHECK(strict.exitCode == 1);
  CHECK_THAT(strict.out, Contains("FAIL"));
  const auto info = mspaCli("model info " + shellQuote(fixture + "/original"));
  CHECK(info.exitCode == 0);
  CHECK_THAT(info.out, Contains("Qwen2, 3 layers, hidden 96, 6 heads / 2 KV heads"));
  const auto notModel = mspaCli("model info " + shellQuote(std::string(MSPA_TEST_DATA_DIR)));
  CHECK(notModel.exitCode == 2);
  CHECK_THAT(notModel.err, Contains("config.json: cannot open"));
}

TEST_CASE("mspa ask runs images and a question through the model and streams the answer") {
  test::TempDir dir;
  const std::filesystem::path fixture = std::filesystem::path(MSPA_TEST_DATA_DIR) / "internvl/tiny-internlm2";
  const auto model = dir.path() / "model";
  std::filesystem::copy(fixture / "original", model);
  const auto missing = mspaCli("ask --model " + shellQuote(model.string()) + " --image " +
                               shellQuote((fixture / "images/img1.png").string()) + " 'Which point is closer?'");
  CHECK(missing.exitCode == 2);
  CHECK_THAT(missing.err, Contains("no tokenizer.model or tokenizer.json"));

  test::writeSentencePieceTokenizer(model);
  const auto r = mspaCli("ask --model " + shellQuote(model.string()) + " --image " + shellQuote((fixture / "images/img1.png").string()) +
                         " --image " + shellQuote((fixture / "images/img2.png").string()) +
                         " --tiles 2 --max-new-tokens 4 'Which point is closer?'");
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  // At up to 2 tiles, img1 (1296x968) stays one tile and img2 (500x300) becomes 2+thumbnail:
  // 4 tiles of 256 image tokens, plus the chat template's text.
  CHECK_THAT(r.err, Contains("4 new tokens"));
  const int promptTokens = std::stoi(r.err.substr(r.err.find('[') + 1));
  CHECK(promptTokens > 4 * 256);
  CHECK(promptTokens < 5 * 256);
  const auto badImage = mspaCli("ask --model " + shellQuote(model.string()) + " --image " + shellQuote(dir.file("none.jpg")) + " 'x'");
  CHECK(badImage.exitCode == 2);
  CHECK_THAT(badImage.err, Contains("none.jpg"));
}
