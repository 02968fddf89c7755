#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/ask.h"
#include "core/scene.h"

namespace mspa {

// One point of a reward curve: how far the model says the point has moved between the start
// frame and this one, beside the truth when a track gives it.
struct RewardPoint {
  int frame = 0;
  std::string frameName;
  std::optional<double> predictedMm;  // empty when the answer could not be read
  std::optional<double> truthMm;      // empty when no track follows the point
  std::string answer;
};

// What the annotator follows from its start frame: a track (its truth comes along), or a pixel.
// A pixel within kTrackSnapPixels of a track visible there follows that track; any other pixel is
// followed without truth, which only a model can answer (episodes with frames alone).
struct RewardTarget {
  int startFrame = 0;
  int track = -1;
  std::optional<Eigen::Vector2d> pixel;
};
constexpr double kTrackSnapPixels = 12.0;

struct RewardCurve {
  int track = -1, startFrame = 0;
  Eigen::Vector2d pixel = Eigen::Vector2d::Zero();  // the followed point in the start frame
  std::vector<RewardPoint> points;                  // by frame
  bool hasTruth() const { return track >= 0; }
};

// Why a scene cannot give a reward curve at all (fewer than two frames); empty when it can.
std::string rewardUnsupportedReason(const Scene& scene);
// Why its curves have no truth (no point tracks, no camera poses); empty when they can.
std::string rewardTruthUnavailableReason(const Scene& scene);

// The track nearest a pixel of `frame`, among those visible there; -1 when none is.
int trackNearPixel(const Scene& scene, int frame, const Eigen::Vector2d& pixel);
// The first frame where some tracked point is visible, or -1.
int firstFrameWithTracks(const Scene& scene);
// The target with its track chosen: the given one, or the track a pixel snaps to (or none).
// Throws InputError for a track that is not visible in the start frame.
RewardTarget resolveRewardTarget(const Scene& scene, const RewardTarget& target);

// The multi-frame reward annotator of Multi-SpatialMLLM: asks the object-movement distance question
// (coordinate form) of the start frame against every later frame (where the track, if any, is
// visible) and reads the answered distance. The questions are spread over `backends`, one
// worker each (several endpoints, or one endpoint several times, answer in parallel); `progress`
// sees each point as it comes, from the workers' threads. Throws InputError when the scene
// cannot support it, and the first backend error otherwise.
RewardCurve annotateReward(const Scene& scene, const RewardTarget& target,
                           const std::vector<AnswerBackend*>& backends,
                           const std::function<void(const RewardPoint&)>& progress = {},
                           const std::atomic<bool>* cancel = nullptr);

// frame,frame_name,predicted_mm,truth_mm,answer (CSV, quoted answers; empty cells when unknown).
void writeRewardCsv(const RewardCurve& curve, const std::string& path);

}  // namespace mspa
