#include "dataset_browser/dataset_browser_window.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>
#include <filesystem>

#include "core/answer_explanation.h"
#include "core/answer_parser.h"
#include "core/benchmark_run.h"
#include "core/image.h"
#include "core/input_error.h"
#include "core/scorer.h"
#include "dataset_browser/question_type_histogram.h"
#include "widgets/explain_controls.h"
#include "widgets/explanation_rows.h"
#include "widgets/frame_view.h"
#include "widgets/value_chart.h"

namespace mspa::dataset {
namespace {

QComboBox* comboWithAny(QWidget* parent) {
  auto* combo = new QComboBox(parent);
  combo->addItem(QObject::tr("any"), QString());
  return combo;
}

std::vector<std::string> chosen(const QComboBox* combo) {
  const QString value = combo->currentData().toString();
  return value.isEmpty() ? std::vector<std::string>{}
                         : std::vector<std::string>{value.toStdString()};
}

// Pixels of a MultiSPA-normalized [x, y] (0..1000) in an image.
QPointF pixelOf(double x, double y, const QSize& size) {
  return {x / 1000.0 * size.width(), y / 1000.0 * size.height()};
}

}  // namespace

DatasetBrowser::DatasetBrowser(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("MultiSPA dataset browser"));
  buildUi();
  connect(&indexWatcher_, &QFutureWatcher<IndexResult>::finished, this, &DatasetBrowser::onIndexed);
  connect(&explainWatcher_, &QFutureWatcher<ExplainResult>::finished, this,
          &DatasetBrowser::onExplained);
}

DatasetBrowser::~DatasetBrowser() {
  cancelIndexing();
  indexWatcher_.waitForFinished();
  if (explainCancel_) *explainCancel_ = true;
  explainWatcher_.waitForFinished();
}

