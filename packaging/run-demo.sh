#!/usr/bin/env bash
# Installs what is missing, builds, and opens MultiSPA Studio on the bundled demo content.
# Extra arguments go to mspa-studio (e.g. a file to open). Without a display it renders the
# window under Xvfb into demo-screenshot.png instead.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MSPA_BUILD_TARGETS="mspa-studio demo_content" "$root/packaging/build.sh" "$root/build"
studio="$root/build/bin/mspa-studio"
if [ -n "${DISPLAY:-}" ]; then
  exec "$studio" --demo "$@"
fi
echo "No display: rendering the window under Xvfb into $PWD/demo-screenshot.png"
exec "$root/packaging/with-xvfb.sh" "$studio" --demo --screenshot "$PWD/demo-screenshot.png" "$@"
