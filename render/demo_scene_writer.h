#pragma once

#include <functional>
#include <string>

#include "core/demo_room.h"

namespace mspa::render {

struct DemoSceneOptions {
  DemoKind kind = DemoKind::Room;
  int frames = 60;  // frames written; names step by 5 like ScanNet's posed images
  int tracks = 64;  // tracked points on the moving object
  std::function<bool(double)> progress;  // fraction done; false cancels
};

// Renders a synthetic scene (core/demo_room: the room, or the robot push episode) offscreen with
// VTK and writes it in the ScanNet posed-images layout: {frame}.jpg, 16-bit {frame}.png depth in
// mm, {frame}.txt camera-to-world, intrinsic.txt, the static mesh as demo_vh_clean_2.ply with
// demo.aggregation.json + demo_vh_clean_2.0.010000.segs.json instances, and the moving object's
// point tracks in demo_tracks.json. Needs an OpenGL context (X server or Xvfb).
void writeDemoScene(const std::string& folder, const DemoSceneOptions& options = {});

}  // namespace mspa::render
