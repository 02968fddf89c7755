#include "render/scene_renderer.h"

#include <vtkCamera.h>

#include "render/point_cloud_actor.h"

namespace mspa::render {

SceneRenderer::SceneRenderer() : renderer_(vtkSmartPointer<vtkRenderer>::New()) {
  renderer_->GradientBackgroundOn();
  renderer_->SetBackground(0.09, 0.1, 0.12);
  renderer_->SetBackground2(0.22, 0.25, 0.3);
}

void SceneRenderer::setPointCloud(std::shared_ptr<const PointCloud> cloud) {
  if (cloudActor_) renderer_->RemoveActor(cloudActor_);
  cloudActor_ = nullptr;
  cloud_ = std::move(cloud);
  if (cloud_) {
    cloudActor_ = makePointCloudActor(cloud_);
    renderer_->AddActor(cloudActor_);
  }
  resetCamera();
}

void SceneRenderer::resetCamera() {
  vtkCamera* camera = renderer_->GetActiveCamera();
  double bounds[6];
  renderer_->ComputeVisiblePropBounds(bounds);
  if (bounds[0] > bounds[1]) {
    renderer_->ResetCamera();
    return;
  }
  const double center[3] = {(bounds[0] + bounds[1]) / 2, (bounds[2] + bounds[3]) / 2, (bounds[4] + bounds[5]) / 2};
  camera->SetFocalPoint(center);
  camera->SetPosition(center[0] - 0.7, center[1] - 1.0, center[2] + 0.8);
  camera->SetViewUp(0, 0, 1);
  renderer_->ResetCamera(bounds);
  camera->Zoom(1.3);
  renderer_->ResetCameraClippingRange();
}

}  // namespace mspa::render
