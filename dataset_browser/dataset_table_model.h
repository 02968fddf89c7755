#pragma once

#include <QAbstractTableModel>
#include <memory>
#include <vector>

#include "dataset_browser/dataset_annotations.h"
#include "dataset_browser/dataset_index.h"
#include "dataset_browser/dataset_predictions.h"
#include "dataset_browser/dataset_query.h"

namespace mspa::dataset {

// The table over an index: one row per sample that passes the filter, in the chosen order. Only
// what is on screen is read (the id needs the sample's line; everything else is in the index),
// so millions of rows scroll like a hundred.
class DatasetTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    Row,
    File,
    Id,
    QuestionType,
    Table2Column,
    Scene,
    Images,
    Answer,
    Flag,
    Prediction,
    Error,
    ColumnCount
  };

  explicit DatasetTableModel(QObject* parent = nullptr);

  void setIndex(std::shared_ptr<const DatasetIndex> index,
                std::shared_ptr<Annotations> annotations);
  void setRows(std::vector<std::uint32_t> rows);
  void setPredictions(std::shared_ptr<const JoinedPredictions> predictions);
  const std::vector<std::uint32_t>& rows() const { return rows_; }
  std::uint32_t indexRow(int tableRow) const {
    return rows_.at(static_cast<std::size_t>(tableRow));
  }
  void annotationChanged(int tableRow);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  void sort(int column, Qt::SortOrder order) override;

 private:
  std::shared_ptr<const DatasetIndex> index_;
  std::shared_ptr<Annotations> annotations_;
  std::shared_ptr<const JoinedPredictions> predictions_;
  std::vector<std::uint32_t> rows_;
};

}  // namespace mspa::dataset
