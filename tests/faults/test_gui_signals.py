"""SIGTERM and SIGHUP to the GUI's session process end the session as its stop button does.

The GUI runs each session in a child process (:func:`gui.session_engine.run_engine`); a signal
sent to it (a desktop logging out, a service manager stopping ras) must close the session in
the store as ``incomplete`` with the signal as its reason, with its data kept, instead of
killing it and leaving the session ``running``.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time

import pytest

from gui.session_controller import SessionController
from ras.session.request import SessionRequest
from ras.session.settings import SessionSettings
from ras.store.store import Store

HANG_GUARD_REAL_S = 60.0  # a guard against a hung test only; nothing asserts on durations


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_to_the_session_process_closes_the_session_with_its_reason(tmp_path, signum):
    db = str(tmp_path / "ras.sqlite3")
    with Store(db) as store:
        store.add_patient("P-SIG", diagnosis="healthy")
    config = SessionRequest(
        patient_id="P-SIG",
        settings=SessionSettings(baseline_s=20.0, cued_s=300.0, probe_s=20.0),
        audio="none",
        speed=10.0,
        db=db,
    )
    controller = SessionController(config)  # a real child process, as the GUI runs it
    controller.start()
    deadline = time.monotonic() + HANG_GUARD_REAL_S
    while not (controller.state == "running" and controller.poll().status is not None):
        assert controller.state in ("starting", "running"), controller.error
        assert time.monotonic() < deadline, "the session did not start"
        time.sleep(0.05)
    time.sleep(1.0)  # some walking recorded
    os.kill(controller._worker.pid, signum)
    assert controller.wait(HANG_GUARD_REAL_S), "the session process did not end"
    controller._worker.join(HANG_GUARD_REAL_S)
    assert controller._worker.exitcode == 0  # it ended by itself, not killed by the signal
    name = signal.Signals(signum).name
    with sqlite3.connect(db) as conn:
        status, reason = conn.execute("SELECT status, end_reason FROM sessions").fetchone()
        n_steps = conn.execute("SELECT COUNT(*) FROM steps").fetchone()[0]
    assert status == "incomplete"
    assert reason is not None and name in reason, reason
    assert n_steps > 0
    assert controller.end_status == "incomplete" and name in controller.end_reason
