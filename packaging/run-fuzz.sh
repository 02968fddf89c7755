#!/usr/bin/env bash
# Builds every fuzz target with clang (libFuzzer, ASan, UBSan) and runs each for SECONDS, two at a
# time, from its seed corpus and every reproducer found so far. A finding (crash, leak, uncaught
# exception, allocation over 1 GB, RSS over 2 GB, 10 s on one input) is written to
# tests/fuzz/regressions/NAME/ and fails the run: fix it and commit the file, which the normal
# build then replays as the test fuzz_replay_NAME.
# Usage: packaging/run-fuzz.sh [BUILD_DIR] [SECONDS]   (CI: 20 s per target)
# FUZZ_TARGETS="ply npy" limits the run to those targets. FUZZ_UNIT_TIMEOUT (seconds, default 10)
# is wall-clock time per input: raise it when the fuzzers run niced beside other work, where a
# starved process would report false timeouts.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-fuzz}
seconds=${2:-20}
export FUZZ_UNIT_TIMEOUT=${FUZZ_UNIT_TIMEOUT:-10}
"$root/packaging/install-deps.sh"
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DMSPA_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build"

run_target() {
  local binary=$1 seconds=$2 root=$3 build=$4
  local name=${binary##*/fuzz_}
  local work=$build/fuzz-corpus/$name regressions=$root/tests/fuzz/regressions/$name
  mkdir -p "$work" "$regressions"
  local start
  start=$(date +%s)
  if "$binary" -max_total_time="$seconds" -timeout="$FUZZ_UNIT_TIMEOUT" -report_slow_units="$FUZZ_UNIT_TIMEOUT" -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$regressions/" "$work" "$root/tests/fuzz/corpus/$name" "$regressions" > "$build/fuzz-$name.log" 2>&1; then
    local runs cov
    runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-$name.log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "$build/fuzz-$name.log" | tail -n 1 | grep -o '[0-9]*$')
    echo "fuzz $name: $runs runs, coverage $cov edges, $(($(date +%s) - start)) s wall, no finding"
  else
    echo "fuzz $name: FINDING (reproducer in $regressions)"
    grep -v -e '^  0x' -e '^Shadow' -e '^  [A-Z][a-z]' "$build/fuzz-$name.log" | tail -n 40
    return 1
  fi
}
export -f run_target
if [[ -n ${FUZZ_TARGETS:-} ]]; then
  binaries=$(for t in $FUZZ_TARGETS; do echo "$build/fuzz/fuzz_$t"; done)
else
  binaries=$(ls "$build"/fuzz/fuzz_*)
fi
echo "$binaries" | xargs -P "$(nproc)" -I{} bash -c 'run_target "$@"' _ {} "$seconds" "$root" "$build"
