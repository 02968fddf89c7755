#pragma once

#include <QWidget>

class QListWidget;

namespace mspa::widgets {

// What the window shows before a scene is open: the first steps (demo, scene, dataset, model,
// benchmark runs) and the recently opened files.
class StartPage : public QWidget {
  Q_OBJECT

 public:
  explicit StartPage(QWidget* parent = nullptr);
  void setRecentFiles(const QStringList& files);
  QStringList recentFiles() const;

 signals:
  void openDemo();
  void openRewardDemo();
  void openScene();
  void openDataset();
  void configureModel();
  void openRuns();
  void openRecent(const QString& path);

 private:
  QListWidget* recent_;
};

}  // namespace mspa::widgets
