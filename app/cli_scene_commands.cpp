#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/cli_commands.h"
#include "core/scene.h"
#include "core/scene_summary.h"

namespace mspa::cli {

void addSceneCommand(CLI::App& app) {
  auto* scene = app.add_subcommand("scene", "Scenes: frames, depth, poses, clouds, tracks");
  scene->require_subcommand(1);
  auto* info = scene->add_subcommand(
      "info", "Describe a scene: frames, resolution, depth coverage, pose problems, cloud, tracks");
  auto path = std::make_shared<std::string>();
  auto samples = std::make_shared<int>(8);
  info->add_option("PATH", *path, "scene folder, manifest .json, TAPVid-3D .npz, video or .ply")
      ->required();
  info->add_option("--depth-samples", *samples, "depth maps decoded to measure coverage")
      ->capture_default_str();
  info->callback(
      [path, samples] { std::fputs(describeScene(loadScene(*path), *samples).c_str(), stdout); });
}

}  // namespace mspa::cli
