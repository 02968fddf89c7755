#include "widgets/view_export.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>

#include "widgets/frame_view.h"
#include "widgets/scene_workspace.h"
#include "widgets/vtk_view_widget.h"

namespace mspa::widgets {
namespace {

// Larger than any GL limit, so the driver's own limit is the one reported.
constexpr int kLargestSide = 32768;

}  // namespace

QSize defaultExportSize(const SceneWorkspace& workspace, ExportedView view) {
  if (view == ExportedView::Scene3d) return workspace.view3d()->size() * 2;
  const FrameView* frame = workspace.frameView(view == ExportedView::Frame ? 0 : 1);
  return frame->hasImage() ? frame->imageSize() : QSize(1280, 960);
}

QString exportedViewName(ExportedView view) {
  switch (view) {
    case ExportedView::Scene3d:
      return "3d";
    case ExportedView::Frame:
      return "frame";
    case ExportedView::PairFrame:
      return "pair";
  }
  return {};
}

std::optional<ExportedView> exportedViewFromName(const QString& name) {
  for (auto view : {ExportedView::Scene3d, ExportedView::Frame, ExportedView::PairFrame}) {
    if (exportedViewName(view) == name) return view;
  }
  return std::nullopt;
}

QImage renderExportedView(SceneWorkspace& workspace, ExportedView view, const QSize& size,
                          QString* problem) {
  if (size.width() < 1 || size.height() < 1) {
    if (problem) *problem = QObject::tr("the size must be at least 1x1 pixels");
    return {};
  }
  if (view == ExportedView::Scene3d) return workspace.view3d()->renderImage(size, problem);
  const bool pair = view == ExportedView::PairFrame;
  const FrameView* frame = workspace.frameView(pair ? 1 : 0);
  if ((pair && !workspace.pairMode()) || !frame->hasImage()) {
    if (problem)
      *problem = pair && !workspace.pairMode() ? QObject::tr("no pair frame is shown")
                                               : QObject::tr("no frame is shown");
    return {};
  }
  return frame->composed(size);
}

ExportViewDialog::ExportViewDialog(const SceneWorkspace& workspace, QWidget* parent)
    : QDialog(parent),
      workspace_(workspace),
      view_(new QComboBox),
      width_(new QSpinBox),
      height_(new QSpinBox) {
  setWindowTitle(tr("Export view"));
  view_->addItem(tr("3D view"), int(ExportedView::Scene3d));
  view_->addItem(tr("Frame"), int(ExportedView::Frame));
  if (workspace.pairMode()) view_->addItem(tr("Pair frame"), int(ExportedView::PairFrame));
  for (auto* spin : {width_, height_}) {
    spin->setRange(1, kLargestSide);
    spin->setSuffix(tr(" px"));
  }
  auto* sizeRow = new QHBoxLayout;
  sizeRow->addWidget(width_);
  sizeRow->addWidget(new QLabel(QStringLiteral("×")));
  sizeRow->addWidget(height_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* form = new QFormLayout(this);
  form->addRow(tr("View"), view_);
  form->addRow(tr("Size"), sizeRow);
  form->addRow(buttons);
  connect(view_, &QComboBox::currentIndexChanged, this, &ExportViewDialog::suggestSize);
  suggestSize();
}

ExportedView ExportViewDialog::view() const {
  return static_cast<ExportedView>(view_->currentData().toInt());
}

QSize ExportViewDialog::size() const {
  return {width_->value(), height_->value()};
}

void ExportViewDialog::suggestSize() {
  const QSize size = defaultExportSize(workspace_, view());
  width_->setValue(size.width());
  height_->setValue(size.height());
}

}  // namespace mspa::widgets
