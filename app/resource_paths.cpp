#include "app/resource_paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace mspa::app {

QString resourceDir() {
  const QString fromEnv = qEnvironmentVariable("MSPA_RESOURCE_DIR");
  if (!fromEnv.isEmpty()) return fromEnv;
  const QString installed =
      QDir(QCoreApplication::applicationDirPath()).filePath("../share/multispa-studio");
  if (QFileInfo(installed).isDir()) return QDir::cleanPath(installed);
  return QStringLiteral(MSPA_BUILD_RESOURCE_DIR);
}

QString demoScenePath() {
  return QDir(resourceDir()).filePath("demo/demo_room");
}

QString demoEpisodePath() {
  return QDir(resourceDir()).filePath("demo/demo_push");
}

}  // namespace mspa::app
