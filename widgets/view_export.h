#pragma once

#include <QDialog>
#include <QImage>
#include <QSize>
#include <QString>
#include <optional>

class QComboBox;
class QSpinBox;

namespace mspa::widgets {

class SceneWorkspace;

// One view of the workspace saved on its own, at any resolution (File > Export view,
// mspa-studio --export-view).
enum class ExportedView { Scene3d, Frame, PairFrame };

// "3d", "frame", "pair".
QString exportedViewName(ExportedView view);
std::optional<ExportedView> exportedViewFromName(const QString& name);

// The view's picture at `size` pixels: the 3D view re-rendered at that size with its camera, a
// frame (with its overlay and marks) fitted into it. Null, with the reason in `problem`, when
// the view is not shown or the size cannot be made.
QImage renderExportedView(SceneWorkspace& workspace, ExportedView view, const QSize& size,
                          QString* problem);

// The size an export starts from: the frame's own resolution, twice the 3D view's on screen.
QSize defaultExportSize(const SceneWorkspace& workspace, ExportedView view);

// Asks which view and what size, starting from defaultExportSize.
class ExportViewDialog : public QDialog {
  Q_OBJECT

 public:
  ExportViewDialog(const SceneWorkspace& workspace, QWidget* parent = nullptr);

  ExportedView view() const;
  QSize size() const;

 private:
  void suggestSize();

  const SceneWorkspace& workspace_;
  QComboBox* view_;
  QSpinBox* width_;
  QSpinBox* height_;
};

}  // namespace mspa::widgets
