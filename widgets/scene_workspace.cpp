#include "widgets/scene_workspace.h"

#include <vtkCamera.h>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "core/input_error.h"
#include "render/answer_overlay_markers.h"
#include "widgets/explanation_rows.h"
#include "widgets/frame_view.h"
#include "widgets/vtk_view_widget.h"

namespace mspa::widgets {
namespace {

constexpr render::Color kPickColor{1.0, 0.25, 0.2};
constexpr render::Color kOtherRayColor{0.3, 0.9, 0.4};
constexpr render::Color kMeasureColor{1.0, 1.0, 1.0};

QString formatPoint(const Eigen::Vector3d& p) {
  return QString("(%1, %2, %3)").arg(p.x(), 0, 'f', 3).arg(p.y(), 0, 'f', 3).arg(p.z(), 0, 'f', 3);
}

}  // namespace

SceneWorkspace::SceneWorkspace(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  layout->addWidget(splitter);
  view3d_ = new VtkViewWidget(splitter);
  view3d_->addRenderer(renderer_.renderer());
  splitter->addWidget(view3d_);

  auto* framesPanel = new QWidget(splitter);
  auto* framesLayout = new QVBoxLayout(framesPanel);
  framesLayout->setContentsMargins(4, 0, 0, 0);
  auto* controls = new QHBoxLayout;
  depthBox_ = new QCheckBox(tr("Depth overlay"), framesPanel);
  opacity_ = new QSlider(Qt::Horizontal, framesPanel);
  opacity_->setRange(0, 100);
  opacity_->setValue(50);
  opacity_->setToolTip(tr("Depth overlay opacity"));
  opacity_->setMaximumWidth(120);
  pairBox_ = new QCheckBox(tr("Pair with frame"), framesPanel);
  pairSpin_ = new QSpinBox(framesPanel);
  pairSpin_->setEnabled(false);
  controls->addWidget(depthBox_);
  controls->addWidget(opacity_);
  controls->addSpacing(12);
  controls->addWidget(pairBox_);
  controls->addWidget(pairSpin_);
  controls->addStretch(1);
  framesLayout->addLayout(controls);
  auto* pairSplitter = new QSplitter(Qt::Horizontal, framesPanel);
  for (int view = 0; view < 2; ++view) {
    frameViews_[view] = new FrameView(pairSplitter);
    pairSplitter->addWidget(frameViews_[view]);
    connect(frameViews_[view], &FrameView::hovered, this,
            [this, view](const QPointF& p) { emit status(describePixel(view, p)); });
    connect(
        frameViews_[view], &FrameView::clicked, this,
        [this, view](const QPointF& p, Qt::KeyboardModifiers m) { onFrameClicked(view, p, m); });
    connect(frameViews_[view], &FrameView::clickedOutside, this,
            [this] { emit status(tr("That click was outside the image.")); });
  }
  frameViews_[1]->hide();
  framesLayout->addWidget(pairSplitter, 1);
  splitter->addWidget(framesPanel);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  splitter->setSizes({600, 400});

  const auto overlayChanged = [this] {
    setDepthOverlay(depthBox_->isChecked(), opacity_->value() / 100.0);
  };
  connect(depthBox_, &QCheckBox::toggled, this, overlayChanged);
  connect(opacity_, &QSlider::valueChanged, this, overlayChanged);
  connect(pairBox_, &QCheckBox::toggled, this, &SceneWorkspace::setPairMode);
  connect(pairSpin_, &QSpinBox::valueChanged, this, [this](int i) {
    if (pairMode()) setPairFrame(i);
  });
  connect(view3d_, &VtkViewWidget::interactionStarted, this,
          [this] { renderer_.setInteracting(true); });
  connect(view3d_, &VtkViewWidget::interactionEnded, this, [this] {
    renderer_.setInteracting(false);
    view3d_->update();
  });
  connect(view3d_, &VtkViewWidget::pointPicked, this,
          [this](double x, double y, double z, long long id, Qt::KeyboardModifiers modifiers) {
            const Eigen::Vector3d p(x, y, z);
            if (modifiers & Qt::ShiftModifier) return addMeasurementPoint(p);
            emit status(tr("3D point %1 at %2 m").arg(id).arg(formatPoint(p)));
          });
}

void SceneWorkspace::setScene(std::shared_ptr<const Scene> scene) {
  scene_ = std::move(scene);
  pick_.reset();
  measurement_.clear();
  shown_[0] = shown_[1] = {};
  renderer_.setScene(scene_);
  const int frames = scene_ ? static_cast<int>(scene_->frames.size()) : 0;
  {
    const QSignalBlocker block(pairSpin_);
    pairSpin_->setRange(0, std::max(0, frames - 1));
    pairSpin_->setValue(std::min(frames - 1, frames / 5));
  }
  for (auto* view : frameViews_)
    view->showMessage(frames ? QString() : tr("This scene has no frames."));
  if (frames > 0) {
    showFrame(0);
    if (pairMode()) setPairFrame(pairSpin_->value());
  }
  view3d_->update();
}

void SceneWorkspace::loadInto(int view, int index) {
  ShownFrame& shown = shown_[view];
  shown = {};
  shown.index = index;
  const Frame& frame = scene_->frames[index];
  try {
    shown.color = loadColor(*scene_, frame);
  } catch (const InputError& e) {
    frameViews_[view]->showMessage(
        tr("Frame %1 cannot be shown:\n%2").arg(QString::fromStdString(frame.name), e.what()));
    emit problem(e.what());
    return;
  }
  if (frame.hasDepth()) {
    try {
      shown.depth = loadDepth(frame);
    } catch (const InputError& e) {
      emit problem(e.what());
    }
  }
  frameViews_[view]->setFrame(
      shown.color, shown.depth.empty() ? nullptr : &shown.depth,
      tr("%1 %2").arg(view == 0 ? tr("Frame") : tr("Pair"), QString::fromStdString(frame.name)));
}

void SceneWorkspace::showFrame(int index) {
  if (!scene_ || index < 0 || index >= static_cast<int>(scene_->frames.size())) return;
  loadInto(0, index);
  renderer_.setCurrentFrame(index, shown_[0].color.empty() ? nullptr : &shown_[0].color);
  refreshPick();
  view3d_->update();
  emit currentFrameChanged(index);
}

void SceneWorkspace::showQuestionImages(const std::vector<int>& frames,
                                        const std::vector<RgbImage>& images) {
  if (frames.empty()) return;
  showFrame(frames[0]);
  if (frames.size() > 1) setPairFrame(frames[1]);
  for (std::size_t view = 0;
       view < std::min<std::size_t>(2, std::min(frames.size(), images.size())); ++view) {
    const ShownFrame& shown = shown_[view];
    frameViews_[view]->setFrame(
        images[view], shown.depth.empty() ? nullptr : &shown.depth,
        tr("Image-%1: %2")
            .arg(view + 1)
            .arg(QString::fromStdString(scene_->frames[frames[view]].name)));
  }
}

bool SceneWorkspace::pairMode() const {
  return pairBox_->isChecked();
}

void SceneWorkspace::setPairMode(bool on) {
  if (pairBox_->isChecked() != on) return pairBox_->setChecked(on);  // re-enters through toggled
  pairSpin_->setEnabled(on);
  frameViews_[1]->setVisible(on);
  // Two frames side by side need more room than one.
  auto* splitter = static_cast<QSplitter*>(view3d_->parentWidget());
  const int total = splitter->width();
  splitter->setSizes({on ? total * 2 / 5 : total * 3 / 5, on ? total * 3 / 5 : total * 2 / 5});
  if (on && scene_ && !scene_->frames.empty()) {
    setPairFrame(pairSpin_->value());
  } else {
    shown_[1] = {};
    refreshPick();
  }
}

void SceneWorkspace::setPairFrame(int index) {
  if (!scene_ || index < 0 || index >= static_cast<int>(scene_->frames.size())) return;
  if (!pairMode()) setPairMode(true);
  if (pairSpin_->value() != index)
    return pairSpin_->setValue(index);  // re-enters through valueChanged
  loadInto(1, index);
  refreshPick();
}

void SceneWorkspace::setDepthOverlay(bool shown, double opacity) {
  const QSignalBlocker blockBox(depthBox_), blockSlider(opacity_);
  depthBox_->setChecked(shown);
  opacity_->setValue(static_cast<int>(opacity * 100));
  for (auto* view : frameViews_) view->setDepthOverlay(shown, opacity);
}

std::optional<Eigen::Vector3d> SceneWorkspace::worldAt(int view, const QPointF& pixel) const {
  const ShownFrame& shown = shown_[view];
  if (!scene_ || shown.index < 0) return std::nullopt;
  const Frame& frame = scene_->frames[shown.index];
  if (!frame.hasGeometry() || shown.depth.empty()) return std::nullopt;
  const Eigen::Vector2d p(pixel.x(), pixel.y());
  const double d = depthAt(shown.depth, *frame.intrinsics, p);
  if (d <= 0) return std::nullopt;
  return *frame.cameraToWorld * unproject(*frame.intrinsics, p, d);
}

bool SceneWorkspace::pickPixel(int view, const QPointF& pixel) {
  const auto world = worldAt(view, pixel);
  if (!world) {
    emit status(tr("No 3D point there: the frame has no depth or pose at this pixel."));
    return false;
  }
  pick_ = Pick{view, shown_[view].index, pixel, *world, std::nullopt};
  refreshPick();
  const QString where =
      pick_->inOther ? tr("; in frame %1 at (%2, %3), %4")
                           .arg(QString::fromStdString(scene_->frames[shown_[1 - view].index].name))
                           .arg(pick_->inOther->pixel.x(), 0, 'f', 1)
                           .arg(pick_->inOther->pixel.y(), 0, 'f', 1)
                           .arg(visibilityName(pick_->inOther->visibility))
                     : QString();
  emit status(
      tr("Picked %1 → 3D %2%3").arg(describePixel(view, pixel), formatPoint(*world), where));
  return true;
}

void SceneWorkspace::refreshPick() {
  if (pick_ && shown_[pick_->view].index != pick_->frame) pick_.reset();
  if (pick_) {
    pick_->inOther.reset();
    const ShownFrame& other = shown_[1 - pick_->view];
    if (pairMode() && other.index >= 0) {
      const ShownFrame& source = shown_[pick_->view];
      pick_->inOther = reprojectPixel(
          scene_->frames[source.index], source.depth, {pick_->pixel.x(), pick_->pixel.y()},
          scene_->frames[other.index], other.depth.empty() ? nullptr : &other.depth);
    }
  }
  refreshMarkers();
}

void SceneWorkspace::refreshMarkers() {
  renderer_.clearMarkers();
  QVector<FrameView::Marker> markers[2];
  if (pick_) {
    const Frame& source = scene_->frames[pick_->frame];
    renderer_.addMarkerPoint(pick_->world, kPickColor);
    renderer_.addMarkerLine(source.cameraToWorld->translation(), pick_->world, kPickColor);
    markers[pick_->view].push_back({pick_->pixel, QColor(255, 64, 50), tr("picked"), 0});
    if (pick_->inOther) {
      const Frame& other = scene_->frames[shown_[1 - pick_->view].index];
      renderer_.addMarkerLine(other.cameraToWorld->translation(), pick_->world, kOtherRayColor);
      const bool visible = pick_->inOther->visibility == Visibility::Visible;
      markers[1 - pick_->view].push_back(
          {QPointF(pick_->inOther->pixel.x(), pick_->inOther->pixel.y()),
           visible ? QColor(80, 230, 100) : QColor(255, 160, 40),
           QString::fromLatin1(visibilityName(pick_->inOther->visibility)), 0});
    }
  }
  for (const auto& p : measurement_) renderer_.addMarkerPoint(p, kMeasureColor);
  if (measurement_.size() == 2)
    renderer_.addMarkerLine(measurement_[0], measurement_[1], kMeasureColor);
  for (int view = 0; view < 2; ++view) frameViews_[view]->setMarkers(markers[view]);
  view3d_->update();
}

void SceneWorkspace::addMeasurementPoint(const Eigen::Vector3d& point) {
  if (measurement_.size() == 2) measurement_.clear();
  measurement_.push_back(point);
  refreshMarkers();
  emit status(measurement_.size() == 2
                  ? tr("Distance %1 m between %2 and %3")
                        .arg(*measuredDistance(), 0, 'f', 3)
                        .arg(formatPoint(measurement_[0]), formatPoint(measurement_[1]))
                  : tr("Measuring from %1: shift-click the second point").arg(formatPoint(point)));
}

std::optional<double> SceneWorkspace::measuredDistance() const {
  if (measurement_.size() != 2) return std::nullopt;
  return (measurement_[1] - measurement_[0]).norm();
}

QString SceneWorkspace::describePixel(int view, const QPointF& pixel) const {
  const ShownFrame& shown = shown_[view];
  if (!scene_ || shown.index < 0 || shown.color.empty()) return {};
  const Frame& frame = scene_->frames[shown.index];
  const Eigen::Vector2i n =
      normalizedCoordinates({pixel.x(), pixel.y()}, shown.color.width, shown.color.height);
  QString text = tr("%1  px (%2, %3)  [ %4 , %5 ]")
                     .arg(QString::fromStdString(frame.name))
                     .arg(pixel.x(), 0, 'f', 1)
                     .arg(pixel.y(), 0, 'f', 1)
                     .arg(n.x())
                     .arg(n.y());
  if (!shown.depth.empty() && frame.intrinsics) {
    const double d = depthAt(shown.depth, *frame.intrinsics, {pixel.x(), pixel.y()});
    text += d > 0 ? tr("  depth %1 m").arg(d, 0, 'f', 3) : tr("  no depth");
  }
  if (const auto world = worldAt(view, pixel)) text += tr("  3D %1").arg(formatPoint(*world));
  return text;
}

void SceneWorkspace::onFrameClicked(int view, const QPointF& pixel,
                                    Qt::KeyboardModifiers modifiers) {
  emit frameClicked(view, pixel);
  if (!pickingEnabled_) return;
  if (modifiers & Qt::ShiftModifier) {
    if (const auto world = worldAt(view, pixel)) return addMeasurementPoint(*world);
    return emit status(tr("No 3D point there to measure from."));
  }
  pickPixel(view, pixel);
}

QColor overlayQColor(OverlayRole role, bool correct) {
  const auto c = overlayColor(role, correct);
  return QColor(c[0], c[1], c[2]);
}

void SceneWorkspace::showQuestion(const Question& q) {
  showQuestionImages(q.frames, q.images);
  QVector<FrameView::Marker> markers;
  for (const auto& p : q.points)
    markers.push_back(
        {QPointF(p.x(), p.y()), overlayQColor(OverlayRole::Query, true), QString(), 0});
  frameViews_[0]->setMarkers(markers);
  for (FrameView* view : frameViews_) view->setLines({});
  frameViews_[1]->setMarkers({});
  renderer_.clearMarkers();
  view3d_->update();
}

void SceneWorkspace::showPlacedPoints(const std::vector<QPointF>& points) {
  QVector<FrameView::Marker> markers;
  for (const auto& p : points)
    markers.push_back(
        {p, overlayQColor(OverlayRole::Query, true), QString::number(markers.size() + 1), 0});
  frameViews_[0]->setMarkers(markers);
}

void SceneWorkspace::showOverlay(const Question& q, const AnswerOverlay& o) {
  QVector<FrameView::Marker> markers[2];
  QVector<FrameView::Line> lines[2];
  for (const auto& m : o.marks) {
    if (m.image > 1) continue;
    markers[m.image].push_back({QPointF(m.pixel.x(), m.pixel.y()), overlayQColor(m.role, o.correct),
                                QString::fromStdString(m.label), m.radius});
  }
  for (const auto& s : o.segments) {
    // Lines from one image to the other only make sense side by side (the exported PNG).
    if (s.fromImage != s.toImage || s.fromImage > 1) continue;
    lines[s.fromImage].push_back({QPointF(s.from.x(), s.from.y()), QPointF(s.to.x(), s.to.y()),
                                  overlayQColor(s.role, o.correct), s.arrow});
  }
  for (int view = 0; view < std::min<int>(2, static_cast<int>(q.frames.size())); ++view) {
    frameViews_[view]->setMarkers(markers[view]);
    frameViews_[view]->setLines(lines[view]);
  }
  render::showAnswerOverlay(renderer_, o);
  view3d_->update();
}

void SceneWorkspace::resetCamera(double azimuth, double elevation) {
  renderer_.resetCamera();
  vtkCamera* camera = renderer_.renderer()->GetActiveCamera();
  camera->Azimuth(azimuth);
  camera->Elevation(elevation);
  camera->OrthogonalizeViewUp();
  renderer_.renderer()->ResetCameraClippingRange();
  view3d_->update();
}

void SceneWorkspace::setColoring(render::CloudColoring coloring) {
  renderer_.setColoring(coloring);
  view3d_->update();
}

void SceneWorkspace::setLayerVisible(render::Layer layer, bool visible) {
  renderer_.setLayerVisible(layer, visible);
  view3d_->update();
}

void SceneWorkspace::showAttention(const Question& question, const std::vector<AttentionMap>& maps,
                                   double opacity, const std::vector<ImageTiling>& tilings) {
  for (int view = 0; view < 2; ++view) {
    const bool inQuestion = view < static_cast<int>(question.frames.size());
    const bool shown = inQuestion && view < static_cast<int>(maps.size()) && !maps[view].empty();
    frameViews_[view]->setAttention(shown ? maps[view] : AttentionMap(), opacity);
    frameViews_[view]->setTileGrid(inQuestion ? tileGridOf(tilings, view) : QSize());
  }
}

}  // namespace mspa::widgets
