#include <catch2/catch.hpp>

#include "core/demo_cloud.h"
#include "core/ply_reader.h"
#include "core/ply_writer.h"
#include "core/version.h"
#include "inference/huge_pages.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include "core/image.h"
#include "core/scene.h"
#include "core/scene_export.h"
#include "tests/dataset_browser/dataset_fixture.h"
#include "tests/inference/lora_fixture.h"
#include "tests/inference/tokenizer_fixture.h"
#include "tests/support/fake_endpoint.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

using namespace mspa;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
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

TEST_CASE("mspa starts without LibTorch, VTK or OpenCV's codecs, and hands the rest to mspa-full") {
  // What the dynamic loader maps for a light command, as it reports it.
  const auto mapped = [](const std::string& arguments) {
    return test::runProcess("LD_DEBUG=files " + std::string(MSPA_CLI) + " " + arguments).err;
  };
  test::TempDir dir;
  writePly(dir.file("c.ply"), makeDemoCloud(100), PlyFormat::BinaryLittleEndian);
  for (const std::string& arguments :
       {std::string("--version"), "info " + shellQuote(dir.file("c.ply")),
        "scene info --depth-samples 0 " + shellQuote(MSPA_DEMO_SCENE)}) {
    INFO(arguments);
    const std::string loaded = mapped(arguments);
    CHECK_THAT(loaded, Contains("file=libstdc++"));  // the report is there
    for (const char* heavy : {"libtorch", "libc10", "libvtk", "libopencv_imgcodecs",
                              "libopencv_videoio", "mspa_codecs", "mspa-full"})
      CHECK_THAT(loaded, !Contains(heavy));
  }
  // Decoding depth maps loads the codecs, at the first one.
  CHECK_THAT(mapped("scene info " + shellQuote(MSPA_DEMO_SCENE)), Contains("mspa_codecs.so"));
  // The engine's commands run in mspa-full, reporting as mspa.
  const auto model = mspaCli("model --help");
  CHECK(model.exitCode == 0);
  CHECK_THAT(model.out, Contains("checkpoints"));
  const auto unknown = mspaCli("no-such-command");
  CHECK(unknown.exitCode == 2);
  CHECK_THAT(unknown.err + unknown.out, Contains("subcommand"));
  CHECK_THAT(mspaCli("--help").out, Contains("reward"));  // the full help
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
  test::writeFile(dir.file("cut.ply"),
                  "ply\nformat binary_little_endian 1.0\nelement vertex 10\n"
                  "property float x\nproperty float y\nproperty float z\nend_header\nabc");
  const std::pair<std::string, std::string> cases[] = {{"missing.ply", "No such file"},
                                                       {"empty.ply", "empty"},
                                                       {"text.ply", "not a PLY"},
                                                       {"cut.ply", "truncated"}};
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
  REQUIRE(mspaCli("make-demo-cloud " + shellQuote(dir.file("d.ply")) + " --points 5000 --seed 3")
              .exitCode == 0);
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
  const auto sampleLine = [](const std::string& id, const std::string& type,
                             const std::string& gt) {
    return "{\"id\": \"" + id + "\", \"question_type\": \"" + type + "\", \"gt_value\": " + gt +
           ", \"width_list\": [640, 640], \"height_list\": [480, 480], \"text\": \"q\"}\n";
  };
  test::writeFile(dir.file("bench.jsonl"), sampleLine("1", "x_movement", "\"left\"") +
                                               sampleLine("2", "total_distance", "1000") +
                                               "{broken\n" + sampleLine("3", "yaw_angle", "30"));
  test::writeFile(
      dir.file("a.jsonl"),
      "{\"run\": {\"model\": \"/ckpt/tuned\"}}\n{\"id\": \"1\", \"text\": \"`left`\"}\n"
      "{\"id\": \"2\", \"text\": \"`1100` mm\"}\n{\"id\": \"3\", \"text\": \"`30`\"}\n");
  test::writeFile(dir.file("b.jsonl"),
                  "{\"id\": \"1\", \"text\": \"`right`\"}\n{\"id\": \"2\", \"text\": \"far\"}\n");
  const auto r = mspaCli("score --gt " + shellQuote(dir.file("bench.jsonl")) + " --pred " +
                         shellQuote(dir.file("a.jsonl")) + " --pred " +
                         shellQuote(dir.file("b.jsonl")) + " --format md");
  REQUIRE(r.exitCode == 0);
  CHECK_THAT(r.out, Contains("|  | n | tuned | b |"));
  CHECK_THAT(r.out, Contains("| Cam. translation direction | 1 | 100.00 | 0.00 |"));
  CHECK_THAT(r.out, Contains("| **Average** |  | **100.00** | **0.00** |"));
  CHECK_THAT(r.out, Contains("| Parse failures (counted wrong) |  | 0 (0.00%) | 1 (33.33%) |"));
  CHECK_THAT(r.out, Contains("| Missing predictions (counted wrong) |  | 0 | 1 |"));
  CHECK_THAT(r.err, Contains("bench.jsonl:3: malformed JSON"));
  CHECK_THAT(r.err, Contains("scored 3 samples"));
  const auto bad = mspaCli("score --gt " + shellQuote(dir.file("bench.jsonl")) + " --pred " +
                           shellQuote(dir.file("a.jsonl")) + " --format xlsx");
  CHECK(bad.exitCode == 2);
  CHECK_THAT(bad.err, Contains("unknown report format 'xlsx'"));
  const auto missing = mspaCli("score --gt " + shellQuote(dir.file("none.jsonl")) + " --pred " +
                               shellQuote(dir.file("a.jsonl")));
  CHECK(missing.exitCode == 2);
  CHECK_THAT(missing.err, Contains("none.jsonl"));
}

