#pragma once

#include <string>

#include "core/demo_room.h"
#include "core/scene.h"
#include "render/demo_scene_writer.h"
#include "tests/support/temp_dir.h"

namespace mspa::test {

// A demo scene (the room, or the robot push episode) rendered into a temporary folder and loaded
// back, beside the construction it was rendered from, so tests compare what loads with what was
// built.
struct DemoFixture {
  static constexpr int kFrames = 12;
  TempDir dir;
  Scene scene;
  DemoRoom room;

  explicit DemoFixture(int tracks = 16, DemoKind kind = DemoKind::Room) : room(makeDemo(kind)) {
    render::DemoSceneOptions options;
    options.kind = kind;
    options.frames = kFrames;
    options.tracks = tracks;
    render::writeDemoScene((dir.path() / "demo").string(), options);
    scene = loadScene((dir.path() / "demo").string());
  }
  // Normalized time of a frame along the camera path and the object's motion.
  double time(int frame) const { return static_cast<double>(frame) / (kFrames - 1); }
};

}  // namespace mspa::test
