#pragma once

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

// The synthetic demo scene's ground truth, all in one place: a furnished room (z up, metres), a toy
// that slides across the floor, and a smooth camera path. Rendering it (render/demo_scene_writer)
// turns this into frames whose depth, poses, tracks and boxes are exact by construction.
struct DemoRoom {
  std::vector<DemoObject> staticObjects;
  DemoObject movingObject;         // at its position for time 0
  Eigen::Vector3d movingStart;     // a reference point of the toy at time 0
  Eigen::Vector3d movingDistance;  // total displacement over the sequence
  Intrinsics intrinsics;

  // The toy's displacement at normalized time t in [0, 1].
  Eigen::Vector3d movingOffset(double t) const { return t * movingDistance; }
  // Camera-to-world pose at normalized time t in [0, 1].
  Pose cameraAt(double t) const;
  // Points on the toy's visible surfaces at time 0, which become the point tracks.
  std::vector<Eigen::Vector3d> trackSeeds(int count) const;
};

DemoRoom makeDemoRoom();

// Camera-to-world pose of a camera at `eye` looking at `target` with world +z as up, in the
// X right / Y down / Z forward camera convention.
Pose lookAt(const Eigen::Vector3d& eye, const Eigen::Vector3d& target);

}  // namespace mspa
