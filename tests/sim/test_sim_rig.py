"""The rig: one patient, a sensor on each shoe, cues forwarded to the patient."""

from __future__ import annotations

import numpy as np
import pytest

from ras.protocol import MsgType, Side, StepKind
from ras.protocol.messages import HelloRequest
from ras.session_clock import SessionClock
from ras.sim.presets import make_params
from ras.sim.rig import VirtualPatientRig


def test_rig_streams_both_feet_on_two_ports(open_host):
    clock = SessionClock(speed=20)
    with VirtualPatientRig("stroke", clock, seed=3, drift_ppm=(20.0, -30.0)) as rig:
        left_port, right_port = rig.ports
        assert left_port and right_port and left_port != right_port
        hellos = {}
        for side, port in zip((Side.LEFT, Side.RIGHT), rig.ports, strict=True):
            host = open_host(port)
            host.send(HelloRequest())
            hellos[side] = host.read_until(lambda f: f.message.msg_type == MsgType.HELLO).message
            ic = host.read_until(
                lambda f: (
                    f.message.msg_type == MsgType.STEP
                    and f.message.kind == StepKind.INITIAL_CONTACT
                )
            )
            assert ic.message.event_t_us > 0
        assert hellos[Side.LEFT].side == Side.LEFT and hellos[Side.RIGHT].side == Side.RIGHT
        assert hellos[Side.LEFT].sensor_id != hellos[Side.RIGHT].sensor_id
        left_log, right_log = rig.truth_logs
    steps = {
        side: [r for r in log if r.msg_type == MsgType.STEP]
        for side, log in zip((Side.LEFT, Side.RIGHT), (left_log, right_log), strict=True)
    }
    # each sensor reports only its own foot's events, exactly the patient's truth
    for side, records in steps.items():
        truth = [e.t_s for e in rig.patient.events_ if e.side == side]
        assert records and all(r.event_t_s in truth for r in records)
    assert rig.ports == (None, None)


def test_cues_reach_the_patient():
    params = make_params("healthy", coupling=1.0)
    rig = VirtualPatientRig(params, SessionClock(speed=50), seed=1)
    beats = np.arange(0.3, 60, 60 / (params.cadence_spm * 1.08))
    for b in beats:
        rig.on_cue(float(b))
    assert rig.patient.beats_t_s == pytest.approx(list(beats))
    ic = np.array([e.t_s for e in rig.patient.advance(60) if e.kind == StepKind.INITIAL_CONTACT])
    assert 60 / np.diff(ic[ic > 30]).mean() == pytest.approx(params.cadence_spm * 1.08, rel=0.01)
    rig.stop()  # never started: still safe


def test_stop_and_resume_walking_use_the_clock():
    rig = VirtualPatientRig("healthy", SessionClock(speed=1, start_perf_s=0.0), seed=1)
    now = rig.clock.now_s()
    rig.patient.advance(now)
    rig.stop_walking()
    rig.patient.advance(now + 10)
    assert not rig.patient.is_walking
    rig.resume_walking()
    assert rig.patient.is_walking
