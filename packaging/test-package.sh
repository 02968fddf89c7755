#!/usr/bin/env bash
# Builds the .deb from a build tree, checks its contents and dependencies, installs it with
# `dpkg -i` into a fresh root and runs the installed programs from there (the test of `packaging`).
# dpkg checks the Depends against a copy of this machine's package database, so a dependency
# that Debian 12 cannot satisfy fails the install; a database without VTK must refuse it.
# Usage: packaging/test-package.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
cmake --build "$build" --target package > "$build/package.log" 2>&1 || { tail -20 "$build/package.log"; exit 1; }
deb=$(ls "$build"/package/multispa-studio_*_amd64.deb)
fail() { echo "package test: $*" >&2; exit 1; }

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/mspa ./usr/bin/mspa-studio ./usr/lib/mspa/mspa-full ./usr/lib/mspa/mspa_codecs.so ./usr/share/applications/multispa-studio.desktop \
            ./usr/share/icons/hicolor/scalable/apps/multispa-studio.svg ./usr/share/mime/packages/multispa-studio.xml \
            ./usr/share/multispa-studio/demo/demo_cloud.ply ./usr/share/multispa-studio/demo/demo_room/intrinsic.txt \
            ./usr/share/multispa-studio/demo/demo_push/demo_tracks.json; do
  grep -qx "$path" <<< "$contents" || fail "$path missing from $deb"
done
depends=$(dpkg-deb --field "$deb" Depends)
for lib in libqt6widgets6 libvtk9.1 libtorch1.13 libopencv-core406 libsqlite3-0 libcurl4 libicu72; do
  grep -q "$lib" <<< "$depends" || fail "Depends lacks $lib: $depends"
done
if command -v desktop-file-validate > /dev/null; then
  desktop-file-validate "$(dirname "$0")/../resources/multispa-studio.desktop" || fail "the desktop entry does not validate"
fi

# dpkg_into ROOT STATUS: dpkg -i the package into ROOT with STATUS as the installed packages.
dpkg_into() {
  mkdir -p "$1/admin/updates" "$1/admin/info" "$1/root"
  cp "$2" "$1/admin/status"
  touch "$1/admin/available"
  # --root also moves the admin folder, so --admindir must come after it.
  dpkg --force-not-root --force-script-chrootless --root="$1/root" --admindir="$1/admin" \
       -i "$deb" > "$1/dpkg.log" 2>&1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk -v RS= -v ORS='\n\n' '!/(^|\n)Package: libvtk9\.1\n/' /var/lib/dpkg/status > "$work/status-without-vtk"
if dpkg_into "$work/no-vtk" "$work/status-without-vtk"; then fail "dpkg installed it into a root without libvtk9.1"; fi
grep -q "depends on libvtk9.1" "$work/no-vtk/dpkg.log" || fail "dpkg refused it without naming libvtk9.1: $(tail -5 "$work/no-vtk/dpkg.log")"
dpkg_into "$work/clean" /var/lib/dpkg/status || fail "dpkg -i failed: $(grep -v 'files list file' "$work/clean/dpkg.log" | tail -5)"
root=$work/clean/root
version=$("$root/usr/bin/mspa" --version)
grep -q "^mspa " <<< "$version" || fail "installed mspa --version printed: $version"
# A command that needs the engine goes through the installed mspa-full.
"$root/usr/bin/mspa" model --help > /dev/null || fail "installed mspa did not hand 'model' to mspa-full"
# The installed GUI finds its demo scene under ../share beside itself, not in the build tree.
# Debian 12's Xvfb drops a few percent of new connections while closing others (see
# tests/support/x_display.h), so a run that could not connect is tried again.
for run in 1 2 3; do
  status=0
  MSPA_RESOURCE_DIR= LD_DEBUG=files "$root/usr/bin/mspa-studio" --demo --screenshot "$root/shot.png" --size 800x600 2> "$work/studio.err" || status=$?
  [ "$status" -eq 0 ] || ! grep -q "could not connect to display" "$work/studio.err" && break
done
[ "$status" -eq 0 ] || fail "installed mspa-studio failed ($status): $(tail -3 "$work/studio.err")"
[ -s "$root/shot.png" ] || fail "no screenshot from the installed mspa-studio"
# The frames were decoded by the installed codecs module, not the build tree's.
grep -q "file=$root/usr/bin/../lib/mspa/mspa_codecs.so" "$work/studio.err" || fail "the installed mspa-studio did not load its codecs module from ../lib/mspa"
echo "package OK: $(basename "$deb"), $(du -h "$deb" | cut -f1); $version"