void DatasetBrowser::buildUi() {
  auto* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("Open dataset…"), this, [this] {
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("MultiSPA JSONL files"), {},
                                                            tr("JSONL (*.jsonl *.json)"));
    if (files.isEmpty()) return;
    const QString root = QFileDialog::getExistingDirectory(this, tr("Image root"),
                                                           QFileInfo(files[0]).absolutePath());
    openDataset(files, root);
  });
  file->addAction(tr("Load predictions…"), this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Prediction file"), {}, tr("JSONL (*.jsonl)"));
    if (!path.isEmpty()) loadPredictions(path);
  });
  file->addAction(tr("Export flagged samples…"), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Flagged samples"), "flagged.jsonl",
                                                      tr("JSONL (*.jsonl)"));
    if (path.isEmpty() || !index_) return;
    try {
      setStatus(tr("%1 flagged samples written to %2")
                    .arg(exportFlagged(*index_, *annotations_, path.toStdString()))
                    .arg(path));
    } catch (const std::exception& e) {
      setStatus(QString::fromStdString(e.what()));
    }
  });
  file->addAction(tr("Export corrected copy…"), this, [this] {
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Folder for the corrected copy"));
    if (dir.isEmpty() || !index_) return;
    try {
      setStatus(tr("%1 corrected samples; copy written to %2")
                    .arg(exportCorrected(*index_, *annotations_, dir.toStdString()))
                    .arg(dir));
    } catch (const std::exception& e) {
      setStatus(QString::fromStdString(e.what()));
    }
  });

  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  auto* filters = new QHBoxLayout;
  type_ = comboWithAny(central);
  column_ = comboWithAny(central);
  split_ = comboWithAny(central);
  flagged_ = new QComboBox(central);
  flagged_->addItems({tr("any"), tr("flagged"), tr("not flagged")});
  scene_ = new QLineEdit(central);
  scene_->setPlaceholderText(tr("scene"));
  text_ = new QLineEdit(central);
  text_->setPlaceholderText(tr("text in question or answer"));
  imageCount_ = new QSpinBox(central);
  imageCount_->setRange(-1, 16);
  imageCount_->setSpecialValueText(tr("any"));
  imageCount_->setValue(-1);
  auto* apply = new QPushButton(tr("Filter"), central);
  for (auto [label, widget] :
       std::initializer_list<std::pair<QString, QWidget*>>{{tr("Type"), type_},
                                                           {tr("Column"), column_},
                                                           {tr("Scene"), scene_},
                                                           {tr("Split"), split_},
                                                           {tr("Images"), imageCount_},
                                                           {tr("Flag"), flagged_},
                                                           {tr("Text"), text_}}) {
    filters->addWidget(new QLabel(label, central));
    filters->addWidget(widget, widget == text_ ? 2 : 0);
  }
  filters->addWidget(apply);
  count_ = new QLabel(central);
  filters->addWidget(count_);
  layout->addLayout(filters);

  auto* split = new QSplitter(Qt::Horizontal, central);
  auto* left = new QSplitter(Qt::Vertical, split);
  histogram_ = new QuestionTypeHistogram(left);
  model_ = new DatasetTableModel(this);
  table_ = new QTableView(left);
  table_->setModel(model_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(DatasetTableModel::Row, Qt::AscendingOrder);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->verticalHeader()->hide();
  table_->verticalHeader()->setDefaultSectionSize(20);
  left->addWidget(histogram_);
  left->addWidget(table_);
  left->setSizes({160, 500});
  split->addWidget(left);

  auto* right = new QWidget(split);
  auto* rightLayout = new QVBoxLayout(right);
  auto* imageRow = new QSplitter(Qt::Horizontal, right);
  for (auto*& view : images_) {
    view = new widgets::FrameView(imageRow);
    imageRow->addWidget(view);
  }
  rightLayout->addWidget(imageRow, 3);
  details_ = new QTextBrowser(right);
  rightLayout->addWidget(details_, 2);
  explainButton_ = new QPushButton(tr("Explain with the model"), right);
  explainButton_->setToolTip(
      tr("Ask the Ask panel's backend about this sample: token probabilities and, from the local "
         "model, where it looked"));
  explainButton_->setEnabled(false);
  exportExplanationButton_ = new QPushButton(tr("Export explanation…"), right);
  exportExplanationButton_->hide();
  explainLayers_ = new widgets::LayerRangeEdit(right);
  attentionDisplay_ = new widgets::AttentionDisplay(right);
  attentionDisplay_->hide();
  auto* explainRow = new QHBoxLayout;
  explainRow->addWidget(explainButton_);
  explainRow->addWidget(explainLayers_);
  explainRow->addWidget(attentionDisplay_, 1);
  explainRow->addWidget(exportExplanationButton_);
  explainRow->addStretch(1);
  rightLayout->addLayout(explainRow);
  valueChart_ = new widgets::ValueChart(right);
  rightLayout->addWidget(valueChart_);
  explainList_ = new QListWidget(right);
  explainList_->hide();
  rightLayout->addWidget(explainList_, 1);
  auto* annotate =
      new QGroupBox(tr("Annotation (saved at once, never into the source files)"), right);
  auto* form = new QFormLayout(annotate);
  flag_ = new QComboBox(annotate);
  for (int f = 0; f <= static_cast<int>(Flag::Other); ++f)
    flag_->addItem(flagName(static_cast<Flag>(f)), f);
  note_ = new QLineEdit(annotate);
  corrected_ = new QLineEdit(annotate);
  auto* buttons = new QHBoxLayout;
  auto* save = new QPushButton(tr("Save"), annotate);
  auto* undo = new QPushButton(tr("Undo"), annotate);
  buttons->addWidget(save);
  buttons->addWidget(undo);
  buttons->addStretch(1);
  form->addRow(tr("Flag"), flag_);
  form->addRow(tr("Note"), note_);
  form->addRow(tr("Corrected answer"), corrected_);
  form->addRow(buttons);
  rightLayout->addWidget(annotate);
  split->addWidget(right);
  split->setSizes({700, 600});
  layout->addWidget(split, 1);
  setCentralWidget(central);

  status_ = new QLabel(this);
  progress_ = new QProgressBar(this);
  progress_->setMaximumWidth(220);
  progress_->hide();
  cancelButton_ = new QPushButton(tr("Cancel"), this);
  cancelButton_->hide();
  statusBar()->addWidget(status_, 1);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->addPermanentWidget(cancelButton_);

  connect(apply, &QPushButton::clicked, this, &DatasetBrowser::applyFilter);
  connect(text_, &QLineEdit::returnPressed, this, &DatasetBrowser::applyFilter);
  connect(cancelButton_, &QPushButton::clicked, this, [this] {
    cancelIndexing();
    if (explainCancel_) *explainCancel_ = true;
  });
  connect(explainButton_, &QPushButton::clicked, this, &DatasetBrowser::explainSample);
  connect(exportExplanationButton_, &QPushButton::clicked, this, [this] {
    const QString folder =
        QFileDialog::getExistingDirectory(this, tr("Export the explanation to a folder"));
    if (!folder.isEmpty()) exportExplanation(folder);
  });
  connect(explainList_, &QListWidget::currentRowChanged, this, &DatasetBrowser::showExplanationRow);
  connect(attentionDisplay_, &widgets::AttentionDisplay::changed, this,
          [this] { showExplanationRow(explainList_->currentRow()); });
  connect(histogram_, &QuestionTypeHistogram::typeClicked, this, [this](const QString& type) {
    type_->setCurrentIndex(std::max(0, type_->findData(type)));
    applyFilter();
  });
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (current.isValid()) showSample(current.row());
          });
  connect(save, &QPushButton::clicked, this, [this] {
    saveAnnotation(static_cast<Flag>(flag_->currentData().toInt()), note_->text(),
                   corrected_->text());
  });
  connect(undo, &QPushButton::clicked, this, &DatasetBrowser::undoAnnotation);
}

