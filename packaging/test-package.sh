#!/usr/bin/env bash
# Builds the .deb from a build tree, checks its contents and dependencies, unpacks it into a
# fresh root and runs the installed programs from there (the test of `packaging`).
# Usage: packaging/test-package.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
cmake --build "$build" --target package > "$build/package.log" 2>&1 || { tail -20 "$build/package.log"; exit 1; }
deb=$(ls "$build"/package/multispa-studio_*_amd64.deb)
fail() { echo "package test: $*" >&2; exit 1; }

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/mspa ./usr/bin/mspa-studio ./usr/share/applications/multispa-studio.desktop \
            ./usr/share/icons/hicolor/scalable/apps/multispa-studio.svg ./usr/share/mime/packages/multispa-studio.xml \
            ./usr/share/multispa-studio/demo/demo_cloud.ply ./usr/share/multispa-studio/demo/demo_room/intrinsic.txt; do
  grep -qx "$path" <<< "$contents" || fail "$path missing from $deb"
done
depends=$(dpkg-deb --field "$deb" Depends)
for lib in libqt6widgets6 libvtk9.1 libtorch1.13 libopencv-core406 libsqlite3-0 libcurl4 libicu72; do
  grep -q "$lib" <<< "$depends" || fail "Depends lacks $lib: $depends"
done
if command -v desktop-file-validate > /dev/null; then
  desktop-file-validate "$(dirname "$0")/../resources/multispa-studio.desktop" || fail "the desktop entry does not validate"
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
version=$("$root/usr/bin/mspa" --version)
grep -q "^mspa " <<< "$version" || fail "installed mspa --version printed: $version"
# The installed GUI finds its demo scene under ../share beside itself, not in the build tree.
MSPA_RESOURCE_DIR= "$root/usr/bin/mspa-studio" --demo --screenshot "$root/shot.png" --size 800x600 || fail "installed mspa-studio failed"
[ -s "$root/shot.png" ] || fail "no screenshot from the installed mspa-studio"
echo "package OK: $(basename "$deb"), $(du -h "$deb" | cut -f1); $version"
