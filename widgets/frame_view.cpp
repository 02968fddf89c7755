#include "widgets/frame_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <algorithm>
#include <cmath>

namespace mspa::widgets {

QImage toQImage(const RgbImage& image) {
  QImage out(image.width, image.height, QImage::Format_RGB888);
  for (int y = 0; y < image.height; ++y)
    std::copy_n(image.at(0, y), image.width * 3, out.scanLine(y));
  return out;
}

namespace {

// Piecewise-linear blue-cyan-green-yellow-red ramp for t in [0, 1].
QRgb ramp(double t, int alpha) {
  static const double stops[5][3] = {
      {0.1, 0.2, 0.9}, {0.0, 0.8, 0.9}, {0.2, 0.85, 0.2}, {0.95, 0.9, 0.1}, {0.9, 0.1, 0.1}};
  const double x = std::clamp(t, 0.0, 1.0) * 4.0;
  const int i = std::min(3, static_cast<int>(x));
  const double f = x - i;
  const auto channel = [&](int c) {
    return static_cast<int>(255 * (stops[i][c] + f * (stops[i + 1][c] - stops[i][c])));
  };
  return qRgba(channel(0), channel(1), channel(2), alpha);
}

const QColor kBackground(30, 32, 36);

// `content` scaled to fit `area`, centred.
QRectF fitted(const QSizeF& content, const QSizeF& area) {
  const double scale = std::min(area.width() / content.width(), area.height() / content.height());
  const QSizeF size = content * scale;
  return {QPointF((area.width() - size.width()) / 2, (area.height() - size.height()) / 2), size};
}

}  // namespace

QImage depthColormap(const DepthImage& depth) {
  QImage out(depth.width, depth.height, QImage::Format_ARGB32);
  float lo = std::numeric_limits<float>::infinity(), hi = 0;
  for (float d : depth.metres) {
    if (d > 0) lo = std::min(lo, d), hi = std::max(hi, d);
  }
  const double range = hi > lo ? hi - lo : 1.0;
  for (int y = 0; y < depth.height; ++y) {
    auto* row = reinterpret_cast<QRgb*>(out.scanLine(y));
    for (int x = 0; x < depth.width; ++x) {
      const float d = depth.at(x, y);
      row[x] = d > 0 ? ramp((d - lo) / range, 255) : qRgba(0, 0, 0, 0);
    }
  }
  return out;
}

FrameView::FrameView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setMinimumSize(160, 120);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void FrameView::setFrame(const RgbImage& image, const DepthImage* depth, const QString& title) {
  image_ = toQImage(image);
  depthColors_ = depth && !depth->empty() ? depthColormap(*depth) : QImage();
  heat_ = QImage();
  title_ = title;
  message_.clear();
  update();
}

void FrameView::showMessage(const QString& message) {
  image_ = QImage();
  depthColors_ = QImage();
  markers_.clear();
  message_ = message;
  update();
}

void FrameView::setDepthOverlay(bool shown, double opacity) {
  depthShown_ = shown;
  depthOpacity_ = opacity;
  update();
}

void FrameView::setHeatOverlay(const QImage& heat, double opacity) {
  heat_ = heat;
  heatOpacity_ = opacity;
  update();
}

void FrameView::setAttention(const AttentionMap& map, double opacity) {
  if (map.empty()) return setHeatOverlay(QImage(), opacity);
  QImage heat(map.width, map.height, QImage::Format_ARGB32);
  const float peak = std::max(*std::max_element(map.values.begin(), map.values.end()), 1e-12f);
  for (int y = 0; y < map.height; ++y) {
    for (int x = 0; x < map.width; ++x) {
      const float v = map.values[static_cast<std::size_t>(y) * map.width + x] / peak;
      const auto c = heatColor(v);
      heat.setPixel(x, y, qRgba(c[0], c[1], c[2], static_cast<int>(255 * std::sqrt(v))));
    }
  }
  setHeatOverlay(heat, opacity);
}

void FrameView::setTileGrid(const QSize& grid) {
  tileGrid_ = grid;
  update();
}

void FrameView::setMarkers(const QVector<Marker>& markers) {
  markers_ = markers;
  update();
}

void FrameView::setLines(const QVector<Line>& lines) {
  lines_ = lines;
  update();
}

QRectF FrameView::imageRect() const {
  if (image_.isNull()) return {};
  return fitted(QSizeF(image_.size()), QSizeF(size()));
}

QPointF FrameView::widgetFromImage(const QPointF& pixel) const {
  const QRectF r = imageRect();
  const double scale = r.width() / image_.width();
  return r.topLeft() + (pixel + QPointF(0.5, 0.5)) * scale;
}

std::optional<QPointF> FrameView::imageFromWidget(const QPointF& position) const {
  const QRectF r = imageRect();
  if (r.isEmpty() || !r.contains(position)) return std::nullopt;
  const double scale = r.width() / image_.width();
  return (position - r.topLeft()) / scale - QPointF(0.5, 0.5);
}

namespace {
double overlayScale = 1.0;
}  // namespace

void FrameView::setOverlayScale(double scale) {
  overlayScale = scale;
}

void FrameView::paintContent(QPainter& painter, const QRectF& target, double baseScale) const {
  const double markerScale = baseScale * overlayScale;
  painter.drawImage(target, image_);
  if (depthShown_ && !depthColors_.isNull()) {
    painter.setOpacity(depthOpacity_);
    painter.drawImage(target, depthColors_);
    painter.setOpacity(1.0);
  }
  if (!heat_.isNull()) {
    painter.setOpacity(heatOpacity_);
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    painter.drawImage(target, heat_);
    painter.setOpacity(1.0);
  }
  if (!tileGrid_.isEmpty()) {
    painter.setPen(QPen(QColor(255, 220, 0, 200), 1.5 * markerScale, Qt::DashLine));
    for (int c = 1; c < tileGrid_.width(); ++c) {
      const double x = target.left() + target.width() * c / tileGrid_.width();
      painter.drawLine(QPointF(x, target.top()), QPointF(x, target.bottom()));
    }
    for (int r = 1; r < tileGrid_.height(); ++r) {
      const double y = target.top() + target.height() * r / tileGrid_.height();
      painter.drawLine(QPointF(target.left(), y), QPointF(target.right(), y));
    }
  }
  const double scale = target.width() / image_.width();
  painter.setRenderHint(QPainter::Antialiasing);
  if (baseScale != 1.0) {  // labels grow with an export (demo mode enlarges the whole font)
    QFont font = painter.font();
    font.setPointSizeF(font.pointSizeF() * baseScale);
    painter.setFont(font);
  }
  const auto toTarget = [&](const QPointF& p) {
    return target.topLeft() + (p + QPointF(0.5, 0.5)) * scale;
  };
  for (const auto& l : lines_) {
    const QPointF from = toTarget(l.from), to = toTarget(l.to);
    painter.setPen(QPen(l.color, 2.5 * markerScale, Qt::SolidLine, Qt::RoundCap));
    painter.drawLine(from, to);
    const QLineF shaft(to, from);
    if (l.arrow && shaft.length() > 1) {
      for (double turn : {25.0, -25.0}) {
        QLineF barb = shaft;
        barb.setLength(std::min(14.0 * markerScale, shaft.length() / 2));
        barb.setAngle(shaft.angle() + turn);
        painter.drawLine(barb);
      }
    }
  }
  for (const auto& m : markers_) {
    const QPointF at = target.topLeft() + (m.pixel + QPointF(0.5, 0.5)) * scale;
    painter.setPen(QPen(Qt::black, 4 * markerScale));
    painter.drawEllipse(at, 6 * markerScale, 6 * markerScale);
    painter.setPen(QPen(m.color, 2.5 * markerScale));
    painter.drawEllipse(at, 6 * markerScale, 6 * markerScale);
    if (m.radius > 0) {
      painter.setPen(QPen(m.color, 1.5 * markerScale, Qt::DashLine));
      painter.drawEllipse(at, m.radius * scale, m.radius * scale);
    }
    if (!m.label.isEmpty()) {
      painter.setPen(m.color);
      painter.drawText(at + QPointF(9, -9) * markerScale, m.label);
    }
  }
}

QImage FrameView::composed() const {
  return composed(image_.size());
}

QImage FrameView::composed(const QSize& size) const {
  QImage out(size, QImage::Format_RGB888);
  out.fill(kBackground);
  if (image_.isNull()) return out;
  const QRectF target = fitted(QSizeF(image_.size()), QSizeF(size));
  QPainter painter(&out);
  paintContent(painter, target, target.width() / image_.width());
  return out;
}

void FrameView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), kBackground);
  if (image_.isNull()) {
    painter.setPen(QColor(200, 200, 200));
    painter.drawText(rect().adjusted(10, 10, -10, -10), Qt::AlignCenter | Qt::TextWordWrap,
                     message_);
    return;
  }
  paintContent(painter, imageRect(), 1.0);
  painter.setPen(Qt::white);
  painter.drawText(QRectF(imageRect().topLeft() + QPointF(6, 4), QSizeF(400, 20)), title_);
}

void FrameView::mouseMoveEvent(QMouseEvent* event) {
  if (const auto pixel = imageFromWidget(event->position())) {
    emit hovered(*pixel);
  } else {
    emit hoverLeft();
  }
}

void FrameView::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  if (const auto pixel = imageFromWidget(event->position())) {
    emit clicked(*pixel, event->modifiers());
  } else {
    emit clickedOutside();
  }
}

void FrameView::leaveEvent(QEvent*) {
  emit hoverLeft();
}

}  // namespace mspa::widgets
