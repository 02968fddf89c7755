#pragma once

#include <vtkActor.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>

#include <array>
#include <memory>
#include <vector>

#include "core/scene.h"
#include "render/point_cloud_actor.h"
#include "render/scene_actors.h"

namespace mspa::render {

enum class Layer { Frustums, Trajectory, Tracks, Boxes, Grid };  // Grid includes the world axes

// The 3D scene: owns the VTK renderer and the actors that show a loaded scene (cloud, camera
// frustums with the current frame's image, trajectory, tracks, boxes, ground grid) and the
// markers that picking places. Knows nothing of windows, so the same scene renders into the Qt
// view, offscreen for tests, or to a file.
class SceneRenderer {
 public:
  // Above this many points the cloud is drawn subsampled while the camera moves.
  static constexpr std::size_t kInteractivePoints = 300'000;

  SceneRenderer();

  vtkRenderer* renderer() const { return renderer_; }

  // Replaces everything shown (nullptr clears) and frames the camera on it.
  void setScene(std::shared_ptr<const Scene> scene);
  // A scene holding only this cloud.
  void setPointCloud(std::shared_ptr<const PointCloud> cloud);
  const std::shared_ptr<const Scene>& scene() const { return scene_; }
  std::shared_ptr<const PointCloud> pointCloud() const;

  // Highlights a frame: its frustum, its image on it (when given), the tracks' positions then,
  // and the depth colouring's viewpoint.
  void setCurrentFrame(int index, const RgbImage* image);
  int currentFrame() const { return currentFrame_; }

  void setColoring(CloudColoring coloring);
  CloudColoring coloring() const { return coloring_; }
  void setLayerVisible(Layer layer, bool visible);
  bool layerVisible(Layer layer) const;

  // While true, a large cloud is replaced by its subsample so that interaction stays fluid.
  void setInteracting(bool interacting);
  vtkActor* pointCloudActor() const { return cloudActor_; }
  vtkActor* interactiveCloudActor() const { return lodActor_; }

  void addMarkerPoint(const Eigen::Vector3d& point, Color color);
  void addMarkerLine(const Eigen::Vector3d& from, const Eigen::Vector3d& to, Color color);
  void clearMarkers();
  std::size_t markerCount() const { return markers_.size(); }

  // Looks at the content from above and to the side, with +z up (MultiSPA worlds are z-up).
  void resetCamera();
  // Size of frustums and markers, from the scene's extent (fixed when the scene is set).
  double frustumDepth() const { return frustumDepth_; }

 private:
  void rebuildCloud();
  void replace(vtkSmartPointer<vtkActor>& slot, vtkSmartPointer<vtkActor> actor,
               bool visible = true);

  vtkSmartPointer<vtkRenderer> renderer_;
  std::shared_ptr<const Scene> scene_;
  std::shared_ptr<const PointCloud> lodCloud_;
  vtkSmartPointer<vtkActor> cloudActor_, lodActor_;
  std::array<vtkSmartPointer<vtkActor>, 5> layers_;  // indexed by Layer
  std::array<bool, 5> layerVisible_{true, true, true, true, true};
  vtkSmartPointer<vtkActor> currentFrustum_, imagePlane_, trackPoints_, axes_;
  std::vector<vtkSmartPointer<vtkActor>> markers_;
  CloudColoring coloring_ = CloudColoring::Rgb;
  int currentFrame_ = -1;
  bool interacting_ = false;
  double frustumDepth_ = 0.3;
};

}  // namespace mspa::render
