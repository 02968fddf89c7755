#!/usr/bin/env bash
# Issue 14's engine figures at real sizes, from random-weight checkpoints with the real shapes:
# load time and peak RSS of `mspa ask` answering a one-tile question on the CPU in the default
# dtype (the checkpoint's bfloat16), for InternVL2-2B and InternVL2-8B shapes; `mspa model info`'s
# memory line; and the time to encode a two-image 14-tile prompt.
# Usage: bench/checkpoint-memory.sh [BUILD_DIR] [WORK_DIR]   (needs ~21 GB free in WORK_DIR)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
work=${2:-$(mktemp -d /tmp/mspa-bench-models-XXXXXX)}
bin=$build/bin
image=$build/resources/demo/demo_room/00000.jpg

# A SentencePiece model trained here plus InternLM2's added tokens at InternVL2's ids.
tokenizer() {
  local dir=$1
  for i in $(seq 40); do
    echo "The camera moved left and the table is closer to the camera than the cabinet."
    echo "How far did the point travel between the two shots? It traveled 950 millimeters."
  done > "$work/corpus.txt"
  spm_train --input="$work/corpus.txt" --model_prefix="$dir/tokenizer" --vocab_size=300 --model_type=bpe \
    --byte_fallback=true --character_coverage=1.0 --normalization_rule_name=identity --minloglevel=2 > /dev/null
  rm -f "$dir/tokenizer.vocab"
  cat > "$dir/added_tokens.json" <<JSON
{"<|im_end|>": 92542, "<|im_start|>": 92543, "<img>": 92544, "</img>": 92545, "<IMG_CONTEXT>": 92546}
JSON
}

for shape in 2b 8b; do
  dir=$work/internvl2-$shape
  echo "== InternVL2-${shape^^} shape, random bfloat16 weights"
  [ -f "$dir/config.json" ] || "$bin/make_shaped_checkpoint" --config "$root/bench/configs/internvl2-$shape.json" --out "$dir"
  [ -f "$dir/tokenizer.model" ] || tokenizer "$dir"
  du -sh --apparent-size "$dir" | awk '{print "on disk: " $1}'
  "$bin/mspa" model info "$dir" | grep -E '^(memory|template|LoRA)'
  cat "$dir"/*.safetensors > /dev/null  # page cache: the load below measures the engine, not the disk
  /usr/bin/time -f "peak RSS %M KB, wall %e s" "$bin/mspa" ask --model "$dir" --image "$image" --tiles 1 --max-new-tokens 4 \
    "What is the depth at point [ 500 , 500 ] in the image (in mm)?" > /dev/null
done

echo "== Encoding a two-image, 14-tile prompt"
"$bin/bench_prompt_encode" "$work/internvl2-2b" 50
