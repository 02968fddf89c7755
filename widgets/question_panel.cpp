#include "widgets/question_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "widgets/backend_settings_dialog.h"
#include "widgets/explain_controls.h"
#include "widgets/explanation_rows.h"
#include "widgets/frame_view.h"
#include "widgets/scene_workspace.h"
#include "widgets/value_chart.h"

namespace mspa::widgets {
namespace {

QPushButton* button(const QString& text, QWidget* parent, QHBoxLayout* row) {
  auto* b = new QPushButton(text, parent);
  row->addWidget(b);
  return b;
}

QString framesText(const Scene& scene, const Question& q) {
  QStringList names;
  for (int f : q.frames) names << QString::fromStdString(scene.frames[f].name);
  return names.join(", ");
}

}  // namespace

QuestionPanel::QuestionPanel(SceneWorkspace* workspace, QWidget* parent)
    : QWidget(parent),
      workspace_(workspace),
      session_([](const BackendSettings&) { return std::make_unique<OracleBackend>(); }) {
  buildControls();
  updateExplain();
  setBackendSettings(loadBackendSettings());
  connect(workspace_, &SceneWorkspace::frameClicked, this, &QuestionPanel::placePoint);
  connect(&worker_, &AskWorker::streamed, this, &QuestionPanel::onStreamed);
  connect(&worker_, &AskWorker::finished, this, &QuestionPanel::onFinished);
  sceneChanged();
}

QuestionPanel::~QuestionPanel() {
  worker_.cancel();
  worker_.wait();
}

void QuestionPanel::buildControls() {
  auto* layout = new QVBoxLayout(this);
  backendLabel_ = new QLabel(this);
  backendLabel_->setWordWrap(true);
  layout->addWidget(backendLabel_);
  auto* backendRow = new QHBoxLayout;
  settingsButton_ = button(tr("Backend…"), this, backendRow);
  unloadButton_ = button(tr("Unload"), this, backendRow);
  backendRow->addStretch(1);
  layout->addLayout(backendRow);

  subtask_ = new QComboBox(this);
  auto* model = new QStandardItemModel(subtask_);
  for (const auto& column : table2Columns()) {
    auto* header = new QStandardItem(QString::fromStdString(column));
    header->setFlags(Qt::NoItemFlags);
    QFont bold = header->font();
    bold.setBold(true);
    header->setFont(bold);
    model->appendRow(header);
    for (const auto& task : taskCatalog()) {
      if (task.column != column) continue;
      auto* item = new QStandardItem(
          QString("  %1. %2").arg(task.number).arg(QString::fromStdString(task.subtask)));
      item->setData(QString::fromStdString(task.subtask), Qt::UserRole);
      model->appendRow(item);
    }
  }
  subtask_->setModel(model);
  subtask_->setMinimumContentsLength(12);
  subtask_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  layout->addWidget(subtask_);

  auto* composeRow = new QHBoxLayout;
  sampleButton_ = button(tr("Sample"), this, composeRow);
  sampleButton_->setToolTip(tr("Let the task engine choose frames and points"));
  placeButton_ = button(tr("Place points"), this, composeRow);
  placeButton_->setCheckable(true);
  placeButton_->setToolTip(tr("Click the points on the first frame"));
  composeButton_ = button(tr("Use frames"), this, composeRow);
  composeButton_->setToolTip(tr("Ask about the frames on screen (and the placed points)"));
  layout->addLayout(composeRow);
  auto* pairRow = new QHBoxLayout;
  overlapButton_ = button(tr("Pair by overlap"), this, pairRow);
  overlapButton_->setToolTip(
      tr("Second frame: the one overlapping the current frame by 6-35%, as the data engine pairs "
         "them"));
  pairRow->addStretch(1);
  layout->addLayout(pairRow);

  promptEdit_ = new QPlainTextEdit(this);
  promptEdit_->setPlaceholderText(
      tr("The prompt appears here, exactly as the model will read it."));
  layout->addWidget(promptEdit_, 2);
  auto* truthRow = new QHBoxLayout;
  showTruth_ = new QCheckBox(tr("Show truth"), this);
  truthRow->addWidget(showTruth_);
  resetButton_ = button(tr("Reset prompt"), this, truthRow);
  modelInputButton_ = button(tr("Model input…"), this, truthRow);
  modelInputButton_->setToolTip(
      tr("The exact text the model reads: chat template, system message, every image token"));
  truthRow->addStretch(1);
  layout->addLayout(truthRow);
  truth_ = new QLabel(this);
  truth_->setWordWrap(true);
  truth_->setVisible(false);
  layout->addWidget(truth_);

  auto* askRow = new QHBoxLayout;
  askButton_ = button(tr("Ask"), this, askRow);
  cancelButton_ = button(tr("Cancel"), this, askRow);
  cancelButton_->setEnabled(false);
  explainBox_ = new QCheckBox(tr("Explain"), this);
  explainBox_->setToolTip(
      tr("The local model also reports each token's probability and where it looked"));
  askRow->addStretch(1);
  layout->addLayout(askRow);
  auto* explainRow = new QHBoxLayout;
  explainRow->addWidget(explainBox_);
  explainLayers_ = new LayerRangeEdit(this);
  explainRow->addWidget(explainLayers_);
  explainRow->addStretch(1);
  layout->addLayout(explainRow);
  progress_ = new QLabel(this);
  layout->addWidget(progress_);
  // Loading a checkpoint or generating has no known end: an indeterminate bar while it runs.
  busyBar_ = new QProgressBar(this);
  busyBar_->setRange(0, 0);
  busyBar_->setTextVisible(false);
  busyBar_->setMaximumHeight(8);
  busyBar_->hide();
  layout->addWidget(busyBar_);
  answer_ = new QPlainTextEdit(this);
  answer_->setReadOnly(true);
  answer_->setPlaceholderText(tr("The answer streams here."));
  layout->addWidget(answer_, 1);
  verdict_ = new QLabel(this);
  verdict_->setWordWrap(true);
  layout->addWidget(verdict_);
  message_ = new QLabel(this);
  message_->setWordWrap(true);
  layout->addWidget(message_);
  valueChart_ = new ValueChart(this);
  layout->addWidget(valueChart_);
  explainTokens_ = new QListWidget(this);
  explainTokens_->setToolTip(tr("Click a token to see where it looked"));
  explainTokens_->hide();
  layout->addWidget(explainTokens_, 1);
  attentionDisplay_ = new AttentionDisplay(this);
  layout->addWidget(attentionDisplay_);
  auto* exportRow = new QHBoxLayout;
  exportExplanationButton_ = button(tr("Export explanation…"), this, exportRow);
  exportRow->addStretch(1);
  layout->addLayout(exportRow);
  for (QWidget* w : std::initializer_list<QWidget*>{attentionDisplay_, exportExplanationButton_})
    w->hide();

  historyTable_ = new QTableWidget(0, 6, this);
  historyTable_->setHorizontalHeaderLabels(
      {tr("#"), tr("Subtask"), tr("Frames"), tr("Answer"), tr("Truth"), tr("Verdict")});
  historyTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
  historyTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  historyTable_->horizontalHeader()->setStretchLastSection(true);
  historyTable_->verticalHeader()->hide();
  layout->addWidget(historyTable_, 2);
  exportButton_ = new QPushButton(tr("Export history as a benchmark…"), this);
  exportButton_->setEnabled(false);
  layout->addWidget(exportButton_);

  clock_ = new QTimer(this);
  clock_->setInterval(100);
  connect(clock_, &QTimer::timeout, this, [this] {
    const double rate = streamedSeconds_ > 0 ? streamedPieces_ / streamedSeconds_ : 0;
    progress_->setText(tr("%1 s · %2 tokens · %3 tokens/s")
                           .arg(streamedSeconds_, 0, 'f', 1)
                           .arg(streamedPieces_)
                           .arg(rate, 0, 'f', 1));
  });
  connect(settingsButton_, &QPushButton::clicked, this, &QuestionPanel::openSettings);
  connect(unloadButton_, &QPushButton::clicked, this, [this] {
    session_.backends()->unload();
    showBackend();
  });
  connect(subtask_, &QComboBox::currentIndexChanged, this, [this] {
    placed_.clear();
    if (workspace_->scene()) compose(false);
  });
  connect(sampleButton_, &QPushButton::clicked, this, [this] { compose(true); });
  connect(composeButton_, &QPushButton::clicked, this, [this] { compose(false); });
  connect(overlapButton_, &QPushButton::clicked, this, &QuestionPanel::pairByOverlap);
  connect(placeButton_, &QPushButton::toggled, this, &QuestionPanel::setPlacingPoints);
  connect(resetButton_, &QPushButton::clicked, this, &QuestionPanel::resetPrompt);
  connect(promptEdit_, &QPlainTextEdit::textChanged, this,
          [this] { session_.setPrompt(promptEdit_->toPlainText().toStdString()); });
  connect(modelInputButton_, &QPushButton::clicked, this, &QuestionPanel::showModelInput);
  connect(showTruth_, &QCheckBox::toggled, truth_, &QLabel::setVisible);
  connect(explainBox_, &QCheckBox::toggled, this, &QuestionPanel::setExplaining);
  connect(explainLayers_, &LayerRangeEdit::changed, this, &QuestionPanel::updateExplain);
  connect(explainTokens_, &QListWidget::currentRowChanged, this,
          &QuestionPanel::showExplanationRow);
  connect(attentionDisplay_, &AttentionDisplay::changed, this,
          [this] { showExplanationRow(explainTokens_->currentRow()); });
  connect(exportExplanationButton_, &QPushButton::clicked, this, [this] {
    const QString folder =
        QFileDialog::getExistingDirectory(this, tr("Export the explanation to a folder"));
    if (!folder.isEmpty()) exportExplanation(folder);
  });
  connect(askButton_, &QPushButton::clicked, this, &QuestionPanel::ask);
  connect(cancelButton_, &QPushButton::clicked, this, &QuestionPanel::cancel);
  connect(historyTable_, &QTableWidget::cellClicked, this,
          [this](int row, int) { showHistoryEntry(row); });
  connect(exportButton_, &QPushButton::clicked, this, [this] {
    const QString folder =
        QFileDialog::getExistingDirectory(this, tr("Export the session to a folder"));
    if (!folder.isEmpty()) exportHistory(folder);
  });
}

void QuestionPanel::setBackendSettings(const BackendSettings& settings) {
  session_.backends()->setSettings(settings);
  showBackend();
}

void QuestionPanel::showBackend() {
  const std::string loaded = session_.backends()->loadedLabel();
  backendLabel_->setText(tr("Backend: %1")
                             .arg(loaded.empty()
                                      ? QString(backendKindName(backendSettings().kind)) +
                                            tr(" (loads at the first question)")
                                      : QString::fromStdString(loaded)));
}

void QuestionPanel::openSettings() {
  BackendSettingsDialog dialog(backendSettings(), this);
  if (dialog.exec() != QDialog::Accepted) return;
  saveBackendSettings(dialog.settings());
  setBackendSettings(dialog.settings());
}

void QuestionPanel::showMessage(const QString& text, bool problem) {
  message_->setText(text);
  message_->setStyleSheet(problem ? "color: #e04040;" : "");
  if (!text.isEmpty()) emit logMessage(text);
}

void QuestionPanel::sceneChanged() {
  if (worker_.busy()) worker_.cancel();
  session_.setScene(workspace_->scene());
  overlay_.reset();
  placed_.clear();
  auto* model = static_cast<QStandardItemModel*>(subtask_->model());
  int firstUsable = -1;
  for (int row = 0; row < model->rowCount(); ++row) {
    QStandardItem* item = model->item(row);
    const QString name = item->data(Qt::UserRole).toString();
    if (name.isEmpty()) continue;
    const std::string reason = session_.unsupportedReason(*findSubtask(name.toStdString()));
    item->setEnabled(reason.empty());
    item->setToolTip(reason.empty() ? QString()
                                    : tr("Not available: %1").arg(QString::fromStdString(reason)));
    if (reason.empty() && firstUsable < 0) firstUsable = row;
  }
  const QSignalBlocker block(subtask_);
  if (firstUsable >= 0) subtask_->setCurrentIndex(firstUsable);
  askButton_->setEnabled(firstUsable >= 0 && !worker_.busy());
}

bool QuestionPanel::composingAllowed() {
  if (!worker_.busy()) return true;
  showMessage(tr("A question is running: wait for its answer or cancel it first."), true);
  return false;
}

QString QuestionPanel::subtaskDisabledReason(const QString& subtask) const {
  auto* model = static_cast<QStandardItemModel*>(subtask_->model());
  for (int row = 0; row < model->rowCount(); ++row) {
    const QStandardItem* item = model->item(row);
    if (item->data(Qt::UserRole).toString() == subtask)
      return item->isEnabled() ? QString() : item->toolTip();
  }
  return tr("unknown subtask %1").arg(subtask);
}

bool QuestionPanel::selectSubtask(const QString& subtask) {
  if (!composingAllowed()) return false;
  const QString reason = subtaskDisabledReason(subtask);
  if (!reason.isEmpty()) {
    showMessage(reason, true);
    return false;
  }
  const int index = subtask_->findData(subtask, Qt::UserRole);
  if (index == subtask_->currentIndex()) {
    compose(false);
  } else {
    subtask_->setCurrentIndex(index);  // composes through currentIndexChanged
  }
  return true;
}

int QuestionPanel::pointsNeeded() const {
  const TaskInfo* task = findSubtask(subtask_->currentData(Qt::UserRole).toString().toStdString());
  if (!task) return 0;
  switch (taskFamily(*task)) {
    case TaskFamily::Depth:
    case TaskFamily::Correspondence:
      return 1;
    case TaskFamily::DepthComparison:
      return 2;
    default:
      return 0;
  }
}

bool QuestionPanel::compose(bool sample) {
  if (!composingAllowed()) return false;
  const auto& scene = workspace_->scene();
  const QString subtask = subtask_->currentData(Qt::UserRole).toString();
  if (!scene) {
    showMessage(tr("Open a scene first."), true);
    return false;
  }
  if (subtask.isEmpty()) {
    showMessage(tr("Choose a subtask."), true);
    return false;
  }
  QuestionSpec spec;
  spec.subtask = subtask.toStdString();
  const TaskInfo& task = *findSubtask(spec.subtask);
  if (!sample && workspace_->currentFrame() >= 0) {
    spec.frames = {workspace_->currentFrame()};
    if (task.frames == 2) {
      if (workspace_->pairMode() && workspace_->pairFrame() >= 0) {
        spec.frames.push_back(workspace_->pairFrame());
        spec.swapFrames = false;
      } else {
        spec.frames.clear();  // no second frame on screen: the engine picks the pair
      }
    }
    if (pointsNeeded() > 0 && static_cast<int>(placed_.size()) == pointsNeeded()) {
      for (const auto& p : placed_) spec.points.emplace_back(p.x(), p.y());
    }
  }
  std::string whyNot;
  // Sampled frames may miss what the task needs (a track visible in both): drawn up to 9 times.
  if (!session_.compose(spec, whyNot, sample ? 9 : 1)) {
    showMessage(tr("Cannot ask %1 here: %2").arg(subtask, QString::fromStdString(whyNot)), true);
    return false;
  }
  overlay_.reset();
  promptEdit_->setPlainText(QString::fromStdString(session_.prompt()));
  answer_->clear();
  verdict_->clear();
  showQuestion();
  showMessage(tr("%1 on %2: %3")
                  .arg(subtask, framesText(*scene, *question()),
                       spec.points.empty() && pointsNeeded() > 0 ? tr("points sampled")
                                                                 : tr("ready to ask")),
              false);
  return true;
}

bool QuestionPanel::pairByOverlap() {
  if (!workspace_->scene() || !composingAllowed()) return false;
  const int frame = workspace_->currentFrame();
  std::string whyNot;
  const int partner = session_.overlapPartner(frame, 0.06, 0.35, whyNot);
  if (partner < 0) {
    showMessage(tr("No pairing by overlap (6-35%): %1.").arg(QString::fromStdString(whyNot)), true);
    return false;
  }
  workspace_->setPairFrame(partner);
  showMessage(tr("Paired with frame %1 (overlap %2%).")
                  .arg(partner)
                  .arg(session_.overlap(frame, partner) * 100, 0, 'f', 0),
              false);
  return compose(false);
}

void QuestionPanel::showQuestion() {
  const Question& q = *question();
  workspace_->showQuestion(q);
  truth_->setText(tr("Truth: %1 — canonical answer: %2")
                      .arg(QString::fromStdString(formatAnswerValue(q.truth())),
                           QString::fromStdString(q.sample.answer)));
}

void QuestionPanel::setPlacingPoints(bool on) {
  if (placeButton_->isChecked() != on)
    return placeButton_->setChecked(on);  // re-enters through toggled
  workspace_->setPickingEnabled(!on);
  placed_.clear();
  if (on)
    showMessage(
        pointsNeeded() > 0
            ? tr("Click %n point(s) on the first frame.", "", pointsNeeded())
            : tr("This subtask takes no points: frames (and objects or tracks) are enough."),
        false);
}

void QuestionPanel::placePoint(int view, const QPointF& pixel) {
  if (!placeButton_->isChecked() || !composingAllowed()) return;
  const int needed = pointsNeeded();
  if (needed == 0) return showMessage(tr("This subtask takes no points."), true);
  if (view != 0) return showMessage(tr("Points go on the first frame (Image-1)."), true);
  if (static_cast<int>(placed_.size()) >= needed) placed_.clear();
  placed_.push_back(pixel);
  workspace_->showPlacedPoints(placed_);
  if (static_cast<int>(placed_.size()) == needed) {
    compose(false);
  } else {
    showMessage(tr("%1 of %2 points placed.").arg(placed_.size()).arg(needed), false);
  }
}

QString QuestionPanel::prompt() const {
  return promptEdit_->toPlainText();
}

QString QuestionPanel::modelInput() const {
  if (!question()) return tr("Compose a question first.");
  if (!modelInputRenderer_) return tr("No model input renderer is set.");
  Question edited = *question();
  edited.sample.prompt = prompt().toStdString();
  try {
    return QString::fromStdString(modelInputRenderer_(backendSettings(), edited));
  } catch (const std::exception& e) {
    return tr("Cannot show the model input: %1").arg(QString::fromUtf8(e.what()));
  }
}

QDialog* QuestionPanel::showModelInput() {
  auto* dialog = new QDialog(this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setWindowTitle(tr("Model input"));
  auto* layout = new QVBoxLayout(dialog);
  const QString input = modelInput();
  layout->addWidget(new QLabel(tr("%1 characters, %2 image tokens, exactly as the model reads them")
                                   .arg(input.size())
                                   .arg(input.count(QStringLiteral("<IMG_CONTEXT>"))),
                               dialog));
  auto* text = new QPlainTextEdit(input, dialog);
  text->setReadOnly(true);
  layout->addWidget(text);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
  connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
  layout->addWidget(buttons);
  dialog->resize(720, 480);
  dialog->show();
  return dialog;
}
void QuestionPanel::setPrompt(const QString& prompt) {
  promptEdit_->setPlainText(prompt);
}

void QuestionPanel::resetPrompt() {
  session_.resetPrompt();
  promptEdit_->setPlainText(QString::fromStdString(session_.prompt()));
}

bool QuestionPanel::ask() {
  if (worker_.busy()) return false;
  if (!question() && !compose(false)) return false;
  if (session_.backends()->loadedLabel().empty()) {
    const QString loading =
        tr("Loading the %1 backend…").arg(backendKindName(backendSettings().kind));
    progress_->setText(loading);
    emit logMessage(loading);  // the window's log shows every load
  }
  if (!worker_.start(*session_.prepare())) return false;
  answer_->clear();
  verdict_->clear();
  streamedPieces_ = 0;
  streamedSeconds_ = 0;
  setBusy(true);
  showMessage(QString(), false);
  return true;
}

void QuestionPanel::cancel() {
  worker_.cancel();
}

void QuestionPanel::setBusy(bool busy) {
  for (QWidget* composing : std::initializer_list<QWidget*>{subtask_, sampleButton_, composeButton_,
                                                            placeButton_, overlapButton_})
    composing->setEnabled(!busy);
  askButton_->setEnabled(!busy);
  cancelButton_->setEnabled(busy);
  settingsButton_->setEnabled(!busy);
  unloadButton_->setEnabled(!busy);
  busyBar_->setVisible(busy);
  if (busy) {
    clock_->start();
  } else {
    clock_->stop();
  }
}

void QuestionPanel::onStreamed(const QString& text, int pieces, double seconds) {
  answer_->setPlainText(text);
  streamedPieces_ = pieces;
  streamedSeconds_ = seconds;
}

void QuestionPanel::onFinished(const AskRecord& answered, const QString& error) {
  setBusy(false);
  showBackend();
  if (!error.isEmpty()) {
    showMessage(tr("The backend failed: %1").arg(error), true);
    return emit askFinished(false);
  }
  const BackendReply& reply = answered.outcome.reply;
  answer_->setPlainText(QString::fromStdString(reply.text));
  if (reply.cancelled) {
    showMessage(tr("Cancelled after %1 s; the question is kept.").arg(reply.seconds, 0, 'f', 1),
                false);
    return emit askFinished(false);
  }
  progress_->setText(tr("%1 s · %2 tokens").arg(reply.seconds, 0, 'f', 2).arg(reply.tokens));
  const int row = static_cast<int>(session_.record(answered));
  addHistoryRow(answered);
  if (answered.scene == workspace_->scene()) {
    showHistoryEntry(row);
  } else {
    showMessage(tr("The answer about %1 came after another scene was opened; it is in the history.")
                    .arg(QString::fromStdString(answered.scene->name)),
                false);
  }
  emit askFinished(true);
}

void QuestionPanel::addHistoryRow(const AskRecord& r) {
  const int row = historyTable_->rowCount();
  historyTable_->insertRow(row);
  const QString verdict = !r.outcome.parsed.ok        ? tr("not understood")
                          : r.outcome.verdict.correct ? tr("correct")
                                                      : tr("wrong");
  const QStringList cells = {QString::number(row + 1),
                             QString::fromStdString(r.question.task->subtask),
                             framesText(*r.scene, r.question),
                             r.outcome.parsed.ok
                                 ? QString::fromStdString(formatAnswerValue(r.outcome.parsed.value))
                                 : QString("—"),
                             QString::fromStdString(formatAnswerValue(r.question.truth())),
                             verdict};
  for (int column = 0; column < cells.size(); ++column)
    historyTable_->setItem(row, column, new QTableWidgetItem(cells[column]));
  historyTable_->item(row, 5)->setForeground(
      overlayQColor(OverlayRole::Prediction, r.outcome.verdict.correct));
  exportButton_->setEnabled(true);
}

void QuestionPanel::showHistoryEntry(int row) {
  if (row < 0 || row >= static_cast<int>(history().size())) return;
  const AskRecord r = history()[row];  // a copy: showing another scene resets the panel
  if (r.scene != workspace_->scene()) emit sceneRequested(r.scene);
  if (!session_.restore(row)) {
    return showMessage(tr("Entry %1 was asked on %2, which cannot be shown now.")
                           .arg(row + 1)
                           .arg(QString::fromStdString(r.scene->name)),
                       true);
  }
  promptEdit_->setPlainText(QString::fromStdString(session_.prompt()));
  answer_->setPlainText(QString::fromStdString(r.outcome.reply.text));
  showQuestion();
  overlay_ = r.overlay;
  workspace_->showOverlay(r.question, r.overlay);
  const QString source =
      r.outcome.groundTruthBackend ? tr(" (ground truth from the geometry oracle)") : QString();
  verdict_->setText(QString::fromStdString(r.overlay.caption) + source);
  verdict_->setStyleSheet(
      QString("font-weight: bold; color: %1;")
          .arg(overlayQColor(OverlayRole::Prediction, r.overlay.correct && r.overlay.parsed)
                   .name()));
  historyTable_->selectRow(row);
  showExplanation(row);
}

void QuestionPanel::setExplaining(bool on) {
  if (explainBox_->isChecked() != on) return explainBox_->setChecked(on);  // back through toggled
  updateExplain();
}

void QuestionPanel::setExplainLayers(int first, int last) {
  explainLayers_->setLayers(first, last);
}

void QuestionPanel::updateExplain() {
  explainLayers_->setEnabled(explainBox_->isChecked());
  session_.setExplain(explainBox_->isChecked() ? std::optional(explainLayers_->options())
                                               : std::nullopt);
}

const AskRecord* QuestionPanel::explained() const {
  return explainedEntry_ >= 0 ? &history()[explainedEntry_] : nullptr;
}

// Fills the token list from a history entry's explanation (or hides it without one).
void QuestionPanel::showExplanation(int entry) {
  const AskRecord& record = history()[entry];
  const auto& explanation = record.outcome.reply.explanation;
  explainedEntry_ = -1;
  const QSignalBlocker block(explainTokens_);
  explainTokens_->clear();
  for (QWidget* w :
       std::initializer_list<QWidget*>{explainTokens_, attentionDisplay_, exportExplanationButton_})
    w->setVisible(explanation != nullptr);
  valueChart_->setExplanation(explanation.get());
  if (!explanation) return workspace_->showAttention(record.question, {}, 0);
  explainedEntry_ = entry;
  attentionDisplay_->setThumbnailAvailable(explanation->hasThumbnail());
  explainTokens_->addItems(explanationRowTexts(*explanation, record.question));
  explainTokens_->setCurrentRow(0);
  showExplanationRow(0);
}

QStringList QuestionPanel::explanationRows() const {
  QStringList rows;
  for (int i = 0; i < explainTokens_->count(); ++i) rows << explainTokens_->item(i)->text();
  return rows;
}

void QuestionPanel::showExplanationRow(int row) {
  const AskRecord* shown = explained();
  if (!shown || row < 0) return;
  const AnswerExplanation& e = *shown->outcome.reply.explanation;
  const std::vector<AttentionMap> maps =
      explanationRowMaps(e, row, shown->question.frames.size(), attentionDisplay_->part());
  workspace_->showAttention(shown->question, maps, attentionDisplay_->opacity(), e.tilings);
}

QStringList QuestionPanel::exportExplanation(const QString& folder) {
  const AskRecord* shown = explained();
  if (!shown) return {};
  const ExplanationExport done =
      widgets::exportExplanation(folder, *shown->outcome.reply.explanation, shown->question);
  showMessage(done.message, done.files.isEmpty());
  return done.files;
}

SessionExport QuestionPanel::exportHistory(const QString& folder) {
  try {
    const auto written = exportAskSession(history(), folder.toStdString());
    showMessage(tr("Exported %1 questions to %2 and %3")
                    .arg(history().size())
                    .arg(QString::fromStdString(written.questions),
                         QString::fromStdString(written.predictions)),
                false);
    return written;
  } catch (const std::exception& e) {
    showMessage(QString::fromStdString(e.what()), true);
    return {};
  }
}

QString QuestionPanel::answerText() const {
  return answer_->toPlainText();
}
QString QuestionPanel::message() const {
  return message_->text();
}
QString QuestionPanel::verdict() const {
  return verdict_->text();
}

}  // namespace mspa::widgets
