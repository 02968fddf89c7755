#include "widgets/vtk_view_widget.h"

#include <vtkCallbackCommand.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkPointPicker.h>
#include <vtkRenderer.h>
#include <vtkRendererCollection.h>

#include <QElapsedTimer>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QWheelEvent>

#include "render/host_framebuffer.h"
#include "widgets/frame_view.h"

namespace mspa::widgets {
namespace {

// Routes a VTK event to a member function of the widget.
template <typename Fn>
void observe(vtkObject* subject, unsigned long event, Fn&& fn) {
  auto command = vtkSmartPointer<vtkCallbackCommand>::New();
  auto* stored = new Fn(std::forward<Fn>(fn));
  command->SetClientData(stored);
  command->SetClientDataDeleteCallback([](void* data) { delete static_cast<Fn*>(data); });
  command->SetCallback([](vtkObject*, unsigned long, void* clientData, void* callData) {
    (*static_cast<Fn*>(clientData))(callData);
  });
  subject->AddObserver(event, command);
}

// A press and release closer than this (logical pixels) is a click, not a drag.
constexpr int kClickSlop = 4;

}  // namespace

VtkViewWidget::VtkViewWidget(QWidget* parent)
    : QOpenGLWidget(parent),
      renderWindow_(vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New()),
      interactor_(vtkSmartPointer<vtkGenericRenderWindowInteractor>::New()) {
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(true);
  renderWindow_->SetReadyForRendering(false);
  renderWindow_->SetFrameBlitModeToNoBlit();
  renderWindow_->SetOwnContext(0);
  renderWindow_->SetMultiSamples(0);
  interactor_->SetRenderWindow(renderWindow_);
  auto style = vtkSmartPointer<vtkInteractorStyleTrackballCamera>::New();
  interactor_->SetInteractorStyle(style);
  observe(style, vtkCommand::StartInteractionEvent, [this](void*) { emit interactionStarted(); });
  observe(style, vtkCommand::EndInteractionEvent, [this](void*) { emit interactionEnded(); });
  // Renders happen in paintGL only: an interaction asks Qt for a repaint instead of rendering.
  interactor_->EnableRenderOff();
  observe(interactor_, vtkCommand::RenderEvent, [this](void*) { update(); });
  observe(renderWindow_, vtkCommand::WindowMakeCurrentEvent, [this](void*) { onMakeCurrent(); });
  observe(renderWindow_, vtkCommand::WindowIsCurrentEvent,
          [this](void* data) { onIsCurrent(data); });
  observe(renderWindow_, vtkCommand::WindowFrameEvent, [this](void*) { onFrame(); });
}

VtkViewWidget::~VtkViewWidget() {
  if (context()) disconnect(context(), &QOpenGLContext::aboutToBeDestroyed, this, nullptr);
  finalizeVtk();
}

void VtkViewWidget::addRenderer(vtkRenderer* renderer) {
  renderWindow_->AddRenderer(renderer);
  update();
}

void VtkViewWidget::finalizeVtk() {
  if (!context()) return;
  makeCurrent();
  renderWindow_->Finalize();
  renderWindow_->SetReadyForRendering(false);
  doneCurrent();
}

void VtkViewWidget::onMakeCurrent() {
  // QOpenGLWidget::makeCurrent also rebinds the widget's framebuffer; doing that while VTK is
  // building its own leaves an incomplete framebuffer, so only switch contexts when needed.
  if (context() && QOpenGLContext::currentContext() != context()) makeCurrent();
}

void VtkViewWidget::onIsCurrent(void* callData) {
  *static_cast<bool*>(callData) = context() && QOpenGLContext::currentContext() == context();
}

void VtkViewWidget::onFrame() {
  if (!painting_) update();
}

void VtkViewWidget::initializeGL() {
  connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, &VtkViewWidget::finalizeVtk,
          Qt::DirectConnection);
  renderWindow_->SetReadyForRendering(true);
  renderWindow_->OpenGLInitContext();
  interactor_->Initialize();
}

void VtkViewWidget::resizeGL(int width, int height) {
  const double dpr = devicePixelRatioF();
  const int w = static_cast<int>(width * dpr), h = static_cast<int>(height * dpr);
  renderWindow_->SetSize(w, h);
  interactor_->UpdateSize(w, h);
}

void VtkViewWidget::paintGL() {
  QElapsedTimer timer;
  timer.start();
  painting_ = true;
  render::renderIntoHostFramebuffer(renderWindow_, defaultFramebufferObject());
  painting_ = false;
  emit rendered(static_cast<double>(timer.nsecsElapsed()) / 1e6);
}

