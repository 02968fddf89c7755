#pragma once

#include <string>

#include "core/image.h"
#include "core/point_cloud.h"

namespace mspa {

// The marks MultiSPA's data engine draws: a filled dot of radius 10 px and, for labelled points,
// a letter (Hershey simplex, scale 1, thickness 2) 15 px right of and below it, in the dot's
// colour.
void drawDot(RgbImage& image, const Eigen::Vector2d& pixel, Rgb8 color);
void drawLabeledDot(RgbImage& image, const Eigen::Vector2d& pixel, const std::string& label,
                    Rgb8 color);

}  // namespace mspa
