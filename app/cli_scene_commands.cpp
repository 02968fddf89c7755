#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/cli_commands.h"
#include "core/scene.h"
#include "core/scene_export.h"
#include "core/scene_summary.h"

namespace mspa::cli {
namespace {

constexpr const char* kScenePath =
    "scene: ScanNet folder or .sens, SensReader export, manifest .json, TAPVid-3D .npz, video or "
    ".ply";

void addInfo(CLI::App& parent) {
  auto* info = parent.add_subcommand(
      "info", "Describe a scene: frames, resolution, depth coverage, pose problems, cloud, tracks");
  auto path = std::make_shared<std::string>();
  auto samples = std::make_shared<int>(8);
  info->add_option("PATH", *path, kScenePath)->required();
  info->add_option("--depth-samples", *samples, "depth maps decoded to measure coverage")
      ->capture_default_str();
  info->callback(
      [path, samples] { std::fputs(describeScene(loadScene(*path), *samples).c_str(), stdout); });
}

void addExport(CLI::App& parent) {
  auto* command = parent.add_subcommand(
      "export", "Write a scene in the ScanNet posed-images layout MultiSPA's data engine reads");
  struct Options {
    std::string path, out;
    PosedImagesOptions posed;
  };
  auto o = std::make_shared<Options>();
  command->add_option("PATH", o->path, kScenePath)->required();
  command
      ->add_option("--posed-images", o->out,
                   "output folder: OUT/{scene}/{frame:05d}.jpg|.png|.txt and intrinsic.txt")
      ->required();
  command->add_option("--every", o->posed.every, "every Nth frame")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->callback([o] {
    const Scene scene = loadScene(o->path);
    if (isatty(STDERR_FILENO)) {
      o->posed.progress = [](double done) {
        std::fprintf(stderr, "\r%3.0f%%", done * 100);
        return true;
      };
    }
    const PosedImagesReport report = exportPosedImages(scene, o->out, o->posed);
    if (o->posed.progress) std::fputc('\n', stderr);
    for (const auto& problem : report.problems)
      std::fprintf(stderr, "skipped: %s\n", problem.c_str());
    std::printf("%d frames written to %s (%d without depth, %d without a pose, %zu skipped)\n",
                report.frames, report.folder.c_str(), report.withoutDepth, report.withoutPose,
                report.problems.size());
  });
}

}  // namespace

void addSceneCommand(CLI::App& app) {
  auto* scene = app.add_subcommand("scene", "Scenes: frames, depth, poses, clouds, tracks");
  scene->require_subcommand(1);
  addInfo(*scene);
  addExport(*scene);
}

}  // namespace mspa::cli
