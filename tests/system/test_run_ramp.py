"""Closed loop through the whole stack: `ras run` with a virtual Parkinson patient on ptys.

Baseline cadence about 90 steps/min, iso-ramp to +10 % in steps of at most 2 %: the patient's
final cadence reaches the target within ±2 steps/min; a patient who does not entrain
(coupling 0) keeps the ramp from running away. Checked from what the database holds.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from ras.protocol.messages import StepKind
from ras.store.store import Store

STEP_PCT = 2.0
TARGET_PCT = 10.0
CUED_S = 200.0


def run_parkinson(db: str, *overrides: str) -> subprocess.CompletedProcess:
    sets = [a for o in ("freeze_rate_per_min=0", *overrides) for a in ("--set", o)]
    cmd = [sys.executable, "-m", "ras", "run", "--simulate", "parkinson", *sets]
    cmd += ["--seed", "3", "--audio", "none", "--speed", "20", "--db", db]
    cmd += ["--baseline", "30", "--cued", str(CUED_S), "--probe", "10"]
    cmd += ["--plan", "iso-ramp", "--target-pct", str(TARGET_PCT), "--step-pct", str(STEP_PCT)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)


def session_outcome(db: str):
    with Store(db) as store:
        steps = store.steps(1)
        changes = store.tempo_changes(1)
        phases = {name: (start, end) for name, start, end in store.phases(1)}
    ic_t_s = np.sort(steps["t_s"][steps["kind"] == StepKind.INITIAL_CONTACT])
    b0, b1 = phases["baseline"]
    baseline_spm = 60.0 / np.mean(np.diff(ic_t_s[(ic_t_s >= b0 + 5) & (ic_t_s < b1)]))
    _c0, c1 = phases["cued"]
    last = ic_t_s[(ic_t_s >= c1 - 30) & (ic_t_s < c1)]
    final_spm = 60.0 / np.mean(np.diff(last))
    return baseline_spm, final_spm, [c for c in changes if c.source == "plan"]


@pytest.mark.slow
@pytest.mark.parametrize("coupled", [True, False], ids=["entrains", "coupling0"])
def test_iso_ramp_closed_loop_through_ras_run(tmp_path, coupled):
    db = str(tmp_path / "ras.sqlite3")
    proc = run_parkinson(db, *(() if coupled else ("coupling=0",)))
    assert proc.returncode == 0, proc.stderr
    baseline_spm, final_spm, plan_changes = session_outcome(db)
    assert 85.0 <= baseline_spm <= 95.0, baseline_spm
    start_bpm = plan_changes[0].new_bpm
    assert start_bpm == pytest.approx(baseline_spm, abs=2.0)  # iso-principle: start where they are
    target_bpm = start_bpm * (1 + TARGET_PCT / 100)
    for change in plan_changes[1:]:
        step_pct = abs(change.new_bpm / change.old_bpm - 1) * 100
        assert step_pct <= STEP_PCT + 1e-9, f"{change}: a {step_pct:.2f} % step"
        assert change.new_bpm <= target_bpm + 1e-9
    final_tempo_bpm = plan_changes[-1].new_bpm
    if coupled:
        assert final_tempo_bpm == pytest.approx(target_bpm, abs=1e-6)
        assert abs(final_spm - target_bpm) <= 2.0, (final_spm, target_bpm)
    else:
        assert abs(final_spm - baseline_spm) <= 3.0  # the patient did not follow
        # the ramp holds within three steps of the patient's own cadence, short of the target
        assert final_tempo_bpm <= final_spm * (1 + STEP_PCT / 100) ** 3 + 0.5
        assert final_tempo_bpm < target_bpm - 2.0, "the ramp ran away from the patient"
