#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format-14 makes of it under the project's
# .clang-format; prints the files and the command that mends them. CI runs it before building.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
"$root/packaging/install-deps.sh"
mapfile -t files < <(git ls-files '*.cpp' '*.h')
unformatted=()
for file in "${files[@]}"; do
  clang-format-14 --dry-run -Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
done
if ((${#unformatted[@]})); then
  printf 'not formatted: %s\n' "${unformatted[@]}" >&2
  echo "mend with: clang-format-14 -i ${unformatted[*]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files as .clang-format says"
