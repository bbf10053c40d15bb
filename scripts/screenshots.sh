#!/usr/bin/env bash
# Screenshots of the board, from the real app on a virtual screen: 1366x768, half of that
# screen (683x768) and 1920x1080, each in the system's light and dark palette, saved as
# docs/screenshots/board-WIDTHxHEIGHT-THEME.png (or in OUTDIR):
#   scripts/screenshots.sh [OUTDIR] [--size 683x768] [--theme dark]
# Needs: xvfb xdotool dbus at-spi2-core (Debian packages) and ./dev's setup done once.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/screenshots}"
[ $# -gt 0 ] && shift
python=.venv/bin/python
[ -x "$python" ] || { echo "screenshots: run ./dev test (or ./dev run) once first" >&2; exit 1; }
exec "$python" -m tests.e2e.screenshots "$out" "$@"
