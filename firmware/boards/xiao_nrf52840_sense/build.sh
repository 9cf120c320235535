#!/usr/bin/env bash
# Build (and optionally flash) the XIAO nRF52840 Sense port with arduino-cli.
#   boards/xiao_nrf52840_sense/build.sh            compile
#   boards/xiao_nrf52840_sense/build.sh /dev/ttyACM0   compile and upload
#   RAS_SIDE=RAS_SIDE_RIGHT boards/xiao_nrf52840_sense/build.sh ...   the right-foot image
# Needs arduino-cli (https://arduino.github.io/arduino-cli/) and internet for the first run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fw="$(cd "$here/../.." && pwd)"
out="$fw/build/xiao/ras_xiao_sense"
fqbn="Seeeduino:mbed:xiaonRF52840Sense"
url="https://files.seeedstudio.com/arduino/package_seeeduino_boards_index.json"
side="${RAS_SIDE:-RAS_SIDE_LEFT}"

rm -rf "$out" && mkdir -p "$out/src/core"
cp "$here/ras_xiao_sense/ras_xiao_sense.ino" "$out/"
cp "$fw"/core/*.c "$fw"/core/*.h "$out/src/core/"

arduino-cli core update-index --additional-urls "$url"
arduino-cli core install Seeeduino:mbed --additional-urls "$url"
arduino-cli lib install "Seeed Arduino LSM6DS3"
# the detector's rings are sized for 500 Hz (the IMU runs at 208 Hz); C and C++ must agree
cap="-DRAS_DET_MAX_RATE_HZ=500"
arduino-cli compile --fqbn "$fqbn" --build-property "compiler.cpp.extra_flags=-DRAS_SIDE=$side $cap" \
  --build-property "compiler.c.extra_flags=$cap" --output-dir "$fw/build/xiao/out" "$out"
if [ $# -ge 1 ]; then
  arduino-cli upload --fqbn "$fqbn" -p "$1" --input-dir "$fw/build/xiao/out" "$out"
fi
