#include "core/annotate.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

namespace mspa {
namespace {

cv::Mat view(RgbImage& image) {
  return cv::Mat(image.height, image.width, CV_8UC3, image.pixels.data());
}

cv::Point at(const Eigen::Vector2d& p) {
  return {static_cast<int>(std::lround(p.x())), static_cast<int>(std::lround(p.y()))};
}

}  // namespace

void drawDot(RgbImage& image, const Eigen::Vector2d& pixel, Rgb8 color) {
  cv::Mat m = view(image);
  cv::circle(m, at(pixel), 10, cv::Scalar(color[0], color[1], color[2]), cv::FILLED);
}

void drawLabeledDot(RgbImage& image, const Eigen::Vector2d& pixel, const std::string& label,
                    Rgb8 color) {
  drawDot(image, pixel, color);
  cv::Mat m = view(image);
  cv::putText(m, label, at(pixel) + cv::Point(15, 15), cv::FONT_HERSHEY_SIMPLEX, 1.0,
              cv::Scalar(color[0], color[1], color[2]), 2);
}

}  // namespace mspa
