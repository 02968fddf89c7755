"""Peer for bench_scene_io ply: Open3D's PLY reader on the same file, best of N runs."""
import sys
import time

import open3d as o3d

path, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
best = float("inf")
points = 0
for _ in range(runs):
    start = time.perf_counter()
    cloud = o3d.io.read_point_cloud(path)
    best = min(best, time.perf_counter() - start)
    points = len(cloud.points)
print(f"open3d read_point_cloud: {points} points in {best * 1e3:.1f} ms ({points / best / 1e6:.1f} M points/s)")
