#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mspa::inference {

// An 8-bit RGB image, row-major, top row first.
struct RgbBuffer {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;
};

// Decodes a JPEG/PNG/BMP file (stb_image); throws std::runtime_error naming the file.
RgbBuffer readImageFile(const std::string& path);

// Resizes like Pillow's Image.resize with BICUBIC (the default): separable, horizontal pass first,
// a = -0.5 kernel widened by the scale when shrinking, 8-bit fixed-point coefficients.
RgbBuffer resizeBicubic(const RgbBuffer& image, int width, int height);

struct TileGrid {
  int cols = 1, rows = 1;
};

// InternVL's dynamic_preprocess grid: the cols×rows (1 <= cols·rows <= maxTiles) whose aspect
// ratio is closest to the image's; on a tie, a later (larger) grid wins when the image area
// exceeds half of its pixel area.
TileGrid chooseTileGrid(int width, int height, int maxTiles, int tileSize = 448);

// How many tiles makeTiles makes for an image of this size (the grid, plus the thumbnail).
int tileCount(int width, int height, int maxTiles, int tileSize = 448, bool thumbnail = true);

// The tiles the model sees: the image resized to the grid, cut row-major into tileSize² crops,
// plus a tileSize² thumbnail of the whole image when there is more than one tile.
// Returns count × tileSize × tileSize × 3 bytes.
std::vector<std::uint8_t> makeTiles(const RgbBuffer& image, int maxTiles, int& count,
                                    int tileSize = 448, bool thumbnail = true);

}  // namespace mspa::inference
