#include "render/answer_overlay_markers.h"

#include <Eigen/Geometry>

namespace mspa::render {
namespace {

Color colorOf(OverlayRole role, bool correct) {
  const auto c = overlayColor(role, correct);
  return {c[0] / 255.0, c[1] / 255.0, c[2] / 255.0};
}

void addArrow(SceneRenderer& r, const Eigen::Vector3d& from, const Eigen::Vector3d& to,
              Color color) {
  r.addMarkerLine(from, to, color);
  const Eigen::Vector3d along = to - from;
  const double length = along.norm();
  if (length < 1e-6) return;
  // Two barbs in a plane through the shaft, a fifth of its length.
  Eigen::Vector3d side = along.cross(Eigen::Vector3d::UnitZ());
  if (side.norm() < 1e-6 * length) side = along.cross(Eigen::Vector3d::UnitX());
  side = side.normalized() * length * 0.08;
  const Eigen::Vector3d back = to - along * 0.2;
  r.addMarkerLine(to, back + side, color);
  r.addMarkerLine(to, back - side, color);
}

void addFrustum(SceneRenderer& r, const Pose& pose, const Intrinsics& k, double depth,
                Color color) {
  const Eigen::Vector3d apex = pose.translation();
  const Eigen::Vector2d pixels[4] = {
      {0, 0}, {k.width - 1.0, 0}, {k.width - 1.0, k.height - 1.0}, {0, k.height - 1.0}};
  Eigen::Vector3d corners[4];
  for (int i = 0; i < 4; ++i) corners[i] = pose * unproject(k, pixels[i], depth);
  for (int i = 0; i < 4; ++i) {
    r.addMarkerLine(apex, corners[i], color);
    r.addMarkerLine(corners[i], corners[(i + 1) % 4], color);
  }
}

void addBox(SceneRenderer& r, const Bounds& box, Color color) {
  const Eigen::Vector3d lo = box.min.cast<double>(), hi = box.max.cast<double>();
  const auto corner = [&](int bits) {
    return Eigen::Vector3d(bits & 1 ? hi.x() : lo.x(), bits & 2 ? hi.y() : lo.y(),
                           bits & 4 ? hi.z() : lo.z());
  };
  for (int a = 0; a < 8; ++a) {
    for (int bit : {1, 2, 4}) {
      if (!(a & bit)) r.addMarkerLine(corner(a), corner(a | bit), color);
    }
  }
}

}  // namespace

void showAnswerOverlay(SceneRenderer& renderer, const AnswerOverlay& o) {
  renderer.clearMarkers();
  for (const auto& p : o.points) renderer.addMarkerPoint(p.world, colorOf(p.role, o.correct));
  for (const auto& a : o.arrows) addArrow(renderer, a.from, a.to, colorOf(a.role, o.correct));
  // Twice the size of the path's frustums, so the answer stands out among them.
  for (const auto& c : o.cameras)
    addFrustum(renderer, c.cameraToWorld, c.intrinsics, 2 * renderer.frustumDepth(),
               colorOf(c.role, o.correct));
  for (const auto& b : o.boxes) addBox(renderer, b.box, colorOf(b.role, o.correct));
}

}  // namespace mspa::render
