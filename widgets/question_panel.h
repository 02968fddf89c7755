#pragma once

#include <QWidget>
#include <memory>
#include <optional>
#include <vector>

#include "core/answer_overlay.h"
#include "core/ask_session.h"
#include "widgets/ask_worker.h"

class QComboBox;
class QDialog;
class QCheckBox;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTimer;

namespace mspa::widgets {

class AttentionDisplay;
class LayerRangeEdit;
class SceneWorkspace;
class ValueChart;

// A view of an AskSession on the workspace's scene: composes a MultiSPA question (subtask, frames
// from the workspace, points clicked on the first frame or sampled), shows the exact prompt
// (editable, with a reset), asks the chosen backend off the GUI thread with streaming and cancel,
// and overlays the answer against the truth on the frames and in 3D. Every question asked is kept
// in the session's history, which restores its view on click and exports as a benchmark.
class QuestionPanel : public QWidget {
  Q_OBJECT

 public:
  explicit QuestionPanel(SceneWorkspace* workspace, QWidget* parent = nullptr);
  ~QuestionPanel() override;

  void setBackendFactory(BackendFactory factory) {
    session_.backends()->setFactory(std::move(factory));
  }
  void setModelInputRenderer(ModelInputRenderer renderer) {
    modelInputRenderer_ = std::move(renderer);
  }
  // The exact text the chosen backend's model reads for the prompt as edited (every image token
  // spelled out), or why it cannot be shown. *Model input…* shows it.
  QString modelInput() const;
  // Opens a read-only window with modelInput() (what *Model input…* does).
  QDialog* showModelInput();
  // The backend settings dialog (saved on OK).
  void openSettings();
  void setBackendSettings(const BackendSettings& settings);
  BackendSettings backendSettings() const { return session_.backends()->settings(); }
  AskWorker& worker() { return worker_; }
  AskSession& session() { return session_; }

  // The workspace shows a new scene: subtasks the scene cannot support are disabled with the
  // reason, and a running question is cancelled (the history keeps every entry with its scene).
  void sceneChanged();
  // Scripted use (tests, --ask screenshots) does what the controls do. Selecting composes on the
  // shown frames; false when the subtask is unknown or disabled here.
  bool selectSubtask(const QString& subtask);
  QString subtaskDisabledReason(const QString& subtask) const;
  bool compose(bool sample);
  // Pairs the current frame with the frame whose overlap is nearest the data engine's range
  // (6-35%), then composes; false with a message when no frame overlaps that much.
  bool pairByOverlap();
  void placePoint(int view, const QPointF& pixel);
  void setPlacingPoints(bool on);
  void setPrompt(const QString& prompt);
  void resetPrompt();
  bool ask();
  void cancel();
  void showHistoryEntry(int row);
  // Explain: the next answers come with why (token probabilities, where each token looked);
  // the local model only, the others say they cannot.
  void setExplaining(bool on);
  // The decoder layers the attention maps average (last -1: the model's last).
  void setExplainLayers(int first, int last);
  // The explanation of the entry shown: "whole answer" then one row per token.
  QStringList explanationRows() const;
  const ValueChart* valueChart() const { return valueChart_; }
  // Which part of the images' tokens the maps show, and how opaque.
  AttentionDisplay* attentionDisplay() const { return attentionDisplay_; }
  // Shows the attention of the whole answer (row 0) or of one token over the frames.
  void showExplanationRow(int row);
  // Writes what `ask --explain` writes (writeExplanationFiles) to FOLDER; the paths.
  QStringList exportExplanation(const QString& folder);
  SessionExport exportHistory(const QString& folder);

  const std::optional<Question>& question() const { return session_.question(); }
  QString prompt() const;
  const std::vector<AskRecord>& history() const { return session_.history(); }
  std::optional<AnswerOverlay> overlay() const { return overlay_; }
  QString answerText() const;
  QString message() const;
  QString verdict() const;
  bool busy() const { return worker_.busy(); }

 signals:
  void askFinished(bool answered);
  void logMessage(const QString& message);
  // A history entry asked on another scene is to be shown: the window shows that scene (it is
  // still in memory) before the entry is restored.
  void sceneRequested(std::shared_ptr<const Scene> scene);

 private:
  void buildControls();
  void showMessage(const QString& text, bool problem);
  void showQuestion();
  void onStreamed(const QString& text, int pieces, double seconds);
  void onFinished(const AskRecord& answered, const QString& error);
  void showBackend();
  void addHistoryRow(const AskRecord& record);
  void showExplanation(int entry);
  int pointsNeeded() const;
  void setBusy(bool busy);
  // False, with a message, while a question runs: composing then would change what the running
  // question's answer is judged against.
  bool composingAllowed();

  SceneWorkspace* workspace_;
  AskSession session_;
  AskWorker worker_;
  std::optional<AnswerOverlay> overlay_;  // of the history entry shown
  std::vector<QPointF> placed_;

  QComboBox* subtask_;
  QLabel* backendLabel_;
  QPushButton *settingsButton_, *unloadButton_, *sampleButton_, *composeButton_, *placeButton_,
      *resetButton_;
  QPushButton *askButton_, *cancelButton_, *exportButton_, *overlapButton_, *modelInputButton_;
  ModelInputRenderer modelInputRenderer_;
  QCheckBox *showTruth_, *explainBox_;
  LayerRangeEdit* explainLayers_;
  void updateExplain();
  QListWidget* explainTokens_;
  ValueChart* valueChart_;
  AttentionDisplay* attentionDisplay_;
  QPushButton* exportExplanationButton_;
  int explainedEntry_ = -1;  // the history entry whose explanation is shown
  const AskRecord* explained() const;
  QLabel *truth_, *message_, *progress_, *verdict_;
  QProgressBar* busyBar_;
  QPlainTextEdit *promptEdit_, *answer_;
  QTableWidget* historyTable_;
  QTimer* clock_;
  double streamedSeconds_ = 0;
  int streamedPieces_ = 0;
};

}  // namespace mspa::widgets
