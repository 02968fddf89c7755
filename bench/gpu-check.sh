#!/usr/bin/env bash
# One script for a GPU machine (the device tool; carry .deps after packaging/stage-engine-headers.sh):
# builds the engine alone against the machine's LibTorch and checks parity with the fixtures on
# CUDA in float32 (tolerance 2e-3) and bfloat16 (tolerance 5e-2: bf16 keeps 8 mantissa bits),
# then times InternVL2-8B shapes (random bfloat16 weights, 2 images x 7 tiles) with the engine's
# `bench speed` beside transformers on the same model (bench/speed_peer_transformers.py): one
# question, batches of 4 (16 tokens each: issue 16's batch goal, with its bound) and of 8 (20
# tokens each: benchmark mode), and an 8k-token context for the peak memory; the engine once
# more without CUDA graphs. Prints one table for issue 6; logs and JSON go to $OUT (or a
# temporary folder).
# GPU_CHECK_SKIP="peer parity" leaves those steps out (a rerun after an engine fix).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${OUT:-$(mktemp -d)}
skip=${GPU_CHECK_SKIP:-}
scratch=$(mktemp -d)
begin=$(date +%s)
step() { echo "== [$(($(date +%s) - begin)) s] $*"; }
status=0

# The GPU's memory in use, sampled every 100 ms while a command runs: the peak of both programs
# measured the same way (CUDA context included).
with_memory_trace() {
  local name=$1
  shift
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > "$scratch/mem-$name.csv" 2>/dev/null &
  local sampler=$!
  "$@"
  local rc=$?
  kill "$sampler" 2>/dev/null
  wait "$sampler" 2>/dev/null
  echo "peak GPU memory in use during $name: $(sort -n "$scratch/mem-$name.csv" | tail -n 1) MiB" >&2
  return $rc
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
torch_dir=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
step "configure and build against $(python3 -c 'import torch; print(torch.__version__)')"
build() {
  cmake -S "$root/inference" -B "$root/build-engine" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$torch_dir" -DMSPA_HEADER_ONLY_INCLUDE="$root/.deps/include" "$@" \
    > "$scratch/cmake.log" 2>&1 || { tail -n 40 "$scratch/cmake.log"; return 1; }
  grep 'mspa-engine:' "$scratch/cmake.log" || true
  cmake --build "$root/build-engine" -- -k 0 > "$out/build.log" 2>&1 ||
    { grep -B2 -A12 -m 8 'error' "$out/build.log" | head -n 120; return 1; }
}
if ! build -DMSPA_CUDA_EXTRAS=ON; then
  status=1
  step "build with the CUDA extras failed; building without them"
  build -DMSPA_CUDA_EXTRAS=OFF || exit 1
fi
engine="$root/build-engine/mspa-engine"
"$engine" info --device cuda --dtype bfloat16 --size 8192

if [[ $skip != *parity* ]]; then
  for variant in tiny-internlm2 tiny-qwen2; do
    for layout in original hf; do
      for check in "float32 2e-3" "bfloat16 5e-2"; do
        set -- $check
        step "parity $variant $layout cuda $1"
        "$engine" model check --model "$root/tests/data/internvl/$variant/$layout" \
          --reference "$root/tests/data/internvl/$variant/reference.safetensors" --device cuda \
          --dtype "$1" --tolerance "$2" || status=1
      done
    done
  done
fi

config="$root/bench/configs/internvl2-8b-hf.json"
speed() {
  local name=$1
  shift
  step "engine: $name"
  with_memory_trace "engine-$name" "$engine" bench speed --random-weights "$config" --device cuda \
    --dtype bfloat16 --format json "$@" > "$out/engine-$name.json" || status=1
  cat "$out/engine-$name.json"
}
speed one --new-tokens 64
speed eager --new-tokens 64 --no-cuda-graphs
speed batch4 --batch 4 --new-tokens 16
speed batch8 --batch 8 --new-tokens 20
speed 8k --images 5 --tiles 6 --new-tokens 16

if [[ $skip != *peer* ]]; then
  step "transformers: one question and a batch of 8"
  with_memory_trace peer python3 "$root/bench/speed_peer_transformers.py" --config "$config" \
    --device cuda --new-tokens 64 > "$out/peer.json" || status=1
  cat "$out/peer.json"
  with_memory_trace peer-batch8 python3 "$root/bench/speed_peer_transformers.py" \
    --config "$config" --device cuda --new-tokens 20 --batch 8 > "$out/peer-batch8.json" || status=1
  cat "$out/peer-batch8.json"
fi

step "table"
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
def read(name):
    path = os.path.join(out, name)
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return {}
keys = ["prompt_tokens", "vision_ms", "prefill_ms", "ttft_ms", "decode_tokens_per_s",
        "decode_limit_pct", "samples_per_s", "batch_speedup", "batch_speedup_bound",
        "peak_gpu_gb", "peak_rss_gb"]
print("| | " + " | ".join(keys) + " |")
print("|---" * (len(keys) + 1) + "|")
for name, file in [("engine", "engine-one.json"), ("engine, no CUDA graph", "engine-eager.json"),
                   ("engine batch 4", "engine-batch4.json"),
                   ("engine batch 8", "engine-batch8.json"),
                   ("engine 8k context", "engine-8k.json"), ("transformers", "peer.json"),
                   ("transformers batch 8", "peer-batch8.json")]:
    r = read(file)
    cells = [f"{r[k]:.1f}" if isinstance(r.get(k), float) else str(r.get(k, "")) for k in keys]
    print(f"| {name} | " + " | ".join(cells) + " |")
PY
step "done (status $status)"
exit $status
