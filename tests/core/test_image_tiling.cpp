// Where a pixel lands in InternVL's tiles, checked against doing what its dynamic_preprocess does
// to a picture: resize to the grid's size, cut the grid row by row, resize the whole to one tile.

#include <catch2/catch.hpp>
#include <opencv2/imgproc.hpp>

#include "core/image_tiling.h"
#include "core/question_builder.h"

using namespace mspa;

namespace {

// The brightness-weighted centroid of a single-channel image.
Eigen::Vector2d brightCentroid(const cv::Mat& gray) {
  Eigen::Vector2d sum(0, 0);
  double weight = 0;
  for (int y = 0; y < gray.rows; ++y) {
    for (int x = 0; x < gray.cols; ++x) {
      const double v = gray.at<float>(y, x);
      if (v <= 0) continue;
      sum += v * Eigen::Vector2d(x, y);
      weight += v;
    }
  }
  REQUIRE(weight > 0);
  return sum / weight;
}

}  // namespace

TEST_CASE("A pixel lands in the tile and at the place InternVL's resize and cut put it") {
  const int width = 1296, height = 968;
  const ImageTiling tiling{3, 2, 448, true};  // dynamic_preprocess's choice for 1296x968, 6 tiles
  for (const Eigen::Vector2d pixel : {Eigen::Vector2d(758, 421), Eigen::Vector2d(100, 900),
                                      Eigen::Vector2d(1290, 500), Eigen::Vector2d(440, 470)}) {
    CAPTURE(pixel.transpose());
    cv::Mat picture = cv::Mat::zeros(height, width, CV_32F);
    cv::circle(picture, cv::Point(static_cast<int>(pixel.x()), static_cast<int>(pixel.y())), 4,
               cv::Scalar(1.0), cv::FILLED);
    cv::Mat grid;
    cv::resize(picture, grid, cv::Size(3 * 448, 2 * 448), 0, 0, cv::INTER_LINEAR);
    const PointInTiles at = locateInTiles(tiling, width, height, pixel);
    CHECK(at.tile == at.tileRow * 3 + at.tileCol);
    const cv::Mat tile = grid(cv::Rect(at.tileCol * 448, at.tileRow * 448, 448, 448));
    CHECK((brightCentroid(tile) - at.inTile).norm() < 0.2);
    cv::Mat thumbnail;
    cv::resize(picture, thumbnail, cv::Size(448, 448), 0, 0, cv::INTER_AREA);
    REQUIRE(at.inThumbnail);
    CHECK((brightCentroid(thumbnail) - *at.inThumbnail).norm() < 0.2);
  }
  // One tile: no thumbnail.
  CHECK_FALSE(locateInTiles({1, 1, 448, false}, 640, 480, {320, 240}).inThumbnail);
}

TEST_CASE(
    "A question's points per image: its own points on the first, lettered choices where drawn") {
  Question q;
  q.points = {{10, 20}};
  q.choices = {{"A", 0, {30, 40}}, {"B", 1, {50, 60}}};
  const auto first = questionPoints(q, 0), second = questionPoints(q, 1);
  REQUIRE(first.size() == 2);
  CHECK(first[0].label == "point 1");
  CHECK(first[1].label == "A");
  REQUIRE(second.size() == 1);
  CHECK(second[0].pixel == Eigen::Vector2d(50, 60));
  const nlohmann::json j = tilingJson({2, 1, 448, true}, 896, 448, second);
  CHECK(j["tiles"] == 3);
  CHECK(j["points"][0]["label"] == "B");
  CHECK(j["points"][0]["tile"] == nlohmann::json({0, 0}));
  // The drawing keeps the picture's size and marks the point's ring, not its centre.
  RgbImage black{896, 448, std::vector<std::uint8_t>(896 * 448 * 3, 0)};
  const RgbImage drawn = drawTiling(black, {2, 1, 448, true}, second);
  CHECK(drawn.width == 896);
  CHECK(drawn.at(50, 60)[0] == 0);
  CHECK(drawn.at(448, 100)[0] == 255);  // the border between the two tiles
}
