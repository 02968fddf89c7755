#pragma once

#include <QString>

namespace mspa::app {

// The folder holding the bundled resources (demo content): $MSPA_RESOURCE_DIR, else the installed
// share folder next to the executable, else the build tree's.
QString resourceDir();

// The bundled synthetic demo scene (ScanNet layout), rendered at build time.
QString demoScenePath();
// The bundled robot-style episode (a gripper pushes a block) for the reward annotator.
QString demoEpisodePath();

}  // namespace mspa::app
