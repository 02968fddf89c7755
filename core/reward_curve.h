#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/ask.h"
#include "core/scene.h"

namespace mspa {

// One point of a reward curve: how far the model says the tracked point has moved between the
// first frame and this one, beside the truth.
struct RewardPoint {
  int frame = 0;
  std::string frameName;
  std::optional<double> predictedMm;  // empty when the answer could not be read
  double truthMm = 0;
  std::string answer;
};

struct RewardCurve {
  int track = -1, startFrame = 0;
  std::vector<RewardPoint> points;
};

// Why a scene cannot give a reward curve (no tracks, poses, frames); empty when it can.
std::string rewardUnsupportedReason(const Scene& scene);

// The track nearest a pixel of `frame`, among those visible there; -1 when none is.
int trackNearPixel(const Scene& scene, int frame, const Eigen::Vector2d& pixel);
// The first frame where some tracked point is visible, or -1.
int firstFrameWithTracks(const Scene& scene);

// The multi-frame reward annotator of Multi-SpatialMLLM: asks the object-movement distance question
// (coordinate form) of `startFrame` against every later frame where the track is visible, and
// reads the answered distance. Frames are asked one after another on `backend`; `progress` sees
// each point as it comes. Throws InputError when the scene cannot support it.
RewardCurve annotateReward(const Scene& scene, int startFrame, int track, AnswerBackend& backend,
                           const std::function<void(const RewardPoint&)>& progress = {}, const std::atomic<bool>* cancel = nullptr);

// frame,frame_name,predicted_mm,truth_mm,answer (CSV, quoted answers).
void writeRewardCsv(const RewardCurve& curve, const std::string& path);

}  // namespace mspa