TEST_CASE(
    "mspa generate writes MultiSPA JSONL and images that mspa score rates 100% with the canonical "
    "answers") {
  test::TempDir dir;
  const std::string scene = (dir.path() / "demo").string(), out = (dir.path() / "data").string();
  REQUIRE(mspaCli("make-demo " + shellQuote(scene) + " --frames 10 --tracks 9").exitCode == 0);
  const auto r =
      mspaCli("generate " + shellQuote(scene) + " --out " + shellQuote(out) + " --per-subtask 4");
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
      predictions +=
          nlohmann::json{{"id", sample["id"]}, {"text", sample["conversations"][1]["value"]}}
              .dump() +
          "\n";
    }
  }
  test::writeFile(dir.file("bench.jsonl"), bench);
  test::writeFile(dir.file("pred.jsonl"), predictions);
  const auto scored = mspaCli("score --gt " + shellQuote(dir.file("bench.jsonl")) + " --pred " +
                              shellQuote(dir.file("pred.jsonl")) + " --strict --format csv");
  REQUIRE(scored.exitCode == 0);
  CHECK_THAT(scored.out, Contains("Average,,100.00"));
}

TEST_CASE(
    "mspa model check passes on a fixture and fails beyond tolerance and model info describes it") {
  const std::string fixture = std::string(MSPA_TEST_DATA_DIR) + "/internvl/tiny-qwen2";
  const std::string args = "--model " + shellQuote(fixture + "/hf") + " --reference " +
                           shellQuote(fixture + "/reference.safetensors");
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

TEST_CASE("mspa bench speed measures a random-weight model against the machine's limits") {
  const std::string config =
      std::string(MSPA_TEST_DATA_DIR) + "/internvl/tiny-qwen2/original/config.json";
  const auto r = mspaCli("bench speed --random-weights " + shellQuote(config) +
                         " --images 2 --new-tokens 4 --batch 2 --format json");
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key :
       {"dtype", "device", "prompt_tokens", "load_s", "vision_ms", "prefill_ms", "ttft_ms",
        "decode_tokens_per_s", "decode_bytes_per_token", "bandwidth_gb_per_s", "decode_limit_pct",
        "matmul_gflop_per_s", "vision_limit_pct", "prefill_limit_pct", "peak_rss_gb", "batch",
        "samples_per_s"}) {
    INFO(key);
    CHECK(j.contains(key));
  }
  CHECK(j["device"] == "cpu");
  CHECK(j["dtype"] == "float32");  // the config's torch_dtype
  CHECK(j["tiles_per_image"] ==
        nlohmann::json::array({7, 7}));                   // a 1296x968 frame: 3x2 and a thumbnail
  CHECK(j["prompt_tokens"].get<int>() == 76 + 14 * 256);  // text around 14 tiles of 256 tokens
  CHECK(j["batch"] == 2);
  CHECK(j["samples_per_s"].get<double>() > 0);
  CHECK(j["batch_speedup"].get<double>() ==
        Approx(j["samples_per_s"].get<double>() / j["single_samples_per_s"].get<double>()));
  // No batch beats every question's FLOPs at the peak matmul rate plus one question's reads.
  CHECK(j["batch_speedup"].get<double>() <= j["batch_speedup_bound"].get<double>());
  CHECK(j["batch_decode_tokens_per_s"].get<double>() > 0);
  CHECK(j["new_tokens"] == 4);
  CHECK(j["vision_ms"].get<double>() > 0);
  CHECK(j["repeat_vision_ms"].get<double>() < j["vision_ms"].get<double>());
  CHECK(j["bandwidth_gb_per_s"].get<double>() > 0.1);
  CHECK(j["matmul_gflop_per_s"].get<double>() > 0.1);
  // The limits are sustained rates; a single run can only be as fast or faster.
  CHECK(j["matmul_peak_gflop_per_s"].get<double>() >= j["matmul_gflop_per_s"].get<double>());
  CHECK(j["bandwidth_peak_gb_per_s"].get<double>() >= j["bandwidth_gb_per_s"].get<double>());
  // On the CPU the reads alone too, and decode against them: the same bytes per second over a
  // lower or higher limit.
  CHECK(j["read_gb_per_s"].get<double>() > 0.1);
  CHECK(j["read_peak_gb_per_s"].get<double>() >= j["read_gb_per_s"].get<double>());
  CHECK(j["decode_read_limit_pct"].get<double>() * j["read_gb_per_s"].get<double>() ==
        Approx(j["decode_limit_pct"].get<double>() * j["bandwidth_gb_per_s"].get<double>()));
  CHECK(j["decode_tokens_per_s"].get<double>() > 0);
  // The language model's matrices in huge pages where the kernel offers them; none when asked.
  CHECK((j["huge_page_weights_gb"].get<double>() > 0) ==
        mspa::inference::transparentHugePagesOffered());
  CHECK(j["huge_page_weights_gb"].get<double>() <= j["weight_gb"].get<double>());
  CHECK(j["plain_answer_ms"].get<double>() > 0);
  CHECK(j["explained_answer_ms"].is_null());  // not asked for: not run
  CHECK(j["vision_round_limit_pct"].is_null());
  CHECK(j["vision_round_limit_pcts"].empty());

  const auto explained = mspaCli("bench speed --random-weights " + shellQuote(config) +
                                 " --images 1 --tiles 1 --new-tokens 3 --explain "
                                 "--vision-rounds 3 --no-huge-pages --format json");
  INFO(explained.err);
  REQUIRE(explained.exitCode == 0);
  const auto e = nlohmann::json::parse(explained.out);
  // Three rounds of the vision encoder on the image's one tile, each against its own limits.
  CHECK(e["vision_round_tiles"] == 1);
  CHECK(e["huge_page_weights_gb"] == 0);
  auto rounds = e["vision_round_limit_pcts"].get<std::vector<double>>();
  REQUIRE(rounds.size() == 3);
  CHECK(e["vision_round_ms"].size() == 3);
  std::sort(rounds.begin(), rounds.end());
  CHECK(rounds.front() > 0);
  CHECK(e["vision_round_limit_pct"].get<double>() == rounds[1]);
  CHECK(e["attention_pass_ms"].get<double>() > 0);
  CHECK(e["explained_answer_ms"].get<double>() > e["attention_pass_ms"].get<double>());
  CHECK(e["plain_answer_ms"].get<double>() > 0);

  const auto neither = mspaCli("bench speed --images 1");
  CHECK(neither.exitCode != 0);
  CHECK_THAT(neither.err, Contains("give --model DIR or --random-weights CONFIG.json"));
  const auto half =
      mspaCli("bench speed --random-weights " + shellQuote(config) + " --dtype float16");
  CHECK(half.exitCode != 0);
  CHECK_THAT(half.err, Contains("float16 is not supported on the cpu"));
}

