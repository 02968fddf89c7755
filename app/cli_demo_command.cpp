#include <CLI/CLI.hpp>

#include "app/cli_commands.h"
#include "render/demo_scene_writer.h"

namespace mspa::cli {

void addMakeDemoCommand(CLI::App& app) {
  auto* command = app.add_subcommand(
      "make-demo", "Render the synthetic demo scene (ScanNet layout, exact ground truth)");
  auto folder = std::make_shared<std::string>();
  auto options = std::make_shared<render::DemoSceneOptions>();
  command->add_option("OUT_DIR", *folder, "output folder")->required();
  command->add_option("--frames", options->frames, "number of frames")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  command->add_option("--tracks", options->tracks, "tracked points on the moving object")
      ->capture_default_str();
  auto kind = std::make_shared<std::string>("room");
  command
      ->add_option("--kind", *kind,
                   "room: a toy car crosses the room under a moving camera; "
                   "push: a robot-style episode, a gripper pushes a block along the table")
      ->check(CLI::IsMember({"room", "push"}))
      ->capture_default_str();
  command->callback([folder, options, kind] {
    options->kind = *kind == "push" ? DemoKind::PushEpisode : DemoKind::Room;
    render::writeDemoScene(*folder, *options);
  });
}

}  // namespace mspa::cli
