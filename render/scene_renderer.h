#pragma once

#include <vtkActor.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>

#include <memory>

#include "core/point_cloud.h"

namespace mspa::render {

// The 3D scene: owns the VTK renderer and the actors that show the loaded content. Knows nothing
// of windows, so the same scene renders into the Qt view, offscreen for tests, or to a file.
class SceneRenderer {
 public:
  SceneRenderer();

  vtkRenderer* renderer() const { return renderer_; }

  // Replaces the shown cloud (nullptr clears it) and frames the camera on it.
  void setPointCloud(std::shared_ptr<const PointCloud> cloud);
  const std::shared_ptr<const PointCloud>& pointCloud() const { return cloud_; }
  vtkActor* pointCloudActor() const { return cloudActor_; }

  // Looks at the content from above and to the side, with +z up (MultiSPA worlds are z-up).
  void resetCamera();

 private:
  vtkSmartPointer<vtkRenderer> renderer_;
  vtkSmartPointer<vtkActor> cloudActor_;
  std::shared_ptr<const PointCloud> cloud_;
};

}  // namespace mspa::render
