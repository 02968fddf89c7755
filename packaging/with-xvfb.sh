#!/usr/bin/env bash
# Runs a command with one private Xvfb server (Mesa llvmpipe) for all it starts, then stops it.
# GUI tests share this one server instead of racing for displays. When the command fails, the
# server's own log is printed after it, so a refused connection can be told from a test's fault.
set -euo pipefail
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d /tmp/mspa-xdg-XXXXXX)}
chmod 700 "$XDG_RUNTIME_DIR"
fdfile=$(mktemp)
xvfb_log=$(mktemp /tmp/mspa-xvfb-log-XXXXXX)
Xvfb -displayfd 3 -screen 0 1920x1200x24 -nolisten tcp -maxclients 2048 3>"$fdfile" >"$xvfb_log" 2>&1 &
xvfb_pid=$!
trap 'kill $xvfb_pid 2>/dev/null && wait $xvfb_pid 2>/dev/null; rm -f "$fdfile" "$xvfb_log"' EXIT
for _ in $(seq 100); do
  [ -s "$fdfile" ] && break
  sleep 0.1
done
[ -s "$fdfile" ] || { echo "with-xvfb: Xvfb did not start:" >&2; cat "$xvfb_log" >&2; exit 1; }
export DISPLAY=":$(head -n1 "$fdfile")"
export QT_QPA_PLATFORM=xcb
status=0
"$@" || status=$?
if [ "$status" -ne 0 ] && [ -s "$xvfb_log" ]; then
  echo "with-xvfb: the command failed ($status); Xvfb's log:" >&2
  tail -n 40 "$xvfb_log" >&2
fi
exit "$status"
