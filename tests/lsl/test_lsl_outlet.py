"""The LSL outlet (issue 15, part 3): a simulated session streams on LSL, and an inlet opened in
the same test receives every stored step event and cue onset, equal, at the stored session time
mapped to the LSL clock (within 1 ms); the markers and the streams' metadata; one line without
pylsl; a failing LSL never touches the session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pylsl
import pytest

from ras.bus import SessionBus
from ras.errors import UserInputError
from ras.events import ActionEvent, CueEvent, ImuEvent, PhaseEvent, StepEvent, TempoChangeEvent
from ras.lsl.clock_map import LslClockMap, measure_offset_s
from ras.lsl.outlet import PYLSL_MISSING, SessionLslOutlet
from ras.lsl.streams import CUES, MARKERS, STEPS, STREAMS, device_key, marker_text, route, source_id
from ras.protocol.messages import Side, StepKind
from ras.session.host import SessionHost
from ras.session.request import SessionRequest
from ras.session.settings import SessionSettings
from ras.session_clock import SessionClock
from ras.store.store import Store
from tests.conftest import add_patient

PATIENT = "P-LSL"
SPEED = 10.0


def _request(db: str, **settings: Any) -> SessionRequest:
    plan = {"baseline_s": 10.0, "cued_s": 12.0, "probe_s": 3.0, "plan": "iso-ramp", "lsl": True}
    return SessionRequest(
        PATIENT,
        SessionSettings(**{**plan, **settings}),
        audio="none",
        speed=SPEED,
        db=db,
        via="test",
    )


@dataclass
class Received:
    """What one inlet pulled: samples, their LSL times, and the stream's full info."""

    inlet: Any
    samples: list[Any] = field(default_factory=list)
    times_s: list[float] = field(default_factory=list)

    def pull(self) -> int:
        samples, times = self.inlet.pull_chunk(timeout=0.0)
        self.samples.extend(samples)
        self.times_s.extend(times)
        return len(times)


@dataclass
class StreamedSession:
    session_id: int
    clock: SessionClock
    offset_s: float  # local_clock() - perf_counter(), measured by the test itself
    outcome: Any
    got: dict[str, Received]
    infos: dict[str, Any]
    db: str
    announced: list[str]


def _open_inlets(db_path: str) -> dict[str, Received]:
    got = {}
    for spec in STREAMS:
        found = pylsl.resolve_byprop("source_id", source_id(device_key(db_path), spec), 1, 10.0)
        assert len(found) == 1, spec.name
        inlet = pylsl.StreamInlet(found[0], max_buflen=60, recover=True)  # as LabRecorder
        inlet.open_stream(timeout=10.0)
        got[spec.key] = Received(inlet)
    return got


@pytest.fixture(scope="module")
def streamed(tmp_path_factory: pytest.TempPathFactory) -> StreamedSession:
    """One short simulated session (25 session s at 10x) with an inlet on each stream."""
    db = str(tmp_path_factory.mktemp("lsl") / "ras.sqlite3")
    add_patient(db, PATIENT)
    host = SessionHost(_request(db))
    session_id = host.begin()  # the streams are up from here, before the baseline
    assert host.db_path is not None
    got = _open_inlets(host.db_path)
    infos = {key: r.inlet.info(timeout=10.0) for key, r in got.items()}
    done = threading.Event()

    def pull_while_running() -> None:  # as LabRecorder does
        while not done.is_set():
            for received in got.values():
                received.pull()
            time.sleep(0.02)

    puller = threading.Thread(target=pull_while_running, daemon=True)
    puller.start()
    announced = host.messages()
    outcome = host.run()  # the inlets are connected: it does not wait for a recorder
    done.set()
    puller.join()
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 1.0:  # what was in flight at the end
        if sum(received.pull() for received in got.values()):
            quiet_since = time.monotonic()
        time.sleep(0.02)
    assert host.clock is not None
    offset_s = pylsl.local_clock() - time.perf_counter()
    return StreamedSession(
        session_id, host.clock, offset_s, outcome, got, infos, host.db_path,
        announced + host.messages(),
    )  # fmt: skip


