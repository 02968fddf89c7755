#pragma once

#include <Eigen/Core>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/image.h"

namespace mspa {

struct Question;

// How InternVL's dynamic preprocessing (`dynamic_preprocess` in its chat code) cut an image: the
// picture resized to cols·tileSize × rows·tileSize and cut into that grid row by row, then — when
// there is more than one tile — a thumbnail of the whole picture at tileSize × tileSize.
struct ImageTiling {
  int cols = 1, rows = 1, tileSize = 448;
  bool thumbnail = false;
  int tiles() const { return cols * rows + (thumbnail ? 1 : 0); }
};

// Where one pixel of the original image (pixel centres at integers) went.
struct PointInTiles {
  int tileCol = 0, tileRow = 0;
  int tile = 0;                                // the grid tile's index, row by row from 0
  Eigen::Vector2d inTile;                      // its pixel in that tile
  std::optional<Eigen::Vector2d> inThumbnail;  // its pixel in the thumbnail, when there is one
};
PointInTiles locateInTiles(const ImageTiling& tiling, int width, int height,
                           const Eigen::Vector2d& pixel);

// A point the question refers to in one of its images: the question's points (first image) and
// its lettered choices.
struct QuestionPoint {
  std::string label;
  Eigen::Vector2d pixel;
};
std::vector<QuestionPoint> questionPoints(const Question& question, std::size_t image);

// {"grid": [cols, rows], "thumbnail", "tiles", "points": [{"label", "pixel": [x, y], "tile":
// [col, row], "tile_index", "in_tile": [x, y], "in_thumbnail": [x, y] or null}, …]}.
nlohmann::json tilingJson(const ImageTiling& tiling, int width, int height,
                          const std::vector<QuestionPoint>& points);

// The picture with the tile borders (yellow) and each point (a cyan ring) drawn over it: what
// `ask --explain` writes as tiles-<k>.png.
RgbImage drawTiling(const RgbImage& image, const ImageTiling& tiling,
                    const std::vector<QuestionPoint>& points);

}  // namespace mspa
