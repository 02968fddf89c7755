#include "core/frame_overlap.h"

#include <cmath>

#include "core/geometry.h"

namespace mspa {

FrameOverlap::FrameOverlap(const Scene& scene, std::size_t samplePoints)
    : seen_(scene.frames.size()) {
  if (!scene.cloud || scene.cloud->size() == 0) return;
  available_ = true;
  PointCloud sample;
  const std::size_t step = std::max<std::size_t>(1, scene.cloud->size() / samplePoints);
  for (std::size_t i = 0; i < scene.cloud->size(); i += step)
    sample.positions.push_back(scene.cloud->positions[i]);
  for (int i = 0; i < static_cast<int>(scene.frames.size()); ++i) {
    const Frame& f = scene.frames[i];
    if (!f.hasGeometry()) continue;
    posed_.push_back(i);
    const DepthImage depth = f.hasDepth() ? loadDepth(f) : DepthImage{};
    seen_[i] =
        visiblePoints(sample, *f.intrinsics, *f.cameraToWorld, depth.empty() ? nullptr : &depth);
  }
}

double FrameOverlap::iou(int a, int b) const {
  return overlapIoU(seen_.at(a), seen_.at(b));
}

int FrameOverlap::partner(int frame, double minOverlap, double maxOverlap) const {
  if (frame < 0 || frame >= static_cast<int>(seen_.size()) || seen_[frame].empty()) return -1;
  const double middle = (minOverlap + maxOverlap) / 2;
  int best = -1;
  double bestDistance = 0;
  for (int other : posed_) {
    if (other == frame) continue;
    const double overlap = iou(frame, other);
    if (overlap < minOverlap || overlap > maxOverlap) continue;
    const double distance = std::abs(overlap - middle);
    if (best < 0 || distance < bestDistance) {
      best = other;
      bestDistance = distance;
    }
  }
  return best;
}

}  // namespace mspa
