#pragma once

#include <QWidget>
#include <optional>

#include "core/answer_explanation.h"

class QComboBox;
class QSlider;
class QSpinBox;

namespace mspa::widgets {

// The decoder layers an explanation's attention maps average: "layers A to B", B -1 (shown as
// "last") for the model's last. The Ask panel and the dataset browser ask with it.
class LayerRangeEdit : public QWidget {
  Q_OBJECT
 public:
  explicit LayerRangeEdit(QWidget* parent = nullptr);
  int first() const;
  int last() const;
  void setLayers(int first, int last);
  // What to explain with these layers, the rest as ExplainOptions has it.
  ExplainOptions options() const;

 signals:
  void changed();

 private:
  QSpinBox *first_, *last_;
};

// How an explanation's maps are drawn over the frames: which of the images' tokens (combined, the
// grid tiles alone, the thumbnail alone — offered only when an image had a thumbnail) and how
// opaque.
class AttentionDisplay : public QWidget {
  Q_OBJECT
 public:
  explicit AttentionDisplay(QWidget* parent = nullptr);
  AttentionPart part() const;
  double opacity() const;  // 0–1
  void setPart(AttentionPart part);
  void setOpacity(double opacity);
  // Falls back to the combined map when no image has a thumbnail to show apart.
  void setThumbnailAvailable(bool available);

 signals:
  void changed();

 private:
  QComboBox* part_;
  QSlider* opacity_;
};

// "combined", "tiles" or "thumbnail" (what mspa-studio's --explain-part takes); nullopt otherwise.
std::optional<AttentionPart> attentionPartFromName(const QString& name);

}  // namespace mspa::widgets
