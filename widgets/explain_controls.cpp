#include "widgets/explain_controls.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSpinBox>

namespace mspa::widgets {

LayerRangeEdit::LayerRangeEdit(QWidget* parent) : QWidget(parent) {
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(0, 0, 0, 0);
  first_ = new QSpinBox(this);
  last_ = new QSpinBox(this);
  first_->setRange(0, 999);
  last_->setRange(-1, 999);
  last_->setValue(-1);
  last_->setSpecialValueText(tr("last"));
  first_->setToolTip(tr("First decoder layer the attention maps average"));
  last_->setToolTip(tr("Last decoder layer the attention maps average"));
  row->addWidget(new QLabel(tr("layers"), this));
  row->addWidget(first_);
  row->addWidget(new QLabel(tr("to"), this));
  row->addWidget(last_);
  for (QSpinBox* layer : {first_, last_})
    connect(layer, &QSpinBox::valueChanged, this, &LayerRangeEdit::changed);
}

int LayerRangeEdit::first() const {
  return first_->value();
}

int LayerRangeEdit::last() const {
  return last_->value();
}

ExplainOptions LayerRangeEdit::options() const {
  ExplainOptions options;
  options.firstLayer = first();
  options.lastLayer = last();
  return options;
}

void LayerRangeEdit::setLayers(int first, int last) {
  first_->setValue(first);
  last_->setValue(last);
}

AttentionDisplay::AttentionDisplay(QWidget* parent) : QWidget(parent) {
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(0, 0, 0, 0);
  part_ = new QComboBox(this);
  part_->addItem(tr("Tiles + thumbnail"), static_cast<int>(AttentionPart::Combined));
  part_->addItem(tr("Grid tiles"), static_cast<int>(AttentionPart::Tiles));
  part_->addItem(tr("Thumbnail"), static_cast<int>(AttentionPart::Thumbnail));
  part_->setToolTip(
      tr("Which image tokens' attention to draw: an image of several tiles also reached the model "
         "as a thumbnail of the whole"));
  opacity_ = new QSlider(Qt::Horizontal, this);
  opacity_->setRange(0, 100);
  opacity_->setValue(60);
  opacity_->setToolTip(tr("Opacity of the attention map"));
  opacity_->setMinimumWidth(80);
  row->addWidget(part_);
  row->addWidget(opacity_, 1);
  connect(part_, &QComboBox::currentIndexChanged, this, &AttentionDisplay::changed);
  connect(opacity_, &QSlider::valueChanged, this, &AttentionDisplay::changed);
}

AttentionPart AttentionDisplay::part() const {
  return static_cast<AttentionPart>(part_->currentData().toInt());
}

double AttentionDisplay::opacity() const {
  return opacity_->value() / 100.0;
}

void AttentionDisplay::setPart(AttentionPart part) {
  part_->setCurrentIndex(part_->findData(static_cast<int>(part)));
}

void AttentionDisplay::setOpacity(double opacity) {
  opacity_->setValue(static_cast<int>(opacity * 100 + 0.5));
}

void AttentionDisplay::setThumbnailAvailable(bool available) {
  if (!available) setPart(AttentionPart::Combined);
  part_->setEnabled(available);
}

std::optional<AttentionPart> attentionPartFromName(const QString& name) {
  if (name == "combined") return AttentionPart::Combined;
  if (name == "tiles") return AttentionPart::Tiles;
  if (name == "thumbnail") return AttentionPart::Thumbnail;
  return std::nullopt;
}

}  // namespace mspa::widgets