namespace {

const std::filesystem::path kTinyInternLM2 =
    std::filesystem::path(MSPA_TEST_DATA_DIR) / "internvl/tiny-internlm2";

// The tiny InternLM2 fixture's weights in DIR/model, without a tokenizer.
std::filesystem::path tinyModel(const test::TempDir& dir) {
  const auto model = dir.path() / "model";
  std::filesystem::copy(kTinyInternLM2 / "original", model);
  return model;
}

// `mspa ask ARGUMENTS --explain DIR`, which must succeed; DIR/tokens.json.
nlohmann::json askExplained(const std::string& arguments, const std::string& dir) {
  const auto r = mspaCli("ask " + arguments + " --explain " + shellQuote(dir));
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  std::ifstream json(dir + "/tokens.json");
  return nlohmann::json::parse(json);
}

}  // namespace

TEST_CASE("mspa ask runs images and a question through the model and streams the answer") {
  test::TempDir dir;
  const std::filesystem::path& fixture = kTinyInternLM2;
  const auto model = tinyModel(dir);
  const auto missing =
      mspaCli("ask --model " + shellQuote(model.string()) + " --image " +
              shellQuote((fixture / "images/img1.png").string()) + " 'Which point is closer?'");
  CHECK(missing.exitCode == 2);
  CHECK_THAT(missing.err, Contains("no tokenizer.model or tokenizer.json"));

  test::writeSentencePieceTokenizer(model);
  const auto r = mspaCli("ask --model " + shellQuote(model.string()) + " --image " +
                         shellQuote((fixture / "images/img1.png").string()) + " --image " +
                         shellQuote((fixture / "images/img2.png").string()) +
                         " --tiles 2 --max-new-tokens 4 'Which point is closer?'");
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  // At up to 2 tiles, img1 (1296x968) stays one tile and img2 (500x300) becomes 2+thumbnail:
  // 4 tiles of 256 image tokens, plus the chat template's text.
  CHECK_THAT(r.err, Contains("4 new tokens"));
  CHECK_THAT(r.err, Contains("[float32 loaded in "));  // the checkpoint's own dtype
  const int promptTokens = std::stoi(r.err.substr(r.err.find("; ") + 2));
  CHECK(promptTokens > 4 * 256);
  CHECK(promptTokens < 5 * 256);
  const auto badImage = mspaCli("ask --model " + shellQuote(model.string()) + " --image " +
                                shellQuote(dir.file("none.jpg")) + " 'x'");
  CHECK(badImage.exitCode == 2);
  CHECK_THAT(badImage.err, Contains("none.jpg"));
}

