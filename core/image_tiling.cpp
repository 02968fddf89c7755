#include "core/image_tiling.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/question_builder.h"

namespace mspa {
namespace {

// A pixel centre under a resize from `from` to `to` pixels along one axis (edges map to edges).
double resized(double pixel, int from, int to) {
  return (pixel + 0.5) * to / from - 0.5;
}

void paint(RgbImage& image, int x, int y, const std::array<std::uint8_t, 3>& color) {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  std::copy(color.begin(), color.end(), image.at(x, y));
}

nlohmann::json pair(const Eigen::Vector2d& p) {
  return {p.x(), p.y()};
}

}  // namespace

PointInTiles locateInTiles(const ImageTiling& tiling, int width, int height,
                           const Eigen::Vector2d& pixel) {
  const int s = tiling.tileSize;
  const Eigen::Vector2d grid(resized(pixel.x(), width, tiling.cols * s),
                             resized(pixel.y(), height, tiling.rows * s));
  PointInTiles out;
  out.tileCol = std::clamp(static_cast<int>(std::floor((grid.x() + 0.5) / s)), 0, tiling.cols - 1);
  out.tileRow = std::clamp(static_cast<int>(std::floor((grid.y() + 0.5) / s)), 0, tiling.rows - 1);
  out.tile = out.tileRow * tiling.cols + out.tileCol;
  out.inTile = grid - Eigen::Vector2d(out.tileCol * s, out.tileRow * s);
  if (tiling.thumbnail)
    out.inThumbnail = Eigen::Vector2d(resized(pixel.x(), width, s), resized(pixel.y(), height, s));
  return out;
}

std::vector<QuestionPoint> questionPoints(const Question& question, std::size_t image) {
  std::vector<QuestionPoint> points;
  if (image == 0) {
    for (std::size_t i = 0; i < question.points.size(); ++i)
      points.push_back({"point " + std::to_string(i + 1), question.points[i]});
  }
  for (const Question::Choice& choice : question.choices) {
    if (static_cast<std::size_t>(choice.image) == image)
      points.push_back({choice.letter, choice.pixel});
  }
  return points;
}

nlohmann::json tilingJson(const ImageTiling& tiling, int width, int height,
                          const std::vector<QuestionPoint>& points) {
  nlohmann::json located = nlohmann::json::array();
  for (const QuestionPoint& p : points) {
    const PointInTiles t = locateInTiles(tiling, width, height, p.pixel);
    located.push_back({{"label", p.label},
                       {"pixel", pair(p.pixel)},
                       {"tile", {t.tileCol, t.tileRow}},
                       {"tile_index", t.tile},
                       {"in_tile", pair(t.inTile)},
                       {"in_thumbnail", t.inThumbnail ? pair(*t.inThumbnail) : nullptr}});
  }
  return {{"grid", {tiling.cols, tiling.rows}},
          {"thumbnail", tiling.thumbnail},
          {"tiles", tiling.tiles()},
          {"points", located}};
}

RgbImage drawTiling(const RgbImage& image, const ImageTiling& tiling,
                    const std::vector<QuestionPoint>& points) {
  constexpr std::array<std::uint8_t, 3> kYellow{255, 220, 0}, kCyan{0, 230, 255};
  RgbImage out = image;
  for (int c = 0; c <= tiling.cols; ++c) {
    const int x = std::min(out.width - 1, c * out.width / tiling.cols);
    for (int y = 0; y < out.height; ++y)
      for (int d = -1; d <= 1; ++d) paint(out, x + d, y, kYellow);
  }
  for (int r = 0; r <= tiling.rows; ++r) {
    const int y = std::min(out.height - 1, r * out.height / tiling.rows);
    for (int x = 0; x < out.width; ++x)
      for (int d = -1; d <= 1; ++d) paint(out, x, y + d, kYellow);
  }
  const double radius = std::max(6.0, std::min(out.width, out.height) / 60.0);
  for (const QuestionPoint& p : points) {
    for (int step = 0; step < 720; ++step) {
      const double angle = step * M_PI / 360;
      for (double r = radius - 1.5; r <= radius + 1.5; r += 0.5)
        paint(out, static_cast<int>(std::lround(p.pixel.x() + r * std::cos(angle))),
              static_cast<int>(std::lround(p.pixel.y() + r * std::sin(angle))), kCyan);
    }
  }
  return out;
}

}  // namespace mspa