void DatasetBrowser::setStatus(const QString& text) {
  status_->setText(text);
}
QString DatasetBrowser::statusText() const {
  return status_->text();
}
QString DatasetBrowser::sampleText() const {
  return details_->toPlainText();
}

void DatasetBrowser::openDataset(const QStringList& files, const QString& imageRoot) {
  if (isIndexing()) return;
  imageRoot_ = imageRoot;
  std::vector<std::string> paths;
  for (const auto& f : files) paths.push_back(f.toStdString());
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  auto progress = std::make_shared<std::atomic<int>>(0);
  auto rate = std::make_shared<std::atomic<double>>(0);
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  progress_->show();
  cancelButton_->show();
  setStatus(tr("Indexing %1 file(s)…").arg(files.size()));
  auto* timer = new QTimer(this);
  connect(timer, &QTimer::timeout, this, [this, progress, rate] {
    progress_->setValue(*progress);
    if (*rate > 0) setStatus(tr("Indexing… %1 samples/s").arg(*rate, 0, 'f', 0));
  });
  connect(&indexWatcher_, &QFutureWatcher<IndexResult>::finished, timer, &QObject::deleteLater);
  timer->start(100);
  indexWatcher_.setFuture(QtConcurrent::run([paths, cancel = cancel_, progress, rate] {
    IndexResult result;
    try {
      bool rebuilt = false;
      std::string why;
      result.index = std::make_shared<DatasetIndex>(DatasetIndex::open(
          paths,
          [&](const IndexProgress& p) {
            *progress = static_cast<int>(p.fraction * 1000);
            *rate = p.seconds > 0 ? p.samples / p.seconds : 0;
            return !cancel->load();
          },
          &rebuilt, &why));
      if (rebuilt && why != "no index yet")
        result.note = QString::fromStdString("re-indexed: " + why);
    } catch (const Cancelled&) {
      result.error = QObject::tr("Indexing cancelled; nothing changed.");
    } catch (const std::exception& e) {
      result.error = QString::fromStdString(e.what());
    }
    return result;
  }));
}

void DatasetBrowser::cancelIndexing() {
  if (cancel_) *cancel_ = true;
}

