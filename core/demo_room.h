#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/camera.h"
#include "core/point_cloud.h"

namespace mspa {

// A labelled triangle mesh with vertex colours.
struct DemoObject {
  int id = 0;
  std::string label;
  PointCloud mesh;
};

// A synthetic scene's ground truth, all in one place: a furnished room (z up, metres), one object
// that moves (tracked), and a camera path. Rendering it (render/demo_scene_writer) turns this into
// frames whose depth, poses, tracks and boxes are exact by construction.
struct DemoRoom {
  std::vector<DemoObject> staticObjects;
  DemoObject movingObject;               // at its position for time 0
  std::optional<DemoObject> pusher;      // moves with the object, untracked (a robot's gripper)
  Eigen::Vector3d movingDistance;        // total displacement over the sequence
  std::function<double(double)> motion;  // fraction of movingDistance covered at time t
  std::function<Pose(double)> cameraPath;
  Intrinsics intrinsics;

  // The moving object's displacement at normalized time t in [0, 1].
  Eigen::Vector3d movingOffset(double t) const { return motion(t) * movingDistance; }
  // Camera-to-world pose at normalized time t in [0, 1].
  Pose cameraAt(double t) const { return cameraPath(t); }
  // Points on the moving object's top face at time 0, which become the point tracks.
  std::vector<Eigen::Vector3d> trackSeeds(int count) const;
};

enum class DemoKind {
  Room,         // a toy car slides across the floor while the camera circles the room
  PushEpisode,  // robot-style: a gripper pushes a block along the table, a fixed camera watches
};

DemoRoom makeDemoRoom();
// The robot episode in the same room: still for the first 15% of the time, then the block is
// pushed 0.8 m along the table with a smooth start and stop, then still again.
DemoRoom makePushEpisode();
DemoRoom makeDemo(DemoKind kind);

// Camera-to-world pose of a camera at `eye` looking at `target` with world +z as up, in the
// X right / Y down / Z forward camera convention.
Pose lookAt(const Eigen::Vector3d& eye, const Eigen::Vector3d& target);

}  // namespace mspa
