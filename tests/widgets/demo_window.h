#pragma once

#include <QSignalSpy>
#include <QTest>
#include <cmath>
#include <string>

#include "core/geometry.h"
#include "render/demo_scene_writer.h"
#include "tests/support/temp_dir.h"
#include "tests/widgets/gui_test_helpers.h"
#include "widgets/main_window.h"
#include "widgets/scene_workspace.h"

namespace mspa::test {

// The demo scene (8 frames) open in a main window.
struct DemoWindow {
  test::TempDir dir;
  std::string folder = (dir.path() / "demo").string();
  widgets::MainWindow window;

  explicit DemoWindow(int frames = 8, int tracks = 9) {
    render::DemoSceneOptions options;
    options.frames = frames;
    options.tracks = tracks;
    render::writeDemoScene(folder, options);
    window.setInteractive(false);
    window.resize(1800, 1000);
    window.show();
    REQUIRE(QTest::qWaitForWindowExposed(&window));
    QSignalSpy finished(&window, &widgets::MainWindow::loadFinished);
    window.openScene(QString::fromStdString(folder));
    REQUIRE(waitFor(finished));
    REQUIRE(finished.last()[0].toBool());
  }
  widgets::SceneWorkspace* workspace() const { return window.workspace(); }
  const Frame& frame(int i) const { return window.scene()->frames[i]; }
  // The pixel (centre) where a world point appears in a frame.
  QPointF pixelOf(int frameIndex, const Eigen::Vector3d& world) const {
    const Frame& f = frame(frameIndex);
    const Eigen::Vector2d p = project(*f.intrinsics, f.cameraToWorld->inverse() * world);
    return {std::round(p.x()), std::round(p.y())};
  }
};

}  // namespace mspa::test
