#include "dataset_browser/score_dashboard.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QScatterSeries>
#include <QSplitter>
#include <QStatusBar>
#include <QSvgGenerator>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>
#include <cmath>
#include <fstream>
#include <set>

#include "core/answer_parser.h"
#include "core/score_report.h"
#include "core/task_catalog.h"
#include "dataset_browser/dataset_browser_window.h"

namespace mspa::dataset {
namespace {

QString percent(const Tally& t) {
  return t.total ? QString::number(t.accuracy(), 'f', 1) : QString("—");
}

QChartView* chartView(QWidget* parent) {
  auto* view = new QChartView(new QChart, parent);
  view->setRenderHint(QPainter::Antialiasing);
  return view;
}

bool isCategorical(const TaskInfo* task) {
  return task && (task->answer == AnswerKind::Word || task->answer == AnswerKind::Letter);
}
bool isNumeric(const TaskInfo* task) {
  return task && (task->answer == AnswerKind::Millimetres || task->answer == AnswerKind::Degrees);
}

}  // namespace

ScoreDashboard::ScoreDashboard(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("MultiSPA benchmark dashboard"));
  buildUi();
}

void ScoreDashboard::buildUi() {
  auto* split = new QSplitter(Qt::Horizontal, this);
  auto* left = new QSplitter(Qt::Vertical, split);
  table_ = new QTableWidget(left);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->hide();
  failureList_ = new QListWidget(left);
  left->addWidget(table_);
  left->addWidget(failureList_);
  left->setSizes({500, 250});
  tabs_ = new QTabWidget(split);
  columnChart_ = chartView(tabs_);
  tabs_->addTab(columnChart_, tr("Columns"));
  auto* confusion = new QWidget(tabs_);
  auto* confusionLayout = new QVBoxLayout(confusion);
  confusionType_ = new QComboBox(confusion);
  confusionTable_ = new QTableWidget(confusion);
  confusionTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  confusionLayout->addWidget(confusionType_);
  confusionLayout->addWidget(confusionTable_, 1);
  tabs_->addTab(confusion, tr("Confusion"));
  auto* errors = new QWidget(tabs_);
  auto* errorsLayout = new QVBoxLayout(errors);
  errorType_ = new QComboBox(errors);
  histogramChart_ = chartView(errors);
  scatterChart_ = chartView(errors);
  errorsLayout->addWidget(errorType_);
  errorsLayout->addWidget(histogramChart_, 1);
  errorsLayout->addWidget(scatterChart_, 1);
  tabs_->addTab(errors, tr("Errors"));
  split->addWidget(left);
  split->addWidget(tabs_);
  split->setSizes({700, 600});
  setCentralWidget(split);

  connect(table_, &QTableWidget::cellClicked, this, [this](int row, int column) {
    if (column >= 2) showFailures(row, column - 2);
  });
  connect(failureList_, &QListWidget::itemDoubleClicked, this,
          [this](QListWidgetItem* item) { openFailure(failureList_->row(item)); });
  connect(confusionType_, &QComboBox::currentTextChanged, this, &ScoreDashboard::showConfusion);
  connect(errorType_, &QComboBox::currentTextChanged, this, &ScoreDashboard::showErrors);
}

bool ScoreDashboard::load(const QString& benchmark, const QStringList& runs,
                          const QString& imageRoot) {
  benchmarkPath_ = benchmark;
  runPaths_ = runs;
  imageRoot_ = imageRoot.isEmpty() ? QFileInfo(benchmark).absolutePath() : imageRoot;
  try {
    benchmark_ = readSampleFile(benchmark.toStdString());
    std::vector<NamedPredictions> named;
    for (const auto& run : runs)
      named.push_back(
          {QFileInfo(run).completeBaseName().toStdString(), readPredictionFile(run.toStdString())});
    report_ = scoreRuns(benchmark_, named);
  } catch (const std::exception& e) {
    status_ = QString::fromStdString(e.what());
    statusBar()->showMessage(status_);
    return false;
  }
  byId_.clear();
  for (const auto& s : benchmark_.samples) byId_[s.id] = &s;
  fillTable();
  fillColumnChart();
  const QSignalBlocker a(confusionType_), b(errorType_);
  confusionType_->clear();
  errorType_->clear();
  for (const auto& type : report_.questionTypes) {
    const TaskInfo* task = findTask(type);
    if (isCategorical(task)) confusionType_->addItem(QString::fromStdString(type));
    if (isNumeric(task)) errorType_->addItem(QString::fromStdString(type));
  }
  if (confusionType_->count()) showConfusion(confusionType_->currentText());
  if (errorType_->count()) showErrors(errorType_->currentText());
  QStringList problems;
  for (const auto& m : report_.models) {
    if (m.unmatchedPredictions)
      problems << tr("%1: %2 ids not in this benchmark (another benchmark?)")
                      .arg(QString::fromStdString(m.name))
                      .arg(m.unmatchedPredictions);
  }
  status_ = tr("%1 samples, %2 run(s)").arg(report_.samples).arg(report_.models.size()) +
            (problems.isEmpty() ? QString() : "; " + problems.join("; "));
  statusBar()->showMessage(status_);
  return true;
}

