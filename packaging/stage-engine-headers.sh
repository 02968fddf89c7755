#!/usr/bin/env bash
# Copies the header-only libraries the standalone engine uses (nlohmann/json, CLI11, stb_image)
# from this machine's Debian packages into .deps/include (git-ignored), for machines that have
# LibTorch but not these packages (the GPU machines). Build there with
#   -DMSPA_HEADER_ONLY_INCLUDE=$PWD/.deps/include
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/packaging/install-deps.sh"
mkdir -p "$root/.deps/include"
cp -r /usr/include/nlohmann /usr/include/CLI /usr/include/stb "$root/.deps/include/"
echo "staged into $root/.deps/include"
