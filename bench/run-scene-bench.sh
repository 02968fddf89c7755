#!/usr/bin/env bash
# Scene benchmarks of issue 3, with the peer in the same run:
#   5M-point binary PLY: MultiSPA Studio's reader vs Open3D's (python3-open3d);
#   opening a 2,000-frame ScanNet-layout scene (metadata only);
#   3D view frame times with 10M points (full and level of detail).
# Usage: bench/run-scene-bench.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
bin=$build/bin
work=$(mktemp -d /tmp/mspa-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== 5M-point PLY (xyz float + rgb uchar, binary little endian)"
"$bin/mspa" make-demo-cloud "$work/cloud5m.ply" --points 5000000
ls -l "$work/cloud5m.ply" | awk '{printf "file: %.1f MB\n", $5 / 1e6}'
cat "$work/cloud5m.ply" > /dev/null  # page cache, for both readers
"$bin/bench_scene_io" --runs 5 ply "$work/cloud5m.ply"
if /usr/bin/python3 -c 'import open3d' 2>/dev/null; then
  /usr/bin/python3 "$root/bench/ply_peer_open3d.py" "$work/cloud5m.ply" 5
else
  echo "open3d: not installed (apt-get install python3-open3d)"
fi

echo "== 2000-frame ScanNet-layout scene, metadata only"
"$root/packaging/with-display.sh" "$bin/mspa" make-demo "$work/demo" --frames 1 --tracks 1 > /dev/null
mkdir -p "$work/scene2000"
cp "$work/demo/intrinsic.txt" "$work/scene2000/"
for i in $(seq 0 1999); do
  n=$(printf '%05d' $((i * 5)))
  ln -s "$work/demo/00000.jpg" "$work/scene2000/$n.jpg"
  ln -s "$work/demo/00000.png" "$work/scene2000/$n.png"
  cp "$work/demo/00000.txt" "$work/scene2000/$n.txt"
done
"$bin/bench_scene_io" --runs 5 scene "$work/scene2000"

echo "== 3D view, 10M points (Xvfb + Mesa llvmpipe when there is no display)"
"$root/packaging/with-display.sh" "$bin/bench_view" 10000000 10
