#pragma once

#include "core/point_cloud.h"

namespace mspa::test {

// A dense square of points of one colour in the plane z = height, centred on the origin.
inline PointCloud coloredSquare(float halfSize, float height, Rgb8 color, int pointsPerSide = 200) {
  PointCloud cloud;
  for (int i = 0; i < pointsPerSide; ++i) {
    for (int j = 0; j < pointsPerSide; ++j) {
      const float x =
          -halfSize + 2 * halfSize * static_cast<float>(i) / static_cast<float>(pointsPerSide - 1);
      const float y =
          -halfSize + 2 * halfSize * static_cast<float>(j) / static_cast<float>(pointsPerSide - 1);
      cloud.positions.emplace_back(x, y, height);
      cloud.colors.push_back(color);
    }
  }
  return cloud;
}

}  // namespace mspa::test
