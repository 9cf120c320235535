"""`ras run` with IMU-only virtual sensors: the host detects the steps, the session works.

A short whole session through the command line (real process, ptys, SQLite), then its report's
numbers (ras.report.outcomes); the option's rule is checked in one place
(``virtual_sensor_options``) and its errors are one line.
"""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from ras.errors import UserInputError
from ras.results.outcomes import session_outcomes
from ras.results.session_data import load_session
from ras.session.request import HOST_STEPS_IMU_RATE_HZ, SimulatedSensors, virtual_sensor_options
from ras.store.store import Store

GUARD_S = 300  # hang guard only


def ras(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ras", *args],
        input="",
        capture_output=True,
        text=True,
        timeout=GUARD_S,
        check=False,
    )


@pytest.mark.timing  # ends 'complete': every cue decided within 0.25 s real
def test_a_session_with_host_detected_steps_has_steps_cadence_and_symmetry(tmp_path):
    db = str(tmp_path / "ras.sqlite3")
    proc = ras(
        "run", "--simulate", "healthy", "--audio", "none", "--speed", "10", "--imu-rate", "100",
        "--sensor-steps", "host", "--db", db, "--baseline", "20", "--cued", "20", "--probe", "10",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "complete" in proc.stdout
    with Store(db) as store:
        info = store.get_session(1)
        links = store.link_events(1)
        data = load_session(store, 1)
    assert info.settings["sensor_steps"] == "host"
    connected = [e for e in links if e.state.value == "connected"]
    assert len(connected) == 2 and all("on the host" in e.detail for e in connected)
    assert len(data.steps) > 100
    outcomes = session_outcomes(data)
    for phase in ("baseline", "cued"):
        p = outcomes.phase(phase)
        assert p.n_steps > 20
        assert 80 < p.value("cadence_spm") < 140, (phase, p.values)
        assert math.isfinite(p.value("step_time_si_pct")), (phase, p.reasons)


def options(imu_rate: int = 0, sensor_steps: str | None = None) -> dict[str, object]:
    sensors = SimulatedSensors(sensor_steps=sensor_steps, imu_rate_hz=imu_rate)
    return virtual_sensor_options(sensors)


def test_the_sensor_steps_rule():
    assert options() == {"imu_rate_hz": None, "on_device_steps": True}
    assert options(imu_rate=200) == {"imu_rate_hz": 200, "on_device_steps": True}
    assert options(sensor_steps="device") == {"imu_rate_hz": None, "on_device_steps": True}
    host = options(sensor_steps="host")
    assert host == {"imu_rate_hz": HOST_STEPS_IMU_RATE_HZ, "on_device_steps": False}
    assert options(sensor_steps="host", imu_rate=400)["imu_rate_hz"] == 400
    with pytest.raises(UserInputError, match="device, host"):
        options(sensor_steps="sideways")
    with pytest.raises(UserInputError, match="between 50 and 1000 Hz"):
        options(sensor_steps="host", imu_rate=20)


def test_a_bad_choice_is_one_line_before_any_session_is_made(tmp_path):
    db = tmp_path / "x.sqlite3"
    proc = ras("run", "--port", "/dev/null", "--sensor-steps", "host", "--db", str(db))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in proc.stderr
    assert "--sensor-steps" in lines[0] and "virtual sensors" in lines[0]
    assert not db.exists()
