#pragma once

#include <QWidget>

#include "render/point_cloud_actor.h"
#include "render/scene_renderer.h"

class QComboBox;
class QListWidget;
class QPlainTextEdit;

namespace mspa {
struct Scene;
}

namespace mspa::widgets {

// Describes the loaded scene (frames, depth, poses, cloud, instances, tracks), lists what could not
// be loaded, and holds the 3D display options.
class ScenePanel : public QWidget {
  Q_OBJECT

 public:
  explicit ScenePanel(QWidget* parent = nullptr);

  void showScene(const Scene& scene, double loadSeconds);
  QString summary() const;
  QStringList problems() const;
  void setLayerChecked(render::Layer layer, bool checked);

 signals:
  void coloringChanged(render::CloudColoring coloring);
  void layerToggled(render::Layer layer, bool visible);

 private:
  QPlainTextEdit* summary_;
  QListWidget* problems_;
  QComboBox* coloring_;
};

}  // namespace mspa::widgets