void DatasetBrowser::onIndexed() {
  progress_->hide();
  cancelButton_->hide();
  IndexResult result = indexWatcher_.result();
  if (!result.index) {
    setStatus(result.error);
    return emit indexReady(false, result.error);
  }
  try {
    annotations_ = std::make_shared<Annotations>(Annotations::defaultPath(*result.index));
  } catch (const std::exception& e) {
    setStatus(QString::fromStdString(e.what()));
    return emit indexReady(false, QString::fromStdString(e.what()));
  }
  index_ = result.index;
  predictions_.clear();
  model_->setIndex(index_, annotations_);
  fillFilterChoices();
  const QString message = tr("%1 samples in %2 file(s), %3 malformed lines skipped%4")
                              .arg(index_->size())
                              .arg(index_->files().size())
                              .arg(index_->malformedLines())
                              .arg(result.note.isEmpty() ? QString() : "; " + result.note);
  applyFilter();
  setStatus(message);
  emit indexReady(true, message);
}

void DatasetBrowser::fillFilterChoices() {
  const QSignalBlocker a(type_), b(column_), c(split_);
  for (auto* combo : {type_, column_, split_}) {
    while (combo->count() > 1) combo->removeItem(1);
  }
  const auto stats = computeStats(*index_);
  for (const auto& [type, n] : stats.byQuestionType)
    type_->addItem(QString("%1 (%2)").arg(QString::fromStdString(type)).arg(n),
                   QString::fromStdString(type));
  for (const auto& [column, n] : stats.byColumn)
    column_->addItem(QString::fromStdString(column), QString::fromStdString(column));
  for (const auto& [split, n] : stats.bySplit)
    split_->addItem(QString::fromStdString(split),
                    QString::fromStdString(split == "(none)" ? "" : split));
}

DatasetFilter DatasetBrowser::filterFromControls() const {
  DatasetFilter f;
  f.questionTypes = chosen(type_);
  f.columns = chosen(column_);
  f.split = split_->currentData().toString().toStdString();
  if (!scene_->text().isEmpty()) f.scenes = {scene_->text().toStdString()};
  f.imageCount = imageCount_->value();
  f.flagged = static_cast<FlagFilter>(flagged_->currentIndex());
  f.text = text_->text().toStdString();
  return f;
}

void DatasetBrowser::setFilter(const DatasetFilter& f) {
  type_->setCurrentIndex(
      f.questionTypes.empty()
          ? 0
          : std::max(0, type_->findData(QString::fromStdString(f.questionTypes[0]))));
  column_->setCurrentIndex(
      f.columns.empty() ? 0 : std::max(0, column_->findData(QString::fromStdString(f.columns[0]))));
  scene_->setText(f.scenes.empty() ? QString() : QString::fromStdString(f.scenes[0]));
  imageCount_->setValue(f.imageCount);
  flagged_->setCurrentIndex(static_cast<int>(f.flagged));
  text_->setText(QString::fromStdString(f.text));
  applyFilter();
}

void DatasetBrowser::applyFilter() {
  if (!index_) return;
  auto rows = filterRows(*index_, filterFromControls(), annotations_.get());
  histogram_->setCounts(countByQuestionType(*index_, rows));
  model_->setRows(std::move(rows));
  table_->sortByColumn(table_->horizontalHeader()->sortIndicatorSection(),
                       table_->horizontalHeader()->sortIndicatorOrder());
  count_->setText(tr("%1 of %2").arg(model_->rowCount()).arg(index_->size()));
  emit filtered(model_->rowCount());
}

bool DatasetBrowser::loadPredictions(const QString& path) {
  if (!index_) return false;
  std::shared_ptr<const JoinedPredictions> joined;
  try {
    joined = std::make_shared<JoinedPredictions>(joinPredictions(*index_, path.toStdString()));
  } catch (const std::exception& e) {
    setStatus(QString::fromStdString(e.what()));
    return false;
  }
  predictions_.push_back(joined);
  model_->setPredictions(joined);
  setStatus(tr("%1: %2 predictions joined, %3 correct, %4 ids not in the dataset")
                .arg(QString::fromStdString(joined->name))
                .arg(joined->byRow.size())
                .arg(joined->correct)
                .arg(joined->unmatched));
  if (sampleRow_ >= 0) showSample(sampleRow_);
  return true;
}

