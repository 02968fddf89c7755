#pragma once

#include <QWidget>

class QLabel;

namespace mspa {
struct PointCloud;
}

namespace mspa::widgets {

// Describes the loaded point cloud: file, size, bounds and which attributes it carries.
class CloudInfoPanel : public QWidget {
  Q_OBJECT

 public:
  explicit CloudInfoPanel(QWidget* parent = nullptr);

  void showCloud(const QString& path, const PointCloud& cloud, double loadSeconds);
  void clear();
  // The text of a row, for tests and tooltips ("file", "points", "bounds", "attributes", "load").
  QString value(const QString& row) const;

 private:
  QLabel* addRow(const QString& key, const QString& label);
};

}  // namespace mspa::widgets
