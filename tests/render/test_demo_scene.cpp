#include <catch2/catch.hpp>

#include "core/demo_room.h"
#include "core/geometry.h"
#include "core/scene.h"
#include "tests/render/demo_fixture.h"

using namespace mspa;

namespace {

constexpr int kFrames = test::DemoFixture::kFrames;
using DemoScene = test::DemoFixture;

// Depth along the camera axis where a pixel's ray meets the floor plane z = 0.
double floorDepth(const Intrinsics& k, const Pose& pose, const Eigen::Vector2d& pixel) {
  const Eigen::Vector3d ray = pose.linear() * unproject(k, pixel, 1.0);
  return -pose.translation().z() / ray.z();
}

// Whether the segment a-b passes through the box (slab test), grown by `margin`.
bool segmentHitsBox(const Eigen::Vector3d& a, const Eigen::Vector3d& b, const Bounds& box,
                    double margin) {
  double enter = 0, leave = 1;
  for (int i = 0; i < 3; ++i) {
    const double lo = box.min[i] - margin, hi = box.max[i] + margin, d = b[i] - a[i];
    if (std::abs(d) < 1e-12) {
      if (a[i] < lo || a[i] > hi) return false;
      continue;
    }
    double t0 = (lo - a[i]) / d, t1 = (hi - a[i]) / d;
    if (t0 > t1) std::swap(t0, t1);
    enter = std::max(enter, t0);
    leave = std::min(leave, t1);
  }
  return enter <= leave;
}

}  // namespace

TEST_CASE("Demo scene loads through the ScanNet path with its poses and intrinsics exact") {
  DemoScene demo;
  const Scene& scene = demo.scene;
  CHECK(scene.kind == "scannet");
  REQUIRE(scene.frames.size() == kFrames);
  CHECK(scene.warnings.empty());
  CHECK(scene.frames[3].name == "00015");
  for (int f = 0; f < kFrames; ++f) {
    REQUIRE(scene.frames[f].hasGeometry());
    CHECK(scene.frames[f].cameraToWorld->isApprox(demo.room.cameraAt(demo.time(f)), 1e-8));
    CHECK(scene.frames[f].intrinsics->width == 640);
  }
  REQUIRE(scene.cloud);
  CHECK(scene.cloud->triangles.size() > 10000);
}

TEST_CASE("Demo scene depth equals the ray-cast distance to the floor") {
  DemoScene demo;
  const int f = 5;
  const Frame& frame = demo.scene.frames[f];
  const DepthImage depth = loadDepth(frame);
  std::vector<Bounds> obstacles;
  for (const auto& object : demo.room.staticObjects) {
    // Walls stand at x = 0 and y = 5, behind every floor point as seen from the camera path.
    if (object.label != "floor" && object.label != "wall")
      obstacles.push_back(object.mesh.bounds());
  }
  Bounds toy = demo.room.movingObject.mesh.bounds();
  const Eigen::Vector3f offset = demo.room.movingOffset(demo.time(f)).cast<float>();
  obstacles.push_back({toy.min + offset, toy.max + offset});
  int checked = 0;
  for (int y = 10; y < 480; y += 25) {
    for (int x = 10; x < 640; x += 25) {
      const double expected = floorDepth(*frame.intrinsics, *frame.cameraToWorld, {x, y});
      if (!(expected > 0)) continue;
      const Eigen::Vector3d floorPoint =
          *frame.cameraToWorld * unproject(*frame.intrinsics, {x, y}, expected);
      if (floorPoint.x() < 0.05 || floorPoint.x() > 5.95 || floorPoint.y() < 0.05 ||
          floorPoint.y() > 4.95)
        continue;
      const Eigen::Vector3d eye = frame.cameraToWorld->translation();
      if (std::any_of(obstacles.begin(), obstacles.end(),
                      [&](const Bounds& b) { return segmentHitsBox(eye, floorPoint, b, 0.03); }))
        continue;
      CHECK(depth.at(x, y) == Approx(expected).margin(0.002));  // millimetre storage
      ++checked;
    }
  }
  CHECK(checked > 50);
}

TEST_CASE("Demo scene reprojection takes a known 3D point to its projection in the other frame") {
  DemoScene demo;
  const Frame& a = demo.scene.frames[2];
  const Frame& b = demo.scene.frames[6];
  const DepthImage depthA = loadDepth(a), depthB = loadDepth(b);
  // The middle of the table top.
  const Eigen::Vector3d tableTop(3.0, 2.45, 0.75);
  const Eigen::Vector2d pixelA = project(*a.intrinsics, a.cameraToWorld->inverse() * tableTop);
  const Eigen::Vector2d pixelB = project(*b.intrinsics, b.cameraToWorld->inverse() * tableTop);
  const auto r = reprojectPixel(a, depthA, pixelA, b, &depthB);
  REQUIRE(r);
  CHECK((r->world - tableTop).norm() < 0.01);
  CHECK((r->pixel - pixelB).norm() < 2.0);
  CHECK(r->visibility == Visibility::Visible);
}

TEST_CASE("Demo scene instances and tracks match their construction") {
  DemoScene demo;
  const Scene& scene = demo.scene;
  const auto table = std::find_if(scene.instances.begin(), scene.instances.end(),
                                  [](const auto& i) { return i.label == "table"; });
  REQUIRE(table != scene.instances.end());
  CHECK(table->box.min.isApprox(Eigen::Vector3f(2.2f, 2.0f, 0.0f), 1e-5f));
  CHECK(table->box.max.isApprox(Eigen::Vector3f(3.8f, 2.9f, 0.75f), 1e-5f));
  REQUIRE(scene.tracks.size() == 16);
  const auto seeds = demo.room.trackSeeds(16);
  for (int f = 0; f < kFrames; f += 4) {
    const Eigen::Vector3d expected = seeds[5] + demo.room.movingOffset(demo.time(f));
    CHECK((scene.tracks[5].positions[f] - expected).norm() < 1e-9);
  }
  // The toy moved by the designed displacement over the sequence.
  CHECK((scene.tracks[0].positions.back() - scene.tracks[0].positions.front())
            .isApprox(demo.room.movingDistance));
  const auto visible =
      std::count(scene.tracks[0].visible.begin(), scene.tracks[0].visible.end(), true);
  CHECK(visible >= kFrames / 2);
}

TEST_CASE("Demo scene camera motion covers every direction MultiSPA asks about") {
  DemoScene demo;
  bool left = false, right = false, up = false, down = false, forward = false, backward = false;
  for (int i = 0; i < kFrames; ++i) {
    for (int j = i + 1; j < kFrames; ++j) {
      const Eigen::Vector3d t =
          relativePose(*demo.scene.frames[i].cameraToWorld, *demo.scene.frames[j].cameraToWorld)
              .translation();
      (t.x() > 0 ? right : left) = true;
      (t.y() > 0 ? down : up) = true;
      (t.z() > 0 ? forward : backward) = true;
    }
  }
  CHECK((left && right && up && down && forward && backward));
  // Consecutive frames overlap substantially; the ends of the sequence much less.
  const auto seen = [&](int f) {
    const DepthImage depth = loadDepth(demo.scene.frames[f]);
    return visiblePoints(*demo.scene.cloud, *demo.scene.frames[f].intrinsics,
                         *demo.scene.frames[f].cameraToWorld, &depth);
  };
  const double near = overlapIoU(seen(0), seen(1)), far = overlapIoU(seen(0), seen(kFrames - 1));
  CHECK(near > 0.5);
  CHECK(far < near);
}
