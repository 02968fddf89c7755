#pragma once

#include <QImage>
#include <QVector>
#include <QWidget>
#include <optional>

#include "core/answer_explanation.h"
#include "core/image.h"

namespace mspa::widgets {

// One frame as a 2D image, scaled to fit, with an optional depth overlay and markers. Reports
// hovers and clicks in image pixel coordinates (pixel centres at integers); positions outside the
// image are not reported.
class FrameView : public QWidget {
  Q_OBJECT

 public:
  struct Marker {
    QPointF pixel;
    QColor color;
    QString label;
    double radius = 0;  // a circle of this many image pixels around the point (0: none)
  };

  struct Line {  // a segment or arrow in image pixels
    QPointF from, to;
    QColor color;
    bool arrow = false;
  };

  explicit FrameView(QWidget* parent = nullptr);

  void setFrame(const RgbImage& image, const DepthImage* depth, const QString& title);
  // No picture, only a message (e.g. why the frame cannot be shown).
  void showMessage(const QString& message);
  void setDepthOverlay(bool shown, double opacity);
  // A heat map stretched over the picture (an answer's attention), or none (a null image).
  void setHeatOverlay(const QImage& heat, double opacity);
  // An answer's attention map drawn as that heat (heatColor, transparent where nothing was looked
  // at); an empty map: none.
  void setAttention(const AttentionMap& map, double opacity);
  bool hasHeatOverlay() const { return !heat_.isNull(); }
  // The cols × rows tile grid a model cut the picture into (what it saw), or none (empty).
  void setTileGrid(const QSize& grid);
  QSize tileGrid() const { return tileGrid_; }
  void setMarkers(const QVector<Marker>& markers);
  const QVector<Marker>& markers() const { return markers_; }
  void setLines(const QVector<Line>& lines);
  const QVector<Line>& lines() const { return lines_; }

  bool hasImage() const { return !image_.isNull(); }
  QSize imageSize() const { return image_.size(); }
  QString message() const { return message_; }
  QPointF widgetFromImage(const QPointF& pixel) const;
  std::optional<QPointF> imageFromWidget(const QPointF& position) const;
  // Thicker marks and lines for every frame view (demo mode on a large screen).
  static void setOverlayScale(double scale);
  // The picture as painted (image, overlay, markers) at image resolution, for tests and export.
  QImage composed() const;
  // The same at `size` pixels: the image fitted in the middle on the view's background, marks
  // scaled with it, so a poster-size export looks like the view.
  QImage composed(const QSize& size) const;

 signals:
  void hovered(const QPointF& pixel);
  void hoverLeft();
  void clicked(const QPointF& pixel, Qt::KeyboardModifiers modifiers);
  void clickedOutside();

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  QRectF imageRect() const;
  void paintContent(QPainter& painter, const QRectF& target, double markerScale) const;

  QImage image_;
  QImage depthColors_;
  QImage heat_;
  QSize tileGrid_;
  double heatOpacity_ = 0.6;
  QString title_;
  QString message_;
  bool depthShown_ = false;
  double depthOpacity_ = 0.5;
  QVector<Marker> markers_;
  QVector<Line> lines_;
};

QImage toQImage(const RgbImage& image);

// A colour image of a depth map: near blue through green and yellow to far red, transparent where
// there is no depth.
QImage depthColormap(const DepthImage& depth);

}  // namespace mspa::widgets
