"""Acceptance: 10 minutes of two-foot walking through real ptys and reader threads, with faults.

1 % of bytes corrupted, two unplug/replug cycles (one on the same path, one on a new path found
by sensor id), ±100 ppm device clock drift. Every step frame sent intact must arrive exactly
once, lost frames must be counted exactly, and session times must match the simulator's truth
within the error bound each step carries (clock sync's own estimate: under load it widens, and
it must still hold). The session runs faster than real time (``SPEED``); all times are session
times.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from ras.bus import SessionBus
from ras.events import LinkEvent, LinkState, StepEvent
from ras.link.manager import LinkManager
from ras.protocol.messages import MsgType
from ras.session_clock import SessionClock
from ras.sim.rig import VirtualPatientRig

SPEED = 20.0
DURATION_S = 600.0
HANG_GUARD_REAL_S = 600.0


def _run_until(clock: SessionClock, t_s: float) -> None:
    deadline = time.monotonic() + HANG_GUARD_REAL_S
    while clock.now_s() < t_s:
        assert time.monotonic() < deadline, "hang guard"
        time.sleep(0.01)


def _expected_lost(truth) -> int:
    """Frames not delivered intact between the first and the last intact frame."""
    intact = [i for i, r in enumerate(truth) if r.delivered_intact]
    return sum(not r.delivered_intact for r in truth[intact[0] : intact[-1] + 1])


@pytest.mark.slow
@pytest.mark.timing  # the final unplug is seen before the links close
def test_ten_minutes_with_faults_nothing_silently_lost():
    clock = SessionClock(speed=SPEED)
    bus = SessionBus()
    steps = bus.subscribe("steps", accept=lambda e: isinstance(e, StepEvent))
    links = bus.subscribe("links", accept=lambda e: isinstance(e, LinkEvent))
    rig = VirtualPatientRig(
        "healthy", clock, seed=11, corrupt_byte_prob=0.01, drift_ppm=(100.0, -100.0)
    )
    rig.start()
    by_id = {s.sensor_id: s for s in rig.sensors}
    manager = LinkManager(
        rig.ports,
        bus,
        clock,
        find_sensor=lambda sensor_id: by_id[sensor_id].port,
        reconnect_interval_s=1.0,
    )
    try:
        manager.start()
        _run_until(clock, 150.0)
        rig.left.unplug()
        _run_until(clock, 170.0)
        rig.left.replug()  # same path
        _run_until(clock, 360.0)
        rig.right.unplug()
        _run_until(clock, 380.0)
        rig.right.replug(new_path=True)  # found again by sensor id
        _run_until(clock, DURATION_S)
        for sensor in rig.sensors:
            sensor.unplug()  # stops writing, lets the host drain, then closes
        stats = {s.sensor_id: s for s in manager.stats()}
    finally:
        manager.close()
        rig.stop()

    got = steps.drain()
    link_events = links.drain()
    for sensor in rig.sensors:
        truth = sensor.truth_log
        sent_intact = {r.seq: r for r in truth if r.msg_type == MsgType.STEP and r.delivered_intact}
        received = [e for e in got if e.sensor_id == sensor.sensor_id]
        seqs = [e.seq for e in received]
        assert len(seqs) == len(set(seqs)), "a step arrived twice"
        missing = sorted(set(sent_intact) - set(seqs))
        extra = sorted(set(seqs) - set(sent_intact))
        assert not missing and not extra, (
            f"{sensor.sensor_id}: intact steps missing (seq, session time) "
            f"{[(q, round(sent_intact[q].event_t_s, 3)) for q in missing][:10]}, extra {extra[:10]}"
        )
        assert len(sent_intact) > 900  # ~10 min of walking, 4 events per stride per foot
        errors_s = np.array([e.t_s - sent_intact[e.seq].event_t_s for e in received])
        bounds_s = np.array([e.clock_error_s for e in received])
        worst = int(np.argmax(np.abs(errors_s) / bounds_s))
        assert np.all(np.abs(errors_s) <= bounds_s), (
            f"{sensor.sensor_id}: clock error {errors_s[worst] * 1e3:+.3f} ms beyond its bound "
            f"{bounds_s[worst] * 1e3:.3f} ms at {received[worst].t_s:.1f} s"
        )
        assert stats[sensor.sensor_id].lost_frames == _expected_lost(truth), sensor.sensor_id
        assert _expected_lost(truth) > 0  # the faults really happened
        states = [e.state for e in link_events if e.sensor_id == sensor.sensor_id]
        assert states.count(LinkState.DISCONNECTED) >= 2  # the unplug and the final unplug
        assert stats[sensor.sensor_id].reconnects >= 1
