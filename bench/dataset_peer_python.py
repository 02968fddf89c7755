#!/usr/bin/env python3
"""The peer for bench_dataset: counts samples per question_type with Python's json module."""
import collections
import json
import sys

counts = collections.Counter()
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.strip():
            counts[json.loads(line).get("question_type")] += 1
for k, v in sorted(counts.items()):
    print(k, v)
