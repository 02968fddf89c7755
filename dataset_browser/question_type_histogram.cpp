#include "dataset_browser/question_type_histogram.h"

#include <QMouseEvent>
#include <QPainter>
#include <algorithm>

namespace mspa::dataset {

QuestionTypeHistogram::QuestionTypeHistogram(QWidget* parent) : QWidget(parent) {
  setCursor(Qt::PointingHandCursor);
  setToolTip(tr("Click a bar to show only that question type"));
}

void QuestionTypeHistogram::setCounts(const std::map<std::string, std::uint64_t>& counts) {
  counts_.clear();
  for (const auto& [type, n] : counts) counts_.emplace_back(QString::fromStdString(type), n);
  updateGeometry();
  update();
}

QSize QuestionTypeHistogram::sizeHint() const {
  return {320, static_cast<int>(counts_.size()) * kBarHeight + 4};
}

void QuestionTypeHistogram::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().base());
  std::uint64_t most = 1;
  for (const auto& [type, n] : counts_) most = std::max(most, n);
  const int labelWidth = std::min(width() / 2, 260);
  for (int i = 0; i < static_cast<int>(counts_.size()); ++i) {
    const int y = 2 + i * kBarHeight;
    const auto& [type, n] = counts_[static_cast<std::size_t>(i)];
    painter.setPen(palette().text().color());
    painter.drawText(QRect(4, y, labelWidth - 8, kBarHeight), Qt::AlignVCenter | Qt::AlignLeft,
                     type);
    const int bar = static_cast<int>((width() - labelWidth - 70) * static_cast<double>(n) /
                                     static_cast<double>(most));
    painter.fillRect(QRect(labelWidth, y + 2, std::max(1, bar), kBarHeight - 4),
                     QColor(70, 130, 200));
    painter.drawText(QRect(labelWidth + bar + 4, y, 66, kBarHeight),
                     Qt::AlignVCenter | Qt::AlignLeft, QString::number(n));
  }
}

void QuestionTypeHistogram::mousePressEvent(QMouseEvent* event) {
  const int i = (static_cast<int>(event->position().y()) - 2) / kBarHeight;
  if (i >= 0 && i < static_cast<int>(counts_.size()))
    emit typeClicked(counts_[static_cast<std::size_t>(i)].first);
}

}  // namespace mspa::dataset
