#pragma once

#include <cstdint>
#include <vector>

#include "core/scene.h"

namespace mspa {

// Which points of the scene cloud each posed frame sees (a subsample, with depth tests where the
// frame has depth), so that the overlap of two frames is the IoU of their sets, as the MultiSPA
// data engine measures it.
class FrameOverlap {
 public:
  static constexpr std::size_t kSamplePoints = 20'000;

  explicit FrameOverlap(const Scene& scene, std::size_t samplePoints = kSamplePoints);

  bool available() const { return available_; }  // false without a cloud
  const std::vector<int>& posedFrames() const { return posed_; }
  double iou(int a, int b) const;
  // The posed frame whose overlap with `frame` lies in [minOverlap, maxOverlap] and is nearest
  // the middle of that range; -1 when there is none.
  int partner(int frame, double minOverlap, double maxOverlap) const;

 private:
  bool available_ = false;
  std::vector<int> posed_;
  std::vector<std::vector<std::uint32_t>> seen_;  // per frame index
};

}  // namespace mspa
