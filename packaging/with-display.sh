#!/usr/bin/env bash
# Runs a command that needs an X server: on the current display when there is one, else under a
# private Xvfb. The build uses it to render the demo scene.
set -euo pipefail
if [ -n "${DISPLAY:-}" ]; then exec "$@"; fi
exec "$(dirname "${BASH_SOURCE[0]}")/with-xvfb.sh" "$@"
