#include <catch2/catch.hpp>

#include <vtkCamera.h>
#include <vtkRenderer.h>

#include <QImage>
#include <cmath>
#include <cstdlib>

#include "tests/widgets/demo_window.h"
#include "widgets/frame_view.h"
#include "widgets/view_export.h"
#include "widgets/vtk_view_widget.h"

using namespace mspa;
using Catch::Matchers::Contains;
using widgets::ExportedView;

namespace {

// Mean absolute difference per channel (0..255) of two images of the same size.
double meanDifference(const QImage& a, const QImage& b) {
  REQUIRE(a.size() == b.size());
  const QImage x = a.convertToFormat(QImage::Format_RGB888),
               y = b.convertToFormat(QImage::Format_RGB888);
  double sum = 0;
  for (int row = 0; row < x.height(); ++row) {
    const uchar* p = x.constScanLine(row);
    const uchar* q = y.constScanLine(row);
    for (int i = 0; i < x.width() * 3; ++i) sum += std::abs(int(p[i]) - int(q[i]));
  }
  return sum / (double(x.width()) * x.height() * 3);
}

QImage exported(widgets::SceneWorkspace& workspace, ExportedView view, QSize size) {
  QString problem;
  QImage image = widgets::renderExportedView(workspace, view, size, &problem);
  INFO(problem.toStdString());
  REQUIRE(image.size() == size);
  return image;
}

}  // namespace

TEST_CASE(
    "The 3D view exports at any size with the view's own camera, and the view keeps its size") {
  test::DemoWindow demo;
  auto& workspace = *demo.workspace();
  const QImage large = exported(workspace, ExportedView::Scene3d, {1500, 1000});
  const QImage small = exported(workspace, ExportedView::Scene3d, {300, 200});
  const QImage largeDown =
      large.scaled(small.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  const double sameCamera = meanDifference(largeDown, small);
  CHECK(sameCamera < 8);

  workspace.resetCamera(120);
  const double turned =
      meanDifference(exported(workspace, ExportedView::Scene3d, {300, 200}), small);
  CHECK(turned > 3 * sameCamera);

  auto* window = workspace.view3d()->renderWindow();
  const double dpr = workspace.view3d()->devicePixelRatioF();
  CHECK(window->GetSize()[0] == int(workspace.view3d()->width() * dpr));
  CHECK(window->GetSize()[1] == int(workspace.view3d()->height() * dpr));
}

TEST_CASE("A size beyond the graphics driver's limit is refused with the reason") {
  test::DemoWindow demo;
  QString problem;
  CHECK(
      widgets::renderExportedView(*demo.workspace(), ExportedView::Scene3d, {100000, 10}, &problem)
          .isNull());
  CHECK_THAT(problem.toStdString(), Contains("100000x10") && Contains("beyond"));
  CHECK(
      widgets::renderExportedView(*demo.workspace(), ExportedView::PairFrame, {100, 100}, &problem)
          .isNull());
  CHECK_THAT(problem.toStdString(), Contains("no pair frame"));
}

TEST_CASE("A frame exports with its marks scaled to the chosen size and fitted between bands") {
  test::DemoWindow demo;
  auto& workspace = *demo.workspace();
  REQUIRE(workspace.pickPixel(0, QPointF(320, 300)));
  const widgets::FrameView* frame = workspace.frameView(0);
  REQUIRE(frame->markers().size() == 1);
  const QImage native = frame->composed();
  const QImage doubled = exported(workspace, ExportedView::Frame, native.size() * 2);
  CHECK(
      meanDifference(doubled.scaled(native.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation),
                     native) < 4);
  // The mark grows with the picture: its ring lies at twice the on-screen radius (6 pixels).
  const QColor mark = frame->markers()[0].color;
  const QPoint centre(2 * 320 + 1, 2 * 300 + 1);
  CHECK(doubled.pixelColor(centre + QPoint(12, 0)) == mark);
  CHECK(doubled.pixelColor(centre + QPoint(6, 0)) != mark);

  const QImage square = exported(workspace, ExportedView::Frame, {native.width(), native.width()});
  CHECK(square.pixelColor(5, 5) == QColor(30, 32, 36));
  CHECK(square.pixelColor(native.width() / 2, native.width() / 2) != QColor(30, 32, 36));
}

TEST_CASE("Exporting into a folder that does not exist names the file, and the next export works") {
  test::DemoWindow demo;
  QString problem;
  const std::string bad = demo.dir.file("missing/view.png");
  CHECK_FALSE(demo.window.exportView(ExportedView::Scene3d, {400, 300}, QString::fromStdString(bad),
                                     &problem));
  CHECK_THAT(problem.toStdString(), Contains(bad) && Contains("cannot write"));
  const std::string good = demo.dir.file("view.png");
  REQUIRE(demo.window.exportView(ExportedView::Scene3d, {400, 300}, QString::fromStdString(good)));
  CHECK(QImage(QString::fromStdString(good)).size() == QSize(400, 300));
  CHECK_THAT(demo.window.logText().toStdString(), Contains("Saved the 3d view at 400x300"));
}
