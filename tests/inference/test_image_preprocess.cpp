#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "inference/image_preprocess.h"
#include "inference/safetensors.h"

using namespace mspa::inference;
using Catch::Matchers::Contains;

namespace {

const std::string kFixtures = std::string(MSPA_TEST_DATA_DIR) + "/internvl/";

// The fixture's images tiled by the engine against the tiles_u8 the reference made with PIL.
void compareTiles(const std::string& variant) {
  std::ifstream metaFile(kFixtures + variant + "/meta.json");
  const auto meta = nlohmann::json::parse(metaFile);
  const SafetensorsFile reference(kFixtures + variant + "/reference.safetensors");
  const TensorInfo* expected = reference.find("tiles_u8");
  REQUIRE(expected);
  std::vector<std::uint8_t> ours;
  for (int i = 0; i < 2; ++i) {
    const RgbBuffer image =
        readImageFile(kFixtures + variant + "/images/img" + std::to_string(i + 1) + ".png");
    CHECK(image.width == meta["image_sizes_wh"][i][0]);
    CHECK(image.height == meta["image_sizes_wh"][i][1]);
    int count = 0;
    const auto tiles = makeTiles(image, meta["max_tiles"], count);
    CHECK(count == meta["num_tiles"][i]);
    ours.insert(ours.end(), tiles.begin(), tiles.end());
  }
  REQUIRE(ours.size() == static_cast<std::size_t>(expected->numel()));
  const std::uint8_t* theirs = reference.data(*expected);
  double sum = 0;
  int worst = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const int d = std::abs(int(ours[i]) - int(theirs[i]));
    sum += d;
    worst = std::max(worst, d);
  }
  const double mean = sum / static_cast<double>(ours.size());
  INFO(variant << ": tiles differ from PIL's by mean " << mean << ", max " << worst
               << " grey levels");
  // The resampler follows Pillow's arithmetic, so the tiles are identical, not merely close.
  CHECK(worst == 0);
}

}  // namespace

TEST_CASE("Dynamic tiling chooses InternVL's grid") {
  CHECK(chooseTileGrid(1296, 968, 6).cols == 3);  // 3x2 + thumbnail = 7 tiles for a ScanNet frame
  CHECK(chooseTileGrid(1296, 968, 6).rows == 2);
  CHECK(chooseTileGrid(448, 448, 6).cols == 1);
  const TileGrid tall = chooseTileGrid(320, 560, 4);
  CHECK(tall.cols * tall.rows == 2);
  CHECK(tall.rows == 2);
  // An exact tie between 1x1 and 2x2 for a square image: the larger grid only when the image is
  // big.
  CHECK(chooseTileGrid(448, 448, 4).cols == 1);
  CHECK(chooseTileGrid(1000, 1000, 4).cols == 2);
}

TEST_CASE("Tiles match the reference's PIL tiling: tiny InternLM2 fixture") {
  compareTiles("tiny-internlm2");
}
TEST_CASE("Tiles match the reference's PIL tiling: tiny Qwen2 fixture") {
  compareTiles("tiny-qwen2");
}

TEST_CASE("An unreadable image names the file") {
  CHECK_THROWS_WITH(readImageFile(kFixtures + "missing.png"), Contains("missing.png"));
}
