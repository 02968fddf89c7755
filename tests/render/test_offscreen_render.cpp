#include <catch2/catch.hpp>

#include <vtkCamera.h>
#include <vtkImageData.h>

#include <functional>

#include "core/demo_room.h"
#include "core/input_error.h"
#include "render/offscreen_render.h"
#include "render/point_cloud_actor.h"
#include "render/scene_renderer.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_clouds.h"

using namespace mspa;

namespace {

mspa::Rgb8 pixel(vtkImageData* image, int x, int y) {
  const auto* p = static_cast<unsigned char*>(image->GetScalarPointer(x, y, 0));
  return {p[0], p[1], p[2]};
}

// Camera straight above the origin looking down -z, so the square fills the image centre. The
// grid and axes are hidden: these tests look at the cloud's own colours.
void lookDown(render::SceneRenderer& scene, double height) {
  scene.setLayerVisible(render::Layer::Grid, false);
  vtkCamera* camera = scene.renderer()->GetActiveCamera();
  camera->SetFocalPoint(0, 0, 0);
  camera->SetPosition(0, 0, height);
  camera->SetViewUp(0, 1, 0);
  scene.renderer()->ResetCameraClippingRange();
}

}  // namespace

TEST_CASE("A coloured cloud renders in its colours over the background") {
  render::SceneRenderer scene;
  scene.setPointCloud(std::make_shared<PointCloud>(test::coloredSquare(1.0f, 0.0f, {230, 20, 20})));
  lookDown(scene, 6.0);
  const auto image = render::renderOffscreen(scene.renderer(), 200, 150);
  const int* size = image->GetDimensions();
  REQUIRE(size[0] == 200);
  REQUIRE(size[1] == 150);
  CHECK(pixel(image, 100, 75) == Rgb8{230, 20, 20});
  const Rgb8 corner = pixel(image, 2, 2);
  CHECK(corner[0] < 100);  // the dark gradient background, not the cloud
  CHECK(std::abs(int(corner[0]) - int(corner[2])) < 40);
}

TEST_CASE("A cloud without colours is coloured by height") {
  PointCloud cloud;
  for (int i = 0; i < 200; ++i) {
    for (int j = 0; j < 200; ++j) cloud.positions.emplace_back(i / 100.f - 1, 0, j / 100.f - 1);
  }
  render::SceneRenderer scene;
  scene.setPointCloud(std::make_shared<PointCloud>(std::move(cloud)));
  scene.setLayerVisible(render::Layer::Grid, false);
  vtkCamera* camera = scene.renderer()->GetActiveCamera();
  camera->SetFocalPoint(0, 0, 0);
  camera->SetPosition(0, -6, 0);
  camera->SetViewUp(0, 0, 1);
  scene.renderer()->ResetCameraClippingRange();
  const auto image = render::renderOffscreen(scene.renderer(), 200, 200);
  const Rgb8 low = pixel(image, 100, 75);  // rows are bottom-up: y small is low z
  const Rgb8 high = pixel(image, 100, 125);
  CHECK(low[2] > low[0]);    // blue at the bottom
  CHECK(high[0] > high[2]);  // red at the top
}

TEST_CASE("The cloud actor keeps the points it aliases alive") {
  auto cloud = std::make_shared<PointCloud>(test::coloredSquare(1.0f, 0.0f, {1, 2, 3}, 10));
  std::weak_ptr<PointCloud> watch = cloud;
  auto actor = render::makePointCloudActor(std::move(cloud));
  CHECK_FALSE(watch.expired());
  actor = nullptr;
  CHECK(watch.expired());
}

TEST_CASE("Scene camera frames the cloud from above with z up") {
  render::SceneRenderer scene;
  scene.setPointCloud(std::make_shared<PointCloud>(test::coloredSquare(2.0f, 1.0f, {1, 2, 3}, 20)));
  double position[3], up[3];
  scene.renderer()->GetActiveCamera()->GetPosition(position);
  scene.renderer()->GetActiveCamera()->GetViewUp(up);
  CHECK(position[2] > 1.0);
  CHECK(up[2] > 0.5);
  scene.setPointCloud(nullptr);
  CHECK(scene.renderer()->GetActors()->GetNumberOfItems() == 0);
}

TEST_CASE("Writing a PNG into a missing folder names the path") {
  render::SceneRenderer scene;
  const auto image = render::renderOffscreen(scene.renderer(), 8, 8);
  CHECK_THROWS_AS(render::writePng(image, "/nonexistent/folder/x.png"), InputError);
  test::TempDir dir;
  render::writePng(image, dir.file("x.png"));
  CHECK(std::filesystem::file_size(dir.file("x.png")) > 0);
}

namespace {

int visibleActors(vtkRenderer* renderer) {
  int n = 0;
  auto* actors = renderer->GetActors();
  actors->InitTraversal();
  while (vtkActor* a = actors->GetNextActor()) n += a->GetVisibility() ? 1 : 0;
  return n;
}

bool hasPixel(vtkImageData* image, const std::function<bool(const Rgb8&)>& test) {
  const int* size = image->GetDimensions();
  for (int y = 0; y < size[1]; ++y) {
    for (int x = 0; x < size[0]; ++x) {
      if (test(pixel(image, x, y))) return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("Scene layers: frustums, current frame with its image, trajectory, tracks, boxes, grid") {
  auto scene = std::make_shared<Scene>();
  for (int i = 0; i < 3; ++i) {
    Frame f;
    f.name = std::to_string(i);
    f.intrinsics = Intrinsics{50, 50, 31.5, 23.5, 64, 48};
    f.cameraToWorld = lookAt({0.5 * i, -3, 1}, {0.5 * i, 0, 1});
    scene->frames.push_back(f);
  }
  scene->tracks.push_back({"p", {{0, 0, 0}, {0, 0, 0.1}, {0, 0, 0.2}}, {true, false, true}});
  scene->instances.push_back({1, "box", {{-0.5f, -0.5f, 0}, {0.5f, 0.5f, 1}}, {}});
  render::SceneRenderer renderer;
  renderer.setScene(scene);
  const int base = visibleActors(renderer.renderer());
  CHECK(base == 6);  // frustums, trajectory, tracks, boxes, grid, axes (no cloud)
  RgbImage magenta{64, 48, std::vector<std::uint8_t>(64 * 48 * 3)};
  for (std::size_t i = 0; i < magenta.pixels.size(); i += 3)
    magenta.pixels[i] = magenta.pixels[i + 2] = 255;
  renderer.setCurrentFrame(1, &magenta);
  CHECK(visibleActors(renderer.renderer()) ==
        base + 3);  // highlighted frustum, image plane, track points
  renderer.setLayerVisible(render::Layer::Frustums, false);
  CHECK(visibleActors(renderer.renderer()) == base + 3 - 3);
  renderer.setLayerVisible(render::Layer::Frustums, true);

  // Looking at the current camera from behind, its image fills the middle of the picture.
  vtkCamera* camera = renderer.renderer()->GetActiveCamera();
  camera->SetPosition(0.5, -3.6, 1);
  camera->SetFocalPoint(0.5, 0, 1);
  camera->SetViewUp(0, 0, 1);
  renderer.renderer()->ResetCameraClippingRange();
  const auto image = render::renderOffscreen(renderer.renderer(), 200, 150);
  CHECK(hasPixel(image, [](const Rgb8& c) { return c[0] > 200 && c[1] < 60 && c[2] > 200; }));
  CHECK(hasPixel(image, [](const Rgb8& c) {
    return c[0] > 200 && c[1] > 180 && c[2] < 80;
  }));  // yellow frustum
}
