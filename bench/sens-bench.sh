#!/usr/bin/env bash
# The .sens figures of docs/PERFORMANCE.md (issue 18): a synthetic ScanNet-shaped stream of N
# frames (1296x968 JPEG colour, 640x480 zlib depth), its open and per-frame decode time, and the
# posed-images export against ScanNet's SensReader Python logic (bench/sens_peer_python.py) on the
# same file (a stream of EXPORT_FRAMES, to bound the disk the two exports take).
# Usage: bench/sens-bench.sh [BUILD_DIR] [FRAMES] [EXPORT_FRAMES] [WORK_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
frames=${2:-5000}
exported=${3:-1000}
work=${4:-$(mktemp -d)}
mkdir -p "$work"
sens="$work/scene_bench.sens"
"$build/bin/bench_sens" write "$sens" --frames "$frames"
echo "stream: $(du -h "$sens" | cut -f1)"
sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo "(page cache not dropped: not root)"
echo "cold: $("$build/bin/bench_sens" read "$sens")"
echo "warm: $("$build/bin/bench_sens" read "$sens")"
small="$work/scene_export.sens"
"$build/bin/bench_sens" write "$small" --frames "$exported"
rm -rf "$work/ours" "$work/peer"
echo "mspa:   $("$build/bin/bench_sens" export "$small" "$work/ours")"
echo "python: $(/usr/bin/python3 "$root/bench/sens_peer_python.py" "$small" "$work/peer")"
du -sh "$work/ours" "$work/peer"
