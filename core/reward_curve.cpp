#include "core/reward_curve.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>

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

// Where track k appears in a posed frame when it is visible there.
std::optional<Eigen::Vector2d> trackPixel(const Scene& scene, int frame, int k) {
  const PointTrack& track = scene.tracks[k];
  const Frame& f = scene.frames[frame];
  if (static_cast<int>(track.visible.size()) <= frame || !track.visible[frame] || !f.hasGeometry())
    return std::nullopt;
  const Eigen::Vector3d camera = f.cameraToWorld->inverse() * track.positions[frame];
  if (camera.z() <= 0) return std::nullopt;
  return project(*f.intrinsics, camera);
}

// A builder per question: it caches the images it decodes, which over a long episode would keep
// every frame in memory; decoding the start frame again costs milliseconds beside an answer.
std::optional<Question> buildQuestion(const Scene& scene, const RewardTarget& target, int frame,
                                      std::string& whyNot) {
  QuestionBuilder builder(scene, static_cast<std::uint32_t>(frame));
  if (target.track < 0)
    return builder.buildUntrackedMovement(kDistanceTask, target.startFrame, frame, *target.pixel,
                                          whyNot);
  QuestionSpec spec;
  spec.subtask = kDistanceTask;
  spec.frames = {target.startFrame, frame};
  spec.track = target.track;
  spec.swapFrames = false;
  return builder.build(spec, whyNot);
}

}  // namespace

std::string rewardUnsupportedReason(const Scene& scene) {
  return scene.frames.size() < 2 ? "the episode needs at least two frames" : "";
}

std::string rewardTruthUnavailableReason(const Scene& scene) {
  return QuestionBuilder(scene).unsupportedReason(*findSubtask(kDistanceTask));
}

int firstFrameWithTracks(const Scene& scene) {
  for (int f = 0; f < static_cast<int>(scene.frames.size()); ++f) {
    for (int k = 0; k < static_cast<int>(scene.tracks.size()); ++k) {
      if (trackPixel(scene, f, k)) return f;
    }
  }
  return -1;
}

int trackNearPixel(const Scene& scene, int frame, const Eigen::Vector2d& pixel) {
  if (frame < 0 || frame >= static_cast<int>(scene.frames.size())) return -1;
  int best = -1;
  double bestDistance = std::numeric_limits<double>::max();
  for (int k = 0; k < static_cast<int>(scene.tracks.size()); ++k) {
    const auto at = trackPixel(scene, frame, k);
    if (at && (*at - pixel).norm() < bestDistance) {
      best = k;
      bestDistance = (*at - pixel).norm();
    }
  }
  return best;
}

RewardTarget resolveRewardTarget(const Scene& scene, const RewardTarget& target) {
  RewardTarget resolved = target;
  if (target.startFrame < 0 || target.startFrame >= static_cast<int>(scene.frames.size())) {
    throw InputError(scene.source,
                     "no frame " + std::to_string(target.startFrame) + " to start from");
  }
  if (resolved.track < 0 && resolved.pixel && rewardTruthUnavailableReason(scene).empty()) {
    const int near = trackNearPixel(scene, target.startFrame, *resolved.pixel);
    if (near >= 0 &&
        (*trackPixel(scene, target.startFrame, near) - *resolved.pixel).norm() <= kTrackSnapPixels)
      resolved.track = near;
  }
  if (resolved.track >= 0) {
    if (resolved.track >= static_cast<int>(scene.tracks.size()))
      throw InputError(scene.source, "no track " + std::to_string(resolved.track));
    const auto at = trackPixel(scene, target.startFrame, resolved.track);
    if (!at)
      throw InputError(scene.source, "track " + std::to_string(resolved.track) +
                                         " is not visible in the start frame");
    resolved.pixel = at;
  }
  if (!resolved.pixel) throw InputError(scene.source, "choose a point or a track to follow");
  return resolved;
}

RewardCurve annotateReward(const Scene& scene, const RewardTarget& target,
                           const std::vector<AnswerBackend*>& backends,
                           const std::function<void(const RewardPoint&)>& progress,
                           const std::atomic<bool>* cancel) {
  if (const std::string why = rewardUnsupportedReason(scene); !why.empty())
    throw InputError(scene.source, why);
  if (backends.empty()) throw std::invalid_argument("annotateReward needs a backend");
  const RewardTarget t = resolveRewardTarget(scene, target);
  RewardCurve curve;
  curve.track = t.track;
  curve.startFrame = t.startFrame;
  curve.pixel = *t.pixel;
  std::vector<int> frames;
  for (int f = t.startFrame + 1; f < static_cast<int>(scene.frames.size()); ++f) {
    if (t.track < 0 || trackPixel(scene, f, t.track)) frames.push_back(f);
  }

  std::mutex resultMutex;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  const auto stopped = [&] { return failed.load() || (cancel && cancel->load()); };
  const auto record = [&](RewardPoint p) {
    const std::lock_guard lock(resultMutex);
    curve.points.push_back(std::move(p));
    if (progress) progress(curve.points.back());
  };
  const auto work = [&](AnswerBackend* backend) {
    for (std::size_t i = next++; i < frames.size() && !stopped(); i = next++) {
      const int frame = frames[i];
      std::string whyNot;
      const std::optional<Question> question = buildQuestion(scene, t, frame, whyNot);
      if (!question) {
        record({frame, scene.frames[frame].name, std::nullopt, std::nullopt,
                "(not asked: " + whyNot + ")"});
        continue;
      }
      try {
        const AskOutcome outcome = judgeAnswer(*question, backend->answer(*question, {}, cancel));
        if (stopped()) return;
        RewardPoint p{frame, scene.frames[frame].name, std::nullopt, std::nullopt,
                      outcome.reply.text};
        if (outcome.parsed.ok) p.predictedMm = outcome.parsed.value.number.x();
        if (question->hasTruth()) p.truthMm = question->truth().number.x();
        record(std::move(p));
      } catch (...) {
        const std::lock_guard lock(resultMutex);
        if (!failure) failure = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> workers;
  for (std::size_t b = 1; b < backends.size(); ++b) workers.emplace_back(work, backends[b]);
  work(backends[0]);
  for (auto& worker : workers) worker.join();
  if (failure) std::rethrow_exception(failure);
  std::sort(curve.points.begin(), curve.points.end(),
            [](const RewardPoint& a, const RewardPoint& b) { return a.frame < b.frame; });
  return curve;
}

void writeRewardCsv(const RewardCurve& curve, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw InputError(path, "cannot write");
  out << "frame,frame_name,predicted_mm,truth_mm,answer\n";
  for (const auto& p : curve.points) {
    out << p.frame << "," << p.frameName << ","
        << (p.predictedMm ? std::to_string(*p.predictedMm) : "") << ","
        << (p.truthMm ? std::to_string(*p.truthMm) : "") << "," << csvQuoted(p.answer) << "\n";
  }
  if (!out.flush()) throw InputError(path, "writing failed (disk full?)");
}

}  // namespace mspa
