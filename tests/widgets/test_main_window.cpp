#include <catch2/catch.hpp>

#include <QApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QImage>
#include <QMessageBox>
#include <QMimeData>
#include <QSignalSpy>
#include <QTest>

#include "core/demo_cloud.h"
#include "core/ply_writer.h"
#include "tests/support/temp_dir.h"
#include "tests/widgets/gui_test_helpers.h"
#include "widgets/main_window.h"
#include "widgets/scene_panel.h"
#include "widgets/vtk_view_widget.h"

using namespace mspa;

namespace {

struct WindowFixture {
  test::TempDir dir;
  widgets::MainWindow window;
  QSignalSpy finished{&window, &widgets::MainWindow::loadFinished};

  WindowFixture() {
    window.resize(1300, 700);
    window.show();
    REQUIRE(QTest::qWaitForWindowExposed(&window));
  }

  // Opens a file and waits for the outcome; returns (ok, message).
  std::pair<bool, QString> open(const std::string& path) {
    finished.clear();
    window.openScene(QString::fromStdString(path));
    REQUIRE(test::waitFor(finished));
    return {finished.last()[0].toBool(), finished.last()[1].toString()};
  }
};

}  // namespace

TEST_CASE("The main window loads a point cloud off the GUI thread and describes it") {
  WindowFixture f;
  writePly(f.dir.file("room.ply"), makeDemoCloud(100'000));
  const auto [ok, message] = f.open(f.dir.file("room.ply"));
  REQUIRE(ok);
  CHECK(message.contains("100000 points"));
  REQUIRE(f.window.scene());
  REQUIRE(f.window.scene()->cloud);
  CHECK(f.window.scene()->cloud->size() == 100'000);
  CHECK(f.window.scenePanel()->summary().contains("cloud:      100000 points, 0 triangles, rgb"));
  CHECK(f.window.windowTitle().startsWith("room"));
}

TEST_CASE("A bad file shows an error naming it and keeps the loaded cloud") {
  WindowFixture f;
  writePly(f.dir.file("good.ply"), makeDemoCloud(5'000));
  REQUIRE(f.open(f.dir.file("good.ply")).first);
  const auto shown = f.window.scene();

  for (const std::string name : {"missing.ply", "empty.ply", "notply.ply", "truncated.ply"}) {
    INFO(name);
    if (name == "empty.ply") test::writeFile(f.dir.file(name), "");
    if (name == "notply.ply") test::writeFile(f.dir.file(name), "hello, world\n");
    if (name == "truncated.ply") {
      test::writeFile(f.dir.file(name),
                      "ply\nformat binary_little_endian 1.0\nelement vertex 1000\n"
                      "property float x\nproperty float y\nproperty float z\nend_header\n1234");
    }
    const auto [ok, message] = f.open(f.dir.file(name));
    CHECK_FALSE(ok);
    CHECK(message.contains(QString::fromStdString(f.dir.file(name))));
    CHECK(f.window.scene() == shown);
    QMessageBox* box = f.window.findChild<QMessageBox*>();
    REQUIRE(box);
    CHECK(box->isVisible());
    CHECK(box->text() == message);
    box->close();
    QTest::qWait(1);  // let the dialog delete itself
    CHECK(f.window.logText().contains(message));
  }
  // The window still works afterwards.
  CHECK(f.open(f.dir.file("good.ply")).first);
}

TEST_CASE("Loading can be cancelled and leaves the scene as it was") {
  WindowFixture f;
  writePly(f.dir.file("big.ply"), makeDemoCloud(2'000'000));
  f.finished.clear();
  f.window.openScene(QString::fromStdString(f.dir.file("big.ply")));
  f.window.cancelLoading();
  REQUIRE(test::waitFor(f.finished));
  CHECK_FALSE(f.finished.last()[0].toBool());
  CHECK(f.finished.last()[1].toString() == "cancelled");
  CHECK_FALSE(f.window.scene());
}

TEST_CASE("A screenshot of the window shows the rendered cloud") {
  WindowFixture f;
  PointCloud cloud = makeDemoCloud(200'000);
  writePly(f.dir.file("room.ply"), cloud);
  REQUIRE(f.open(f.dir.file("room.ply")).first);
  const QString path = QString::fromStdString(f.dir.file("shot.png"));
  REQUIRE(f.window.saveScreenshot(path));
  const QImage shot(path);
  REQUIRE(shot.size() == f.window.size() * f.window.devicePixelRatio());
  // The demo room's red table must be visible in the 3D view area.
  const QRect viewArea(f.window.view3d()->mapTo(&f.window, QPoint(0, 0)),
                       f.window.view3d()->size());
  int reddish = 0;
  for (int y = viewArea.top(); y < viewArea.bottom(); y += 2) {
    for (int x = viewArea.left(); x < viewArea.right(); x += 2) {
      const QColor c = shot.pixelColor(x, y);
      if (c.red() > 180 && c.green() < 80 && c.blue() < 80) ++reddish;
    }
  }
  CHECK(reddish > 200);
}

TEST_CASE("A scene dropped on the window opens like File > Open") {
  WindowFixture f;
  writePly(f.dir.file("dropped.ply"), makeDemoCloud(2'000));
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(QString::fromStdString(f.dir.file("dropped.ply")))});
  QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(&f.window, &enter);
  CHECK(enter.isAccepted());
  QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  f.finished.clear();
  QApplication::sendEvent(&f.window, &drop);
  REQUIRE(test::waitFor(f.finished));
  CHECK(f.finished.last()[0].toBool());
  REQUIRE(f.window.scene());
  CHECK(f.window.scene()->cloud->size() == 2'000);

  QMimeData text;
  text.setText("not a file");
  QDragEnterEvent refused(QPoint(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
  refused.setAccepted(false);
  QApplication::sendEvent(&f.window, &refused);
  CHECK_FALSE(refused.isAccepted());
}
