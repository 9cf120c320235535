#!/usr/bin/env bash
# Set up ras on a Debian/Ubuntu machine: Debian packages (as root), a virtual environment, Python packages.
# Not root: prints the exact apt command and stops.
set -euo pipefail
venv="${1:-.venv}"
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

mapfile -t wanted < <(grep -v '^\s*#' scripts/debian-packages.txt | sed '/^\s*$/d')
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${wanted[@]}"; do
    # python3-venv only matters when the python3 in use cannot make a venv with pip.
    if [ "$pkg" = python3-venv ] && python3 -c 'import ensurepip, venv' 2>/dev/null; then continue; fi
    # Debian 13 and Ubuntu 24.04 renamed some libraries for 64-bit time (libglib2.0-0t64);
    # apt-get installs the new name for the old one
    { dpkg-query -W -f='${Status}\n' "$pkg" "${pkg}t64" 2>/dev/null || true; } \
      | grep -qx 'install ok installed' || missing+=("$pkg")
  done
else
  echo "setup: no dpkg here; make sure the equivalents of ${wanted[*]} are installed." >&2
fi

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "setup: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating virtual environment $venv"
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
# compat mode puts the checkout on sys.path, so new modules need no reinstall
"$venv/bin/python" -m pip install --quiet -e ".[gui,dev,music,cluster,lsl,server]" --config-settings editable_mode=compat
# librosa's beat tracker compiles its numba kernels on first use (about 30 s) and caches them in
# the venv: do it once here, so a therapist's first song import does not wait for it
"$venv/bin/python" -c "
from ras.music.beats import BeatTracker
from ras.music.synth import synth_song
song = synth_song('steady', tempo_bpm=100.0, duration_s=20.0)
BeatTracker().track(audio=song.audio, sample_rate_hz=song.sample_rate_hz)
" >/dev/null 2>&1 || echo "setup: the beat tracker could not be warmed up; the first song import will be slower" >&2
# the BIDS validator (Node) checks the Motion-BIDS export in the tests; as root it is installed
# here (with nodejs/npm), else the test installs it the first time it runs
if [ "$(id -u)" -eq 0 ]; then
  bash scripts/install-bids-validator.sh >/dev/null \
    || echo "setup: the BIDS validator did not install; the export test will try again" >&2
fi
echo "setup: done ($("$venv/bin/python" --version))"
