"""Firmware in the loop: the real Cortex-M4F image on QEMU mps2-an386.

1. The self-test image runs every sample of the embedded recording through the core on the
   emulated FPU and prints every event: the events of analysis/causal_events.py on the same
   samples (int16, converted to float32 as the sensor application converts them).
2. The link image streams frames on the emulated UART (``-serial pty``); ras opens the pty with
   its normal link (:class:`ras.link.SensorLink`, pyserial) and must receive every step.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import threading
import time

import numpy as np
import pytest
import serial

from analysis.causal_events import EVENT_IC, CausalGaitEventDetector
from ras.bus import SessionBus
from ras.events import LinkEvent, LinkState, StepEvent
from ras.link import SensorLink
from ras.protocol import Side, StepKind
from ras.session_clock import SessionClock
from tests.firmware.firmware_helpers import (
    BUILD,
    FIRMWARE,
    RATE_HZ,
    make,
    require_data,
    require_tool,
)

QEMU = ["qemu-system-arm", "-M", "mps2-an386", "-semihosting-config", "enable=on,target=native"]
SLICE_S = 20.0  # firmware/Makefile QEMU_SLICE_S


def _slice_module():
    spec = importlib.util.spec_from_file_location(
        "gen_imu_slice", FIRMWARE / "tools" / "gen_imu_slice.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def images():
    require_data()
    require_tool("arm-none-eabi-gcc")
    require_tool("qemu-system-arm")
    out = make("qemu")
    return out


@pytest.fixture(scope="module")
def expected_events() -> list[tuple[int, float, int]]:
    """(kind, idx, detected_idx) of the Python causal detector on the embedded slice, its int16
    samples converted to float32 as ras_sensor_sample does (float32 products)."""
    mod = _slice_module()
    raw = np.asarray(mod.load_slice(str(require_data()), SLICE_S, "left", RATE_HZ), dtype=np.int16)
    f32 = np.float32
    ka = f32(f32(mod.ACC_RANGE_G) * f32(9.80665)) / f32(32768.0)  # RAS_GRAVITY_MPS2, in float
    kg = f32(mod.GYR_RANGE_DPS) / f32(32768.0)
    samples = np.hstack([raw[:, :3].astype(f32) * ka, raw[:, 3:].astype(f32) * kg])
    det = CausalGaitEventDetector(RATE_HZ)
    return [(e.kind, e.idx, e.detected_idx) for e in det.process(samples.astype(np.float64))]


@pytest.fixture(scope="module")
def expected_ic_idx(expected_events) -> np.ndarray:
    """ICs of the embedded slice by the Python causal detector, in samples."""
    return np.array([idx for kind, idx, _ in expected_events if kind == EVENT_IC])


def test_core_fits_the_budget_on_cortex_m4f(images):
    totals = re.search(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\w+\s+\(TOTALS\)", images, re.M)
    assert totals, images[-2000:]
    text, data, _bss = map(int, totals.groups())
    assert text + data < 16 * 1024  # core flash
    fw = re.search(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\w+\s+\S*ras_fw\.elf", images, re.M)
    assert fw, images[-2000:]
    assert int(fw.group(2)) + int(fw.group(3)) < 4 * 1024  # all static RAM of the image


def test_selftest_image_gives_the_python_events_on_the_emulated_fpu(images, expected_events):
    proc = subprocess.run(
        [
            *QEMU,
            "-nographic",
            "-monitor",
            "none",
            "-kernel",
            str(BUILD / "qemu" / "ras_selftest.elf"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    out = proc.stdout + proc.stderr  # the semihosting console is QEMU's stderr
    assert proc.returncode == 0, out
    events = [
        (int(m[1]), int(m[2]), int(m[3]) / 1e6, int(m[4]))
        for m in re.finditer(r"^EV (\d+) (\d+) (\d+) (\d+) \d+$", out, re.M)
    ]
    # every event, in order: kind, integer index and detection sample identical, the fraction
    # (printed in millionths) within 1e-3 sample
    assert len(events) == len(expected_events) >= 4 * 15
    for (kind, index, frac, det), (py_kind, py_idx, py_det) in zip(
        events, expected_events, strict=True
    ):
        assert (kind, det) == (py_kind, py_det)
        assert abs(index + frac - py_idx) < 1e-3, (index, frac, py_idx)
    n_ic = sum(1 for e in events if e[0] == EVENT_IC)
    assert re.search(
        rf"RAS-QEMU selftest ics={n_ic} events={len(events)} steps=\d+ frames=\d+", out
    )


def _start_link_image() -> tuple[subprocess.Popen, str, list[str], threading.Thread]:
    proc = subprocess.Popen(
        [
            *QEMU,
            "-nographic",
            "-monitor",
            "none",
            "-serial",
            "pty",
            "-kernel",
            str(BUILD / "qemu" / "ras_fw.elf"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    pty: list[str] = []
    found = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            m = re.search(r"char device redirected to (/dev/pts/\d+)", line)
            if m:
                pty.append(m.group(1))
                found.set()
        found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not found.wait(20) or not pty:
        _stop(proc, reader)
        pytest.fail("QEMU did not report its pty:\n" + "".join(lines))
    return proc, pty[0], lines, reader


def _stop(proc: subprocess.Popen, reader: threading.Thread) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    reader.join(5)
    proc.stdout.close()


@pytest.mark.slow  # the emulated sensor streams its whole slice in real time (about 25 s)
def test_ras_receives_the_firmware_steps_through_its_normal_link(images, expected_ic_idx):
    proc, pty, lines, reader = _start_link_image()
    bus = SessionBus()
    clock = SessionClock()
    sub = bus.subscribe("test")
    # QEMU's pty backend polls once a second whether the other end is open and drops what the
    # guest writes until it has noticed: hold the pty open (never read) for a moment first
    keeper = serial.Serial(pty, timeout=0)
    try:
        time.sleep(1.5)
        with SensorLink(pty, bus, clock, ping_interval_s=0.25) as link:
            rc = proc.wait(timeout=SLICE_S + 40)
            time.sleep(0.3)  # the last bytes
            stats = link.stats()
    finally:
        keeper.close()
        _stop(proc, reader)
    out = "".join(lines)
    assert rc == 0, out
    done = re.search(
        r"RAS-QEMU done samples=(\d+) steps=(\d+) frames=(\d+) dropped=(\d+) rx_errors=(\d+) "
        r"unsent_before_host=(\d+)",
        out,
    )
    assert done, out
    events = sub.drain()
    steps = [e for e in events if isinstance(e, StepEvent)]
    states = [e.state for e in events if isinstance(e, LinkEvent)]
    assert LinkState.CONNECTED in states
    assert stats.hello is not None and stats.hello.side is Side.LEFT
    assert stats.hello.imu_model == "QEMU-replay"
    # every STEP the firmware built arrived, nothing was lost or damaged (frames built before
    # the host's first frame were never sent, by design: the host starts counting at its first)
    assert len(steps) == int(done.group(2)) and int(done.group(4)) == 0
    assert int(done.group(5)) == 0  # the firmware rejected none of the host's frames
    assert int(done.group(6)) >= 1  # at least the boot HELLO was held back
    assert stats.lost_frames == 0
    assert stats.decoder["frames_rejected"] == 0
    assert stats.clock_synced
    # the ICs are those of the Python detector, at the right device times (one sample = 4.9 ms)
    ics = [e for e in steps if e.kind is StepKind.INITIAL_CONTACT]
    assert len(ics) == len(expected_ic_idx)
    dev_s = np.array([e.device_t_us for e in ics]) * 1e-6
    want_s = expected_ic_idx / RATE_HZ
    offset = np.median(dev_s - want_s)  # the replay starts when the host attaches
    assert np.abs(dev_s - want_s - offset).max() < 0.2e-3
    # and on the session clock, through clock sync, their spacing holds (10 ms: a loaded host)
    t_s = np.array([e.t_s for e in ics])
    assert np.abs(np.diff(t_s) - np.diff(want_s)).max() < 10e-3
    assert [e.stride_index for e in ics] == list(range(len(ics)))
    assert {e.kind for e in steps} == set(StepKind)
    # per-stride figure computed on the sensor: IC to IC of this foot
    strides = np.array([e.stride_time_s for e in ics[1:]], dtype=float)
    assert np.abs(strides - np.diff(want_s)).max() < 0.2e-3
