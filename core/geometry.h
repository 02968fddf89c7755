#pragma once

#include <optional>
#include <vector>

#include "core/camera.h"
#include "core/image.h"
#include "core/point_cloud.h"
#include "core/scene.h"

namespace mspa {

// Pose of the second camera in the first camera's coordinates: inv(E1)·E2 for camera-to-world
// poses E1, E2 (MultiSPA §4). Its translation is the camera motion with x>0 right, y>0 down,
// z>0 forward.
Pose relativePose(const Pose& first, const Pose& second);

// Yaw and pitch of a camera's forward (+Z) axis in a z-up world, in degrees:
// yaw = atan2(f_y, f_x), pitch = asin(f_z / |f|).
struct YawPitch {
  double yaw = 0, pitch = 0;
};
YawPitch yawPitchDegrees(const Pose& cameraToWorld);
// Wraps an angle difference to [-180, 180).
double wrapDegrees(double degrees);

// MultiSPA's normalized image coordinates: round(px / W * 1000), round(py / H * 1000).
Eigen::Vector2i normalizedCoordinates(const Eigen::Vector2d& pixel, int width, int height);
Eigen::Vector2d pixelFromNormalized(const Eigen::Vector2i& normalized, int width, int height);

// Depth (metres) under a colour-image pixel, looking up a depth map of possibly another
// resolution; 0 when there is no measurement.
double depthAt(const DepthImage& depth, const Intrinsics& color, const Eigen::Vector2d& pixel);

enum class Visibility { Visible, BehindCamera, OutsideImage, Occluded, NoDepth };
const char* visibilityName(Visibility v);

// Whether a world point is seen by a camera: in front of it, projecting inside the image and,
// when a depth map is given, not behind the surface there by more than `tolerance` metres.
// Without a depth map only the first two tests apply. A zero depth reading gives NoDepth.
Visibility visibility(const Eigen::Vector3d& world, const Intrinsics& k, const Pose& cameraToWorld,
                      const DepthImage* depth, double tolerance = 0.05);

// Ground-truth correspondence: the pixel of `from` back-projected with its depth, then projected
// into `to`. Nullopt when `from` has no depth at the pixel or either frame lacks geometry.
struct Reprojection {
  Eigen::Vector3d world;
  Eigen::Vector2d pixel;     // in `to`
  double depthInTarget = 0;  // camera-space z in `to`
  Visibility visibility = Visibility::Visible;
};
std::optional<Reprojection> reprojectPixel(const Frame& from, const DepthImage& fromDepth,
                                           const Eigen::Vector2d& pixel, const Frame& to,
                                           const DepthImage* toDepth);

// The world-space points of a depth map (every `stride`-th pixel with depth), coloured from
// `color` when given (same size as the intrinsics).
PointCloud depthToCloud(const DepthImage& depth, const Intrinsics& k, const Pose& cameraToWorld,
                        int stride = 1, const RgbImage* color = nullptr);

// Indices of the cloud's points a frame sees (see visibility()).
std::vector<std::uint32_t> visiblePoints(const PointCloud& cloud, const Intrinsics& k,
                                         const Pose& cameraToWorld, const DepthImage* depth,
                                         double tolerance = 0.05);

// Intersection over union of two sorted index sets; 0 when both are empty.
double overlapIoU(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b);

}  // namespace mspa