def _lsl_s(streamed: StreamedSession, t_s: np.ndarray) -> np.ndarray:
    """The stored session times on the LSL clock, mapped by the test on its own."""
    return streamed.clock.start_perf_s + np.asarray(t_s) / SPEED + streamed.offset_s


def test_every_stored_step_arrives_equal_and_within_1_ms(streamed: StreamedSession) -> None:
    assert streamed.outcome.status == "complete", streamed.outcome
    with Store(streamed.db) as store:
        steps = store.steps(streamed.session_id)
    assert len(steps) > 30  # both feet's initial contacts and toe-offs over 25 s
    assert set(steps["kind"].tolist()) >= {int(StepKind.INITIAL_CONTACT), int(StepKind.TOE_OFF)}
    received = streamed.got["steps"]
    got = np.array(received.samples)
    order = np.lexsort((got[:, 0], got[:, 4]))
    stored = np.column_stack(
        [steps["side"], steps["kind"], steps["stride_index"], steps["sensor_id"], steps["t_s"]]
    ).astype(float)
    stored_order = np.lexsort((stored[:, 0], stored[:, 4]))
    np.testing.assert_array_equal(got[order][:, :5], stored[stored_order])
    times_s = np.array(received.times_s)[order]
    error_s = np.abs(times_s - _lsl_s(streamed, stored[stored_order][:, 4]))
    assert error_s.max() < 1e-3, error_s.max()


def test_every_stored_cue_arrives_at_its_onset_within_1_ms(streamed: StreamedSession) -> None:
    with Store(streamed.db) as store:
        cues = store.cues(streamed.session_id)
    assert len(cues) > 15  # 12 cued s at about 110 bpm
    received = streamed.got["cues"]
    got = np.array(received.samples)
    order = np.argsort(got[:, 4], kind="stable")
    stored_order = np.argsort(cues["t_s"], kind="stable")
    stored = np.column_stack(
        [cues["beat_index"], cues["tempo_bpm"], cues["side"], cues["t_s"]]
    ).astype(float)[stored_order]
    np.testing.assert_array_equal(got[order][:, [0, 1, 2, 4]], stored)
    error_s = np.abs(np.array(received.times_s)[order] - _lsl_s(streamed, stored[:, 3]))
    assert error_s.max() < 1e-3, error_s.max()


def test_the_markers_say_the_session_phases_and_tempo_changes(streamed: StreamedSession) -> None:
    received = streamed.got["markers"]
    events = [json.loads(sample[0]) for sample in received.samples]
    times_s = np.array(received.times_s)
    first = events[0]
    assert first == {"event": "session", "t_s": 0.0, "session_id": streamed.session_id,
                     "patient_id": PATIENT}  # fmt: skip
    assert abs(times_s[0] - _lsl_s(streamed, np.array([0.0]))[0]) < 1e-3
    phases = [(e["name"], e["edge"]) for e in events if e["event"] == "phase"]
    assert [p for p in phases if p[1] == "start"] == [
        ("baseline", "start"),
        ("cued", "start"),
        ("probe", "start"),
    ]
    with Store(streamed.db) as store:
        changes = store.tempo_changes(streamed.session_id)
        states = store.cue_states(streamed.session_id)
    streamed_changes = [
        (e, t) for e, t in zip(events, times_s, strict=True) if e["event"] == "tempo_change"
    ]
    assert len(changes) >= 1
    assert [(e["new_bpm"], e["source"], e["t_s"]) for e, _ in streamed_changes] == [
        (c.new_bpm, c.source, c.t_s) for c in changes
    ]
    change_times_s = np.array([t for _, t in streamed_changes])
    stored_times_s = _lsl_s(streamed, np.array([c.t_s for c in changes]))
    assert np.abs(change_times_s - stored_times_s).max() < 1e-3
    assert [e["state"] for e in events if e["event"] == "cue_state"] == [
        s.state.value for s in states
    ]
    assert not [e for e in events if e["event"] not in {"session", "phase", "tempo_change",
                                                        "cue_state", "link", "marker"}]  # fmt: skip


