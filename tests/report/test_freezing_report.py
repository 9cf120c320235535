"""Freezing in the session report: the virtual patient's true freezes, and none when it walks.

Two short simulated sessions with raw IMU (the only ones of the report tests that record it): a
parkinson patient freezing often (5 per minute, so that an 80 s session holds several) and a
healthy one. The true freezes come from the virtual patient itself.
"""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from report_helpers import pdf_text, requires_poppler

import ras.sim.rig
from analysis.freezing_eval import episode_agreement
from ras.cli import main
from ras.export.session_data import load_session
from ras.report.outcomes import session_outcomes
from ras.store.store import Store

PHASES = ("baseline", "cued", "probe")


def _session(db: Path, preset: str, *extra: str) -> None:
    argv = ["run", "--simulate", preset, "--audio", "none", "--speed", "25", "--imu-rate", "100"]
    argv += ["--seed", "5", "--db", str(db), "--baseline", "20", "--cued", "40", "--probe", "20"]
    stdin, sys.stdin = sys.stdin, io.StringIO("")  # `ras run` reads live commands
    try:
        assert main([*argv, *extra]) == 0
    finally:
        sys.stdin = stdin


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, np.ndarray]]:
    """preset -> (database, true freezes (start, end) s of the virtual patient)."""
    rigs: list[ras.sim.rig.VirtualPatientRig] = []

    class Recorded(ras.sim.rig.VirtualPatientRig):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            rigs.append(self)

    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ras.sim.rig, "VirtualPatientRig", Recorded)
        for preset, extra in (
            ("parkinson", ("--set", "freeze_rate_per_min=5")),
            ("healthy", ()),
        ):
            db = tmp_path_factory.mktemp(preset) / "ras.sqlite3"
            _session(db, preset, *extra)
            freezes = rigs[-1].patient.freeze_episodes_
            out[preset] = (db, np.array([(f.start_t_s, f.end_t_s) for f in freezes]).reshape(-1, 2))
    return out


def _outcomes(db: Path):  # type: ignore[no-untyped-def]
    with Store(db) as store:
        return session_outcomes(load_session(store, 1, with_imu=True))


def test_healthy_session_has_no_freezing_in_any_phase(sessions):
    db, truth = sessions["healthy"]
    assert truth.size == 0
    out = _outcomes(db)
    assert [p.phase for p in out.phases] == list(PHASES)
    for p in out.phases:
        assert p.value("n_freezing_episodes") == 0 and p.value("frozen_pct") == 0, p.phase


@requires_poppler
def test_parkinson_report_counts_the_true_freezes(sessions, tmp_path):
    db, truth = sessions["parkinson"]
    out = _outcomes(db)
    end = out.phases[-1].end_t_s
    truth = truth[truth[:, 1] < end - 2.0]  # freezes the recording saw to their end
    assert len(truth) >= 3
    detected = np.concatenate([p.summary.freezing.episodes_t_s for p in out.phases])
    agree = episode_agreement(detected_t_s=detected, true_t_s=truth, duration_s=end)
    assert agree.n_found == len(truth) and agree.n_false == 0
    counts = [p.value("n_freezing_episodes") for p in out.phases]
    assert sum(counts) == len(detected) and all(math.isfinite(c) for c in counts)
    # what the therapist reads is these counts, and the episodes are not compared across phases
    pdf = tmp_path / "pd.pdf"
    assert main(["report", "1", "--db", str(db), "--pdf", str(pdf)]) == 0
    row = next(ln for ln in pdf_text(pdf).splitlines() if ln.strip().startswith("Freezing"))
    cells = row.split()[2:]
    assert cells[:3] == [str(int(c)) for c in counts] and cells[3:] == ["—", "—"]
