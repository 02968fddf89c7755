#include "widgets/scene_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QVBoxLayout>

#include "core/scene.h"
#include "core/scene_summary.h"

namespace mspa::widgets {

ScenePanel::ScenePanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  summary_ = new QPlainTextEdit(this);
  summary_->setReadOnly(true);
  summary_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  summary_->setLineWrapMode(QPlainTextEdit::NoWrap);
  summary_->setPlaceholderText(tr("No scene loaded"));
  layout->addWidget(summary_, 3);

  layout->addWidget(new QLabel(tr("Problems while loading"), this));
  problems_ = new QListWidget(this);
  problems_->setWordWrap(true);
  layout->addWidget(problems_, 1);

  auto* display = new QGroupBox(tr("3D display"), this);
  auto* form = new QFormLayout(display);
  coloring_ = new QComboBox(display);
  coloring_->addItem(tr("Colour (RGB)"), int(render::CloudColoring::Rgb));
  coloring_->addItem(tr("Height"), int(render::CloudColoring::Height));
  coloring_->addItem(tr("Depth from current camera"), int(render::CloudColoring::Depth));
  form->addRow(tr("Cloud colour"), coloring_);
  connect(coloring_, &QComboBox::currentIndexChanged, this, [this] {
    emit coloringChanged(static_cast<render::CloudColoring>(coloring_->currentData().toInt()));
  });
  const std::pair<render::Layer, QString> layers[] = {
      {render::Layer::Frustums, tr("Camera frustums")},
      {render::Layer::Trajectory, tr("Trajectory")},
      {render::Layer::Tracks, tr("Point tracks")},
      {render::Layer::Boxes, tr("Instance boxes")},
      {render::Layer::Grid, tr("Ground grid")}};
  for (const auto& [layer, name] : layers) {
    auto* box = new QCheckBox(name, display);
    box->setObjectName(QString("layer%1").arg(int(layer)));
    box->setChecked(true);
    form->addRow(box);
    connect(box, &QCheckBox::toggled, this,
            [this, layer = layer](bool on) { emit layerToggled(layer, on); });
  }
  layout->addWidget(display);
}

void ScenePanel::showScene(const Scene& scene, double loadSeconds) {
  // No depth sampling here: the panel must not decode images on the GUI thread.
  summary_->setPlainText(QString::fromStdString(describeScene(scene, 0)) +
                         tr("loaded in  %1 ms").arg(loadSeconds * 1000, 0, 'f', 0));
  problems_->clear();
  for (const auto& w : scene.warnings) problems_->addItem(QString::fromStdString(w));
}

QString ScenePanel::summary() const {
  return summary_->toPlainText();
}

QStringList ScenePanel::problems() const {
  QStringList out;
  for (int i = 0; i < problems_->count(); ++i) out << problems_->item(i)->text();
  return out;
}

void ScenePanel::setLayerChecked(render::Layer layer, bool checked) {
  if (auto* box = findChild<QCheckBox*>(QString("layer%1").arg(int(layer))))
    box->setChecked(checked);
}

}  // namespace mspa::widgets