TEST_CASE("mspa ask --explain writes each token's probability and top-k, and each image's tiles") {
  test::TempDir dir;
  const std::filesystem::path& fixture = kTinyInternLM2;
  const auto model = tinyModel(dir);
  test::writeSentencePieceTokenizer(model);
  const std::string explain = dir.file("explain");
  const auto r = mspaCli("ask --model " + shellQuote(model.string()) + " --image " +
                         shellQuote((fixture / "images/img1.png").string()) +
                         " --max-new-tokens 5 --explain " + shellQuote(explain) +
                         " --explain-top-k 3 'Which point is closer?'");
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  CHECK_THAT(r.err, Contains("explanation: " + explain + "/tokens.json"));
  std::ifstream in(explain + "/tokens.json");
  const auto j = nlohmann::json::parse(in);
  REQUIRE(j["tokens"].size() == 5);
  for (const auto& token : j["tokens"]) {
    CHECK(token["prob"].get<double>() > 0);
    REQUIRE(token["top"].size() == 3);
    CHECK(token["top"][0]["id"] == token["id"]);  // greedy: the most probable
    CHECK(token["top"][0]["prob"] >= token["top"][1]["prob"]);
  }
  // A 1296x968 frame at the default 6 tiles: InternVL's 3x2 grid and the thumbnail.
  CHECK(j["images"][0]["grid"] == nlohmann::json({3, 2}));
  CHECK(j["images"][0]["thumbnail"] == true);
  CHECK(j["images"][0]["tiles"] == 7);
  CHECK(readImageSize(explain + "/tiles-1.png") == Eigen::Vector2i(1296, 968));
  // Where it looked: a heat map per image, and attention shares that with the text's make 1.
  CHECK(readImageSize(explain + "/attention-1.png") == Eigen::Vector2i(1296, 968));
  // With a thumbnail, the grid tiles' and the thumbnail's attention apart as well.
  CHECK(readImageSize(explain + "/attention-1-tiles.png") == Eigen::Vector2i(1296, 968));
  CHECK(readImageSize(explain + "/attention-1-thumbnail.png") == Eigen::Vector2i(1296, 968));
  REQUIRE(j["image_attention_share"].size() == 1);
  const double image = j["image_attention_share"][0], text = j["text_attention_share"],
               system = j["system_attention_share"];
  CHECK(image > 0);
  CHECK(system > 0);
  CHECK(image + system + text == Approx(1.0));
  CHECK(j["tokens"][0]["image_attention_share"].size() == 1);
  const auto outside = mspaCli("ask --model " + shellQuote(model.string()) + " --image " +
                               shellQuote((fixture / "images/img1.png").string()) +
                               " --max-new-tokens 2 --explain " + shellQuote(explain) +
                               " --layers 3:9 'Which point is closer?'");
  CHECK(outside.exitCode == 2);
  CHECK_THAT(outside.err, Contains("layers 3:9"));

  // A text-only question (InternVL's chat without pixel_values): probabilities and shares, no
  // maps, and a note that says why.
  const std::string textOnly = dir.file("text-explain");
  const auto t = askExplained(
      "--model " + shellQuote(model.string()) + " --max-new-tokens 2 'Which point is closer?'",
      textOnly);
  CHECK(t["tokens"].size() == 2);
  CHECK(t["image_attention_share"].empty());
  CHECK(t["system_attention_share"].get<double>() + t["text_attention_share"].get<double>() ==
        Approx(1.0));
  CHECK_THAT(t["note"].get<std::string>(), Contains("no image"));
  CHECK(std::distance(std::filesystem::directory_iterator(textOnly),
                      std::filesystem::directory_iterator()) == 1);  // tokens.json alone

  // A scene question explained by the local model; the oracle cannot explain and says so.
  const std::string onScene = dir.file("scene-explain");
  const std::string sceneArguments =
      "--scene " + shellQuote(MSPA_DEMO_SCENE) + " --model " + shellQuote(model.string());
  const auto s = askExplained(sceneArguments +
                                  " --task x_movement --frames 0,30 --tiles 1 --max-new-tokens 3 "
                                  "--per-token --format json",
                              onScene);
  CHECK(s["tokens"].size() == 3);
  CHECK(s["image_attention_share"].size() == 2);
  CHECK(readImageSize(onScene + "/attention-2.png") == Eigen::Vector2i(640, 480));
  CHECK(std::filesystem::exists(onScene + "/attention-1-token3.png"));
  CHECK(s["images"][1]["grid"] == nlohmann::json({1, 1}));
  // What it saw of a question's point: at one tile the 640x480 frame became one 448x448 tile.
  const std::string pointQuestion =
      sceneArguments + " --task depth_estimation_coor --frames 0 --point 320,240";
  const std::string pointed = dir.file("point-explain");
  const auto point = askExplained(pointQuestion + " --tiles 1 --max-new-tokens 2",
                                  pointed)["images"][0]["points"][0];
  CHECK(readImageSize(pointed + "/tiles-1.png") == Eigen::Vector2i(640, 480));
  CHECK(point["pixel"] == nlohmann::json({320.0, 240.0}));
  CHECK(point["tile"] == nlohmann::json({0, 0}));
  CHECK(point["in_tile"][0].get<double>() == Approx(320.5 * 448 / 640 - 0.5));
  CHECK(point["in_tile"][1].get<double>() == Approx(240.5 * 448 / 480 - 0.5));
  CHECK(point["in_thumbnail"].is_null());
  // At 6 tiles it became InternVL's 3x2 grid and a thumbnail: the two parts' attention apart.
  const std::string tiled = dir.file("tiled-explain");
  const auto inSix =
      askExplained(pointQuestion + " --tiles 6 --max-new-tokens 1", tiled)["images"][0];
  CHECK(readImageSize(tiled + "/attention-1-tiles.png") == Eigen::Vector2i(640, 480));
  CHECK(readImageSize(tiled + "/attention-1-thumbnail.png") == Eigen::Vector2i(640, 480));
  CHECK(inSix["grid"] == nlohmann::json({3, 2}));
  CHECK(inSix["points"][0]["in_thumbnail"][0].get<double>() == Approx(320.5 * 448 / 640 - 0.5));
  const auto oracle = mspaCli("ask --scene " + shellQuote(MSPA_DEMO_SCENE) +
                              " --task x_movement --explain " + shellQuote(onScene));
  CHECK(oracle.exitCode == 2);
  CHECK_THAT(oracle.err, Contains("cannot explain"));
}

TEST_CASE(
    "mspa ask --print-prompt prints the exact model input, as text or JSON, without weights") {
  test::TempDir dir;
  const std::filesystem::path fixture =
      std::filesystem::path(MSPA_TEST_DATA_DIR) / "internvl/tiny-internlm2";
  const auto model = dir.path() / "model";
  std::filesystem::create_directories(model);
  std::filesystem::copy_file(fixture / "original/config.json",
                             model / "config.json");  // no weights
  const std::string args = "ask --model " + shellQuote(model.string()) + " --image " +
                           shellQuote((fixture / "images/img1.png").string()) + " --image " +
                           shellQuote((fixture / "images/img2.png").string()) +
                           " --tiles 2 --print-prompt 'Which is closer?'";
  const auto noTokenizer = mspaCli(args);
  CHECK(noTokenizer.exitCode == 2);
  CHECK_THAT(noTokenizer.err, Contains("no tokenizer.model or tokenizer.json"));
  CHECK(std::count(noTokenizer.err.begin(), noTokenizer.err.end(), '\n') == 1);

  test::writeSentencePieceTokenizer(model);
  const auto text = mspaCli(args);
  INFO(text.err);
  REQUIRE(text.exitCode == 0);
  // InternVL2's internlm2-chat: no newline after <|im_end|>; img1 stays 1 tile at 2, img2 is 2 +
  // thumbnail.
  CHECK(text.out.rfind("<|im_start|>system\n", 0) == 0);
  CHECK_THAT(text.out, Contains("<|im_end|><|im_start|>user\nImage-1: <img><IMG_CONTEXT>"));
  CHECK_THAT(text.out, Contains("</img>\nImage-2: <img><IMG_CONTEXT>"));
  const std::string tail = "</img>\nWhich is closer?<|im_end|><|im_start|>assistant\n";
  REQUIRE(text.out.size() > tail.size());
  CHECK(text.out.substr(text.out.size() - tail.size()) == tail);
  std::size_t contexts = 0;
  for (auto at = text.out.find("<IMG_CONTEXT>"); at != std::string::npos;
       at = text.out.find("<IMG_CONTEXT>", at + 1))
    ++contexts;
  CHECK(contexts == 4 * 256);

  const auto json = mspaCli(args + " --format json");
  REQUIRE(json.exitCode == 0);
  const auto j = nlohmann::json::parse(json.out);
  CHECK(j["prompt"] == text.out);
  CHECK(j["template"] == "internlm2-chat");
  const auto ids = j["input_ids"].get<std::vector<std::int64_t>>();
  CHECK(ids.front() == 1);  // BOS
  CHECK(std::count(ids.begin(), ids.end(), 509) == 4 * 256);

  auto config = nlohmann::json::parse(std::ifstream(model / "config.json"));
  config["template"] = "llama3";
  test::writeFile((model / "config.json").string(), config.dump());
  const auto unknown = mspaCli(args);
  CHECK(unknown.exitCode == 2);
  CHECK_THAT(unknown.err, Contains("unknown chat template 'llama3' (known: internlm2-chat, "
                                   "Hermes-2, phi3-chat, internvl2_5)"));
}

