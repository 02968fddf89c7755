#pragma once

#include <vtkActor.h>
#include <vtkSmartPointer.h>

#include <memory>

#include <optional>

#include "core/camera.h"
#include "core/point_cloud.h"

namespace mspa::render {

enum class CloudColoring { Rgb, Height, Depth };

struct CloudStyle {
  CloudColoring coloring =
      CloudColoring::Rgb;      // Rgb falls back to Height for clouds without colour
  std::optional<Pose> viewer;  // the camera Depth colouring measures from
  float pointSize = 2.0f;
};

// An actor drawing `cloud` as a surface when it has triangles, else every point as a vertex,
// coloured as `style` says. The VTK arrays
// alias the cloud's memory, so the cloud must outlive the actor; the returned actor keeps a
// reference to it for that reason.
vtkSmartPointer<vtkActor> makePointCloudActor(std::shared_ptr<const PointCloud> cloud,
                                              const CloudStyle& style = {});

}  // namespace mspa::render
