#pragma once

#include <Eigen/Core>
#include <Eigen/Geometry>

namespace mspa {

// Pinhole intrinsics in pixels for an image of width x height. Camera coordinates follow the
// OpenCV/ScanNet convention MultiSPA uses: X right, Y down, Z forward.
struct Intrinsics {
  double fx = 0, fy = 0, cx = 0, cy = 0;
  int width = 0, height = 0;

  bool valid() const { return fx > 0 && fy > 0 && width > 0 && height > 0; }
  // The same camera for an image resampled to another size (e.g. depth at 640x480 for colour at
  // 1296x968).
  Intrinsics scaledTo(int newWidth, int newHeight) const;
};

using Pose = Eigen::Isometry3d;  // camera-to-world

// Pixel (u right, v down; pixel centres at integers) of a camera-space point. Only meaningful
// for z > 0.
Eigen::Vector2d project(const Intrinsics& k, const Eigen::Vector3d& pointCamera);

// Camera-space point at `depth` metres along Z through a pixel.
Eigen::Vector3d unproject(const Intrinsics& k, const Eigen::Vector2d& pixel, double depth);

bool insideImage(const Intrinsics& k, const Eigen::Vector2d& pixel);

}  // namespace mspa
