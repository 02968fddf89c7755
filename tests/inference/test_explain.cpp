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
}
