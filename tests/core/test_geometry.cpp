#include <catch2/catch.hpp>

#include "core/demo_room.h"
#include "core/geometry.h"

using namespace mspa;

namespace {

const Intrinsics kCamera{500, 480, 320, 240, 640, 480};

// A depth map of a fronto-parallel wall `distance` metres in front of the camera.
DepthImage wall(double distance, int width = 640, int height = 480) {
  return {
      width, height,
      std::vector<float>(static_cast<std::size_t>(width) * height, static_cast<float>(distance))};
}

}  // namespace

TEST_CASE("project and unproject are inverse") {
  const Eigen::Vector3d p(0.3, -0.2, 2.5);
  const Eigen::Vector2d pixel = project(kCamera, p);
  CHECK(pixel.x() == Approx(320 + 500 * 0.3 / 2.5));
  CHECK(pixel.y() == Approx(240 - 480 * 0.2 / 2.5));
  CHECK((unproject(kCamera, pixel, 2.5) - p).norm() < 1e-12);
  CHECK(insideImage(kCamera, {0, 0}));
  CHECK_FALSE(insideImage(kCamera, {640, 10}));
}

TEST_CASE("Intrinsics scale with the image, pixel centres preserved") {
  const Intrinsics half = kCamera.scaledTo(320, 240);
  CHECK(half.fx == Approx(250));
  CHECK(half.cx == Approx(159.75));
  // The same ray hits corresponding pixel centres at both resolutions.
  const Eigen::Vector3d p(0.1, 0.05, 1.0);
  const Eigen::Vector2d full = project(kCamera, p), small = project(half, p);
  CHECK((small.x() + 0.5) * 2 == Approx(full.x() + 0.5));
}

TEST_CASE("Relative pose is inv(E1)*E2 and its translation reads right/down/forward") {
  const Pose first = lookAt({0, 0, 1.5}, {5, 0, 1.5});     // looking along +x, right is -y
  const Pose second = lookAt({0, -1, 1.5}, {5, -1, 1.5});  // moved 1 m to its right
  const Pose relative = relativePose(first, second);
  CHECK(relative.translation().x() == Approx(1.0));
  CHECK(relative.translation().y() == Approx(0.0).margin(1e-12));
  CHECK(relative.translation().z() == Approx(0.0).margin(1e-12));
  const Pose up = lookAt({0, 0, 2.0}, {5, 0, 2.0});
  CHECK(relativePose(first, up).translation().y() == Approx(-0.5));  // y>0 is down
  const Pose forward = lookAt({2, 0, 1.5}, {5, 0, 1.5});
  CHECK(relativePose(first, forward).translation().z() == Approx(2.0));
}

TEST_CASE("Yaw and pitch follow the forward axis in a z-up world") {
  const YawPitch east = yawPitchDegrees(lookAt({0, 0, 0}, {1, 0, 0}));
  CHECK(east.yaw == Approx(0).margin(1e-9));
  CHECK(east.pitch == Approx(0).margin(1e-9));
  const YawPitch north = yawPitchDegrees(lookAt({0, 0, 0}, {0, 1, 0}));
  CHECK(north.yaw == Approx(90));  // turning left (counter-clockwise from above) is positive
  const YawPitch up = yawPitchDegrees(lookAt({0, 0, 0}, {1, 0, 1}));
  CHECK(up.pitch == Approx(45));
  CHECK(wrapDegrees(190) == Approx(-170));
  CHECK(wrapDegrees(-190) == Approx(170));
  CHECK(wrapDegrees(-180) == Approx(-180));
}

TEST_CASE("MultiSPA normalized coordinates round per axis") {
  CHECK(normalizedCoordinates({648, 484}, 1296, 968) == Eigen::Vector2i(500, 500));
  CHECK(normalizedCoordinates({0.6, 967}, 1296, 968) == Eigen::Vector2i(0, 999));
  CHECK(normalizedCoordinates({1.3, 0}, 1296, 968) == Eigen::Vector2i(1, 0));
  const Eigen::Vector2d back = pixelFromNormalized({500, 250}, 1296, 968);
  CHECK(back.x() == Approx(648));
  CHECK(back.y() == Approx(242));
}

