#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "inference/safetensors.h"
#include "tests/support/temp_dir.h"

using namespace mspa::inference;
using Catch::Matchers::Contains;

namespace {

const std::string kFixture =
    std::string(MSPA_TEST_DATA_DIR) + "/internvl/tiny-qwen2/reference.safetensors";

std::string safetensorsBytes(const nlohmann::json& header, std::size_t dataBytes) {
  const std::string json = header.dump();
  const std::uint64_t length = json.size();
  std::string bytes(8, '\0');
  std::memcpy(bytes.data(), &length, 8);
  return bytes + json + std::string(dataBytes, '\x01');
}

std::string errorFor(const std::string& bytes) {
  mspa::test::TempDir dir;
  const auto path = dir.file("model.safetensors");
  mspa::test::writeFile(path, bytes);
  try {
    SafetensorsFile file(path);
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Contains(path));
    return e.what();
  }
  FAIL("accepted a bad file");
  return {};
}

}  // namespace

TEST_CASE("safetensors: the reference fixture's tensors, shapes and values") {
  const SafetensorsFile file(kFixture);
  REQUIRE(file.tensors().size() == 7);
  const TensorInfo* tiles = file.find("tiles_u8");
  REQUIRE(tiles);
  CHECK(tiles->dtype == DType::U8);
  CHECK(tiles->shape == std::vector<std::int64_t>{4, 448, 448, 3});
  const TensorInfo* numTiles = file.find("num_tiles");
  REQUIRE(numTiles);
  REQUIRE(numTiles->dtype == DType::I64);
  std::int64_t counts[2];
  std::memcpy(counts, file.data(*numTiles), sizeof counts);
  CHECK(counts[0] == 1);  // meta.json: 640x480 -> 1 tile, 320x560 -> 3
  CHECK(counts[1] == 3);
  CHECK(file.find("input_ids")->shape == std::vector<std::int64_t>{1, 1045});
  CHECK(file.find("nonexistent") == nullptr);
}

TEST_CASE("safetensors: a valid hand-made file with metadata") {
  mspa::test::TempDir dir;
  nlohmann::json header = {{"__metadata__", {{"format", "pt"}}},
                           {"b", {{"dtype", "BF16"}, {"shape", {2, 2}}, {"data_offsets", {0, 8}}}},
                           {"a", {{"dtype", "F32"}, {"shape", {3}}, {"data_offsets", {8, 20}}}}};
  mspa::test::writeFile(dir.file("ok.safetensors"), safetensorsBytes(header, 20));
  const SafetensorsFile file(dir.file("ok.safetensors"));
  REQUIRE(file.tensors().size() == 2);
  CHECK(file.tensors()[0].name == "a");
  CHECK(file.metadata().at("format") == "pt");
  CHECK(file.find("b")->numel() == 4);
}

TEST_CASE("safetensors: broken files give one clear error each") {
  const auto tensor = [](const char* dtype, nlohmann::json shape, std::size_t begin,
                         std::size_t end) {
    return nlohmann::json{{"dtype", dtype}, {"shape", shape}, {"data_offsets", {begin, end}}};
  };
  CHECK_THAT(errorFor("abc"), Contains("too small"));
  CHECK_THAT(errorFor(std::string("\xff\xff\xff\xff\x00\x00\x00\x00{}", 10)),
             Contains("exceeds the file size"));
  std::string notJson(8, '\0');
  notJson[0] = 5;
  CHECK_THAT(errorFor(notJson + "{oops"), Contains("not valid JSON"));
  CHECK_THAT(errorFor(safetensorsBytes({{"w", tensor("F32", {4}, 0, 16)}}, 8)),
             Contains("outside"));
  CHECK_THAT(errorFor(safetensorsBytes({{"w", tensor("F32", {5}, 0, 16)}}, 16)),
             Contains("needs 20"));
  CHECK_THAT(errorFor(safetensorsBytes({{"w", tensor("Q4", {4}, 0, 4)}}, 4)),
             Contains("unsupported dtype"));
  CHECK_THAT(errorFor(safetensorsBytes({{"w", tensor("F32", {-1}, 0, 4)}}, 4)),
             Contains("invalid shape"));
  CHECK_THAT(errorFor(safetensorsBytes({{"w", {{"dtype", "F32"}}}}, 4)),
             Contains("needs dtype, shape"));
  CHECK_THAT(errorFor(safetensorsBytes(
                 {{"u", tensor("F32", {2}, 0, 8)}, {"v", tensor("F32", {2}, 4, 12)}}, 12)),
             Contains("overlap"));
  // 2^62 * 4 bytes wraps to 0 in 64 bits: an empty range must not pass for it.
  CHECK_THAT(errorFor(safetensorsBytes({{"w", tensor("F32", {4611686018427387904ll}, 0, 0)}}, 0)),
             Contains("impossibly large"));
}

TEST_CASE("safetensors: a truncated copy of the fixture is rejected") {
  mspa::test::TempDir dir;
  std::ifstream in(kFixture, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  mspa::test::writeFile(dir.file("cut.safetensors"), bytes.substr(0, bytes.size() / 2));
  CHECK_THROWS_WITH(SafetensorsFile(dir.file("cut.safetensors")), Contains("outside"));
  CHECK_THROWS_WITH(SafetensorsFile(dir.file("missing.safetensors")), Contains("No such file"));
}
