"""The history page: local dates, steps counted as steps, training dose and trends."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import show_history

from gui.history_model import COLUMNS, TRENDS
from gui.history_view import HistoryPage
from ras.protocol.messages import StepKind
from ras.store.store import Store
from tests.conftest import add_patient, run_simulated
from tests.report.test_progress_report import local_zone, walk_with_cue

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


def test_steps_are_initial_contacts_not_gait_events(qtbot, page, db):
    add_patient(db, PATIENT)
    phases = ("--baseline", "10", "--cued", "20", "--probe", "10")
    run_simulated(db, "healthy", "--patient", PATIENT, *phases, speed=25)
    with Store(db) as store:
        (info,) = store.list_sessions(PATIENT)
        steps = store.steps(info.id)
    n_ic = int((steps["kind"] == int(StepKind.INITIAL_CONTACT)).sum())
    assert 0 < n_ic < len(steps) / 2  # the sensors send toe-offs and more beside each contact
    show_history(qtbot, page, PATIENT)
    assert _column(page, "Steps") == str(n_ic)
    assert page.rows[0].dose.n_steps == n_ic


@pytest.mark.parametrize(
    ("zone", "shown", "tick"),
    [("UTC", "2026-03-01 20:30", "01 Mar"), ("Pacific/Auckland", "2026-03-02 09:30", "02 Mar")],
)
def test_dates_are_local(qtbot, page, db, zone, shown, tick):
    with Store(db) as store:
        store.add_patient(PATIENT)
        sid = walk_with_cue(store, PATIENT, 0.9, "2026-03-01T20:30:00Z", db)
    with local_zone(zone):
        show_history(qtbot, page, PATIENT)
    assert _column(page, "Date (local)") == shown
    assert _column(page, "Session") == f"#{sid}"
    for t in page.trends:
        (major, _minor) = t.widget.getAxis("bottom")._tickLevels
        assert major == [(1.0, tick)], t.trend.title


def test_dose_and_trends_across_sessions(qtbot, page, db):
    with Store(db) as store:
        store.add_patient(PATIENT)
        for k, length in enumerate((0.8, 0.9, 1.0)):
            walk_with_cue(store, PATIENT, length, f"2026-03-0{k + 1}T10:00:00Z", db)
    show_history(qtbot, page, PATIENT)
    assert page.table.rowCount() == 3
    # the cue sounded 30–45 s and 50–60 s: 25 s
    assert [_column(page, "Cued min", r) for r in range(3)] == ["0.4"] * 3
    assert [round(s.dose.cued_s, 6) for s in page.rows] == [25.0] * 3
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
    np.testing.assert_allclose(dose["height"], [25 / 60] * 3)


def test_a_session_without_steps_is_listed_without_figures(qtbot, page, db):
    with Store(db) as store:
        store.add_patient(PATIENT)
        store.end_session(store.begin_session(PATIENT, {"plan": "fixed"}))
    show_history(qtbot, page, PATIENT)
    assert page.table.rowCount() == 1
    assert _column(page, "Steps") == "0"
    speed = page.table.item(0, [c.title for c in COLUMNS].index("Speed m/s"))
    assert speed.text() == "— → —" and "no steps recorded" in speed.toolTip()
    assert not page.report_btn.isEnabled()
