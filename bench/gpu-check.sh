#!/usr/bin/env bash
# One script for a GPU machine (the device tool; carry .deps after packaging/stage-engine-headers.sh):
# builds the engine alone against the machine's LibTorch and checks parity with the fixtures on
# CUDA in float32 (tolerance 2e-3) and bfloat16 (tolerance 5e-2: bf16 keeps 8 mantissa bits).
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
exit $status
