"""The history page: local dates, steps counted as steps, training dose and trends."""

from __future__ import annotations

import sqlite3
import time

import numpy as np
import pytest

from gui.history_model import COLUMNS, TRENDS
from gui.history_view import HistoryPage
from ras.events import CueState, CueStateEvent
from ras.protocol.messages import StepKind
from ras.store.store import Store
from tests.conftest import add_patient, record_walk, run_simulated

PATIENT = "P-HIS"


def _column(page: HistoryPage, title: str, row: int = 0) -> str:
    return page.table.item(row, [c.title for c in COLUMNS].index(title)).text()


@pytest.fixture
def page(qtbot, db):
    from gui.app import make_app

    make_app()
    p = HistoryPage(db)
    p.resize(1366, 700)
    qtbot.addWidget(p)
    return p


def test_steps_are_initial_contacts_not_gait_events(page, db):
    add_patient(db, PATIENT)
    phases = ("--baseline", "10", "--cued", "20", "--probe", "10")
    run_simulated(db, "healthy", "--patient", PATIENT, *phases, speed=25)
    with Store(db) as store:
        (info,) = store.list_sessions(PATIENT)
        steps = store.steps(info.id)
    n_ic = int((steps["kind"] == int(StepKind.INITIAL_CONTACT)).sum())
    assert 0 < n_ic < len(steps) / 2  # the sensors send toe-offs and more beside each contact
    page.show_patient(PATIENT)
    assert _column(page, "Steps") == str(n_ic)
    assert page.rows[0].dose.n_steps == n_ic


def _walk_with_cue(store: Store, stride_length_m: float) -> int:
    """Baseline 0–30 s, cued 30–60 s with the cue off from 40 to 50 s, probe 60–90 s."""
    phases = [("baseline", 0.0), ("cued", 30.0), ("probe", 60.0)]
    sid = record_walk(
        store, PATIENT, phases, (0.3, 89.7), cadence_spm=100.0, end_t_s=90.0,
        stride_length_m=stride_length_m,
    )  # fmt: skip
    states = [(30.0, CueState.START), (40.0, CueState.OFF), (50.0, CueState.ON)]
    states.append((60.0, CueState.STOP))
    store.record(sid, [CueStateEvent(t, s, "plan") for t, s in states])
    return sid


def _set_start(db: str, session_id: int, started_utc: str) -> None:
    """Give a stored session a known start (UTC), as if it had been recorded then."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE sessions SET started_utc = ? WHERE id = ?", (started_utc, session_id))


@pytest.fixture
def local_zone(monkeypatch):
    """Set this process's local time zone (TZ) for a test; restored afterwards."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("zone", "shown", "tick"),
    [("UTC", "2026-03-01 20:30", "01 Mar"), ("Pacific/Auckland", "2026-03-02 09:30", "02 Mar")],
)
def test_dates_are_local(page, db, local_zone, zone, shown, tick):
    local_zone(zone)
    with Store(db) as store:
        store.add_patient(PATIENT)
        sid = _walk_with_cue(store, 0.9)
    _set_start(db, sid, "2026-03-01T20:30:00Z")
    page.show_patient(PATIENT)
    assert _column(page, "Date (local)") == shown
    assert _column(page, "Session") == f"#{sid}"
    for t in page.trends:
        (major, _minor) = t.widget.getAxis("bottom")._tickLevels
        assert major == [(1.0, tick)], t.trend.title


def test_dose_and_trends_across_sessions(page, db):
    with Store(db) as store:
        store.add_patient(PATIENT)
        ids = [_walk_with_cue(store, length) for length in (0.8, 0.9, 1.0)]
    for k, sid in enumerate(ids):
        _set_start(db, sid, f"2026-03-0{k + 1}T10:00:00Z")
    page.show_patient(PATIENT)
    assert page.table.rowCount() == 3
    # the cue sounded 30–40 s and 50–60 s: 20 s
    assert [_column(page, "Cued min", r) for r in range(3)] == ["0.3"] * 3
    assert [round(s.dose.cued_s, 6) for s in page.rows] == [20.0] * 3
    # stride length 0.8 / 0.9 / 1.0 m at 100 steps/min: baseline → probe in one cell
    assert [_column(page, "Stride m", r) for r in range(3)] == [
        "0.80 → 0.80",
        "0.90 → 0.90",
        "1.00 → 1.00",
    ]
    by_key = {t.trend.key: t for t in page.trends}
    assert set(by_key) == {t.key for t in TRENDS}
    for key in ("gait_speed_m_per_s", "cadence_spm", "stride_length_m", "stride_time_cv_pct"):
        x, y = by_key[key].curves["baseline"].getData()
        assert list(x) == [1.0, 2.0, 3.0] and np.isfinite(y).all(), key
    _x, stride = by_key["stride_length_m"].curves["probe"].getData()
    np.testing.assert_allclose(stride, [0.8, 0.9, 1.0])
    _x, speed = by_key["gait_speed_m_per_s"].curves["baseline"].getData()
    np.testing.assert_allclose(speed, np.array([0.8, 0.9, 1.0]) / 1.2)  # stride / stride time
    dose = by_key["cued_min"].bars.opts
    np.testing.assert_allclose(dose["height"], [20 / 60] * 3)


def test_a_session_without_steps_is_listed_without_figures(page, db):
    with Store(db) as store:
        store.add_patient(PATIENT)
        store.end_session(store.begin_session(PATIENT, {"plan": "fixed"}))
    page.show_patient(PATIENT)
    assert page.table.rowCount() == 1
    assert _column(page, "Steps") == "0"
    speed = page.table.item(0, [c.title for c in COLUMNS].index("Speed m/s"))
    assert speed.text() == "— → —" and "no steps recorded" in speed.toolTip()
    assert not page.report_btn.isEnabled()
