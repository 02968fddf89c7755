#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

namespace mspa {

// One step of a conference demo tour: a scene, the frames to show, a question, the backend that
// answers it, where the 3D camera turns, and how long the result stays on screen.
struct DemoStep {
  std::string scene;        // resolved against the playlist's folder
  std::vector<int> frames;  // 1 or 2 frame indices
  std::string subtask;
  std::vector<Eigen::Vector2d> points;  // empty: sampled
  std::string backend = "oracle";
  double azimuth = 0, elevation = 0;  // degrees the 3D camera turns from its reset view
  double pauseSeconds = 4;
  std::string
      problem;  // why the step is skipped (unknown subtask, missing scene); empty when it runs
};

struct DemoPlaylist {
  std::string title;
  bool loop = true;
  std::vector<DemoStep> steps;
};

// Reads a JSON playlist ({"title", "loop", "steps": [{"scene", "frames", "subtask", "points",
// "backend", "camera": {"azimuth", "elevation"}, "pause"}]}). Steps with an unknown subtask or a
// missing scene are kept with their problem, so the tour can say so and go on. Throws InputError
// naming the file when it is not a playlist at all.
DemoPlaylist readDemoPlaylist(const std::string& path);

}  // namespace mspa