void ScoreDashboard::fillTable() {
  rowKeys_.clear();
  QStringList header = {tr("Column / question type"), tr("n")};
  for (const auto& m : report_.models) header << QString::fromStdString(m.name);
  table_->clear();
  table_->setColumnCount(header.size());
  table_->setHorizontalHeaderLabels(header);
  std::vector<std::vector<QString>> rows;
  const auto addRow = [&](const std::string& key, const QString& label, std::size_t n,
                          const std::function<QString(const ModelScores&)>& cell) {
    rowKeys_.push_back(key);
    std::vector<QString> row = {label, QString::number(n)};
    for (const auto& m : report_.models) row.push_back(cell(m));
    rows.push_back(row);
  };
  for (const auto& column : table2Columns()) {
    std::size_t n = 0;
    if (!report_.models.empty() && report_.models[0].byColumn.count(column))
      n = report_.models[0].byColumn.at(column).total;
    addRow("column:" + column, QString::fromStdString(column), n, [&](const ModelScores& m) {
      const auto it = m.byColumn.find(column);
      return it == m.byColumn.end() ? QString("—") : percent(it->second);
    });
  }
  addRow("average", tr("Average (unweighted over columns)"), report_.samples,
         [](const ModelScores& m) { return QString::number(m.average, 'f', 2); });
  addRow("parse", tr("Parse failures"), report_.samples, [](const ModelScores& m) {
    std::size_t failures = 0;
    for (const auto& [type, t] : m.byQuestionType) failures += t.parseFailures;
    return QString::number(failures);
  });
  for (const auto& type : report_.questionTypes) {
    std::size_t n = 0;
    if (!report_.models.empty() && report_.models[0].byQuestionType.count(type))
      n = report_.models[0].byQuestionType.at(type).total;
    addRow("type:" + type, "  " + QString::fromStdString(type), n, [&](const ModelScores& m) {
      const auto it = m.byQuestionType.find(type);
      return it == m.byQuestionType.end() ? QString("—") : percent(it->second);
    });
  }
  table_->setRowCount(static_cast<int>(rows.size()));
  for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
    for (int c = 0; c < static_cast<int>(rows[r].size()); ++c)
      table_->setItem(r, c, new QTableWidgetItem(rows[r][c]));
  }
  table_->resizeColumnsToContents();
}

void ScoreDashboard::fillColumnChart() {
  auto* chart = columnChart_->chart();
  chart->removeAllSeries();
  for (auto* axis : chart->axes()) chart->removeAxis(axis);
  auto* series = new QBarSeries;
  QStringList columns;
  for (const auto& c : table2Columns()) columns << QString::fromStdString(c);
  for (const auto& m : report_.models) {
    auto* set = new QBarSet(QString::fromStdString(m.name));
    for (const auto& c : table2Columns())
      *set << (m.byColumn.count(c) ? m.byColumn.at(c).accuracy() : 0.0);
    series->append(set);
  }
  chart->addSeries(series);
  auto* x = new QBarCategoryAxis;
  x->append(columns);
  x->setLabelsAngle(-60);
  auto* y = new QValueAxis;
  y->setRange(0, 100);
  y->setTitleText(tr("accuracy %"));
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  series->attachAxis(x);
  series->attachAxis(y);
  chart->setTitle(tr("Table-2 columns"));
}