TEST_CASE("mspa ask --scene --print-prompt prints the scene question as the model reads it") {
  test::TempDir dir;
  const auto model = dir.path() / "model";
  test::writePromptOnlyModel(model);
  const auto r = mspaCli("ask --scene " + shellQuote(MSPA_DEMO_SCENE) +
                         " --task depth_estimation_coor --frames 3 --point 320,400 --model " +
                         shellQuote(model.string()) + " --tiles 1 --print-prompt");
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  CHECK_THAT(r.out, Contains("<|im_start|>user\n<img><IMG_CONTEXT>"));
  CHECK_THAT(r.out, Contains("What is the depth at point [ 500 , 833 ] in the image (in "
                             "mm)?<|im_end|><|im_start|>assistant\n"));
}

TEST_CASE(
    "mspa model info names the LoRA of a fine-tune output, and model merge writes a checkpoint "
    "that passes model check") {
  test::TempDir dir;
  test::writeFineTuneOutput(dir.path() / "finetuned", 4, 2);
  const auto info = mspaCli("model info " + shellQuote((dir.path() / "finetuned").string()));
  INFO(info.err);
  REQUIRE(info.exitCode == 0);
  CHECK_THAT(info.out, Contains("LoRA:        InternVL fine-tune output (use_llm_lora 4, "
                                "lora_alpha 8): 10 modules, rank 4, alpha 8, "
                                "targets attention.wo, attention.wqkv, feed_forward.w1, "
                                "feed_forward.w2, feed_forward.w3"));
  CHECK_THAT(info.out, Contains("use_backbone_lora 2, lora_alpha 4): 8 modules, rank 2, alpha 4, "
                                "targets attn.proj, attn.qkv, mlp.fc1, mlp.fc2"));
  CHECK_THAT(info.out, Contains("memory:      default dtype in float32 on cpu needs"));
  CHECK_THAT(info.out, Contains("the cpu has"));
  const std::string fixture = std::string(MSPA_TEST_DATA_DIR) + "/internvl/tiny-internlm2";
  const std::string reference = " --reference " + shellQuote(fixture + "/reference.safetensors");
  CHECK(
      mspaCli("model check --model " + shellQuote((dir.path() / "finetuned").string()) + reference)
          .exitCode == 0);
  const auto merge =
      mspaCli("model merge --model " + shellQuote((dir.path() / "finetuned").string()) + " --out " +
              shellQuote((dir.path() / "merged").string()));
  INFO(merge.err);
  REQUIRE(merge.exitCode == 0);
  CHECK_THAT(merge.out, Contains("(18 with LoRA merged) in 2 shard(s)"));
  const auto check =
      mspaCli("model check --model " + shellQuote((dir.path() / "merged").string()) + reference);
  CHECK(check.exitCode == 0);
  CHECK_THAT(check.out, Contains("PASS"));
  CHECK_THAT(mspaCli("model info " + shellQuote((dir.path() / "merged").string())).out,
             Contains("LoRA:        none"));
  const auto again =
      mspaCli("model merge --model " + shellQuote((dir.path() / "finetuned").string()) + " --out " +
              shellQuote((dir.path() / "merged").string()));
  CHECK(again.exitCode == 2);
  CHECK_THAT(again.err, Contains("is not empty"));
}

namespace {

test::ProcessResult askScene(const std::string& arguments) {
  return mspaCli("ask --scene " + shellQuote(MSPA_DEMO_SCENE) + " " + arguments);
}

}  // namespace

TEST_CASE(
    "mspa ask --scene with the oracle: JSON with prompt, answer, parsed value, truth and verdict "
    "and an overlay PNG") {
  test::TempDir dir;
  for (const char* task :
       {"depth_estimation_dot", "depth_comparison_coordinate", "visual_correspondence_coor_2_coor",
        "yaw_angle", "displacement_vector", "object_perception_width_estimation",
        "object_movement_distance_coordinate_adt"}) {
    INFO(task);
    const auto r = askScene(std::string("--task ") + task + " --format json --overlay " +
                            shellQuote(dir.file("o.png")));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["subtask"] == task);
    CHECK(j["correct"] == true);
    CHECK(j["ground_truth_backend"] == true);
    // The canonical answer states vectors in truncated mm; the truth is gt_value (metres), shown
    // rounded to mm.
    if (std::string(task) != "displacement_vector") CHECK(j["parsed"] == j["truth"]);
    CHECK(j.contains("gt_value"));
    CHECK_THAT(j["prompt"].get<std::string>(), Contains("<image>"));
    CHECK(j["answer"] == j["canonical_answer"]);
    const auto size = readImageSize(dir.file("o.png"));
    CHECK(size.x() >= 640);
    std::filesystem::remove(dir.file("o.png"));
  }
}

