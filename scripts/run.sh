#!/usr/bin/env bash
# The main job: the live monitor on a virtual patient (later: the GUI when a display is available).
set -euo pipefail
venv="${1:-.venv}"
exec "$venv/bin/ras" monitor --simulate "${RAS_PRESET:-parkinson}" --duration "${RAS_DURATION_S:-60}"
