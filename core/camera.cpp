#include "core/camera.h"

namespace mspa {

Intrinsics Intrinsics::scaledTo(int newWidth, int newHeight) const {
  const double sx = static_cast<double>(newWidth) / width,
               sy = static_cast<double>(newHeight) / height;
  // Pixel centres sit at integers, so the scale applies to (c + 0.5).
  return {fx * sx, fy * sy, (cx + 0.5) * sx - 0.5, (cy + 0.5) * sy - 0.5, newWidth, newHeight};
}

Eigen::Vector2d project(const Intrinsics& k, const Eigen::Vector3d& p) {
  return {k.fx * p.x() / p.z() + k.cx, k.fy * p.y() / p.z() + k.cy};
}

Eigen::Vector3d unproject(const Intrinsics& k, const Eigen::Vector2d& pixel, double depth) {
  return {(pixel.x() - k.cx) / k.fx * depth, (pixel.y() - k.cy) / k.fy * depth, depth};
}

bool insideImage(const Intrinsics& k, const Eigen::Vector2d& pixel) {
  return pixel.x() >= -0.5 && pixel.y() >= -0.5 && pixel.x() < k.width - 0.5 &&
         pixel.y() < k.height - 0.5;
}

}  // namespace mspa
