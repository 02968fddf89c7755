#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/ask.h"
#include "core/camera.h"
#include "core/point_cloud.h"
#include "core/scene.h"

namespace mspa {

// What a mark stands for; the views colour by role, and predictions by their verdict.
enum class OverlayRole {
  Query,  // what the question points at (the source point, the tracked point, frame 1's camera)
  Truth,  // the ground truth
  Prediction,  // the model's answer
  Tolerance,   // the scorer's acceptance region (the 5%-of-width circle)
};

// Prediction against truth for one asked question, as marks on the question's images and as
// geometry in the scene's world frame. Built once from the question, the outcome and the scene;
// the frame views, the 3D view and the CLI's PNG all draw the same marks.
struct AnswerOverlay {
  struct Mark {     // a dot (radius 0) or a circle on one image
    int image = 0;  // index into question.frames
    Eigen::Vector2d pixel;
    OverlayRole role = OverlayRole::Query;
    std::string label;
    double radius = 0;
  };
  struct Segment {  // a line or arrow, possibly from one image to the other
    int fromImage = 0, toImage = 0;
    Eigen::Vector2d from, to;
    OverlayRole role = OverlayRole::Query;
    bool arrow = false;
  };
  struct Point3 {
    Eigen::Vector3d world;
    OverlayRole role = OverlayRole::Query;
    std::string label;
  };
  struct Arrow3 {
    Eigen::Vector3d from, to;
    OverlayRole role = OverlayRole::Query;
  };
  struct Camera3 {
    Pose cameraToWorld;
    Intrinsics intrinsics;
    OverlayRole role = OverlayRole::Query;
  };
  struct Box3 {
    Bounds box;
    OverlayRole role = OverlayRole::Truth;
  };

  bool parsed = false, correct = false;
  std::string caption;  // "prediction 950 mm - truth 1012 mm - correct (error 62)"
  std::vector<Mark> marks;
  std::vector<Segment> segments;
  std::vector<Point3> points;
  std::vector<Arrow3> arrows;
  std::vector<Camera3> cameras;
  std::vector<Box3> boxes;
};

AnswerOverlay buildAnswerOverlay(const Scene& scene, const Question& question,
                                 const AskOutcome& outcome);

// The question's images side by side with the overlay drawn on them and the caption below: what
// `mspa ask --overlay` writes.
RgbImage drawAnswerOverlay(const Question& question, const AnswerOverlay& overlay);

// RGB for a role: truth cyan, query yellow, tolerance light cyan, prediction green when correct
// and red when wrong.
std::array<std::uint8_t, 3> overlayColor(OverlayRole role, bool correct);

}  // namespace mspa