TEST_CASE("mspa ask --scene takes frames and points, and names what cannot be asked") {
  const auto r = askScene("--task depth_estimation_coor --frames 3 --point 320,400 --format json");
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["frames"][0]["index"] == 3);
  CHECK(j["points"][0] == nlohmann::json::array({320.0, 400.0}));
  CHECK_THAT(j["prompt"].get<std::string>(),
             Contains("[ 500 , 833 ]"));  // 320/640, 400/480 of 1000

  const auto outside = askScene("--task depth_estimation_coor --frames 3 --point 900,100");
  CHECK(outside.exitCode == 2);
  CHECK_THAT(outside.err, Contains("cannot ask depth_estimation_coor"));
  const auto unknown = askScene("--task depth_of_field");
  CHECK(unknown.exitCode == 2);
  CHECK_THAT(unknown.err, Contains("unknown subtask 'depth_of_field'"));
  const auto badPoint = askScene("--task depth_estimation_coor --point 12");
  CHECK(badPoint.exitCode == 2);
  CHECK_THAT(badPoint.err, Contains("expected X,Y"));
  const auto badBackend = askScene("--task depth_estimation_coor --backend magic");
  CHECK(badBackend.exitCode == 2);
  CHECK_THAT(badBackend.err, Contains("backend 'magic'"));
}

TEST_CASE("mspa ask --scene with a local fixture model completes and is judged") {
  test::TempDir dir;
  const auto model = dir.path() / "model";
  std::filesystem::copy(
      std::filesystem::path(MSPA_TEST_DATA_DIR) / "internvl/tiny-internlm2/original", model);
  test::writeSentencePieceTokenizer(model);
  const auto r =
      askScene("--task x_movement --backend local --model " + shellQuote(model.string()) +
               " --tiles 1 --max-new-tokens 3 --format json");
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK_THAT(j["backend"].get<std::string>(), Contains("local model on cpu"));
  CHECK(j["tokens"].get<int>() >= 1);
  CHECK(j["correct"] == false);  // random weights do not say left or right
  CHECK(j["ground_truth_backend"] == false);
}

TEST_CASE(
    "mspa ask --backend openai streams from an endpoint with images as data URLs and the key only "
    "in the header") {
  test::FakeEndpoint endpoint("stream", "The camera shifted `left`.");
  const auto r = test::runProcess(
      "MSPA_TEST_KEY=sk-secret-123 " + std::string(MSPA_CLI) + " ask --scene " +
      shellQuote(MSPA_DEMO_SCENE) + " --task x_movement --backend openai --endpoint " +
      endpoint.url() + " --model internvl2-8b --api-key-env MSPA_TEST_KEY --format json");
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["answer"] == "The camera shifted `left`.");
  CHECK(j["parsed"] == "left");
  CHECK(j["correct"] == (j["truth"] == "left"));
  CHECK(j["tokens"].get<int>() == 7);  // seven streamed events
  CHECK(r.out.find("sk-secret") == std::string::npos);
  CHECK(r.err.find("sk-secret") == std::string::npos);

  const auto requests = endpoint.requests();
  REQUIRE(requests.size() == 1);
  const auto& request = requests[0];
  CHECK(request["path"] == "/v1/chat/completions");
  CHECK(request["headers"]["Authorization"] == "Bearer sk-secret-123");
  CHECK(request["body"]["model"] == "internvl2-8b");
  CHECK(request["body"]["stream"] == true);
  const auto& content = request["body"]["messages"][0]["content"];
  REQUIRE(content.size() == 5);  // "Image-1: ", image, "\nImage-2: ", image, the question
  CHECK(content[0]["text"] == "Image-1: ");
  CHECK(content[1]["type"] == "image_url");
  CHECK_THAT(content[1]["image_url"]["url"].get<std::string>(),
             Catch::Matchers::StartsWith("data:image/jpeg;base64,/9j/"));
  CHECK(content[2]["text"] == "\nImage-2: ");
  CHECK_THAT(content[4]["text"].get<std::string>(), Contains("Did the camera move left or right?"));
}

TEST_CASE("mspa ask --explain on an endpoint: token probabilities from logprobs, no attention") {
  test::TempDir dir;
  const auto explain = [&](const test::FakeEndpoint& endpoint, const std::string& out) {
    return mspaCli("ask --scene " + shellQuote(MSPA_DEMO_SCENE) +
                   " --task x_movement --frames 0,30 --backend openai --endpoint " +
                   endpoint.url() + " --model m --explain " + shellQuote(out) +
                   " --explain-top-k 2 --format json");
  };
  for (const char* mode : {"stream", "plain"}) {
    CAPTURE(mode);
    test::FakeEndpoint endpoint(mode, "The camera shifted `left`.");
    const std::string out = dir.file(std::string("explained-") + mode);
    const auto r = explain(endpoint, out);
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(endpoint.requests()[0]["body"]["logprobs"] == true);
    CHECK(endpoint.requests()[0]["body"]["top_logprobs"] == 2);
    std::ifstream json(out + "/tokens.json");
    const auto j = nlohmann::json::parse(json);
    REQUIRE(j["tokens"].size() == 7);  // the server's seven pieces
    CHECK(j["tokens"][0]["token"] == "The ");
    CHECK(j["tokens"][0]["prob"].get<double>() == Approx(0.8));
    REQUIRE(j["tokens"][0]["top"].size() == 2);
    CHECK(j["tokens"][0]["top"][1]["prob"].get<double>() == Approx(0.15));
    CHECK(j["value"]["token"] == "left");  // the piece after "ed `" begins the value
    CHECK_THAT(j["note"].get<std::string>(), Contains("no attention"));
    CHECK_FALSE(j.contains("image_attention_share"));
    CHECK_FALSE(std::filesystem::exists(out + "/attention-1.png"));
  }
  test::FakeEndpoint deaf("nologprobs", "The camera shifted `left`.");
  const auto r = explain(deaf, dir.file("deaf"));
  REQUIRE(r.exitCode == 0);  // the answer is kept; the explanation says what is missing
  std::ifstream json(dir.file("deaf") + "/tokens.json");
  const auto j = nlohmann::json::parse(json);
  CHECK(j["tokens"].empty());
  CHECK_THAT(j["note"].get<std::string>(), Contains("returned no token probabilities"));
}

