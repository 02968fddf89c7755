#pragma once

#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkSmartPointer.h>

#include <QImage>
#include <QOpenGLWidget>
#include <QPoint>
#include <array>

class vtkRenderer;

namespace mspa::widgets {

// Hosts a VTK render window inside a QOpenGLWidget (Debian's VTK Qt module targets Qt 5). VTK
// renders into its own framebuffer, which paintGL blits into the widget's; Qt input events are
// forwarded to a VTK interactor with a trackball camera. A click without drag picks a point.
class VtkViewWidget : public QOpenGLWidget {
  Q_OBJECT

 public:
  explicit VtkViewWidget(QWidget* parent = nullptr);
  ~VtkViewWidget() override;

  void addRenderer(vtkRenderer* renderer);
  vtkGenericOpenGLRenderWindow* renderWindow() const { return renderWindow_; }
  vtkRenderWindowInteractor* interactor() const { return interactor_; }

  // The scene as this view shows it (same camera and actors), rendered at `size` device pixels;
  // the aspect follows the size. Null, with the reason in `problem`, when the view has no GL
  // context yet or the size is beyond the GL's limit.
  QImage renderImage(const QSize& size, QString* problem = nullptr);

  // Picks the nearest rendered point under a widget position (logical pixels).
  // Returns false when nothing is there.
  bool pickAt(const QPoint& position, std::array<double, 3>& world, long long& pointId);

 signals:
  void pointPicked(double x, double y, double z, long long pointId,
                   Qt::KeyboardModifiers modifiers);
  void rendered(double milliseconds);
  // The camera starts or stops moving under the mouse (for level of detail).
  void interactionStarted();
  void interactionEnded();

 protected:
  void initializeGL() override;
  void resizeGL(int width, int height) override;
  void paintGL() override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void onMakeCurrent();
  void onIsCurrent(void* callData);
  void onFrame();
  void setEventPosition(const QPointF& position, Qt::KeyboardModifiers modifiers, char key = 0,
                        const char* keySym = nullptr);
  void finalizeVtk();

  vtkSmartPointer<vtkGenericOpenGLRenderWindow> renderWindow_;
  vtkSmartPointer<vtkGenericRenderWindowInteractor> interactor_;
  bool painting_ = false;
  QPoint pressPosition_;
};

}  // namespace mspa::widgets
