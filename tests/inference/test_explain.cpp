// Why the model answered so: token attention mapped back onto the pictures, against patterns
// whose answer is known (InternVL's pixel shuffle order, its tile grid), and the engine's attention
// rows on the tiny fixture.
#include <catch2/catch.hpp>

#include <numeric>

#include "inference/explain_output.h"
#include "inference/image_preprocess.h"

using namespace mspa::inference;

TEST_CASE("A single tile's heat map is its 16x16 token grid upsampled, in pixel shuffle order") {
  // InternVL's pixel_shuffle (v2) merges 2x2 patches of the 32x32 grid into token r*16 + c,
  // covering the tile's 28-pixel block at row r, column c.
  std::vector<float> weights(256);
  std::iota(weights.begin(), weights.end(), 0.0f);
  const std::vector<float> heat = imageHeatMap(weights.data(), {1, 1}, 1, 448, 448, 256);
  for (int y = 0; y < 448; y += 7) {
    for (int x = 0; x < 448; x += 5) {
      INFO(x << "," << y);
      REQUIRE(heat[y * 448 + x] == static_cast<float>((y / 28) * 16 + x / 28));
    }
  }
}

TEST_CASE(
    "A 1296x968 frame's heat map puts each grid tile and the thumbnail where they came from") {
  const TileGrid grid = chooseTileGrid(1296, 968, 6);
  REQUIRE(grid.cols == 3);
  REQUIRE(grid.rows == 2);
  REQUIRE(tileCount(1296, 968, 6) == 7);
  std::vector<float> weights(7 * 256);
  weights[(1 * 3 + 2) * 256 + 15 * 16 + 15] = 1;  // tile at row 1, column 2: its last token
  weights[6 * 256 + 0] = 2;                       // the thumbnail's first token
  const std::vector<float> heat = imageHeatMap(weights.data(), grid, 7, 1296, 968, 256);
  const auto at = [&](int x, int y) { return heat[y * 1296 + x]; };
  CHECK(at(1295, 967) == 1);  // the bottom-right 1/48 x 1/32 of the picture
  CHECK(at(1296 - 27, 968 - 30) == 1);
  CHECK(at(1296 - 28, 968 - 31) == 0);
  CHECK(at(0, 0) == 2);  // the thumbnail's top-left 1/16 x 1/16
  CHECK(at(80, 60) == 2);
  CHECK(at(81, 61) == 0);
  CHECK(std::accumulate(heat.begin(), heat.end(), 0.0) ==
        Approx(27 * 30 * 1.0 + 81 * 60.5 * 2).epsilon(0.02));

  // Apart: the grid tiles alone, and the thumbnail alone on its own 16x16 grid.
  const TokenGridMap tilesOnly = tokenGridMap(weights.data(), grid, 7, 256, MapPart::Tiles);
  CHECK(tilesOnly.width == 48);
  CHECK(tilesOnly.values[31 * 48 + 47] == 1);  // the same tile's last token
  CHECK(tilesOnly.values[0] == 0);             // no thumbnail added
  const TokenGridMap thumbnail = tokenGridMap(weights.data(), grid, 7, 256, MapPart::Thumbnail);
  REQUIRE(thumbnail.width == 16);
  CHECK(thumbnail.values[0] == 2);
  CHECK(std::accumulate(thumbnail.values.begin(), thumbnail.values.end(), 0.0f) == 2);
  CHECK(imageHeatMap(weights.data(), grid, 7, 1296, 968, 256, MapPart::Thumbnail)[60 * 1296 + 80] ==
        2);
  // One tile has no thumbnail: its thumbnail map is empty.
  CHECK(tokenGridMap(weights.data(), {1, 1}, 1, 256, MapPart::Thumbnail).values.empty());
}
