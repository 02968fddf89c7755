#!/usr/bin/env bash
# One script for a GPU machine (the device tool; carry .deps after packaging/stage-engine-headers.sh):
# builds the engine alone against the machine's LibTorch and checks parity with the fixtures on
# CUDA in float32 (tolerance 2e-3) and bfloat16 (tolerance 5e-2: bf16 keeps 8 mantissa bits),
# then times InternVL2-8B shapes (random bfloat16 weights, 2 images x 7 tiles) with the engine's
# `bench speed` beside transformers on the same model (bench/speed_peer_transformers.py), and
# prints one table for issue 6.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
torch_dir=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
cmake -S "$root/inference" -B "$root/build-engine" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_dir" -DMSPA_HEADER_ONLY_INCLUDE="$root/.deps/include" >/dev/null || exit 1
cmake --build "$root/build-engine" || exit 1
engine="$root/build-engine/mspa-engine"
"$engine" info --device cuda --dtype bfloat16 --size 8192
status=0
for variant in tiny-internlm2 tiny-qwen2; do
  for layout in original hf; do
    for check in "float32 2e-3" "bfloat16 5e-2"; do
      set -- $check
      echo "== $variant $layout cuda $1"
      "$engine" model check --model "$root/tests/data/internvl/$variant/$layout" \
        --reference "$root/tests/data/internvl/$variant/reference.safetensors" --device cuda --dtype "$1" --tolerance "$2" || status=1
    done
  done
done
echo "== speed: InternVL2-8B shapes, random bfloat16 weights, 2 images x 7 tiles, 32 new tokens"
config="$root/bench/configs/internvl2-8b-hf.json"
out=$(mktemp -d)
"$engine" bench speed --random-weights "$config" --device cuda --dtype bfloat16 --format json > "$out/engine.json" || status=1
python3 "$root/bench/speed_peer_transformers.py" --config "$config" --device cuda > "$out/peer.json" || status=1
python3 - "$out/engine.json" "$out/peer.json" <<'PY'
import json, sys
rows = [("engine", json.load(open(sys.argv[1]))), ("transformers", json.load(open(sys.argv[2])))]
keys = ["prompt_tokens", "load_s", "vision_ms", "prefill_ms", "ttft_ms", "decode_tokens_per_s",
        "decode_limit_pct", "peak_gpu_gb", "peak_rss_gb"]
print("| | " + " | ".join(keys) + " |")
print("|---" * (len(keys) + 1) + "|")
for name, r in rows:
    cells = [f"{r[k]:.1f}" if isinstance(r.get(k), float) else str(r.get(k, "")) for k in keys]
    print(f"| {name} | " + " | ".join(cells) + " |")
PY
exit $status
