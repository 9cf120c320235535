"""kill -9 in the middle of a recording: the database survives and keeps the data.

Spec: every event handed to the recorder up to 0.5 s before the kill is in the database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ras.store import Store

LOSS_BOUND_S = 0.5  # the spec: at most this much data before a crash may be lost

CHILD = textwrap.dedent(
    """
    import os, sys, time
    import numpy as np
    from ras.events import ImuEvent, StepEvent
    from ras.protocol.messages import Side, StepKind
    from ras.store import Recorder

    db, session_id, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rec = Recorder(db, session_id)
    log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    samples = np.ones((20, 6))
    for i in range(10_000_000):
        side = Side.LEFT if i % 2 == 0 else Side.RIGHT
        t_s = i * 0.002
        rec.put(StepEvent(1 + i % 2, side, StepKind.INITIAL_CONTACT, t_s, i * 2000, t_s, i, i))
        if i % 10 == 0:
            rec.put(ImuEvent(1, Side.LEFT, t_s, 100.0, i * 2000, samples))
        # Our own log of what was handed over, and when (CLOCK_MONOTONIC is system-wide).
        os.write(log_fd, f"{i} {time.monotonic():.6f}\\n".encode())
        time.sleep(0.002)
    """
)


def _read_log(path: Path) -> list[tuple[int, float]]:
    out = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[1].split(".")[-1]) == 6:  # skip a torn last line
            out.append((int(parts[0]), float(parts[1])))
    return out


def _wait_for_stream(log: Path, n_events: int, proc: subprocess.Popen[bytes]) -> None:
    """Wait until ``n_events`` were handed over and the first is older than the loss bound."""
    guard_t = time.monotonic() + 120  # only so a broken child cannot hang the test run
    while time.monotonic() < guard_t:
        if proc.poll() is not None:
            pytest.fail(f"recording child exited early with {proc.returncode}")
        handed = _read_log(log) if log.exists() else []
        if len(handed) >= n_events and handed[0][1] < time.monotonic() - 2 * LOSS_BOUND_S:
            return
        time.sleep(0.01)
    pytest.fail("recording child produced no events")


@pytest.mark.slow
@pytest.mark.parametrize("kill_after_events", [1, 1500])
def test_kill_9_mid_stream_keeps_everything_older_than_half_a_second(
    tmp_path: Path, kill_after_events: int
) -> None:
    db, log, script = tmp_path / "s.db", tmp_path / "handed.log", tmp_path / "child.py"
    script.write_text(CHILD)
    with Store(db) as store:
        store.add_patient("P1")
        sid = store.begin_session("P1", {"tempo_bpm": 100})
    with (tmp_path / "child.err").open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(db), str(sid), str(log)],
            stderr=err,
            cwd=Path(__file__).resolve().parents[2],
        )
        try:
            _wait_for_stream(log, kill_after_events, proc)
            kill_t = time.monotonic()
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, (tmp_path / "child.err").read_text()
    handed = _read_log(log)
    must_have = {i for i, t in handed if t <= kill_t - LOSS_BOUND_S}
    assert must_have, "the stream ran long enough to have events older than the bound"

    with Store(db) as store:
        assert store.integrity_ok()
        session = store.get_session(sid)
        assert session.status == "incomplete"
        seqs = store.steps(sid)["seq"].tolist()
        assert len(seqs) == len(set(seqs))
        missing = sorted(must_have - set(seqs))
        assert not missing, f"{len(missing)} events lost, first {missing[:5]}"
        assert max(seqs) <= max(i for i, _ in handed) + 1  # nothing invented
        assert len(store.imu_chunks(sid)) >= len(must_have) // 10