void DatasetBrowser::showSample(int tableRow) {
  if (!index_ || tableRow < 0 || tableRow >= model_->rowCount()) return;
  sampleRow_ = tableRow;
  const std::uint32_t row = model_->indexRow(tableRow);
  std::string error;
  sample_ = parseSampleLine(index_->line(row), error);
  if (!sample_) {
    details_->setPlainText(QString::fromStdString(error));
    return;
  }
  clearExplanation();
  showImages(*sample_);
  describeSample(row, *sample_);
  const auto a = annotations_->get(Annotations::keyOf(*index_, row));
  flag_->setCurrentIndex(a ? static_cast<int>(a->flag) : 0);
  note_->setText(a ? QString::fromStdString(a->note) : QString());
  corrected_->setText(a ? QString::fromStdString(a->correctedAnswer) : QString());
}

bool DatasetBrowser::selectSample(const std::string& id) {
  if (!index_) return false;
  const std::uint64_t hash = DatasetIndex::hashId(id);
  for (int pass = 0; pass < 2; ++pass) {
    const auto& rows = model_->rows();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (index_->idHash(rows[i]) != hash) continue;
      table_->selectRow(static_cast<int>(i));
      table_->scrollTo(model_->index(static_cast<int>(i), 0), QAbstractItemView::PositionAtCenter);
      showSample(static_cast<int>(i));
      return true;
    }
    setFilter({});
  }
  return false;
}

void DatasetBrowser::showImages(const Sample& s) {
  const TaskInfo* task = findTask(s.questionType);
  for (int i = 0; i < 2; ++i) {
    auto* view = images_[i];
    view->setMarkers({});
    view->setLines({});
    if (i >= static_cast<int>(s.images.size())) {
      view->showMessage(QString());
      continue;
    }
    const std::string path =
        (std::filesystem::path(imageRoot_.toStdString()) / s.images[static_cast<std::size_t>(i)])
            .string();
    try {
      view->setFrame(readRgbImage(path), nullptr,
                     tr("Image-%1: %2")
                         .arg(i + 1)
                         .arg(QString::fromStdString(s.images[static_cast<std::size_t>(i)])));
    } catch (const std::exception&) {
      view->showMessage(tr("Missing image:\n%1").arg(QString::fromStdString(path)));
    }
  }
  // The points the question gives (its coordinates) on the first image; a coordinate answer on
  // the last; predictions beside the truth.
  // Coordinates in the task description ("[ 0 , 0 ] at the top-left") explain, they do not point.
  auto coordinates = coordinatesIn(s.prompt);
  if (task) {
    const auto explained = coordinatesIn(task->taskDescription);
    coordinates.erase(std::remove_if(coordinates.begin(), coordinates.end(),
                                     [&](const Eigen::Vector2d& c) {
                                       return std::find(explained.begin(), explained.end(), c) !=
                                              explained.end();
                                     }),
                      coordinates.end());
  }
  const bool correspondence = task && taskFamily(*task) == TaskFamily::Correspondence;
  const QSize first = images_[0]->imageSize();
  QVector<widgets::FrameView::Marker> marks[2];
  for (const auto& c : coordinates)
    marks[0].push_back({pixelOf(c.x(), c.y(), first), QColor(255, 214, 10), tr("query"), 0});
  const int last = std::max(0, static_cast<int>(s.images.size()) - 1);
  const QSize lastSize = images_[std::min(last, 1)]->imageSize();
  if (task && task->answer == AnswerKind::Coordinate && s.gtValue.is_array() &&
      s.gtValue.size() == 2) {
    const QPointF truth = pixelOf(s.gtValue[0].get<double>(), s.gtValue[1].get<double>(), lastSize);
    marks[std::min(last, 1)].push_back(
        {truth, QColor(0, 200, 255), tr("truth"), correspondence ? 0.05 * lastSize.width() : 0});
  }
  for (const auto& run : predictions_) {
    if (!task || task->answer != AnswerKind::Coordinate) break;
    const auto it = run->byRow.find(model_->indexRow(sampleRow_));
    if (it == run->byRow.end() || !it->second.parsed) continue;
    const auto p = coordinatesIn(it->second.value);
    if (!p.empty()) {
      marks[std::min(last, 1)].push_back(
          {pixelOf(p[0].x(), p[0].y(), lastSize),
           it->second.correct ? QColor(40, 210, 60) : QColor(235, 40, 40),
           QString::fromStdString(run->name), 0});
    }
  }
  for (int i = 0; i < 2; ++i) images_[i]->setMarkers(marks[i]);
}

