#include <catch2/catch.hpp>

#include <vtkCamera.h>

#include <QImage>
#include <QSignalSpy>
#include <QTest>
#include <QWheelEvent>

#include "render/scene_renderer.h"
#include "tests/support/test_clouds.h"
#include "tests/widgets/gui_test_helpers.h"
#include "widgets/vtk_view_widget.h"

using namespace mspa;

namespace {

struct ViewFixture {
  render::SceneRenderer scene;
  widgets::VtkViewWidget view;

  ViewFixture() {
    scene.setPointCloud(
        std::make_shared<PointCloud>(test::coloredSquare(1.0f, 0.5f, {20, 200, 40})));
    vtkCamera* camera = scene.renderer()->GetActiveCamera();
    camera->SetFocalPoint(0, 0, 0.5);
    camera->SetPosition(0, 0, 6);
    camera->SetViewUp(0, 1, 0);
    scene.renderer()->ResetCameraClippingRange();
    view.addRenderer(scene.renderer());
    view.resize(320, 240);
    view.show();
    REQUIRE(QTest::qWaitForWindowExposed(&view));
  }

  QImage frame() { return view.grabFramebuffer(); }
  QPoint centre() const { return {view.width() / 2, view.height() / 2}; }
};

}  // namespace

TEST_CASE("The VTK view renders the scene into the Qt widget") {
  ViewFixture f;
  const QImage image = f.frame();
  REQUIRE(image.size() == QSize(320, 240) * f.view.devicePixelRatio());
  CHECK(image.pixelColor(image.width() / 2, image.height() / 2) == QColor(20, 200, 40));
  const QColor corner = image.pixelColor(3, 3);
  CHECK(corner.green() < 100);
  CHECK(corner.alpha() == 255);
}

TEST_CASE("Dragging in the VTK view rotates the camera and changes the picture") {
  ViewFixture f;
  const QImage before = f.frame();
  double positionBefore[3], positionAfter[3];
  f.scene.renderer()->GetActiveCamera()->GetPosition(positionBefore);
  test::drag(&f.view, f.centre(), f.centre() + QPoint(80, 30));
  f.scene.renderer()->GetActiveCamera()->GetPosition(positionAfter);
  CHECK(positionAfter[0] != Approx(positionBefore[0]).margin(1e-3));
  CHECK(f.frame() != before);
}

TEST_CASE("The mouse wheel zooms the VTK view") {
  ViewFixture f;
  vtkCamera* camera = f.scene.renderer()->GetActiveCamera();
  const double before = camera->GetDistance();
  QWheelEvent wheel(QPointF(f.centre()), f.view.mapToGlobal(QPointF(f.centre())), QPoint(),
                    QPoint(0, 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(&f.view, &wheel);
  CHECK(camera->GetDistance() < before);
}

TEST_CASE("A click in the VTK view picks the 3D point under the cursor") {
  ViewFixture f;
  QSignalSpy picked(&f.view, &widgets::VtkViewWidget::pointPicked);
  QTest::mouseClick(&f.view, Qt::LeftButton, Qt::NoModifier, f.centre());
  REQUIRE(picked.size() == 1);
  CHECK(picked[0][0].toDouble() == Approx(0.0).margin(0.05));
  CHECK(picked[0][1].toDouble() == Approx(0.0).margin(0.05));
  CHECK(picked[0][2].toDouble() == Approx(0.5).margin(1e-4));
  CHECK(picked[0][3].toLongLong() >= 0);

  // Outside the square there is nothing to pick.
  QTest::mouseClick(&f.view, Qt::LeftButton, Qt::NoModifier, QPoint(3, 3));
  CHECK(picked.size() == 1);
}
