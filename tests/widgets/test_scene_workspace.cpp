#include <catch2/catch.hpp>

#include <vtkDataSet.h>
#include <vtkMapper.h>

#include <QSignalSpy>
#include <QTest>
#include <filesystem>

#include "core/demo_room.h"
#include "core/geometry.h"
#include "render/demo_scene_writer.h"
#include "tests/support/temp_dir.h"
#include "tests/widgets/demo_window.h"
#include "tests/widgets/gui_test_helpers.h"
#include "widgets/frame_view.h"
#include "widgets/main_window.h"
#include "widgets/scene_panel.h"
#include "widgets/scene_workspace.h"
#include "widgets/timeline.h"

using namespace mspa;
using widgets::SceneWorkspace;

namespace {

// The middle of the table's front face, which every demo camera sees nearly head-on.
const Eigen::Vector3d kTableFront(3.0, 2.0, 0.4);

}  // namespace

TEST_CASE("Opening the demo scene fills the panel, the timeline and the frame view") {
  test::DemoWindow w;
  CHECK(w.window.scenePanel()->summary().contains("frames:     8 (00000 .. 00035)"));
  CHECK(w.window.scenePanel()->problems().isEmpty());
  CHECK(w.window.timeline()->count() == 8);
  CHECK(w.workspace()->currentFrame() == 0);
  CHECK(w.workspace()->frameView(0)->hasImage());
  CHECK(w.workspace()->frameView(0)->imageSize() == QSize(640, 480));
  CHECK_FALSE(w.workspace()->frameView(1)->isVisible());
}

TEST_CASE("The timeline drives the frame views and the 3D current frame") {
  test::DemoWindow w;
  w.window.timeline()->setCurrent(5);
  CHECK(w.workspace()->currentFrame() == 5);
  CHECK(w.workspace()->renderer().currentFrame() == 5);
  CHECK(w.window.timeline()->label().contains("00025"));
  QTest::keyClick(&w.window, Qt::Key_Right);
  CHECK(w.workspace()->currentFrame() == 6);
  QTest::keyClick(&w.window, Qt::Key_Left);
  QTest::keyClick(&w.window, Qt::Key_Left);
  CHECK(w.workspace()->currentFrame() == 4);
  w.window.timeline()->setPlaying(true);
  QTest::qWait(450);  // 10 fps
  w.window.timeline()->setPlaying(false);
  CHECK(w.workspace()->currentFrame() != 4);
}

TEST_CASE("The depth overlay changes the frame picture") {
  test::DemoWindow w;
  const QImage plain = w.workspace()->frameView(0)->composed();
  w.workspace()->setDepthOverlay(true, 0.8);
  const QImage overlaid = w.workspace()->frameView(0)->composed();
  CHECK(overlaid != plain);
  w.workspace()->setDepthOverlay(false, 0.8);
  CHECK(w.workspace()->frameView(0)->composed() == plain);
}

TEST_CASE("Picking a pixel places its 3D point and its reprojection in the paired frame") {
  test::DemoWindow w;
  w.window.timeline()->setCurrent(2);
  w.workspace()->setPairFrame(5);
  REQUIRE(w.workspace()->frameView(1)->isVisible());
  const QPointF pixel = w.pixelOf(2, kTableFront);
  REQUIRE(w.workspace()->pickPixel(0, pixel));
  const auto& pick = w.workspace()->pick();
  REQUIRE(pick);
  CHECK((pick->world - kTableFront).norm() < 0.01);
  REQUIRE(pick->inOther);
  const QPointF expected = w.pixelOf(5, kTableFront);
  CHECK(std::hypot(pick->inOther->pixel.x() - expected.x(),
                   pick->inOther->pixel.y() - expected.y()) < 2.0);
  CHECK(pick->inOther->visibility == Visibility::Visible);
  // Markers in both frames and in 3D (point, its ray, the other camera's ray).
  REQUIRE(w.workspace()->frameView(0)->markers().size() == 1);
  REQUIRE(w.workspace()->frameView(1)->markers().size() == 1);
  CHECK(w.workspace()->frameView(1)->markers()[0].label == "visible");
  CHECK(w.workspace()->renderer().markerCount() == 3);
  CHECK(w.window.statusText().contains("in frame 00025"));
  // Changing the paired frame moves the reprojection with it.
  w.workspace()->setPairFrame(6);
  REQUIRE(pick->inOther);
  const QPointF moved = w.pixelOf(6, kTableFront);
  CHECK(std::hypot(pick->inOther->pixel.x() - moved.x(), pick->inOther->pixel.y() - moved.y()) <
        2.0);
}