void DatasetBrowser::describeSample(std::uint32_t row, const Sample& s) {
  QString html =
      tr("<b>%1</b> · id %2 · %3 at byte %4<br>")
          .arg(QString::fromStdString(s.questionType).toHtmlEscaped(),
               QString::fromStdString(s.id).toHtmlEscaped(),
               QString::fromStdString(std::filesystem::path(index_->files()[index_->file(row)].path)
                                          .filename()
                                          .string()))
          .arg(index_->offset(row));
  const TaskInfo* task = findTask(s.questionType);
  if (!task)
    html +=
        tr("<span style='color:#c70'>unknown question type: shown as it is, not scored</span><br>");
  html += "<p>" + QString::fromStdString(s.prompt).toHtmlEscaped().replace("\n", "<br>") + "</p>";
  html += tr("<p><b>Answer:</b> %1</p>").arg(QString::fromStdString(s.answer).toHtmlEscaped());
  std::string error;
  if (const auto truth = truthOf(s, error)) {
    const char* unit =
        task->answer == AnswerKind::Millimetres || task->answer == AnswerKind::VectorMm ? " mm"
        : task->answer == AnswerKind::Degrees                                           ? " degrees"
                                                                                        : "";
    html += tr("<p><b>gt_value:</b> %1%2</p>")
                .arg(QString::fromStdString(formatAnswerValue(truth->value)), unit);
  } else {
    html += tr("<p><b>gt_value:</b> %1 (%2)</p>")
                .arg(QString::fromStdString(s.gtValue.dump()).toHtmlEscaped(),
                     QString::fromStdString(error).toHtmlEscaped());
  }
  for (const auto& run : predictions_) {
    const auto it = run->byRow.find(row);
    if (it == run->byRow.end()) {
      html += tr("<p><b>%1:</b> no prediction</p>")
                  .arg(QString::fromStdString(run->name).toHtmlEscaped());
    } else {
      const auto& p = it->second;
      html += tr("<p><b>%1:</b> %2<br>parsed %3 — <span style='color:%4'>%5</span>%6</p>")
                  .arg(QString::fromStdString(run->name).toHtmlEscaped(),
                       QString::fromStdString(p.text).toHtmlEscaped(),
                       QString::fromStdString(p.value).toHtmlEscaped(), p.correct ? "#180" : "#c22",
                       p.correct ? tr("correct") : tr("wrong"),
                       p.parsed && !p.correct ? tr(" (error %1)").arg(p.error) : QString());
    }
  }
  details_->setHtml(html);
}

bool DatasetBrowser::saveAnnotation(Flag flag, const QString& note, const QString& corrected) {
  if (!index_ || sampleRow_ < 0) return false;
  try {
    annotations_->save(Annotations::keyOf(*index_, model_->indexRow(sampleRow_)),
                       {flag, note.toStdString(), corrected.toStdString()});
  } catch (const std::exception& e) {
    setStatus(tr("Not saved: %1 (earlier annotations are safe)").arg(e.what()));
    return false;
  }
  model_->annotationChanged(sampleRow_);
  setStatus(tr("Saved in %1").arg(QString::fromStdString(annotations_->path())));
  return true;
}

bool DatasetBrowser::undoAnnotation() {
  if (!annotations_ || !annotations_->undo()) {
    setStatus(tr("Nothing to undo."));
    return false;
  }
  if (sampleRow_ >= 0) showSample(sampleRow_);
  model_->annotationChanged(sampleRow_);
  setStatus(tr("Undone."));
  return true;
}

void DatasetBrowser::updateExplainButton() {
  explainButton_->setEnabled(backends_ && sample_ && !isExplaining());
}

void DatasetBrowser::setBackends(std::shared_ptr<BackendCache> backends) {
  backends_ = std::move(backends);
  updateExplainButton();
}

