#pragma once

#include <functional>
#include <string>

namespace mspa::render {

struct DemoSceneOptions {
  int frames = 60;           // frames written; names step by 5 like ScanNet's posed images
  int tracks = 64;           // tracked points on the moving toy
  std::function<bool(double)> progress;  // fraction done; false cancels
};

// Renders the synthetic demo room (core/demo_room) offscreen with VTK and writes it in the
// ScanNet posed-images layout: {frame}.jpg, 16-bit {frame}.png depth in mm, {frame}.txt
// camera-to-world, intrinsic.txt, the static mesh as demo_vh_clean_2.ply with
// demo.aggregation.json + demo_vh_clean_2.0.010000.segs.json instances, and the toy's point
// tracks in demo_tracks.json. Needs an OpenGL context (X server or Xvfb).
void writeDemoScene(const std::string& folder, const DemoSceneOptions& options = {});

}  // namespace mspa::render
