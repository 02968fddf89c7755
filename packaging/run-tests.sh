#!/usr/bin/env bash
# Installs what is missing, checks the layout (packaging/check-format.sh), builds everything, runs
# the whole test suite (GUI tests under Xvfb with real rendering), then the core tests again under
# AddressSanitizer + UBSan, then every fuzz target for 20 s under libFuzzer (packaging/run-fuzz.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc)

"$root/packaging/check-format.sh"
"$root/packaging/build.sh" "$root/build"
"$root/packaging/with-xvfb.sh" ctest --test-dir "$root/build" -j "$jobs" --output-on-failure --timeout 600

"$root/packaging/build.sh" "$root/build-asan" -DMSPA_CORE_ONLY=ON -DMSPA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$root/build-asan" -j "$jobs" --output-on-failure

"$root/packaging/run-fuzz.sh" "$root/build-fuzz" 20