def test_the_metadata_says_what_a_lab_needs(streamed: StreamedSession) -> None:
    for spec in STREAMS:
        info = streamed.infos[spec.key]
        assert (info.name(), info.type()) == (spec.name, spec.type)
        assert info.source_id() == source_id(device_key(streamed.db), spec)
        assert info.nominal_srate() == pylsl.IRREGULAR_RATE
        desc = info.desc()
        assert desc.child_value("session_id") == str(streamed.session_id)
        assert desc.child_value("patient_id") == PATIENT
        assert desc.child_value("ras_version") != ""
        assert desc.child_value("session_speed") == "10"
        assert "local_clock" in desc.child_value("time_base")
        channel = desc.child("channels").child("channel")
        labels, units = [], []
        while not channel.empty():
            labels.append(channel.child_value("label"))
            units.append(channel.child_value("unit"))
            channel = channel.next_sibling()
        assert labels == [c.label for c in spec.channels]
        assert units == [c.unit for c in spec.channels]
    steps = streamed.infos["steps"].desc().child("channels").child("channel")
    assert steps.child_value("label") == "side" and "1 left" in steps.child_value("unit")
    lsl_lines = [line for line in streamed.announced if line.startswith("LSL")]
    assert lsl_lines == [  # and no wait: the inlets were connected before the session ran
        f"LSL: streaming 'ras steps', 'ras cues', 'ras markers' (source ids"
        f" ras-{device_key(streamed.db)}-*)"
    ]
    # the source id names neither the computer nor the database
    assert streamed.db not in STEPS.name + source_id(device_key(streamed.db), STEPS)


