"""The `ras` command as a user runs it: a real process, real ptys, one-line errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tty

import pytest

from ras.session_clock import SessionClock
from ras.sim.rig import VirtualPatientRig
from tests.conftest import assert_one_line_error

RAS = [sys.executable, "-m", "ras"]
GUARD_S = 120


def run_ras(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*RAS, *args], capture_output=True, text=True, timeout=GUARD_S, check=False
    )


def test_unknown_preset_lists_the_valid_ones():
    proc = run_ras("monitor", "--simulate", "marathon", "--duration", "1")
    assert_one_line_error(proc, "marathon", "healthy", "parkinson", "stroke")


def test_unknown_patient_parameter_lists_the_valid_ones():
    proc = run_ras("monitor", "--simulate", "healthy", "--set", "wings=2", "--duration", "1")
    assert_one_line_error(proc, "wings", "cadence_spm")


def test_out_of_range_parameter_names_the_range():
    proc = run_ras("monitor", "--simulate", "healthy", "--set", "cadence_spm=900")
    assert_one_line_error(proc, "cadence_spm", "between")


def test_port_that_does_not_exist():
    proc = run_ras("monitor", "--port", "/dev/ttyNOSUCHPORT9")
    assert_one_line_error(proc, "/dev/ttyNOSUCHPORT9", "does not exist")


def test_port_that_is_not_a_ras_sensor():
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        proc = run_ras("monitor", "--port", os.ttyname(slave))
    finally:
        os.close(master)
        os.close(slave)
    assert_one_line_error(proc, "does not answer as a ras sensor")


def test_bad_event_kind_and_bad_option_values():
    proc = run_ras("monitor", "--simulate", "healthy", "--events", "ic,hop")
    assert_one_line_error(proc, "hop", "ic, to, msw, mst")
    proc = run_ras("monitor", "--simulate", "healthy", "--speed", "-3")
    assert_one_line_error(proc, "--speed", "between 0.1 and 60")


def test_monitor_shows_a_virtual_patient_walking():
    proc = run_ras("monitor", "--simulate", "stroke", "--duration", "12", "--speed", "4")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "initial contact" in out and "toe-off" in out
    assert " L " in out and " R " in out
    assert "cadence" in out and "steps/min" in out
    assert "lost 0" in out  # no faults injected: the summary counts none
    assert "monitor ended after" in out


def test_ctrl_c_exits_cleanly_with_a_summary():
    proc = subprocess.Popen(
        [*RAS, "monitor", "--simulate", "parkinson", "--speed", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + GUARD_S
        seen = ""
        while "initial contact" not in seen:
            assert time.monotonic() < deadline
            seen += proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=GUARD_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "monitor ended after" in out


@pytest.mark.timing  # a sensor answering in real time within the probe's 0.5 s
@pytest.mark.parametrize("extra", [[], ["--timeout", "0.5"]])
def test_devices_says_which_port_answers_as_a_sensor(extra):
    clock = SessionClock(speed=1.0)
    silent_master, silent_slave = os.openpty()
    tty.setraw(silent_slave)
    silent = os.ttyname(silent_slave)
    try:
        with VirtualPatientRig("healthy", clock, seed=3) as rig:
            left = rig.ports[0]
            proc = run_ras("devices", *extra, left, silent)
    finally:
        os.close(silent_master)
        os.close(silent_slave)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    sensor_line = next(line for line in lines if line.startswith(left))
    assert "ras sensor" in sensor_line and "left" in sensor_line
    silent_line = next(line for line in lines if line.startswith(silent))
    assert "not a ras sensor" in silent_line
