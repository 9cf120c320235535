"""`ras devices`: serial ports, and which answer as ras sensors."""

from __future__ import annotations

import argparse
import sys

from ras.link.ports import describe_devices
from ras.protocol.messages import Side
from ras.text import terminal_safe

_SIDE = {Side.LEFT: "left", Side.RIGHT: "right", Side.UNKNOWN: "side unknown"}


def run_devices(args: argparse.Namespace) -> int:
    """Print one line per port; exit 0 (a listing is never an error)."""
    devices = describe_devices(args.ports, timeout_s=args.timeout)
    if not devices:
        print("no serial ports found (plug a sensor in, or name a port: ras devices PORT)")
        return 0
    for d in devices:
        if d.hello is not None:
            h = d.hello
            fw = ".".join(str(v) for v in h.firmware_version)
            what = (
                f"ras sensor {h.sensor_id:08x}, {_SIDE[h.side]}, firmware {fw},"
                f" IMU {h.imu_model or '?'} at {h.sample_rate_hz} Hz"
            )
        elif d.error:
            what = f"cannot open: {d.error}"
        else:
            what = "not a ras sensor (no HELLO)"
        desc = f" ({d.description})" if d.description and d.description != "n/a" else ""
        print(terminal_safe(f"{d.port}{desc}: {what}"))  # names and errors from the system
    sys.stdout.flush()
    return 0
