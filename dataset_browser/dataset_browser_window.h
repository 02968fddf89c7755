#pragma once

#include <QFutureWatcher>
#include <QMainWindow>
#include <atomic>
#include <memory>
#include <optional>

#include "core/ask_session.h"
#include "core/multispa_sample.h"
#include "dataset_browser/dataset_table_model.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;
class QTextBrowser;

namespace mspa::widgets {
class AttentionDisplay;
class FrameView;
class LayerRangeEdit;
class ValueChart;
}  // namespace mspa::widgets

namespace mspa::dataset {

class QuestionTypeHistogram;

// Browses MultiSPA JSONL datasets of any size: indexes them in the background (progress, rate,
// cancel), filters and sorts the table of samples, shows a sample's images with the points and
// answers its fields give, joins prediction files, and annotates samples in a sidecar database.
class DatasetBrowser : public QMainWindow {
  Q_OBJECT

 public:
  explicit DatasetBrowser(QWidget* parent = nullptr);
  ~DatasetBrowser() override;

  void openDataset(const QStringList& files, const QString& imageRoot);
  bool isIndexing() const { return indexWatcher_.isRunning(); }
  void cancelIndexing();
  // Joins a prediction file; several can be joined (the table shows the latest, the sample view
  // all).
  bool loadPredictions(const QString& path);
  void setFilter(const DatasetFilter& filter);  // fills the controls and filters
  void applyFilter();
  void showSample(int tableRow);
  // Selects and shows the sample with this id (clearing the filter when it hides it).
  bool selectSample(const std::string& id);
  bool saveAnnotation(Flag flag, const QString& note, const QString& corrected);
  bool undoAnnotation();

  // The models the sample view can ask (the Ask panel's, so a loaded model serves both); without
  // them Explain is off.
  void setBackends(std::shared_ptr<BackendCache> backends);
  // Asks the backend about the shown sample with Explain on, in the background (status, Cancel):
  // the answer, its tokens' probabilities and, from the local model, where it looked over the
  // images and the tile each point landed in. False (and why in the status) when it cannot start.
  bool explainSample();
  bool isExplaining() const { return explainWatcher_.isRunning(); }
  QStringList explanationRows() const;
  void showExplanationRow(int row);
  // The decoder layers the next explanation's maps average, and how the maps are drawn.
  widgets::LayerRangeEdit* explainLayers() const { return explainLayers_; }
  widgets::AttentionDisplay* attentionDisplay() const { return attentionDisplay_; }
  // The shown explanation's tokens.json, tile and attention PNGs (writeExplanationFiles) into
  // `folder`; the files written (none, and why in the status, when it cannot).
  QStringList exportExplanation(const QString& folder);

  DatasetTableModel* model() const { return model_; }
  const DatasetIndex* index() const { return index_.get(); }
  const std::optional<Sample>& sample() const { return sample_; }
  widgets::FrameView* imageView(int i) const { return images_[i]; }
  QString sampleText() const;
  QString statusText() const;
  QTableView* table() const { return table_; }

 signals:
  void indexReady(bool ok, const QString& message);
  void explained(bool ok);
  void filtered(int rows);

 private:
  struct IndexResult {
    std::shared_ptr<DatasetIndex> index;
    QString error, note;
  };
  struct ExplainResult {
    Question question;
    BackendReply reply;
    QString backend, error;
  };
  void onExplained();
  void clearExplanation();
  void updateExplainButton();  // on while a backend and a sample are there and none runs
  void buildUi();
  void onIndexed();
  void fillFilterChoices();
  DatasetFilter filterFromControls() const;
  void showImages(const Sample& sample);
  void describeSample(std::uint32_t row, const Sample& sample);
  void setStatus(const QString& text);

  std::shared_ptr<DatasetIndex> index_;
  std::shared_ptr<Annotations> annotations_;
  std::vector<std::shared_ptr<const JoinedPredictions>> predictions_;
  QString imageRoot_;
  std::optional<Sample> sample_;
  int sampleRow_ = -1;
  QFutureWatcher<IndexResult> indexWatcher_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  std::shared_ptr<BackendCache> backends_;
  QFutureWatcher<ExplainResult> explainWatcher_;
  std::shared_ptr<std::atomic<bool>> explainCancel_;
  std::optional<ExplainResult> explanation_;  // of the shown sample

  DatasetTableModel* model_;
  QTableView* table_;
  QuestionTypeHistogram* histogram_;
  QComboBox *type_, *column_, *split_, *flagged_, *flag_;
  QLineEdit *scene_, *text_, *note_, *corrected_;
  QSpinBox* imageCount_;
  QLabel *count_, *status_;
  QProgressBar* progress_;
  QPushButton* cancelButton_;
  widgets::FrameView* images_[2];
  QTextBrowser* details_;
  QPushButton *explainButton_, *exportExplanationButton_;
  QListWidget* explainList_;
  widgets::ValueChart* valueChart_;
  widgets::LayerRangeEdit* explainLayers_;
  widgets::AttentionDisplay* attentionDisplay_;
};

}  // namespace mspa::dataset
