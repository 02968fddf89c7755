#include "widgets/cloud_info_panel.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>

#include "core/point_cloud.h"

namespace mspa::widgets {
namespace {

QString formatVector(const Eigen::Vector3f& v) {
  return QString("(%1, %2, %3)").arg(v.x(), 0, 'f', 2).arg(v.y(), 0, 'f', 2).arg(v.z(), 0, 'f', 2);
}

}  // namespace

CloudInfoPanel::CloudInfoPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QFormLayout(this);
  layout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  addRow("file", tr("File"));
  addRow("points", tr("Points"));
  addRow("bounds", tr("Bounds (m)"));
  addRow("attributes", tr("Attributes"));
  addRow("load", tr("Load time"));
  clear();
}

QLabel* CloudInfoPanel::addRow(const QString& key, const QString& label) {
  auto* value = new QLabel(this);
  value->setObjectName(key);
  value->setTextInteractionFlags(Qt::TextSelectableByMouse);
  value->setWordWrap(true);
  static_cast<QFormLayout*>(layout())->addRow(label, value);
  return value;
}

QString CloudInfoPanel::value(const QString& row) const {
  const auto* label = findChild<QLabel*>(row);
  return label ? label->text() : QString();
}

void CloudInfoPanel::clear() {
  for (auto* label : findChildren<QLabel*>()) {
    if (!label->objectName().isEmpty()) label->setText("—");
  }
}

void CloudInfoPanel::showCloud(const QString& path, const PointCloud& cloud, double loadSeconds) {
  const auto box = cloud.bounds();
  QStringList attributes{"xyz"};
  if (cloud.hasColors()) attributes << "rgb";
  if (cloud.hasNormals()) attributes << "normals";
  if (!cloud.triangles.empty()) attributes << QString("%1 triangles").arg(QLocale().toString(qulonglong(cloud.triangles.size())));
  findChild<QLabel*>("file")->setText(QFileInfo(path).fileName());
  findChild<QLabel*>("file")->setToolTip(path);
  findChild<QLabel*>("points")->setText(QLocale().toString(qulonglong(cloud.size())));
  findChild<QLabel*>("bounds")->setText(formatVector(box.min) + " – " + formatVector(box.max));
  findChild<QLabel*>("attributes")->setText(attributes.join(", "));
  findChild<QLabel*>("load")->setText(QString("%1 ms").arg(loadSeconds * 1000, 0, 'f', 0));
}

}  // namespace mspa::widgets
