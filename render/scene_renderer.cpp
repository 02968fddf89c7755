#include "render/scene_renderer.h"

#include <vtkCamera.h>
#include <vtkProperty.h>

#include <algorithm>

namespace mspa::render {
namespace {

constexpr Color kFrustumColor{0.55, 0.6, 0.7};
constexpr Color kCurrentColor{1.0, 0.85, 0.1};
constexpr Color kTrajectoryColor{0.2, 0.8, 1.0};
constexpr Color kTrackColor{1.0, 0.4, 0.9};
constexpr Color kHiddenTrackColor{0.45, 0.45, 0.45};
constexpr Color kBoxColor{0.3, 1.0, 0.4};
constexpr Color kGridColor{0.6, 0.6, 0.6};

std::shared_ptr<const PointCloud> subsample(const PointCloud& cloud, std::size_t maxPoints) {
  auto out = std::make_shared<PointCloud>();
  const std::size_t step = (cloud.size() + maxPoints - 1) / maxPoints;
  for (std::size_t i = 0; i < cloud.size(); i += step) {
    out->positions.push_back(cloud.positions[i]);
    if (cloud.hasColors()) out->colors.push_back(cloud.colors[i]);
  }
  return out;
}

Bounds sceneExtent(const Scene& scene) {
  if (scene.cloud && scene.cloud->size() > 0) return scene.cloud->bounds();
  PointCloud centres;
  for (const auto& f : scene.frames) {
    if (f.cameraToWorld) centres.positions.push_back(f.cameraToWorld->translation().cast<float>());
  }
  return centres.bounds();
}

}  // namespace

SceneRenderer::SceneRenderer() : renderer_(vtkSmartPointer<vtkRenderer>::New()) {
  renderer_->GradientBackgroundOn();
  renderer_->SetBackground(0.09, 0.1, 0.12);
  renderer_->SetBackground2(0.22, 0.25, 0.3);
}

void SceneRenderer::replace(vtkSmartPointer<vtkActor>& slot, vtkSmartPointer<vtkActor> actor,
                            bool visible) {
  if (slot) renderer_->RemoveActor(slot);
  slot = std::move(actor);
  if (slot) {
    slot->SetVisibility(visible);
    renderer_->AddActor(slot);
  }
}

std::shared_ptr<const PointCloud> SceneRenderer::pointCloud() const {
  return scene_ ? scene_->cloud : nullptr;
}

void SceneRenderer::setPointCloud(std::shared_ptr<const PointCloud> cloud) {
  if (!cloud) return setScene(nullptr);
  auto scene = std::make_shared<Scene>();
  scene->kind = "ply";
  scene->cloud = std::const_pointer_cast<PointCloud>(std::move(cloud));
  setScene(std::move(scene));
}

void SceneRenderer::setScene(std::shared_ptr<const Scene> scene) {
  scene_ = std::move(scene);
  currentFrame_ = -1;
  clearMarkers();
  for (auto* slot : {&currentFrustum_, &imagePlane_, &trackPoints_, &axes_})
    replace(*slot, nullptr);
  for (std::size_t i = 0; i < layers_.size(); ++i) replace(layers_[i], nullptr);
  lodCloud_ = nullptr;
  if (scene_ && scene_->cloud && scene_->cloud->size() > kInteractivePoints) {
    lodCloud_ = subsample(*scene_->cloud, kInteractivePoints);
  }
  rebuildCloud();
  frustumDepth_ = 0.3;
  if (scene_) {
    const Bounds extent = sceneExtent(*scene_);
    const double diagonal = static_cast<double>(extent.extent().norm());
    if (diagonal > 0) frustumDepth_ = std::clamp(0.04 * diagonal, 0.05, 1.0);
    const double depth = frustumDepth_;
    const auto visible = [&](Layer l) { return layerVisible_[static_cast<int>(l)]; };
    replace(layers_[int(Layer::Frustums)], makeFrustumsActor(scene_->frames, depth, kFrustumColor),
            visible(Layer::Frustums));
    replace(layers_[int(Layer::Trajectory)], makeTrajectoryActor(scene_->frames, kTrajectoryColor),
            visible(Layer::Trajectory));
    replace(layers_[int(Layer::Tracks)], makeTracksActor(scene_->tracks, kTrackColor),
            visible(Layer::Tracks));
    replace(layers_[int(Layer::Boxes)], makeBoxesActor(scene_->instances, kBoxColor),
            visible(Layer::Boxes));
    if (diagonal > 0) {
      replace(layers_[int(Layer::Grid)], makeGroundGridActor(extent, 0.5, kGridColor),
              visible(Layer::Grid));
    }
    replace(axes_, makeAxesActor(2.5 * depth), visible(Layer::Grid));
  }
  resetCamera();
}

void SceneRenderer::rebuildCloud() {
  replace(cloudActor_, nullptr);
  replace(lodActor_, nullptr);
  if (!scene_ || !scene_->cloud) return;
  CloudStyle style;
  style.coloring = coloring_;
  if (currentFrame_ >= 0) style.viewer = scene_->frames[currentFrame_].cameraToWorld;
  replace(cloudActor_, makePointCloudActor(scene_->cloud, style), !(interacting_ && lodCloud_));
  if (lodCloud_) {
    style.pointSize = 3.0f;
    replace(lodActor_, makePointCloudActor(lodCloud_, style), interacting_);
  }
}

void SceneRenderer::setCurrentFrame(int index, const RgbImage* image) {
  if (!scene_ || index < 0 || index >= static_cast<int>(scene_->frames.size())) return;
  currentFrame_ = index;
  const Frame& frame = scene_->frames[index];
  const bool posed = frame.hasGeometry() && frame.intrinsics->width > 0;
  const bool showFrustums = layerVisible(Layer::Frustums);
  replace(currentFrustum_,
          posed ? makeFrustumsActor({frame}, frustumDepth(), kCurrentColor) : nullptr,
          showFrustums);
  if (currentFrustum_) currentFrustum_->GetProperty()->SetLineWidth(3.0f);
  replace(imagePlane_,
          posed && image && !image->empty() ? makeImagePlaneActor(frame, *image, frustumDepth())
                                            : nullptr,
          showFrustums);
  replace(trackPoints_,
          scene_->tracks.empty()
              ? nullptr
              : makeTrackPointsActor(scene_->tracks, index, kTrackColor, kHiddenTrackColor, 8.0),
          layerVisible(Layer::Tracks));
  if (coloring_ == CloudColoring::Depth) rebuildCloud();
}

void SceneRenderer::setColoring(CloudColoring coloring) {
  coloring_ = coloring;
  rebuildCloud();
}

void SceneRenderer::setLayerVisible(Layer layer, bool visible) {
  layerVisible_[static_cast<int>(layer)] = visible;
  if (auto& actor = layers_[static_cast<int>(layer)]) actor->SetVisibility(visible);
  if (layer == Layer::Frustums) {
    for (auto* actor : {currentFrustum_.Get(), imagePlane_.Get()}) {
      if (actor) actor->SetVisibility(visible);
    }
  }
  if (layer == Layer::Tracks && trackPoints_) trackPoints_->SetVisibility(visible);
  if (layer == Layer::Grid && axes_) axes_->SetVisibility(visible);
}

bool SceneRenderer::layerVisible(Layer layer) const {
  return layerVisible_[static_cast<int>(layer)];
}

void SceneRenderer::setInteracting(bool interacting) {
  interacting_ = interacting;
  if (!lodActor_) return;
  lodActor_->SetVisibility(interacting);
  cloudActor_->SetVisibility(!interacting);
}

void SceneRenderer::addMarkerPoint(const Eigen::Vector3d& point, Color color) {
  markers_.push_back(makeSphereActor(point, 0.04 * frustumDepth() / 0.3, color));
  renderer_->AddActor(markers_.back());
}

void SceneRenderer::addMarkerLine(const Eigen::Vector3d& from, const Eigen::Vector3d& to,
                                  Color color) {
  markers_.push_back(makeLineActor(from, to, color, 3.0));
  renderer_->AddActor(markers_.back());
}

void SceneRenderer::clearMarkers() {
  for (auto& m : markers_) renderer_->RemoveActor(m);
  markers_.clear();
}

void SceneRenderer::resetCamera() {
  vtkCamera* camera = renderer_->GetActiveCamera();
  double bounds[6];
  renderer_->ComputeVisiblePropBounds(bounds);
  if (bounds[0] > bounds[1]) {
    renderer_->ResetCamera();
    return;
  }
  const double center[3] = {(bounds[0] + bounds[1]) / 2, (bounds[2] + bounds[3]) / 2,
                            (bounds[4] + bounds[5]) / 2};
  camera->SetFocalPoint(center);
  camera->SetPosition(center[0] - 0.7, center[1] - 1.0, center[2] + 0.8);
  camera->SetViewUp(0, 0, 1);
  renderer_->ResetCamera(bounds);
  camera->Zoom(1.3);
  renderer_->ResetCameraClippingRange();
}

}  // namespace mspa::render
