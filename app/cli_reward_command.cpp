#include <unistd.h>
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>

#include "app/backends/backend_factory.h"
#include "app/cli_backend_options.h"
#include "app/cli_commands.h"
#include "core/ask_session.h"
#include "core/image.h"
#include "core/input_error.h"
#include "core/reward_curve.h"

namespace mspa::cli {

namespace {

// Where to start and what to follow when the options leave it open: with tracks, the first frame
// showing one and the track nearest the image centre; with frames alone, frame 0's centre.
RewardTarget targetFromOptions(const Scene& scene, int start, int track, const std::string& point) {
  const bool tracked = rewardTruthUnavailableReason(scene).empty();
  RewardTarget target;
  target.startFrame = start >= 0 ? start : std::max(0, tracked ? firstFrameWithTracks(scene) : 0);
  target.track = track;
  if (!point.empty()) {
    Eigen::Vector2d pixel;
    if (std::sscanf(point.c_str(), "%lf,%lf", &pixel.x(), &pixel.y()) != 2)
      throw InputError("--point " + point, "expected X,Y");
    target.pixel = pixel;
  } else if (track < 0 && target.startFrame < static_cast<int>(scene.frames.size())) {
    const RgbImage first = loadColor(scene, scene.frames[target.startFrame]);
    const Eigen::Vector2d centre(first.width / 2.0, first.height / 2.0);
    target.track = tracked ? trackNearPixel(scene, target.startFrame, centre) : -1;
    if (target.track < 0) target.pixel = centre;
  }
  return resolveRewardTarget(scene, target);
}

std::string millimetres(const std::optional<double>& value) {
  return value ? std::to_string(std::lround(*value)) : std::string("?");
}

}  // namespace

void addRewardCommand(CLI::App& app) {
  auto* reward = app.add_subcommand("reward",
                                    "Reward annotation of an episode: the answered distance a "
                                    "point moved from the start frame to each later frame");
  struct Options {
    std::string scene, point, csv;
    int track = -1, start = -1;
    BackendOptions backend;
  };
  auto o = std::make_shared<Options>();
  reward
      ->add_option(
          "SCENE", o->scene,
          "the episode: frames (a model answers), with poses and point tracks for the truth")
      ->required();
  reward->add_option("--start", o->start,
                     "the start frame (default: the first that shows a tracked point, else 0)");
  reward->add_option(
      "--point", o->point,
      "X,Y in the start frame: followed by the track within 12 pixels, else without truth");
  reward->add_option("--track", o->track,
                     "the track index to follow (default: the one nearest the image centre)");
  BackendOptionSet shared;
  shared.concurrency = true;
  addBackendOptions(*reward, o->backend, shared);
  reward->add_option("--csv", o->csv, "write frame,frame_name,predicted_mm,truth_mm,answer here");
  reward->callback([o] {
    const Scene scene = loadScene(o->scene);
    if (const std::string why = rewardUnsupportedReason(scene); !why.empty())
      throw InputError(o->scene, "no reward curve: " + why);
    const BackendSettings settings =
        resolveBackend(o->backend, BackendSettings::Kind::Oracle, "reward");
    const RewardTarget target = targetFromOptions(scene, o->start, o->track, o->point);
    if (target.track < 0 && settings.kind == BackendSettings::Kind::Oracle) {
      const std::string why = rewardTruthUnavailableReason(scene);
      throw InputError(o->scene, "the oracle needs the truth, and no track follows the point (" +
                                     (why.empty() ? "none within 12 pixels" : why) +
                                     "): ask a model with --backend local or openai");
    }
    BackendCache backends(backends::makeBackend);
    backends.setSettings(settings);
    const auto leases = backends.acquire(settings.parallelQuestions());
    std::vector<AnswerBackend*> workers;
    for (const auto& lease : leases) workers.push_back(lease.get());
    const std::string followed =
        target.track >= 0
            ? "track " + std::to_string(target.track) + " (" + scene.tracks[target.track].label +
                  ")"
            : "the untracked point " + std::to_string(std::lround(target.pixel->x())) + "," +
                  std::to_string(std::lround(target.pixel->y())) + " (no truth)";
    std::printf("%s from frame %d, %s\n", followed.c_str(), target.startFrame,
                workers[0]->label().c_str());
    std::size_t answered = 0;
    const bool terminal = isatty(STDERR_FILENO);
    const RewardCurve curve = annotateReward(scene, target, workers, [&](const RewardPoint&) {
      if (terminal) std::fprintf(stderr, "\r%zu frames answered", ++answered);
    });
    if (terminal) std::fputc('\n', stderr);
    std::printf("frame  name        predicted_mm   truth_mm\n");
    for (const auto& p : curve.points) {
      std::printf("%5d  %-10s %12s %10s\n", p.frame, p.frameName.c_str(),
                  millimetres(p.predictedMm).c_str(), millimetres(p.truthMm).c_str());
    }
    if (!o->csv.empty()) writeRewardCsv(curve, o->csv);
  });
}

}  // namespace mspa::cli
