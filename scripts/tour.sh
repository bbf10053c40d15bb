#!/usr/bin/env bash
# Drive the real app on a virtual X screen with real key presses and save screenshots:
#   xvfb-run -a -s '-screen 0 1366x768x24' scripts/tour.sh OUTDIR
# Needs: xvfb xdotool (Debian packages) and ./dev run's setup done once.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/screenshots}"
mkdir -p "$out"
home="$(mktemp -d)"
ic=.venv/bin/incident-console
py=.venv/bin/python
export INCIDENT_CONSOLE_NAME="Ana Alvarez"
"$ic" --home "$home" declare "Login page times out for EU customers" --sev 3 --started "$(date -u -d '-40 min' +%FT%TZ)" >/dev/null
"$ic" --home "$home" declare "Nightly export job delayed" --sev 4 >/dev/null
"$ic" --home "$home" status INC-2 resolved >/dev/null
"$ic" --home "$home" list
"$ic" --home "$home" &
app=$!
trap 'kill $app 2>/dev/null || true; wait $app 2>/dev/null || true; [ -n "${KEEP_HOME:-}" ] || rm -rf "$home"' EXIT  # the window writes its last files as it closes
for _ in $(seq 50); do xdotool search --name "^Incident Console$" >/dev/null 2>&1 && break; sleep 0.2; done
win=$(xdotool search --name "^Incident Console$" | head -1)
xdotool windowsize "$win" 1366 768 windowmove "$win" 0 0 windowfocus --sync "$win"
sleep 0.5
$py scripts/grab_screen.py "$out/list.png"
# Declare by keyboard: Ctrl+N, title, Enter (severity stays at the default SEV-2).
xdotool key ctrl+n
xdotool type --delay 5 "Checkout returns 502 errors"
xdotool key Return
sleep 0.5
notes=(
  "/ic Ana Alvarez"
  "/deputy Ben Okafor"
  "/scribe Cy Mwangi"
  "Error rate on checkout-api at 38% since 14:02"
  "Ben: deploy 4121 went out at 13:58, suspect it"
  "Dee (payments SME) joined the call"
  "d: roll back deploy 4121, Ben executing -- no strong objections"
  "/task Ben Okafor 5m confirm the rollback finished"
  "Rollback started"
  "Customer liaison drafting status page post"
  "Error rate falling: 12%"
  "Error rate back under 1%"
  "todo: why did the canary not catch the 502s?"
  "/pin"
)
for n in "${notes[@]}"; do xdotool type --delay 2 "$n"; xdotool key Return; sleep 0.15; done
sleep 0.5
$py scripts/grab_screen.py "$out/incident.png"
xdotool key Escape
sleep 0.3
$py scripts/grab_screen.py "$out/list-after.png"
# The handbook: F1, type a search, Enter opens the best hit at its heading.
xdotool key F1
for _ in $(seq 30); do xdotool search --name "^Handbook" >/dev/null 2>&1 && break; sleep 0.2; done
hb=$(xdotool search --name "^Handbook" | head -1)
xdotool windowsize "$hb" 1366 768 windowmove "$hb" 0 0 windowfocus --sync "$hb"
sleep 0.3
xdotool type --delay 20 "span of control"
sleep 0.3
$py scripts/grab_screen.py "$out/handbook-results.png"
xdotool key Return
sleep 0.4
$py scripts/grab_screen.py "$out/handbook-page.png"
"$ic" --home "$home" list
"$ic" --home "$home" export INC-3 --format json > "${KEEP_HOME:-/dev/null}"