bool ScoreDashboard::rowMatches(int tableRow, const std::string& questionType) const {
  if (tableRow < 0 || tableRow >= static_cast<int>(rowKeys_.size())) return false;
  const std::string& key = rowKeys_[static_cast<std::size_t>(tableRow)];
  if (key == "average" || key == "parse") return true;
  if (key.rfind("type:", 0) == 0) return key.substr(5) == questionType;
  const TaskInfo* task = findTask(questionType);
  return task && key.substr(7) == task->column;
}

void ScoreDashboard::showFailures(int tableRow, int run) {
  failures_.clear();
  failureList_->clear();
  if (run < 0 || run >= static_cast<int>(report_.models.size())) return;
  const bool parseOnly = rowKeys_[static_cast<std::size_t>(tableRow)] == "parse";
  for (const auto& r : report_.models[static_cast<std::size_t>(run)].results) {
    if (r.verdict.correct || !rowMatches(tableRow, r.questionType) || (parseOnly && r.answer.ok))
      continue;
    const Sample* s = byId_.count(r.id) ? byId_.at(r.id) : nullptr;
    std::string error;
    const auto truth = s ? truthOf(*s, error) : std::nullopt;
    const QString predicted = r.missing ? tr("missing")
                              : r.answer.ok
                                  ? QString::fromStdString(formatAnswerValue(r.answer.value))
                                  : tr("not understood");
    failureList_->addItem(
        tr("%1  %2: %3 (truth %4)")
            .arg(QString::fromStdString(r.id), QString::fromStdString(r.questionType), predicted,
                 truth ? QString::fromStdString(formatAnswerValue(truth->value)) : QString("?")));
    failures_.emplace_back(r.id, run);
  }
  statusBar()->showMessage(tr("%1 failures").arg(failures_.size()));
}

QStringList ScoreDashboard::failures() const {
  QStringList ids;
  for (const auto& [id, run] : failures_) ids << QString::fromStdString(id);
  return ids;
}

void ScoreDashboard::openFailure(int index) {
  if (index < 0 || index >= static_cast<int>(failures_.size())) return;
  const auto [id, run] = failures_[static_cast<std::size_t>(index)];
  auto* browser = new DatasetBrowser;
  browser->setAttribute(Qt::WA_DeleteOnClose);
  browser->resize(1400, 900);
  connect(browser, &DatasetBrowser::indexReady, browser,
          [this, browser, id = id, run = run](bool ok) {
            if (!ok) return;
            browser->loadPredictions(runPaths_[run]);
            browser->selectSample(id);
            emit failureOpened(QString::fromStdString(id));
          });
  browser->show();
  browser->openDataset({benchmarkPath_}, imageRoot_);
}

void ScoreDashboard::showConfusion(const QString& questionType) {
  confusion_.clear();
  if (report_.models.empty()) return;
  const std::string type = questionType.toStdString();
  std::set<std::string> labels;
  for (const auto& r : report_.models[0].results) {
    if (r.questionType != type || !byId_.count(r.id)) continue;
    std::string error;
    const auto truth = truthOf(*byId_.at(r.id), error);
    if (!truth) continue;
    const std::string predicted = r.answer.ok ? formatAnswerValue(r.answer.value) : "(none)";
    ++confusion_[formatAnswerValue(truth->value)][predicted];
    labels.insert(formatAnswerValue(truth->value));
    labels.insert(predicted);
  }
  const QStringList names = [&] {
    QStringList n;
    for (const auto& l : labels) n << QString::fromStdString(l);
    return n;
  }();
  confusionTable_->clear();
  confusionTable_->setRowCount(names.size());
  confusionTable_->setColumnCount(names.size());
  confusionTable_->setVerticalHeaderLabels(names);
  confusionTable_->setHorizontalHeaderLabels(names);
  int most = 1;
  for (const auto& [t, row] : confusion_) {
    for (const auto& [p, n] : row) most = std::max(most, n);
  }
  for (int r = 0; r < names.size(); ++r) {
    for (int c = 0; c < names.size(); ++c) {
      const auto row = confusion_.find(names[r].toStdString());
      const int n = row == confusion_.end() || !row->second.count(names[c].toStdString())
                        ? 0
                        : row->second.at(names[c].toStdString());
      auto* item = new QTableWidgetItem(QString::number(n));
      const int shade = 255 - 180 * n / most;
      item->setBackground(r == c ? QColor(shade, 255, shade) : QColor(255, shade, shade));
      confusionTable_->setItem(r, c, item);
    }
  }
  confusionTable_->setToolTip(tr("rows: truth, columns: prediction (%1)")
                                  .arg(QString::fromStdString(report_.models[0].name)));
}