bool DatasetBrowser::explainSample() {
  if (!backends_ || !sample_ || isExplaining()) return false;
  Question question;
  try {
    question = questionFromSample(*sample_, imageRoot_.toStdString());
  } catch (const std::exception& e) {
    setStatus(tr("Cannot explain: %1").arg(QString::fromStdString(e.what())));
    return false;
  }
  clearExplanation();
  explainCancel_ = std::make_shared<std::atomic<bool>>(false);
  explainButton_->setEnabled(false);
  cancelButton_->show();
  setStatus(tr("Explaining sample %1…").arg(QString::fromStdString(sample_->id)));
  explainWatcher_.setFuture(
      QtConcurrent::run([backends = backends_, question = std::move(question),
                         cancel = explainCancel_, options = explainLayers_->options()] {
        ExplainResult result{question, {}, {}, {}};
        try {
          const BackendLease backend = backends->acquire();
          result.backend = QString::fromStdString(backend->label());
          result.reply = backend->answerExplained(question, options, {}, cancel.get());
        } catch (const std::exception& e) {
          result.error = QString::fromStdString(e.what());
        }
        return result;
      }));
  return true;
}

void DatasetBrowser::onExplained() {
  ExplainResult result = explainWatcher_.result();
  cancelButton_->setVisible(isIndexing());
  updateExplainButton();
  const bool ok = result.error.isEmpty() && !result.reply.cancelled && result.reply.explanation;
  if (!result.error.isEmpty()) {
    setStatus(tr("Cannot explain: %1").arg(result.error));
  } else if (result.reply.cancelled) {
    setStatus(tr("Explaining cancelled"));
  } else {
    setStatus(tr("%1 answered “%2” in %3 s")
                  .arg(result.backend, QString::fromStdString(result.reply.text))
                  .arg(result.reply.seconds, 0, 'f', 1));
  }
  // The sample may have changed meanwhile: the explanation belongs to the one it was asked about.
  if (ok && sample_ && result.question.sample.id == sample_->id) {
    explanation_ = std::move(result);
    const QSignalBlocker block(explainList_);
    explainList_->addItems(
        widgets::explanationRowTexts(*explanation_->reply.explanation, explanation_->question));
    explainList_->show();
    exportExplanationButton_->show();
    attentionDisplay_->setThumbnailAvailable(explanation_->reply.explanation->hasThumbnail());
    attentionDisplay_->show();
    valueChart_->setExplanation(explanation_->reply.explanation.get());
    explainList_->setCurrentRow(0);
    showExplanationRow(0);
  }
  emit explained(ok);
}

QStringList DatasetBrowser::explanationRows() const {
  QStringList rows;
  for (int i = 0; i < explainList_->count(); ++i) rows << explainList_->item(i)->text();
  return rows;
}

void DatasetBrowser::showExplanationRow(int row) {
  if (!explanation_ || row < 0) return;
  const AnswerExplanation& e = *explanation_->reply.explanation;
  const auto maps = widgets::explanationRowMaps(e, row, explanation_->question.images.size(),
                                                attentionDisplay_->part());
  for (std::size_t k = 0; k < 2; ++k) {
    images_[k]->setAttention(k < maps.size() ? maps[k] : AttentionMap(),
                             attentionDisplay_->opacity());
    images_[k]->setTileGrid(widgets::tileGridOf(e.tilings, k));
  }
}

QStringList DatasetBrowser::exportExplanation(const QString& folder) {
  if (!explanation_) return {};
  const widgets::ExplanationExport done =
      widgets::exportExplanation(folder, *explanation_->reply.explanation, explanation_->question);
  setStatus(done.message);
  return done.files;
}

void DatasetBrowser::clearExplanation() {
  explanation_.reset();
  const QSignalBlocker block(explainList_);
  explainList_->clear();
  explainList_->hide();
  valueChart_->setExplanation(nullptr);
  exportExplanationButton_->hide();
  attentionDisplay_->hide();
  for (auto* view : images_) {
    view->setAttention({}, 0);
    view->setTileGrid({});
  }
  updateExplainButton();
}

}  // namespace mspa::dataset
