#!/usr/bin/env bash
# How long `mspa` takes to start, per command that needs neither the engine nor the renderer, and
# how many shared libraries it maps (issue 17's target: <= 50 ms for these). Median of N runs.
# Usage: bench/startup.sh [BUILD_DIR] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
runs=${2:-11}
mspa="$build/bin/mspa"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
demo="$build/resources/demo/demo_room"
echo '{"id": "1", "question_type": "x_movement", "images": [], "conversations": [], "gt_value": "left"}' > "$work/bench.jsonl"
echo '{"id": "1", "text": "`left`"}' > "$work/pred.jsonl"

median_ms() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s%N)
    times+=($(((end - start) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

echo "mapped shared libraries: $(ldd "$mspa" | wc -l)"
printf '| command | median start-to-exit (ms) |\n|---|---|\n'
for command in "--version" "info $demo/demo_vh_clean_2.ply" "scene info --depth-samples 0 $demo" "scene info $demo" \
  "score --gt $work/bench.jsonl --pred $work/pred.jsonl" "dataset stats $work/bench.jsonl"; do
  # shellcheck disable=SC2086
  shown=${command//$work/DIR}
  printf '| `mspa %s` | %s |\n' "${shown//$build/BUILD}" "$(median_ms "$mspa" $command)"
done
