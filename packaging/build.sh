#!/usr/bin/env bash
# Installs missing Debian packages, configures and builds.
# Usage: packaging/build.sh [BUILD_DIR [CMAKE_ARGS...]]   (default BUILD_DIR: build)
# MSPA_BUILD_TARGETS="a b" builds only those targets.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/packaging/install-deps.sh"
dir=${1:-$root/build}
shift || true
cmake -S "$root" -B "$dir" -G Ninja "$@" >/dev/null
cmake --build "$dir" ${MSPA_BUILD_TARGETS:+--target $MSPA_BUILD_TARGETS}
