#!/usr/bin/env bash
# Orchestration overhead of `mspa bench run` against OpenAI-compatible endpoints: two stub servers
# on 127.0.0.1 that answer at once (tests/support/fake_openai_server.py, plain JSON replies), a
# benchmark generated from the demo scene, and the achieved requests/s.
# Usage: bench/bench_endpoints.sh [BUILD_DIR] [PER_SUBTASK] [CONCURRENCY]
set -euo pipefail
build=${1:-build}
per=${2:-100}
concurrency=${3:-16}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
"$build/bin/mspa" generate "$build/resources/demo/demo_room" --out "$work/gen" --per-subtask "$per" > /dev/null
cat "$work"/gen/*.jsonl > "$work/bench.jsonl"
urls=()
for i in 1 2; do
  python3 tests/support/fake_openai_server.py --mode plain --answer 'The camera shifted `left`.' \
    --port-file "$work/port$i" --log /dev/null &
done
for i in 1 2; do
  for _ in $(seq 100); do [ -s "$work/port$i" ] && break; sleep 0.05; done
  urls+=(--endpoint "http://127.0.0.1:$(cat "$work/port$i")/v1")
done
echo "samples: $(wc -l < "$work/bench.jsonl"), 2 endpoints, concurrency $concurrency each"
/usr/bin/time -f "mspa: %e s wall, %U s user, %S s system" "$build/bin/mspa" bench run --data "$work/bench.jsonl" --images "$work/gen/images" --out "$work/pred.jsonl" \
  --backend openai --model stub "${urls[@]}" --concurrency "$concurrency" 2>&1 | grep -v "^\r\?[0-9]* /"