TEST_CASE("Clicks on the frame view pick and clicks outside the image do nothing") {
  test::DemoWindow w;
  auto* view = w.workspace()->frameView(0);
  const QPointF pixel = w.pixelOf(0, kTableFront);
  QTest::mouseClick(view, Qt::LeftButton, Qt::NoModifier, view->widgetFromImage(pixel).toPoint());
  REQUIRE(w.workspace()->pick());
  CHECK((w.workspace()->pick()->world - kTableFront).norm() < 0.02);
  w.workspace()->pickPixel(0, {-100, -100});
  QTest::mouseClick(view, Qt::LeftButton, Qt::NoModifier, QPoint(1, 1));  // letterbox margin
  CHECK((w.workspace()->pick()->world - kTableFront).norm() < 0.02);
}

TEST_CASE("Hovering reads out the pixel in MultiSPA's normalized coordinates and its depth") {
  test::DemoWindow w;
  auto* view = w.workspace()->frameView(0);
  const QPointF centre = view->widgetFromImage({320, 240});
  QMouseEvent move(QEvent::MouseMove, centre, view->mapToGlobal(centre), Qt::NoButton, Qt::NoButton,
                   Qt::NoModifier);
  QApplication::sendEvent(view, &move);
  CHECK(w.window.statusText().contains("[ 500 , 500 ]"));
  CHECK(w.window.statusText().contains("depth"));
}

TEST_CASE("Shift-clicks measure the distance between two 3D points") {
  test::DemoWindow w;
  const Eigen::Vector3d a(3.0, 2.45, 0.75), b(2.5, 2.3, 0.75);  // both on the table top
  auto* view = w.workspace()->frameView(0);
  for (const auto& p : {a, b}) {
    QTest::mouseClick(view, Qt::LeftButton, Qt::ShiftModifier,
                      view->widgetFromImage(w.pixelOf(0, p)).toPoint());
  }
  REQUIRE(w.workspace()->measuredDistance());
  CHECK(*w.workspace()->measuredDistance() == Approx((a - b).norm()).margin(0.02));
  CHECK(w.window.statusText().startsWith("Distance"));
}

TEST_CASE("A frame whose image is missing says so and the others still show") {
  test::DemoWindow w;
  std::filesystem::remove(std::filesystem::path(w.folder) / "00010.jpg");
  w.window.timeline()->setCurrent(2);
  CHECK_FALSE(w.workspace()->frameView(0)->hasImage());
  CHECK(w.workspace()->frameView(0)->message().contains("00010.jpg"));
  CHECK(w.window.logText().contains("00010.jpg"));
  w.window.timeline()->setCurrent(3);
  CHECK(w.workspace()->frameView(0)->hasImage());
}

TEST_CASE("Large clouds switch to a subsample while the camera moves") {
  render::SceneRenderer renderer;
  auto cloud = std::make_shared<PointCloud>();
  cloud->positions.assign(render::SceneRenderer::kInteractivePoints * 2, Eigen::Vector3f(1, 2, 3));
  renderer.setPointCloud(cloud);
  REQUIRE(renderer.interactiveCloudActor());
  CHECK(renderer.pointCloudActor()->GetVisibility());
  renderer.setInteracting(true);
  CHECK_FALSE(renderer.pointCloudActor()->GetVisibility());
  CHECK(renderer.interactiveCloudActor()->GetVisibility());
  CHECK(renderer.interactiveCloudActor()->GetMapper()->GetInput()->GetNumberOfPoints() <=
        static_cast<vtkIdType>(render::SceneRenderer::kInteractivePoints));
  renderer.setInteracting(false);
  CHECK(renderer.pointCloudActor()->GetVisibility());
}
