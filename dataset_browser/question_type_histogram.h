#pragma once

#include <QWidget>
#include <map>
#include <string>

namespace mspa::dataset {

// Samples per question type as horizontal bars; a click on a bar asks to filter by that type.
class QuestionTypeHistogram : public QWidget {
  Q_OBJECT

 public:
  explicit QuestionTypeHistogram(QWidget* parent = nullptr);
  void setCounts(const std::map<std::string, std::uint64_t>& counts);
  QSize sizeHint() const override;

 signals:
  void typeClicked(const QString& questionType);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  static constexpr int kBarHeight = 16;
  std::vector<std::pair<QString, std::uint64_t>> counts_;
};

}  // namespace mspa::dataset