def test_without_pylsl_lsl_is_one_line_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "ras.sqlite3")
    add_patient(db, PATIENT)
    monkeypatch.setitem(sys.modules, "pylsl", None)  # as if it were not installed
    with pytest.raises(UserInputError) as err:
        SessionHost(_request(db))
    assert str(err.value) == PYLSL_MISSING and "\n" not in PYLSL_MISSING
    assert "pip install 'ras[lsl]'" in PYLSL_MISSING
    with Store(db) as store:
        assert store.list_sessions() == []
    code = (
        "import sys; sys.modules['pylsl'] = None; from ras.cli import main;"
        f" sys.exit(main(['run', '--simulate', 'healthy', '--audio', 'none', '--speed', '10',"
        f" '--db', {db!r}, '--lsl']))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 2, run
    assert run.stderr.strip().splitlines() == [f"ras: error: {PYLSL_MISSING}"]
    with Store(db) as store:
        assert store.list_sessions() == []


def test_a_session_waits_for_a_recorder_before_its_time_0(tmp_path: Path) -> None:
    said: list[str] = []
    outlet = SessionLslOutlet(
        session_id=1, patient_id=PATIENT, db_path=str(tmp_path / "db"), say=said.append
    )
    assert outlet.wait_for_recorder(timeout_s=0.3) is False
    assert said[1:] == [
        "LSL: waiting up to 0.3 s for a recorder to connect (start LabRecorder's recording with"
        " the ras streams now)",
        "LSL: no recorder connected; the session starts and streams anyway",
    ]
    assert outlet.wait_for_recorder(timeout_s=60.0, stop=lambda: True) is False  # stopped
    [info] = pylsl.resolve_byprop("source_id", outlet.source_id(MARKERS), 1, 10.0)
    inlet = pylsl.StreamInlet(info)
    inlet.open_stream(timeout=10.0)
    said.clear()
    assert outlet.wait_for_recorder(timeout_s=60.0) is True
    assert said == []  # connected already: nothing to say
    outlet.close()


def _open_a_stream(tmp_path: Path, **env: str) -> str:
    """stderr of a fresh process that opens an outlet through ras, in an empty home."""
    code = (
        "from ras.lsl.outlet import load_pylsl; lsl = load_pylsl();"
        " outlet = lsl.StreamOutlet(lsl.StreamInfo('quiet', 'Markers', 1, 0, 'string', 'q'))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=tmp_path,
        env={**os.environ, "HOME": str(tmp_path), **env},
    )
    return run.stderr


def test_liblsl_keeps_quiet_unless_the_computer_has_its_own_config(tmp_path: Path) -> None:
    # no INFO start-up lines among the session's own (a computer without a network still gets
    # liblsl's warnings that it cannot join a multicast group: those are worth seeing)
    assert " INFO|" not in _open_a_stream(tmp_path)
    config = tmp_path / "lab.cfg"
    config.write_text("[log]\nlevel = 0\n")
    assert " INFO|" in _open_a_stream(tmp_path, LSLAPICFG=str(config))


class _BrokenOutlet:
    def __init__(self, info: Any) -> None:
        self.info = info

    def push_sample(self, sample: Any, timestamp: float) -> None:
        raise OSError("network is unreachable")


def test_a_failing_lsl_is_said_once_and_never_raises(tmp_path: Path) -> None:
    said: list[str] = []
    broken = SimpleNamespace(
        StreamInfo=pylsl.StreamInfo,
        StreamOutlet=_BrokenOutlet,
        IRREGULAR_RATE=pylsl.IRREGULAR_RATE,
        local_clock=pylsl.local_clock,
    )
    outlet = SessionLslOutlet(
        session_id=1, patient_id=PATIENT, db_path=str(tmp_path / "x"), lsl=broken, say=said.append
    )  # type: ignore[arg-type]
    bus = SessionBus()
    outlet.start(clock=SessionClock(), bus=bus)
    bus.publish(StepEvent(1, Side.LEFT, StepKind.INITIAL_CONTACT, 1.0, 0, 1.0, 0, 0))
    outlet.put(CueEvent(1.2, 0, 100.0))
    outlet.close()
    assert said[0] == outlet.announcement()
    [failure] = said[1:]
    assert "network is unreachable" in failure and "goes on" in failure
    assert outlet.failed == failure and sum(outlet.pushed.values()) == 0


def test_the_clock_map_is_measured_and_maps_a_sped_up_session() -> None:
    ticks = iter(np.arange(0.0, 10.0, 1e-3))
    perf = lambda: float(next(ticks))  # noqa: E731 - a clock that advances 1 ms a reading
    offset_s = measure_offset_s(lambda: perf() + 5.0, perf, n_readings=3)
    assert offset_s == pytest.approx(5.0, abs=1e-9)  # against the midpoint of each bracket
    clock_map = LslClockMap(start_perf_s=100.0, speed=20.0, offset_s=5.0)
    assert clock_map.lsl_s(40.0) == pytest.approx(107.0)  # 40 session s at 20x: 2 real s
    assert clock_map.session_start_lsl_s == pytest.approx(105.0)


def test_each_record_goes_to_its_stream() -> None:
    step = StepEvent(7, Side.RIGHT, StepKind.TOE_OFF, 3.5, 0, 3.6, 9, 4, 0.001)
    assert route(step) == (STEPS, [2.0, 2.0, 4.0, 7.0, 3.5, 0.001], 3.5)
    assert route(CueEvent(2.0, 3, 98.0, Side.LEFT)) == (CUES, [3.0, 98.0, 1.0, -1.0, 2.0], 2.0)
    change = TempoChangeEvent(5.0, None, 100.0, "plan", "start")
    spec, [text], t_s = route(change)  # type: ignore[misc]
    assert spec is MARKERS and t_s == 5.0
    assert json.loads(text) == {"event": "tempo_change", "t_s": 5.0, "old_bpm": None,
                                "new_bpm": 100.0, "source": "plan", "reason": "start",
                                "effective_t_s": None}  # fmt: skip
    assert json.loads(marker_text(PhaseEvent(1.0, "cued")) or "") == {
        "event": "phase", "t_s": 1.0, "name": "cued", "edge": "start"}  # fmt: skip
    imu = ImuEvent(1, Side.LEFT, 0.0, 100.0, 0, np.zeros((1, 6)))
    assert route(imu) is None and route(ActionEvent(1.0, "+1 bpm", True)) is None