void ScoreDashboard::showErrors(const QString& questionType) {
  const std::string type = questionType.toStdString();
  auto* histogram = histogramChart_->chart();
  auto* scatter = scatterChart_->chart();
  for (auto* chart : {histogram, scatter}) {
    chart->removeAllSeries();
    for (auto* axis : chart->axes()) chart->removeAxis(axis);
  }
  constexpr int kBins = 10;
  auto* bars = new QBarSeries;
  double top = 1;
  for (const auto& m : report_.models) {
    auto* points = new QScatterSeries;
    points->setName(QString::fromStdString(m.name));
    points->setMarkerSize(7);
    std::vector<double> relative;
    for (const auto& r : m.results) {
      if (r.questionType != type || !r.answer.ok || !byId_.count(r.id)) continue;
      std::string error;
      const auto truth = truthOf(*byId_.at(r.id), error);
      if (!truth) continue;
      points->append(truth->value.number.x(), r.answer.value.number.x());
      top = std::max({top, truth->value.number.x(), r.answer.value.number.x()});
      relative.push_back(std::abs(r.answer.value.number.x() - truth->value.number.x()) /
                         std::max(1.0, std::abs(truth->value.number.x())));
    }
    scatter->addSeries(points);
    auto* set = new QBarSet(QString::fromStdString(m.name));
    std::vector<int> counts(kBins, 0);
    for (double e : relative)
      ++counts[std::min(kBins - 1, static_cast<int>(e / 0.1))];  // 10% bins, the last open
    for (int n : counts) *set << n;
    bars->append(set);
  }
  histogram->addSeries(bars);
  auto* x = new QBarCategoryAxis;
  for (int b = 0; b < kBins; ++b)
    x->append(b + 1 < kBins ? QString("%1-%2%").arg(b * 10).arg((b + 1) * 10)
                            : QString(">%1%").arg(b * 10));
  histogram->addAxis(x, Qt::AlignBottom);
  bars->attachAxis(x);
  auto* count = new QValueAxis;
  histogram->addAxis(count, Qt::AlignLeft);
  bars->attachAxis(count);
  histogram->setTitle(
      tr("%1: |prediction - truth| / truth (the scorer accepts up to 20%)").arg(questionType));
  auto* truthAxis = new QValueAxis;
  auto* predictedAxis = new QValueAxis;
  truthAxis->setRange(0, top * 1.05);
  predictedAxis->setRange(0, top * 1.05);
  truthAxis->setTitleText(tr("truth"));
  predictedAxis->setTitleText(tr("prediction"));
  scatter->addAxis(truthAxis, Qt::AlignBottom);
  scatter->addAxis(predictedAxis, Qt::AlignLeft);
  for (auto* s : scatter->series()) {
    s->attachAxis(truthAxis);
    s->attachAxis(predictedAxis);
  }
  scatter->setTitle(tr("%1: prediction against truth").arg(questionType));
}

bool ScoreDashboard::exportTable(const QString& path) {
  const QString ext = QFileInfo(path).suffix().toLower();
  const ReportFormat format = ext == "md"    ? ReportFormat::Markdown
                              : ext == "csv" ? ReportFormat::Csv
                              : ext == "tex" ? ReportFormat::Latex
                                             : ReportFormat::Table;
  std::ofstream out(path.toStdString());
  out << renderReport(report_, format);
  return static_cast<bool>(out.flush());
}

bool ScoreDashboard::exportChart(const QString& path) {
  auto* view = qobject_cast<QChartView*>(tabs_->currentWidget());
  if (!view) view = tabs_->currentIndex() == 2 ? histogramChart_ : columnChart_;
  if (QFileInfo(path).suffix().toLower() != "svg") return view->grab().save(path);
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(view->size());
  svg.setViewBox(view->rect());
  QPainter painter(&svg);
  view->render(&painter);
  return painter.end();
}

}  // namespace mspa::dataset