QImage VtkViewWidget::renderImage(const QSize& size, QString* problem) {
  const auto fail = [problem](const QString& why) {
    if (problem) *problem = why;
    return QImage();
  };
  if (!context() || !isValid()) return fail(tr("the 3D view is not shown yet"));
  makeCurrent();
  const int limit = render::maxRenderSize();
  const auto image = render::renderHostedAtSize(renderWindow_, size.width(), size.height());
  doneCurrent();
  update();
  if (!image)
    return fail(tr("%1x%2 is beyond what the graphics driver renders (at most %3 pixels a side)")
                    .arg(size.width())
                    .arg(size.height())
                    .arg(limit));
  return toQImage(*image);
}

void VtkViewWidget::setEventPosition(const QPointF& position, Qt::KeyboardModifiers modifiers,
                                     char key, const char* keySym) {
  const double dpr = devicePixelRatioF();
  interactor_->SetEventInformationFlipY(static_cast<int>(position.x() * dpr),
                                        static_cast<int>(position.y() * dpr),
                                        (modifiers & Qt::ControlModifier) ? 1 : 0,
                                        (modifiers & Qt::ShiftModifier) ? 1 : 0, key, 0, keySym);
  interactor_->SetAltKey((modifiers & Qt::AltModifier) ? 1 : 0);
}

void VtkViewWidget::mousePressEvent(QMouseEvent* event) {
  setEventPosition(event->position(), event->modifiers());
  pressPosition_ = event->position().toPoint();
  switch (event->button()) {
    case Qt::LeftButton:
      interactor_->InvokeEvent(vtkCommand::LeftButtonPressEvent);
      break;
    case Qt::MiddleButton:
      interactor_->InvokeEvent(vtkCommand::MiddleButtonPressEvent);
      break;
    case Qt::RightButton:
      interactor_->InvokeEvent(vtkCommand::RightButtonPressEvent);
      break;
    default:
      break;
  }
}

void VtkViewWidget::mouseMoveEvent(QMouseEvent* event) {
  setEventPosition(event->position(), event->modifiers());
  interactor_->InvokeEvent(vtkCommand::MouseMoveEvent);
}

void VtkViewWidget::mouseReleaseEvent(QMouseEvent* event) {
  setEventPosition(event->position(), event->modifiers());
  switch (event->button()) {
    case Qt::LeftButton:
      interactor_->InvokeEvent(vtkCommand::LeftButtonReleaseEvent);
      break;
    case Qt::MiddleButton:
      interactor_->InvokeEvent(vtkCommand::MiddleButtonReleaseEvent);
      break;
    case Qt::RightButton:
      interactor_->InvokeEvent(vtkCommand::RightButtonReleaseEvent);
      break;
    default:
      break;
  }
  const QPoint position = event->position().toPoint();
  if (event->button() == Qt::LeftButton &&
      (position - pressPosition_).manhattanLength() <= kClickSlop) {
    std::array<double, 3> world{};
    long long pointId = -1;
    if (pickAt(position, world, pointId))
      emit pointPicked(world[0], world[1], world[2], pointId, event->modifiers());
  }
}

void VtkViewWidget::wheelEvent(QWheelEvent* event) {
  setEventPosition(event->position(), event->modifiers());
  const int delta = event->angleDelta().y();
  if (delta > 0) interactor_->InvokeEvent(vtkCommand::MouseWheelForwardEvent);
  if (delta < 0) interactor_->InvokeEvent(vtkCommand::MouseWheelBackwardEvent);
}

void VtkViewWidget::keyPressEvent(QKeyEvent* event) {
  // Only the camera keys: VTK's other key bindings quit, switch to stereo or wireframe.
  const QString text = event->text().toLower();
  if (text != "r" && text != "f") return QOpenGLWidget::keyPressEvent(event);
  const QPoint cursor = mapFromGlobal(QCursor::pos());
  const char key = text.at(0).toLatin1();
  const char keySym[2] = {key, 0};
  setEventPosition(cursor, event->modifiers(), key, keySym);
  interactor_->InvokeEvent(vtkCommand::KeyPressEvent);
  interactor_->InvokeEvent(vtkCommand::CharEvent);
}

bool VtkViewWidget::pickAt(const QPoint& position, std::array<double, 3>& world,
                           long long& pointId) {
  vtkRenderer* renderer = renderWindow_->GetRenderers()->GetFirstRenderer();
  if (!renderer) return false;
  const double dpr = devicePixelRatioF();
  auto picker = vtkSmartPointer<vtkPointPicker>::New();
  picker->SetTolerance(0.004);
  const double x = position.x() * dpr, y = (height() - position.y() - 1) * dpr;
  if (!picker->Pick(x, y, 0, renderer) || picker->GetPointId() < 0) return false;
  picker->GetPickPosition(world.data());
  pointId = picker->GetPointId();
  return true;
}

}  // namespace mspa::widgets
