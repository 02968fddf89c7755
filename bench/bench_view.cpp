// 3D view benchmark: render times of a large coloured cloud in the Qt-hosted VTK view, at rest
// (full cloud) and while the camera moves (level-of-detail subsample). Run under Xvfb or a display.
//   bench_view [POINTS] [FRAMES]
#include <vtkCamera.h>

#include <QApplication>
#include <QElapsedTimer>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "core/demo_cloud.h"
#include "render/scene_renderer.h"
#include "widgets/surface_format.h"
#include "widgets/vtk_view_widget.h"

namespace {

// Median milliseconds of `frames` repaints, rotating the camera a little before each.
double medianRenderMs(mspa::widgets::VtkViewWidget& view, mspa::render::SceneRenderer& scene,
                      int frames) {
  std::vector<double> times;
  for (int i = 0; i < frames; ++i) {
    scene.renderer()->GetActiveCamera()->Azimuth(2.0);
    QElapsedTimer timer;
    timer.start();
    view.repaint();
    view.grabFramebuffer();  // waits for the GPU (llvmpipe) to finish
    times.push_back(static_cast<double>(timer.nsecsElapsed()) / 1e6);
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  mspa::widgets::setVtkSurfaceFormat();
  QApplication app(argc, argv);
  const std::size_t points = argc > 1 ? std::stoul(argv[1]) : 10'000'000;
  const int frames = argc > 2 ? std::stoi(argv[2]) : 10;
  mspa::render::SceneRenderer scene;
  scene.setPointCloud(std::make_shared<mspa::PointCloud>(mspa::makeDemoCloud(points)));
  mspa::widgets::VtkViewWidget view;
  view.addRenderer(scene.renderer());
  view.resize(1280, 800);
  view.show();
  medianRenderMs(view, scene, 2);  // first upload of the buffers
  const double full = medianRenderMs(view, scene, frames);
  scene.setInteracting(true);
  medianRenderMs(view, scene, 1);
  const double moving = medianRenderMs(view, scene, frames);
  std::printf(
      "view 1280x800, %zu points: at rest %.1f ms/frame (%.1f fps); while moving (%zu-point "
      "subsample) "
      "%.1f ms/frame (%.1f fps)\n",
      points, full, 1000 / full, mspa::render::SceneRenderer::kInteractivePoints, moving,
      1000 / moving);
  return 0;
}
