#include "widgets/value_chart.h"

#include <QPainter>

namespace mspa::widgets {
namespace {

// Bars shown: the chosen value and its nearest competitors.
constexpr std::size_t kBars = 5;
constexpr int kBarHeight = 16;

}  // namespace

ValueChart::ValueChart(QWidget* parent) : QWidget(parent) {
  setToolTip(tr("The answer's value and the values it nearly began instead, by probability"));
  hide();
}

void ValueChart::setExplanation(const AnswerExplanation* explanation) {
  bars_.clear();
  if (const auto value = explanation ? explanation->valueConfidence() : std::nullopt) {
    bars_.push_back(value->chosen);
    for (std::size_t i = 0; i < value->competitors.size() && bars_.size() < kBars; ++i)
      bars_.push_back(value->competitors[i]);
  }
  setVisible(!bars_.empty());
  updateGeometry();
  update();
}

QSize ValueChart::sizeHint() const {
  return {240, static_cast<int>(bars_.size()) * (kBarHeight + 2) + 2};
}

void ValueChart::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  const int labelWidth = width() / 3, barSpace = width() - labelWidth - 50;
  for (std::size_t i = 0; i < bars_.size(); ++i) {
    const int y = 1 + static_cast<int>(i) * (kBarHeight + 2);
    const auto& bar = bars_[i];
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(QRect(0, y, labelWidth - 4, kBarHeight), Qt::AlignRight | Qt::AlignVCenter,
                     QString::fromStdString(bar.text));
    const int length = static_cast<int>(barSpace * std::clamp(bar.prob, 0.0, 1.0));
    painter.fillRect(QRect(labelWidth, y + 2, std::max(length, 1), kBarHeight - 4),
                     i == 0 ? QColor(40, 140, 220) : QColor(150, 150, 150));
    painter.drawText(QRect(labelWidth + length + 4, y, 46, kBarHeight), Qt::AlignVCenter,
                     QString::number(bar.prob * 100, 'f', bar.prob < 0.1 ? 1 : 0) + "%");
  }
}

}  // namespace mspa::widgets
