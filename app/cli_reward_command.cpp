#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/backends/backend_factory.h"
#include "app/cli_commands.h"
#include "core/input_error.h"
#include "core/reward_curve.h"

namespace mspa::cli {

void addRewardCommand(CLI::App& app) {
  auto* reward = app.add_subcommand("reward", "Reward annotation of an episode: the answered distance of a tracked point from frame 0 to each later frame");
  struct Options {
    std::string scene, point, backend = "oracle", csv;
    int track = -1, start = -1;
    BackendSettings settings;
  };
  auto o = std::make_shared<Options>();
  reward->add_option("SCENE", o->scene, "the episode: a scene with poses and point tracks")->required();
  reward->add_option("--start", o->start, "the episode's first frame (default: the first that shows a tracked point)");
  reward->add_option("--point", o->point, "X,Y in the start frame: the nearest tracked point is followed");
  reward->add_option("--track", o->track, "the track index to follow (default: the one nearest the image centre)");
  reward->add_option("--backend", o->backend, "oracle, local (--model DIR) or openai (--endpoint URL --model NAME)")->capture_default_str();
  reward->add_option("--model", o->settings.modelDir, "local: model folder; openai: model name");
  reward->add_option("--lora", o->settings.loraDir, "local: LoRA adapter folder");
  reward->add_option("--device", o->settings.device, "local: cpu or cuda")->capture_default_str();
  reward->add_option("--dtype", o->settings.dtype, "local: float32, bfloat16 or float16")->capture_default_str();
  reward->add_option("--tiles", o->settings.tilesPerImage, "local: tiles per image")->capture_default_str();
  reward->add_option("--endpoint", o->settings.endpoint, "openai: server URL");
  reward->add_option("--api-key-env", o->settings.apiKeyVariable, "openai: environment variable with the key")->capture_default_str();
  reward->add_option("--csv", o->csv, "write frame,frame_name,predicted_mm,truth_mm,answer here");
  reward->callback([o] {
    const Scene scene = loadScene(o->scene);
    if (const std::string why = rewardUnsupportedReason(scene); !why.empty()) throw InputError(o->scene, "no reward curve: " + why);
    const int start = o->start >= 0 ? o->start : firstFrameWithTracks(scene);
    if (start < 0 || start >= static_cast<int>(scene.frames.size())) throw InputError(o->scene, "no frame shows a tracked point");
    int track = o->track;
    if (track < 0) {
      Eigen::Vector2d pixel(scene.frames[start].intrinsics->width / 2.0, scene.frames[start].intrinsics->height / 2.0);
      if (!o->point.empty() && std::sscanf(o->point.c_str(), "%lf,%lf", &pixel.x(), &pixel.y()) != 2) {
        throw InputError("--point " + o->point, "expected X,Y");
      }
      track = trackNearPixel(scene, start, pixel);
      if (track < 0) throw InputError(o->scene, "no tracked point is visible in frame " + std::to_string(start));
    }
    BackendSettings settings = o->settings;
    settings.kind = parseBackendKind(o->backend);
    settings.modelName = settings.modelDir;
    const auto backend = backends::makeBackend(settings);
    std::printf("track %d (%s) from frame %d, %s\nframe  name        predicted_mm   truth_mm\n", track, scene.tracks[track].label.c_str(), start,
                backend->label().c_str());
    const RewardCurve curve = annotateReward(scene, start, track, *backend, [](const RewardPoint& p) {
      std::printf("%5d  %-10s %12s %10.0f\n", p.frame, p.frameName.c_str(), p.predictedMm ? std::to_string(static_cast<long>(*p.predictedMm)).c_str() : "?", p.truthMm);
      std::fflush(stdout);
    });
    if (!o->csv.empty()) writeRewardCsv(curve, o->csv);
  });
}

}  // namespace mspa::cli
