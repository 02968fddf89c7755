#pragma once

// Actors for the parts of a scene other than its point cloud. Each function builds one actor from
// core data; SceneRenderer decides which are shown.

#include <vtkActor.h>
#include <vtkSmartPointer.h>

#include <array>
#include <vector>

#include "core/image.h"
#include "core/scene.h"

namespace mspa::render {

using Color = std::array<double, 3>;

// Wireframe pyramids for every posed frame: the camera centre joined to the image corners at
// `depth` metres.
vtkSmartPointer<vtkActor> makeFrustumsActor(const std::vector<Frame>& frames, double depth,
                                            Color color);

// The frame's image on its frustum's far rectangle (a textured quad), for the current frame.
vtkSmartPointer<vtkActor> makeImagePlaneActor(const Frame& frame, const RgbImage& image,
                                              double depth);

// The polyline through the camera centres in frame order.
vtkSmartPointer<vtkActor> makeTrajectoryActor(const std::vector<Frame>& frames, Color color);

// One polyline per track through its positions (visible or not).
vtkSmartPointer<vtkActor> makeTracksActor(const std::vector<PointTrack>& tracks, Color color);

// Where each track is at one frame: visible points in `visible`, hidden ones in `hidden`.
vtkSmartPointer<vtkActor> makeTrackPointsActor(const std::vector<PointTrack>& tracks, int frame,
                                               Color visible, Color hidden, double pointSize);

// Edges of each instance's box.
vtkSmartPointer<vtkActor> makeBoxesActor(const std::vector<ObjectInstance>& instances, Color color);

// Lines every `spacing` metres on the plane z = 0 over the given extent.
vtkSmartPointer<vtkActor> makeGroundGridActor(const Bounds& extent, double spacing, Color color);

// The world axes at the origin: x red, y green, z blue, `length` metres long.
vtkSmartPointer<vtkActor> makeAxesActor(double length);

// A small sphere and a line, for picked points, rays and measurements.
vtkSmartPointer<vtkActor> makeSphereActor(const Eigen::Vector3d& centre, double radius,
                                          Color color);
vtkSmartPointer<vtkActor> makeLineActor(const Eigen::Vector3d& from, const Eigen::Vector3d& to,
                                        Color color, double width = 2.0);

}  // namespace mspa::render
