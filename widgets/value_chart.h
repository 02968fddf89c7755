#pragma once

#include <QWidget>
#include <vector>

#include "core/answer_explanation.h"

namespace mspa::widgets {

// How sure the model was of its answer's value, as a small bar chart: the chosen value first, then
// the competitors it nearly began instead (AnswerExplanation::valueConfidence), each bar its
// probability. Hidden when the answer spells no value.
class ValueChart : public QWidget {
  Q_OBJECT

 public:
  explicit ValueChart(QWidget* parent = nullptr);

  void setExplanation(const AnswerExplanation* explanation);
  // The bars drawn, chosen first: what a test reads.
  const std::vector<AnswerExplanation::Candidate>& bars() const { return bars_; }
  QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  std::vector<AnswerExplanation::Candidate> bars_;
};

}  // namespace mspa::widgets
