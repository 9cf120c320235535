"""The runner's status (`ras run`'s line, the GUI's readings) blanks figures of stopped steps."""

from __future__ import annotations

import math

from ras.bus import SessionBus
from ras.events import StepEvent
from ras.protocol.messages import Side, StepKind
from ras.session.runner import STALE_AFTER_S, SessionRunner
from ras.session.settings import SessionSettings
from ras.session_clock import SessionClock


def _ic(t_s: float, side: Side) -> StepEvent:
    return StepEvent(
        1 if side == Side.LEFT else 2, side, StepKind.INITIAL_CONTACT, t_s, 0, t_s, 0, 0
    )


def _runner_with_steps(left_until_s: float, right_until_s: float) -> SessionRunner:
    """A runner whose left and right ICs (0.55 / 0.65 s steps) end that long before now."""
    clock = SessionClock()
    runner = SessionRunner(
        SessionSettings(plan="fixed", tempo_bpm=100.0), clock=clock, bus=SessionBus()
    )
    now_s = clock.now_s()
    ics = []
    t_s = now_s - 30.0
    while t_s < now_s:
        ics.append((t_s, Side.LEFT))
        ics.append((t_s + 0.55, Side.RIGHT))
        t_s += 1.2
    for t_s, side in ics:
        if t_s <= now_s - (left_until_s if side == Side.LEFT else right_until_s):
            runner.estimator.update(event=_ic(t_s, side))
    return runner


def test_both_feet_stepping_give_cadence_and_symmetry():
    s = _runner_with_steps(0.0, 0.0).status()
    assert math.isfinite(s.cadence_spm) and math.isfinite(s.step_time_si_pct)
    assert abs(s.step_time_si_pct) > 5  # 0.55 vs 0.65 s: the figure is really computed


def test_a_foot_gone_quiet_blanks_the_symmetry_but_not_the_cadence():
    s = _runner_with_steps(STALE_AFTER_S + 2.0, 0.0).status()
    assert math.isnan(s.step_time_si_pct)
    assert math.isfinite(s.cadence_spm)


def test_no_steps_for_longer_than_the_limit_blank_the_cadence():
    s = _runner_with_steps(STALE_AFTER_S + 2.0, STALE_AFTER_S + 2.0).status()
    assert math.isnan(s.cadence_spm) and math.isnan(s.step_time_si_pct)
    assert s.step_age_s > STALE_AFTER_S
