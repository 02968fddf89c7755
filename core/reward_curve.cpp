#include "core/reward_curve.h"

#include <fstream>
#include <limits>

#include "core/input_error.h"
#include "core/question_builder.h"

namespace mspa {
namespace {

constexpr const char* kDistanceTask = "object_movement_distance_coordinate_adt";

std::string csvQuoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string rewardUnsupportedReason(const Scene& scene) {
  if (scene.frames.size() < 2) return "the episode needs at least two frames";
  return QuestionBuilder(scene).unsupportedReason(*findSubtask(kDistanceTask));
}

int firstFrameWithTracks(const Scene& scene) {
  for (int f = 0; f < static_cast<int>(scene.frames.size()); ++f) {
    for (const auto& t : scene.tracks) {
      if (f < static_cast<int>(t.visible.size()) && t.visible[f] && scene.frames[f].hasGeometry()) return f;
    }
  }
  return -1;
}

int trackNearPixel(const Scene& scene, int frame, const Eigen::Vector2d& pixel) {
  if (frame < 0 || frame >= static_cast<int>(scene.frames.size()) || !scene.frames[frame].hasGeometry()) return -1;
  const Frame& first = scene.frames[frame];
  int best = -1;
  double bestDistance = std::numeric_limits<double>::max();
  for (int k = 0; k < static_cast<int>(scene.tracks.size()); ++k) {
    const PointTrack& t = scene.tracks[k];
    if (static_cast<int>(t.visible.size()) <= frame || !t.visible[frame]) continue;
    const Eigen::Vector3d camera = first.cameraToWorld->inverse() * t.positions[frame];
    if (camera.z() <= 0) continue;
    const double d = (project(*first.intrinsics, camera) - pixel).norm();
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

RewardCurve annotateReward(const Scene& scene, int startFrame, int track, AnswerBackend& backend,
                           const std::function<void(const RewardPoint&)>& progress, const std::atomic<bool>* cancel) {
  if (const std::string why = rewardUnsupportedReason(scene); !why.empty()) throw InputError(scene.source, why);
  if (track < 0 || track >= static_cast<int>(scene.tracks.size())) throw InputError(scene.source, "no track " + std::to_string(track));
  RewardCurve curve;
  curve.track = track;
  curve.startFrame = startFrame;
  QuestionBuilder builder(scene);
  const PointTrack& t = scene.tracks[track];
  if (startFrame < 0 || startFrame >= static_cast<int>(scene.frames.size()) || !t.visible[startFrame]) {
    throw InputError(scene.source, "track " + std::to_string(track) + " is not visible in the start frame");
  }
  for (int frame = startFrame + 1; frame < static_cast<int>(scene.frames.size()); ++frame) {
    if (cancel && cancel->load()) break;
    if (!t.visible[frame] || !scene.frames[frame].hasGeometry()) continue;
    QuestionSpec spec;
    spec.subtask = kDistanceTask;
    spec.frames = {startFrame, frame};
    spec.track = track;
    spec.swapFrames = false;
    std::string whyNot;
    const auto question = builder.build(spec, whyNot);
    if (!question) continue;
    const AskOutcome outcome = judgeAnswer(*question, backend.answer(*question, {}, cancel));
    RewardPoint p{frame, scene.frames[frame].name, std::nullopt, question->truth.number.x(), outcome.reply.text};
    if (outcome.parsed.ok) p.predictedMm = outcome.parsed.value.number.x();
    curve.points.push_back(p);
    if (progress) progress(p);
  }
  return curve;
}

void writeRewardCsv(const RewardCurve& curve, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw InputError(path, "cannot write");
  out << "frame,frame_name,predicted_mm,truth_mm,answer\n";
  for (const auto& p : curve.points) {
    out << p.frame << "," << p.frameName << "," << (p.predictedMm ? std::to_string(*p.predictedMm) : "") << "," << p.truthMm << ","
        << csvQuoted(p.answer) << "\n";
  }
  if (!out.flush()) throw InputError(path, "writing failed (disk full?)");
}

}  // namespace mspa
