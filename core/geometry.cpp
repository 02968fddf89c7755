#include "core/geometry.h"

#include <algorithm>
#include <cmath>

namespace mspa {
namespace {

constexpr double kDegrees = 180.0 / M_PI;

Visibility visibilityInCamera(const Eigen::Vector3d& camera, const Intrinsics& k,
                              const DepthImage* depth, double tolerance) {
  if (camera.z() <= 0) return Visibility::BehindCamera;
  const Eigen::Vector2d pixel = project(k, camera);
  if (!insideImage(k, pixel)) return Visibility::OutsideImage;
  if (!depth) return Visibility::Visible;
  const double measured = depthAt(*depth, k, pixel);
  if (measured <= 0) return Visibility::NoDepth;
  return camera.z() <= measured + tolerance ? Visibility::Visible : Visibility::Occluded;
}

}  // namespace

Pose relativePose(const Pose& first, const Pose& second) {
  return first.inverse() * second;
}

YawPitch yawPitchDegrees(const Pose& cameraToWorld) {
  const Eigen::Vector3d forward = cameraToWorld.linear() * Eigen::Vector3d::UnitZ();
  return {std::atan2(forward.y(), forward.x()) * kDegrees,
          std::asin(forward.z() / forward.norm()) * kDegrees};
}

double wrapDegrees(double degrees) {
  double wrapped = std::fmod(degrees + 180.0, 360.0);
  if (wrapped < 0) wrapped += 360.0;
  return wrapped - 180.0;
}

Eigen::Vector2i normalizedCoordinates(const Eigen::Vector2d& pixel, int width, int height) {
  return {static_cast<int>(std::lround(pixel.x() / width * 1000.0)),
          static_cast<int>(std::lround(pixel.y() / height * 1000.0))};
}

Eigen::Vector2d pixelFromNormalized(const Eigen::Vector2i& normalized, int width, int height) {
  return {normalized.x() / 1000.0 * width, normalized.y() / 1000.0 * height};
}

double depthAt(const DepthImage& depth, const Intrinsics& color, const Eigen::Vector2d& pixel) {
  if (depth.empty()) return 0;
  // A depth camera of its own sees the colour pixel's ray (the cameras are registered: ScanNet's
  // depth-to-colour extrinsic is the identity).
  if (depth.intrinsics)
    return depth.nearest(project(*depth.intrinsics, unproject(color, pixel, 1)));
  if (depth.width == color.width && depth.height == color.height) return depth.nearest(pixel);
  const Eigen::Vector2d scaled((pixel.x() + 0.5) * depth.width / color.width - 0.5,
                               (pixel.y() + 0.5) * depth.height / color.height - 0.5);
  return depth.nearest(scaled);
}

const char* visibilityName(Visibility v) {
  switch (v) {
    case Visibility::Visible:
      return "visible";
    case Visibility::BehindCamera:
      return "behind the camera";
    case Visibility::OutsideImage:
      return "outside the image";
    case Visibility::Occluded:
      return "occluded";
    case Visibility::NoDepth:
      return "no depth";
  }
  return "?";
}

Visibility visibility(const Eigen::Vector3d& world, const Intrinsics& k, const Pose& cameraToWorld,
                      const DepthImage* depth, double tolerance) {
  return visibilityInCamera(cameraToWorld.inverse() * world, k, depth, tolerance);
}

std::optional<Reprojection> reprojectPixel(const Frame& from, const DepthImage& fromDepth,
                                           const Eigen::Vector2d& pixel, const Frame& to,
                                           const DepthImage* toDepth) {
  if (!from.hasGeometry() || !to.hasGeometry()) return std::nullopt;
  const double d = depthAt(fromDepth, *from.intrinsics, pixel);
  if (d <= 0) return std::nullopt;
  Reprojection r;
  r.world = *from.cameraToWorld * unproject(*from.intrinsics, pixel, d);
  const Eigen::Vector3d camera = to.cameraToWorld->inverse() * r.world;
  r.depthInTarget = camera.z();
  r.pixel =
      camera.z() > 0 ? project(*to.intrinsics, camera) : Eigen::Vector2d::Constant(std::nan(""));
  r.visibility = visibility(r.world, *to.intrinsics, *to.cameraToWorld, toDepth);
  return r;
}

PointCloud depthToCloud(const DepthImage& depth, const Intrinsics& k, const Pose& cameraToWorld,
                        int stride, const RgbImage* color) {
  const Intrinsics dk = depth.intrinsics ? *depth.intrinsics
                        : (depth.width == k.width && depth.height == k.height)
                            ? k
                            : k.scaledTo(depth.width, depth.height);
  const bool useColor = color && color->width == depth.width && color->height == depth.height;
  PointCloud cloud;
  for (int y = 0; y < depth.height; y += stride) {
    for (int x = 0; x < depth.width; x += stride) {
      const float d = depth.at(x, y);
      if (d <= 0) continue;
      cloud.positions.push_back((cameraToWorld * unproject(dk, {x, y}, d)).cast<float>());
      if (useColor) {
        const auto* c = color->at(x, y);
        cloud.colors.push_back({c[0], c[1], c[2]});
      }
    }
  }
  return cloud;
}

std::vector<std::uint32_t> visiblePoints(const PointCloud& cloud, const Intrinsics& k,
                                         const Pose& cameraToWorld, const DepthImage* depth,
                                         double tolerance) {
  const Pose worldToCamera = cameraToWorld.inverse();
  std::vector<std::uint32_t> seen;
  for (std::size_t i = 0; i < cloud.size(); ++i) {
    const Eigen::Vector3d camera = worldToCamera * cloud.positions[i].cast<double>();
    if (visibilityInCamera(camera, k, depth, tolerance) == Visibility::Visible) {
      seen.push_back(static_cast<std::uint32_t>(i));
    }
  }
  return seen;
}

double overlapIoU(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  std::vector<std::uint32_t> common;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(common));
  const std::size_t unionSize = a.size() + b.size() - common.size();
  return unionSize == 0 ? 0.0 : static_cast<double>(common.size()) / static_cast<double>(unionSize);
}

}  // namespace mspa
