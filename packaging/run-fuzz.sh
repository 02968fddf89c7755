#!/usr/bin/env bash
# Builds every fuzz target with clang (libFuzzer, ASan, UBSan) and runs each for SECONDS, two at a
# time, from its seed corpus and every reproducer found so far. A finding (crash, leak, uncaught
# exception, allocation over 1 GB, RSS over 2 GB, 10 s on one input) is written to
# tests/fuzz/regressions/NAME/ and fails the run: fix it and commit the file, which the normal
# build then replays as the test fuzz_replay_NAME.
# Usage: packaging/run-fuzz.sh [BUILD_DIR] [SECONDS]   (CI: 20 s per target)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-fuzz}
seconds=${2:-20}
"$root/packaging/install-deps.sh"
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DMSPA_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build"

run_target() {
  local binary=$1 seconds=$2 root=$3 build=$4
  local name=${binary##*/fuzz_}
  local work=$build/fuzz-corpus/$name regressions=$root/tests/fuzz/regressions/$name
  mkdir -p "$work" "$regressions"
  if "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$regressions/" "$work" "$root/tests/fuzz/corpus/$name" "$regressions" > "$build/fuzz-$name.log" 2>&1; then
    echo "fuzz $name: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-$name.log" | grep -o '[0-9]*$') runs, no finding"
  else
    echo "fuzz $name: FINDING (reproducer in $regressions)"
    grep -v -e '^  0x' -e '^Shadow' -e '^  [A-Z][a-z]' "$build/fuzz-$name.log" | tail -n 40
    return 1
  fi
}
export -f run_target
ls "$build"/fuzz/fuzz_* | xargs -P "$(nproc)" -I{} bash -c 'run_target "$@"' _ {} "$seconds" "$root" "$build"