TEST_CASE(
    "mspa ask --backend openai: plain JSON replies, and failing, slow, garbage and dead servers "
    "give one clear message") {
  const auto ask = [](const std::string& url, const std::string& extra = "") {
    return mspaCli("ask --scene " + shellQuote(MSPA_DEMO_SCENE) +
                   " --task depth_estimation_coor --backend openai --endpoint " + url +
                   " --model m --format json " + extra);
  };
  {
    test::FakeEndpoint plain("plain", "The depth is `2000` mm.");
    const auto r = ask(plain.url());
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(nlohmann::json::parse(r.out)["parsed"] == "2000");
  }
  {
    test::FakeEndpoint failing("fail");
    const auto r = ask(failing.url());
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err,
               Contains("HTTP 500") && Contains("model overloaded") && Contains(failing.url()));
  }
  {
    test::FakeEndpoint slow("slow");
    const auto r = ask(slow.url(), "--timeout 1");
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Contains("no complete answer within 1 s"));
  }
  {
    test::FakeEndpoint garbage("garbage");
    const auto r = ask(garbage.url());
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Contains("not an OpenAI chat completion"));
  }
  const auto dead = ask("http://127.0.0.1:9");
  CHECK(dead.exitCode == 2);
  CHECK_THAT(dead.err, Contains("127.0.0.1:9/v1/chat/completions"));
}

TEST_CASE("mspa dataset index, stats, query, annotate and export work from the command line") {
  test::SmallDataset d;
  const std::string files = shellQuote(d.train) + " " + shellQuote(d.test);
  const auto index = mspaCli("dataset index " + files);
  INFO(index.err);
  REQUIRE(index.exitCode == 0);
  CHECK_THAT(index.out, Contains("7 samples in 2 files, 2 malformed lines"));
  CHECK_THAT(index.out, Contains("multispa_train.jsonl:5: malformed JSON"));
  const auto stats = mspaCli("dataset stats " + files);
  CHECK_THAT(stats.out, Contains("x_movement") && Contains("left 2"));
  const auto query = mspaCli("dataset query " + files +
                             " --where question_type=x_movement,split=train --sort answer --desc");
  REQUIRE(query.exitCode == 0);
  std::istringstream lines(query.out);
  std::string first;
  std::getline(lines, first);
  CHECK(nlohmann::json::parse(first)["gt_value"] == "right");
  const auto annotate =
      mspaCli("dataset annotate " + files + " --id six --flag ambiguous --note 'what is blurry?'");
  INFO(annotate.err);
  REQUIRE(annotate.exitCode == 0);
  const auto flagged = mspaCli("dataset query " + files + " --where flagged=yes");
  CHECK(nlohmann::json::parse(flagged.out)["id"] == "six");
  test::TempDir out;
  const auto exported =
      mspaCli("dataset export " + files + " --flagged " + shellQuote(out.file("f.jsonl")));
  CHECK_THAT(exported.out, Contains("1 flagged samples"));
  CHECK(mspaCli("dataset annotate " + files + " --undo").out == "undone\n");
  const auto missing = mspaCli("dataset stats " + shellQuote(d.dir.file("none.jsonl")));
  CHECK(missing.exitCode == 2);
  CHECK_THAT(missing.err, Contains("none.jsonl: no such file"));
  const auto badWhere = mspaCli("dataset query " + files + " --where colour=red");
  CHECK(badWhere.exitCode == 2);
  CHECK_THAT(badWhere.err, Contains("unknown key"));
}

TEST_CASE("mspa reward follows the sliding toy and writes the curve as CSV") {
  test::TempDir dir;
  const auto r =
      mspaCli("reward " + shellQuote(MSPA_DEMO_SCENE) + " --csv " + shellQuote(dir.file("r.csv")));
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  CHECK_THAT(r.out, Contains("toy") && Contains("geometry oracle"));
  std::ifstream csv(dir.file("r.csv"));
  std::string line;
  std::getline(csv, line);
  CHECK(line == "frame,frame_name,predicted_mm,truth_mm,answer");
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  CHECK(rows > 10);
}

TEST_CASE(
    "mspa reward on the bundled push episode: the block's curve rises from 0 to the 0.8 m push") {
  const auto r = mspaCli("reward " + shellQuote(MSPA_DEMO_EPISODE));
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  CHECK_THAT(r.out, Contains("(block) from frame 0"));
  std::istringstream table(r.out.substr(r.out.find("truth_mm\n") + 9));
  std::vector<double> truth;
  for (std::string name, predicted, truthText; table >> name >> name >> predicted >> truthText;) {
    CHECK(predicted == truthText);
    truth.push_back(std::stod(truthText));
  }
  REQUIRE(truth.size() == 39);
  CHECK(truth.front() == 0);
  CHECK(truth.back() == Approx(806).margin(2));
  CHECK(std::is_sorted(truth.begin(), truth.end()));
}

