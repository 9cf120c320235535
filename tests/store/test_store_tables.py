"""Each recorded event's table, array dtype and INSERT derive from its dataclass fields."""

from __future__ import annotations

import dataclasses
import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from ras.events import CueEvent, Phase, PhaseEvent, StepEvent, TempoChangeEvent
from ras.protocol.messages import Side, StepKind
from ras.store import Store, rows
from ras.store.schema import connect
from ras.store.tables import TABLES, Table

#: The array layouts readers have relied on (analysis, exports): field order and types.
OLD_STEP_DTYPE = np.dtype(
    [
        ("t_s", "f8"),
        ("sensor_id", "i8"),
        ("side", "i1"),
        ("kind", "i1"),
        ("device_t_us", "i8"),
        ("received_t_s", "f8"),
        ("seq", "i8"),
        ("stride_index", "i8"),
        ("clock_error_s", "f8"),
        ("stride_time_s", "f8"),
        ("stance_time_s", "f8"),
        ("stride_length_m", "f8"),
        ("clearance_m", "f8"),
    ]
)
OLD_CUE_DTYPE = np.dtype(
    [
        ("t_s", "f8"),
        ("beat_index", "i8"),
        ("tempo_bpm", "f8"),
        ("side", "i1"),
        ("accent", "?"),
        ("sample_index", "i8"),
    ]
)


def test_arrays_keep_their_layout() -> None:
    assert rows.STEP_DTYPE == OLD_STEP_DTYPE
    assert rows.CUE_DTYPE == OLD_CUE_DTYPE


@pytest.mark.parametrize("table", list(TABLES.values()), ids=lambda t: t.name)
def test_migrated_table_has_the_declared_columns(tmp_path: Path, table: Table) -> None:
    conn, _ = connect(tmp_path / "s.db")
    try:
        info = conn.execute(f"PRAGMA table_info({table.name})").fetchall()
    finally:
        conn.close()
    columns = [(name, sql_type) for _, name, sql_type, *_ in info]
    assert columns[:2] == [("id", "INTEGER"), ("session_id", "INTEGER")]
    assert columns[2:] == [(c.name, c.sql_type) for c in table.columns]
    assert table.column_names == tuple(f.name for f in dataclasses.fields(table.record))


def test_tempo_change_keeps_its_effective_beat(tmp_path: Path) -> None:
    changes = [
        TempoChangeEvent(10.0, None, 100.0, "plan", "start", effective_t_s=10.4),
        TempoChangeEvent(20.0, 100.0, 104.0, "therapist", "+4", effective_t_s=20.6),
        TempoChangeEvent(30.0, 104.0, 108.0, "adaptive"),  # effective beat not said: NaN
    ]
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P1")
        sid = store.begin_session("P1")
        assert store.record(sid, changes) == 3
        back = store.tempo_changes(sid)
    assert back[:2] == changes[:2]
    assert math.isnan(back[2].effective_t_s) and back[2].new_bpm == 108.0


def test_bad_tempo_source_is_refused_before_sql(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P1")
        sid = store.begin_session("P1")
        with pytest.raises(ValueError, match=r"tempo_changes\.source 'robot'"):
            store.record(sid, [TempoChangeEvent(1.0, None, 90.0, "robot")])  # type: ignore[arg-type]


def test_open_phase_end_is_none_and_names_are_phases(tmp_path: Path) -> None:
    events = [PhaseEvent(0.0, "baseline"), PhaseEvent(60.0, Phase.CUED)]
    with Store(tmp_path / "s.db") as store:
        store.add_patient("P1")
        sid = store.begin_session("P1")
        store.record(sid, events)
        phases = store.phases(sid)
    assert phases == [("baseline", 0.0, 60.0), ("cued", 60.0, None)]
    assert [p.name for p in phases] == [Phase.BASELINE, Phase.CUED]
    assert phases[1].end_t_s is None


def test_step_array_round_trip_keeps_none_and_enums() -> None:
    step = StepEvent(3, Side.RIGHT, StepKind.TOE_OFF, 1.5, 1_500_000, 1.51, 9, 4, 0.001, 1.1)
    table = TABLES[StepEvent]
    conn = sqlite3.connect(":memory:")
    try:
        cols = ", ".join(f"{c.name} {c.sql_type}" for c in table.columns)
        conn.execute(f"CREATE TABLE steps (id INTEGER PRIMARY KEY, session_id INTEGER, {cols})")
        conn.execute(table.insert_sql, (1, *table.row(step)))
        array = table.array(conn.execute(table.select_sql, (1,)).fetchall())
    finally:
        conn.close()
    assert np.isnan(array["stance_time_s"][0])
    (back,) = rows.step_events(array)
    assert back == step and back.side is Side.RIGHT and back.stance_time_s is None
    assert rows.cue_events(np.zeros(0, rows.CUE_DTYPE)) == []
    assert rows.cue_events(TABLES[CueEvent].array([(1.0, 0, 90.0, 1, 0, None)])) == [
        CueEvent(1.0, 0, 90.0, Side.LEFT, False, None)
    ]
