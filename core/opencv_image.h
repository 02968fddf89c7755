#pragma once

// Conversions between OpenCV's BGR matrices and the project's RGB images; private to core, so
// that OpenCV stays out of the public headers.

#include <opencv2/core/mat.hpp>

#include "core/image.h"

namespace mspa {

RgbImage rgbFromBgr(const cv::Mat& bgr);
cv::Mat bgrFromRgb(const RgbImage& image);

}  // namespace mspa
