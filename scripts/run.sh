#!/usr/bin/env bash
# The main job. With a display: the therapist's screen (ras gui) on a virtual patient.
# Without one (CI, a server): a headless simulated session (baseline, ramp, probe) that ends with
# its PDF report and the patient's progress report in out/.
# RAS_PRESET (healthy, parkinson, stroke) and RAS_SPEED (headless only) change the demo.
set -euo pipefail
venv="${1:-.venv}"
ras="$venv/bin/ras"
preset="${RAS_PRESET:-parkinson}"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec "$ras" gui --simulate "$preset"
fi

echo "run: no display, so a headless simulated session (ras run); with a display this opens ras gui"
# the demo keeps to its own file: a clinic server configured on this machine is left alone
export RAS_SERVER=
mkdir -p out
chmod 700 out
db="out/demo.sqlite3"
"$ras" run --simulate "$preset" --audio none --speed "${RAS_SPEED:-10}" --imu-rate 100 \
    --baseline 30 --cued 180 --probe 30 --db "$db" </dev/null
session=$("$ras" sessions --db "$db" | tail -n 1 | awk '{print $1}')
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
"$ras" report "$session" --db "$db" --pdf "out/session-$session-report.pdf"
patient=$("$ras" sessions --db "$db" | tail -n 1 | awk '{print $4}')
"$ras" report --patient "$patient" --db "$db" --pdf out/progress-report.pdf
echo "run: reports in out/ (session-$session-report.pdf, progress-report.pdf)"