TEST_CASE("Visibility: behind, outside, occluded, no depth, visible") {
  const Pose camera = Pose::Identity();
  const DepthImage depth = wall(3.0);
  CHECK(visibility({0, 0, -1}, kCamera, camera, &depth) == Visibility::BehindCamera);
  CHECK(visibility({10, 0, 1}, kCamera, camera, &depth) == Visibility::OutsideImage);
  CHECK(visibility({0, 0, 2.99}, kCamera, camera, &depth) == Visibility::Visible);
  CHECK(visibility({0, 0, 3.04}, kCamera, camera, &depth) ==
        Visibility::Visible);  // within tolerance
  CHECK(visibility({0, 0, 3.5}, kCamera, camera, &depth) == Visibility::Occluded);
  CHECK(visibility({0, 0, 3.5}, kCamera, camera, nullptr) == Visibility::Visible);
  DepthImage holes = wall(0.0);
  CHECK(visibility({0, 0, 2}, kCamera, camera, &holes) == Visibility::NoDepth);
}

TEST_CASE("Depth lookups and clouds work with depth at another resolution") {
  DepthImage depth = wall(2.0, 320, 240);
  depth.metres[static_cast<std::size_t>(120) * 320 + 160] = 1.0f;  // one near pixel at the centre
  CHECK(depthAt(depth, kCamera, {320.4, 240.4}) == Approx(1.0));
  CHECK(depthAt(depth, kCamera, {10, 10}) == Approx(2.0));
  const PointCloud cloud =
      depthToCloud(wall(2.0, 320, 240), kCamera, lookAt({0, 0, 0}, {0, 1, 0}), 4);
  REQUIRE(cloud.size() == 80 * 60);
  for (const auto& p : cloud.positions) CHECK(p.y() == Approx(2.0f));  // the wall stands 2 m north
}

TEST_CASE("Reprojection of a pixel between two cameras lands on the same 3D point") {
  Frame a, b;
  a.intrinsics = b.intrinsics = kCamera;
  a.cameraToWorld = lookAt({0, 0, 0}, {0, 4, 0});
  b.cameraToWorld = lookAt({1, 0.5, 0.2}, {0, 4, 0});
  // A wall at y = 4 seen straight on by camera a.
  const DepthImage depthA = wall(4.0);
  const Eigen::Vector2d pixel(400, 200);
  const auto r = reprojectPixel(a, depthA, pixel, b, nullptr);
  REQUIRE(r);
  CHECK(r->world.y() == Approx(4.0));
  const Eigen::Vector3d inB = b.cameraToWorld->inverse() * r->world;
  CHECK((project(kCamera, inB) - r->pixel).norm() < 1e-9);
  CHECK(r->depthInTarget == Approx(inB.z()));
  CHECK(r->visibility == Visibility::Visible);
  // No depth at the pixel: no correspondence.
  CHECK_FALSE(reprojectPixel(a, wall(0.0), pixel, b, nullptr));
  Frame noPose = b;
  noPose.cameraToWorld.reset();
  CHECK_FALSE(reprojectPixel(a, depthA, pixel, noPose, nullptr));
}

TEST_CASE("Overlap is the IoU of visible point sets") {
  CHECK(overlapIoU({1, 2, 3, 4}, {3, 4, 5, 6}) == Approx(2.0 / 6.0));
  CHECK(overlapIoU({}, {}) == 0.0);
  CHECK(overlapIoU({1, 2}, {1, 2}) == 1.0);
  PointCloud cloud;
  for (int i = -10; i <= 10; ++i) cloud.positions.emplace_back(static_cast<float>(i), 5.0f, 0.0f);
  const auto seen = visiblePoints(cloud, kCamera, lookAt({0, 0, 0}, {0, 5, 0}), nullptr);
  // Half-width of the view at 5 m: 320 / 500 * 5 = 3.2 m, so x in [-3, 3].
  CHECK(seen.size() == 7);
}
