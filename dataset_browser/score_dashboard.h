#pragma once

#include <QMainWindow>
#include <map>
#include <memory>

#include "core/multispa_sample.h"
#include "core/scorer.h"

class QComboBox;
class QListWidget;
class QTableWidget;
class QTabWidget;
class QChartView;

namespace mspa::dataset {

// Scores runs (prediction files) against a benchmark and shows where they fail: the Table-2 view
// (columns with sample counts, the average, per-question-type rows; one column per run), bars per
// column across runs, confusion matrices for direction and letter answers, error histograms and
// predicted-vs-true scatter for numbers. A cell lists its failures; a failure opens in the
// dataset browser. Tables export as Markdown, CSV or LaTeX, charts as PNG or SVG.
class ScoreDashboard : public QMainWindow {
  Q_OBJECT

 public:
  explicit ScoreDashboard(QWidget* parent = nullptr);

  // False with the reason in status() when the benchmark cannot be read.
  bool load(const QString& benchmark, const QStringList& runs, const QString& imageRoot = {});
  const ScoreReport& report() const { return report_; }
  QTableWidget* table() const { return table_; }
  // The failures behind a cell: table row (a column or a question type) and run.
  void showFailures(int tableRow, int run);
  QStringList failures() const;
  void openFailure(int index);
  bool exportTable(const QString& path);  // .md, .csv or .tex
  bool exportChart(const QString& path);  // the chart on screen, .png or .svg
  void showConfusion(const QString& questionType);
  void showErrors(const QString& questionType);
  QString status() const { return status_; }
  // The confusion matrix on screen: counts[truth][prediction] for the first run.
  const std::map<std::string, std::map<std::string, int>>& confusion() const { return confusion_; }

 signals:
  void failureOpened(const QString& id);

 private:
  void buildUi();
  void fillTable();
  void fillColumnChart();
  bool rowMatches(int tableRow, const std::string& questionType) const;

  QString benchmarkPath_, imageRoot_;
  QStringList runPaths_;
  SampleFile benchmark_;
  std::map<std::string, const Sample*> byId_;
  ScoreReport report_;
  std::vector<std::string> rowKeys_;  // per table row: "column:NAME" or "type:NAME"
  std::vector<std::pair<std::string, int>> failures_;  // id, run
  std::map<std::string, std::map<std::string, int>> confusion_;
  QString status_;

  QTableWidget* table_;
  QListWidget* failureList_;
  QTabWidget* tabs_;
  QChartView *columnChart_, *histogramChart_, *scatterChart_;
  QComboBox *confusionType_, *errorType_;
  QTableWidget* confusionTable_;
};

}  // namespace mspa::dataset