TEST_CASE(
    "The backend options mean the same in ask and reward: --endpoint picks the endpoint, --model a "
    "local model") {
  test::FakeEndpoint endpoint("plain", "The camera shifted `left`.");
  const auto asked =
      mspaCli("ask --scene " + shellQuote(MSPA_DEMO_SCENE) + " --task x_movement --endpoint " +
              endpoint.url() + " --model served-name --format json");
  INFO(asked.err);
  REQUIRE(asked.exitCode == 0);
  CHECK(nlohmann::json::parse(asked.out)["backend"].get<std::string>().find("served-name") !=
        std::string::npos);
  REQUIRE(endpoint.requests().size() == 1);
  CHECK(endpoint.requests()[0]["body"]["model"] == "served-name");

  test::TempDir dir;
  REQUIRE(
      mspaCli("make-demo " + shellQuote(dir.file("still")) + " --frames 3 --tracks 0").exitCode ==
      0);
  const auto rewarded = mspaCli("reward " + shellQuote(dir.file("still")) +
                                " --point 100,50 --endpoint " + endpoint.url() + " --model m");
  INFO(rewarded.err);
  CHECK(rewarded.exitCode == 0);
  CHECK(endpoint.requests().size() == 3);

  // A model folder that is not one: the local engine is what was asked for, and it says so.
  const auto local = mspaCli("ask --scene " + shellQuote(MSPA_DEMO_SCENE) +
                             " --task x_movement --model " + shellQuote(dir.path().string()));
  CHECK(local.exitCode != 0);
  CHECK_THAT(local.err, Contains(dir.path().string()));
  const auto missing =
      mspaCli("reward " + shellQuote(dir.file("still")) + " --point 100,50 --backend openai");
  CHECK(missing.exitCode != 0);
  CHECK_THAT(missing.err, Contains("the openai backend needs --endpoint URL"));
  const auto twice =
      mspaCli("ask --scene " + shellQuote(MSPA_DEMO_SCENE) + " --task x_movement --endpoint " +
              endpoint.url() + " --endpoint " + endpoint.url());
  CHECK(twice.exitCode != 0);
}

TEST_CASE("mspa reward on frames without tracks needs a model, and follows a point with one") {
  test::TempDir dir;
  REQUIRE(
      mspaCli("make-demo " + shellQuote(dir.file("still")) + " --frames 4 --tracks 0").exitCode ==
      0);
  const auto oracle = mspaCli("reward " + shellQuote(dir.file("still")));
  CHECK(oracle.exitCode == 2);
  CHECK_THAT(oracle.err, Contains("the oracle needs the truth") && Contains("no point tracks"));
  test::FakeEndpoint endpoint("plain", "The point traveled a total of `75` mm.", 0.1);
  const auto model = mspaCli("reward " + shellQuote(dir.file("still")) +
                             " --point 100,50 --backend openai --endpoint " + endpoint.url() +
                             " --model m --concurrency 2 --csv " + shellQuote(dir.file("r.csv")));
  INFO(model.err);
  REQUIRE(model.exitCode == 0);
  CHECK_THAT(model.out, Contains("the untracked point 100,50 (no truth)"));
  CHECK(endpoint.requests().size() == 3);
  std::ifstream csv(dir.file("r.csv"));
  std::string line;
  std::getline(csv, line);
  std::getline(csv, line);
  CHECK_THAT(line, StartsWith("1,00005,75.000000,,"));
}

namespace {

// The bundled demo room as ScanNet ships a scan: one .sens stream, with the mesh beside it for the
// objects.
std::string demoAsSens(const test::TempDir& dir) {
  const std::string path = dir.file("scene_demo.sens");
  writeSceneAsSens(loadScene(MSPA_DEMO_SCENE), path, 640, 480);
  for (const auto& entry : std::filesystem::directory_iterator(MSPA_DEMO_SCENE)) {
    const std::string name = entry.path().filename().string();
    if (name.find("_vh_clean_2") != std::string::npos ||
        name.find(".aggregation.json") != std::string::npos)
      std::filesystem::copy_file(entry.path(), dir.file(name));
  }
  return path;
}

}  // namespace

TEST_CASE(
    "A .sens opens in scene info, ask, generate and scene export, which writes posed images") {
  test::TempDir dir;
  const std::string sens = shellQuote(demoAsSens(dir));
  const auto info = mspaCli("scene info " + sens);
  INFO(info.err);
  REQUIRE(info.exitCode == 0);
  CHECK_THAT(info.out, Contains("scannet-sens"));
  CHECK_THAT(info.out, Contains("frames:     60 (00000 .. 00059)"));

  const auto asked =
      mspaCli("ask --scene " + sens +
              " --task depth_estimation_coor --frames 3 --point 320,400 --format json");
  INFO(asked.err);
  REQUIRE(asked.exitCode == 0);
  const auto onSens = nlohmann::json::parse(asked.out);
  CHECK(onSens["correct"] == true);
  const auto onFolder = nlohmann::json::parse(
      askScene("--task depth_estimation_coor --frames 3 --point 320,400 --format json").out);
  CHECK(onSens["gt_value"] == onFolder["gt_value"]);

  const auto generated = mspaCli("generate " + sens + " --out " +
                                 shellQuote(dir.file("generated")) + " --per-subtask 1");
  INFO(generated.err);
  CHECK(generated.exitCode == 0);
  CHECK(std::filesystem::exists(dir.file("generated/depth_estimation_coor.jsonl")));

  const auto exported = mspaCli("scene export " + sens + " --posed-images " +
                                shellQuote(dir.file("posed_images")) + " --every 4");
  INFO(exported.err);
  REQUIRE(exported.exitCode == 0);
  CHECK_THAT(exported.out, Contains("15 frames written"));
  for (const char* file : {"00000.jpg", "00004.png", "00008.txt", "intrinsic.txt"})
    CHECK(std::filesystem::exists(dir.file("posed_images/scene_demo/") + file));

  test::writeFile(dir.file("broken.sens"), std::string(12, '\0').replace(0, 1, "\x05"));
  const auto broken = mspaCli("scene info " + shellQuote(dir.file("broken.sens")));
  CHECK(broken.exitCode == 2);
  CHECK_THAT(broken.err, Contains("broken.sens") && Contains("version 5"));
}
