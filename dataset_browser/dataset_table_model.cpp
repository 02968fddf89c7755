#include "dataset_browser/dataset_table_model.h"

#include <QBrush>
#include <QColor>
#include <filesystem>

#include "core/multispa_sample.h"
#include "core/task_catalog.h"

namespace mspa::dataset {

DatasetTableModel::DatasetTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void DatasetTableModel::setIndex(std::shared_ptr<const DatasetIndex> index,
                                 std::shared_ptr<Annotations> annotations) {
  beginResetModel();
  index_ = std::move(index);
  annotations_ = std::move(annotations);
  predictions_.reset();
  rows_.clear();
  endResetModel();
}

void DatasetTableModel::setRows(std::vector<std::uint32_t> rows) {
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
}

void DatasetTableModel::setPredictions(std::shared_ptr<const JoinedPredictions> predictions) {
  predictions_ = std::move(predictions);
  emit dataChanged(index(0, Prediction), index(rowCount() - 1, Error));
}

void DatasetTableModel::annotationChanged(int tableRow) {
  emit dataChanged(index(tableRow, Flag), index(tableRow, Flag));
}

int DatasetTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}
int DatasetTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant DatasetTableModel::data(const QModelIndex& cell, int role) const {
  if (!index_ || (role != Qt::DisplayRole && role != Qt::ForegroundRole)) return {};
  const std::uint32_t row = rows_[static_cast<std::size_t>(cell.row())];
  const JudgedPrediction* prediction = nullptr;
  if (predictions_) {
    const auto it = predictions_->byRow.find(row);
    if (it != predictions_->byRow.end()) prediction = &it->second;
  }
  if (role == Qt::ForegroundRole) {
    if (cell.column() == QuestionType &&
        !findTask(index_->questionTypes()[index_->questionType(row)]))
      return QBrush(QColor(200, 120, 0));
    if ((cell.column() == Prediction || cell.column() == Error) && prediction)
      return QBrush(prediction->correct ? QColor(20, 140, 40) : QColor(200, 30, 30));
    return {};
  }
  switch (cell.column()) {
    case Row:
      return row;
    case File:
      return QString::fromStdString(
          std::filesystem::path(index_->files()[index_->file(row)].path).filename().string());
    case Id: {
      std::string error;
      const auto sample = parseSampleLine(index_->line(row), error);
      return sample ? QString::fromStdString(sample->id) : QString("?");
    }
    case QuestionType: {
      const std::string& type = index_->questionTypes()[index_->questionType(row)];
      return QString::fromStdString(findTask(type) ? type : type + " (unknown)");
    }
    case Table2Column:
      return QString::fromStdString(columnOf(index_->questionTypes()[index_->questionType(row)]));
    case Scene:
      return QString::fromStdString(index_->scenes()[index_->scene(row)]);
    case Images:
      return index_->imageCount(row);
    case Answer:
      return QString::fromStdString(index_->answerSummary(row));
    case Flag: {
      const auto a =
          annotations_ ? annotations_->get(Annotations::keyOf(*index_, row)) : std::nullopt;
      return a && a->flag != mspa::dataset::Flag::None ? QString(flagName(a->flag)) : QString();
    }
    case Prediction:
      return prediction ? QString::fromStdString(prediction->value) : QVariant();
    case Error:
      return prediction && prediction->parsed ? QVariant(prediction->error) : QVariant();
  }
  return {};
}

QVariant DatasetTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (role != Qt::DisplayRole || orientation != Qt::Horizontal) return {};
  static const char* names[] = {"#",      "File",   "Id",   "Question type", "Column", "Scene",
                                "Images", "Answer", "Flag", "Prediction",    "Error"};
  return tr(names[section]);
}

void DatasetTableModel::sort(int column, Qt::SortOrder order) {
  if (!index_) return;
  const bool descending = order == Qt::DescendingOrder;
  std::vector<float> errors;
  SortKey key = SortKey::File;
  switch (column) {
    case QuestionType:
      key = SortKey::QuestionType;
      break;
    case Table2Column:
      key = SortKey::Column;
      break;
    case Scene:
      key = SortKey::Scene;
      break;
    case Images:
      key = SortKey::Images;
      break;
    case Answer:
      key = SortKey::Answer;
      break;
    case Prediction:
    case Error:
      if (!predictions_) return;
      errors = predictions_->errors(index_->size());
      key = SortKey::Error;
      break;
    case Row:
    case File:
      break;
    default:
      return;  // ids and flags are read per row: not sortable at scale
  }
  emit layoutAboutToBeChanged();
  sortRows(*index_, rows_, key, descending, &errors);
  emit layoutChanged();
}

}  // namespace mspa::dataset
