#include "core/demo_room.h"

#include <algorithm>
#include <cmath>

namespace mspa {
namespace {

using Vec3 = Eigen::Vector3f;
using ColorAt = std::function<Rgb8(float s, float t)>;

Rgb8 rgb(float r, float g, float b) {
  const auto c = [](float x) {
    return static_cast<std::uint8_t>(std::lround(std::clamp(x, 0.f, 1.f) * 255));
  };
  return {c(r), c(g), c(b)};
}

// A grid-subdivided quad origin + s·u + t·v appended to `mesh`, at most `cell` metres per step.
void addQuad(PointCloud& mesh, Vec3 origin, Vec3 u, Vec3 v, float cell, const ColorAt& color) {
  const int nu = std::max(1, static_cast<int>(std::ceil(u.norm() / cell)));
  const int nv = std::max(1, static_cast<int>(std::ceil(v.norm() / cell)));
  const auto base = static_cast<std::uint32_t>(mesh.positions.size());
  for (int j = 0; j <= nv; ++j) {
    for (int i = 0; i <= nu; ++i) {
      const float s = static_cast<float>(i) / nu, t = static_cast<float>(j) / nv;
      mesh.positions.push_back(origin + s * u + t * v);
      mesh.colors.push_back(color(s, t));
    }
  }
  const auto at = [&](int i, int j) { return base + static_cast<std::uint32_t>(j * (nu + 1) + i); };
  for (int j = 0; j < nv; ++j) {
    for (int i = 0; i < nu; ++i) {
      mesh.triangles.push_back({at(i, j), at(i + 1, j), at(i + 1, j + 1)});
      mesh.triangles.push_back({at(i, j), at(i + 1, j + 1), at(i, j + 1)});
    }
  }
}

ColorAt solid(Rgb8 c) {
  return [c](float, float) { return c; };
}

// A box standing on the floor: four sides and the top, each side a little darker than the top.
DemoObject box(int id, const std::string& label, Vec3 lo, Vec3 size, Rgb8 top, Rgb8 side,
               float cell = 0.05f) {
  DemoObject object{id, label, {}};
  const Vec3 x(size.x(), 0, 0), y(0, size.y(), 0), z(0, 0, size.z());
  addQuad(object.mesh, lo + z, x, y, cell, solid(top));
  addQuad(object.mesh, lo, x, z, cell, solid(side));
  addQuad(object.mesh, lo + y, x, z, cell, solid(side));
  addQuad(object.mesh, lo, y, z, cell, solid(side));
  addQuad(object.mesh, lo + x, y, z, cell, solid(side));
  return object;
}

}  // namespace

Pose lookAt(const Eigen::Vector3d& eye, const Eigen::Vector3d& target) {
  const Eigen::Vector3d forward = (target - eye).normalized();
  const Eigen::Vector3d right = forward.cross(Eigen::Vector3d::UnitZ()).normalized();
  const Eigen::Vector3d down = forward.cross(right);
  Pose pose = Pose::Identity();
  pose.linear().col(0) = right;
  pose.linear().col(1) = down;
  pose.linear().col(2) = forward;
  pose.translation() = eye;
  return pose;
}

namespace {

Pose roomCameraPath(double t) {
  // An arc around the room's centre that doubles back at the start and end, with drifting radius,
  // height and aim, so that pairs of frames show every kind of camera motion MultiSPA asks about.
  const double angle = (-125.0 + 95.0 * t - 28.0 * std::sin(2 * M_PI * t)) * M_PI / 180.0;
  const double radius = 3.3 + 0.5 * std::sin(2 * M_PI * t);
  const Eigen::Vector3d centre(3.0, 2.4, 0.0);
  const Eigen::Vector3d eye =
      centre + Eigen::Vector3d(radius * std::cos(angle), radius * std::sin(angle),
                               1.45 + 0.25 * std::sin(4 * M_PI * t));
  const Eigen::Vector3d target(2.7 + 0.4 * std::sin(3 * M_PI * t), 2.6,
                               0.55 + 0.2 * std::cos(2 * M_PI * t));
  return lookAt(eye, target);
}

}  // namespace

std::vector<Eigen::Vector3d> DemoRoom::trackSeeds(int count) const {
  // A grid on the object's top face, where the camera always sees it.
  const Bounds b = movingObject.mesh.bounds();
  std::vector<Eigen::Vector3d> seeds;
  const int side = std::max(1, static_cast<int>(std::ceil(std::sqrt(count))));
  for (int k = 0; k < count; ++k) {
    const double s = (k % side + 0.5) / side, t = (k / side + 0.5) / side;
    seeds.emplace_back(b.min.x() + s * (b.max.x() - b.min.x()),
                       b.min.y() + t * (b.max.y() - b.min.y()), b.max.z());
  }
  return seeds;
}

DemoRoom makeDemoRoom() {
  DemoRoom room;
  DemoObject floor{1, "floor", {}};
  addQuad(floor.mesh, Vec3(0, 0, 0), Vec3(6, 0, 0), Vec3(0, 5, 0), 0.05f, [](float s, float t) {
    const bool dark = (static_cast<int>(s * 12) + static_cast<int>(t * 10)) % 2;
    return dark ? rgb(0.55f, 0.36f, 0.2f) : rgb(0.78f, 0.6f, 0.4f);
  });
  DemoObject walls{2, "wall", {}};
  addQuad(walls.mesh, Vec3(0, 5, 0), Vec3(6, 0, 0), Vec3(0, 0, 2.6f), 0.05f, [](float s, float t) {
    return rgb(0.85f - 0.3f * t, 0.88f - 0.2f * t, 0.9f - 0.1f * s);
  });
  addQuad(walls.mesh, Vec3(0, 0, 0), Vec3(0, 5, 0), Vec3(0, 0, 2.6f), 0.05f,
          [](float s, float t) { return rgb(0.6f + 0.3f * s, 0.75f - 0.1f * t, 0.65f); });
  room.staticObjects.push_back(std::move(floor));
  room.staticObjects.push_back(std::move(walls));
  room.staticObjects.push_back(box(3, "table", Vec3(2.2f, 2.0f, 0), Vec3(1.6f, 0.9f, 0.75f),
                                   rgb(0.9f, 0.2f, 0.15f), rgb(0.6f, 0.1f, 0.1f)));
  room.staticObjects.push_back(box(4, "cabinet", Vec3(0.1f, 3.8f, 0), Vec3(1.0f, 1.1f, 1.9f),
                                   rgb(0.2f, 0.4f, 0.9f), rgb(0.1f, 0.25f, 0.6f)));
  room.staticObjects.push_back(box(5, "bed", Vec3(4.0f, 0.3f, 0), Vec3(1.8f, 2.2f, 0.55f),
                                   rgb(0.95f, 0.85f, 0.2f), rgb(0.7f, 0.6f, 0.1f)));
  room.staticObjects.push_back(box(6, "box", Vec3(3.0f, 4.2f, 0), Vec3(0.5f, 0.5f, 0.5f),
                                   rgb(0.3f, 0.8f, 0.4f), rgb(0.15f, 0.55f, 0.25f)));
  room.movingObject = box(7, "toy car", Vec3(1.0f, 1.2f, 0), Vec3(0.4f, 0.25f, 0.2f),
                          rgb(0.95f, 0.4f, 0.9f), rgb(0.6f, 0.2f, 0.6f), 0.02f);
  room.movingDistance = Eigen::Vector3d(0.9, 0.35, 0.0);
  room.motion = [](double t) { return t; };
  room.cameraPath = roomCameraPath;
  // ScanNet's colour camera at half resolution; the principal point at the image centre matches
  // the renderer's projection exactly.
  room.intrinsics = {580.0, 580.0, 319.5, 239.5, 640, 480};
  return room;
}

DemoRoom makePushEpisode() {
  DemoRoom episode = makeDemoRoom();
  const float tableTop = 0.75f;
  episode.movingObject = box(7, "block", Vec3(2.45f, 2.38f, tableTop), Vec3(0.14f, 0.14f, 0.12f),
                             rgb(0.2f, 0.85f, 0.9f), rgb(0.1f, 0.55f, 0.6f), 0.01f);
  // The gripper's finger touches the block's -x face just above the table.
  episode.pusher = box(8, "gripper", Vec3(2.39f, 2.40f, tableTop + 0.02f), Vec3(0.06f, 0.10f, 1.2f),
                       rgb(0.8f, 0.8f, 0.82f), rgb(0.45f, 0.45f, 0.5f), 0.02f);
  episode.movingDistance = Eigen::Vector3d(0.8, 0.1, 0.0);
  episode.motion = [](double t) {
    const double s = std::clamp((t - 0.15) / 0.7, 0.0, 1.0);
    return s * s * (3 - 2 * s);
  };
  const Pose camera = lookAt(Eigen::Vector3d(3.0, 0.95, 2.0), Eigen::Vector3d(2.95, 2.5, 0.75));
  episode.cameraPath = [camera](double) { return camera; };
  return episode;
}

DemoRoom makeDemo(DemoKind kind) {
  return kind == DemoKind::PushEpisode ? makePushEpisode() : makeDemoRoom();
}

}  // namespace mspa
