#!/bin/sh
# Start a PulseAudio daemon (if none answers) and a 48 kHz null sink "ras_null" as the default sink,
# so ras can play through a real PortAudio stream on a machine without a sound card (CI, servers).
# Idempotent: running it again changes nothing. Works as root (PulseAudio warns; the daemon runs).
# Record what ras plays:  parec --raw --format=s16le --rate=48000 --channels=1 -d ras_null.monitor > out.raw
set -eu

SINK=ras_null
RATE=48000

for tool in pulseaudio pactl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "pulse-null-sink: $tool not found: apt install pulseaudio pulseaudio-utils" >&2
        exit 1
    fi
done

if ! pactl info >/dev/null 2>&1; then
    # As root PulseAudio prints "not intended to be run as root" but runs (per-user mode);
    # --system is not needed. --exit-idle-time=-1 keeps it alive between test runs.
    pulseaudio --daemonize=yes --exit-idle-time=-1 --disallow-exit=yes --log-target=stderr \
        2>/dev/null || true
    i=0
    until pactl info >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -gt 50 ]; then
            echo "pulse-null-sink: PulseAudio did not start (try: pulseaudio -vvv)" >&2
            exit 1
        fi
        sleep 0.1
    done
fi

if ! pactl list short sinks | awk '{print $2}' | grep -qx "$SINK"; then
    pactl load-module module-null-sink sink_name="$SINK" rate="$RATE" channels=2 \
        sink_properties=device.description=ras_null >/dev/null
fi
pactl set-default-sink "$SINK"

echo "PulseAudio null sink '$SINK' (${RATE} Hz) is the default sink."
echo "Record it: parec --raw --format=s16le --rate=$RATE --channels=1 -d $SINK.monitor > out.raw"
