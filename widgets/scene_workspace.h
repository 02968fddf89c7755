#pragma once

#include <QWidget>
#include <memory>
#include <optional>

#include "core/answer_explanation.h"
#include "core/answer_overlay.h"
#include "core/geometry.h"
#include "core/question_builder.h"
#include "core/scene.h"
#include "render/scene_renderer.h"

class QCheckBox;
class QSlider;
class QSpinBox;

namespace mspa::widgets {

class FrameView;
class VtkViewWidget;

// An overlay role's colour (overlayColor) as Qt's.
QColor overlayQColor(OverlayRole role, bool correct);

// The linked views of one scene: the 3D view, the current frame and, in pair mode, a second frame
// side by side. A click on a pixel places its 3D point (on the ray from its camera) and, in pair
// mode, its reprojection in the other frame; shift-clicks (2D or 3D) measure distances.
class SceneWorkspace : public QWidget {
  Q_OBJECT

 public:
  explicit SceneWorkspace(QWidget* parent = nullptr);

  void setScene(std::shared_ptr<const Scene> scene);
  const std::shared_ptr<const Scene>& scene() const { return scene_; }

  void showFrame(int index);
  int currentFrame() const { return shown_[0].index; }
  void setPairMode(bool on);
  bool pairMode() const;
  void setPairFrame(int index);
  int pairFrame() const { return shown_[1].index; }
  void setDepthOverlay(bool shown, double opacity);
  // Shows a question's frames with its images (annotated with dots or letters where the task
  // draws them) in place of the plain frames.
  void showQuestionImages(const std::vector<int>& frames, const std::vector<RgbImage>& images);
  // A composed question: its frames with their images, its query points on the first frame, no
  // answer drawn.
  void showQuestion(const Question& question);
  // Points being placed on the first frame, numbered in order.
  void showPlacedPoints(const std::vector<QPointF>& points);
  // An answer against the truth: marks and segments on the frames, geometry in the 3D view.
  void showOverlay(const Question& question, const AnswerOverlay& overlay);
  // Where an answer looked: each of the question's frames with its attention map stretched over
  // it (maps per image, in the question's order; an empty list removes them).
  void showAttention(const Question& question, const std::vector<AttentionMap>& maps,
                     double opacity, const std::vector<ImageTiling>& tilings = {});
  // While off, clicks on the frames only emit frameClicked (the question panel places points).
  void setPickingEnabled(bool enabled) { pickingEnabled_ = enabled; }

  // Linked picking from a pixel of view 0 (current frame) or 1 (pair frame). False when the frame
  // has no depth or pose there; the reason goes to status().
  bool pickPixel(int view, const QPointF& pixel);
  struct Pick {
    int view = 0;
    int frame = -1;
    QPointF pixel;
    Eigen::Vector3d world;
    std::optional<Reprojection> inOther;
  };
  const std::optional<Pick>& pick() const { return pick_; }
  void addMeasurementPoint(const Eigen::Vector3d& point);
  std::optional<double> measuredDistance() const;

  // The 3D view's camera framed on the whole scene, then turned by azimuth and elevation degrees.
  void resetCamera(double azimuth = 0, double elevation = 0);
  void setColoring(render::CloudColoring coloring);
  void setLayerVisible(render::Layer layer, bool visible);

  // For inspection (tests) and export: the views are drawn only through the calls above.
  const render::SceneRenderer& renderer() const { return renderer_; }
  VtkViewWidget* view3d() const { return view3d_; }
  FrameView* frameView(int view) const { return frameViews_[view]; }

 signals:
  void status(const QString& message);
  void problem(const QString& message);
  void frameClicked(int view, const QPointF& pixel);
  void currentFrameChanged(int index);

 private:
  struct ShownFrame {
    int index = -1;
    RgbImage color;
    DepthImage depth;
  };

  void loadInto(int view, int index);
  std::optional<Eigen::Vector3d> worldAt(int view, const QPointF& pixel) const;
  void refreshPick();
  void refreshMarkers();
  QString describePixel(int view, const QPointF& pixel) const;
  void onFrameClicked(int view, const QPointF& pixel, Qt::KeyboardModifiers modifiers);

  render::SceneRenderer renderer_;
  std::shared_ptr<const Scene> scene_;
  VtkViewWidget* view3d_;
  FrameView* frameViews_[2];
  QCheckBox* depthBox_;
  QSlider* opacity_;
  QCheckBox* pairBox_;
  QSpinBox* pairSpin_;
  ShownFrame shown_[2];
  std::optional<Pick> pick_;
  std::vector<Eigen::Vector3d> measurement_;
  bool pickingEnabled_ = true;
};

}  // namespace mspa::widgets
