"""Adaptive phase/period correction of the beat toward the footfalls (D-Jogger-like).

Plain, bounded linear correction (Moens 2014, D-Jogger; the linear phase/period correction
model of Repp 2005), applied once per beat when the next beat is decided. With ``a`` the mean
asynchrony (s) of the ICs heard since the previous decision (``t_step − t_beat``, negative =
step before the beat) minus ``target_asynchrony_ms``:

.. code-block:: text

    shift_s    = clip(alpha · a, ±max_shift_ms / 1000)       next interval = period + shift
    period_s' = clip(period + beta · a, period · (1 ± max_period_step_pct / 100))

So beats move toward the footfalls (steps early → next beat earlier) and, with ``beta > 0``,
the tempo follows the walker. This is **not** a Kuramoto (coupled-oscillator) model — that
method of coupling music tempo to steps (BeatWalk / BeatHealth) is patented (US 11,690,535)
and deliberately not used here. Decided beats never move: a shift only changes the interval
being decided. Use ``beta = 0`` together with an iso-ramp, or the two fight over the tempo.
Note that walkers settle slightly before the beat (Buhmann 2018, about −40 ms); with
``target_asynchrony_ms = 0`` the beat keeps chasing that anticipation, which raises the tempo
slightly; set the target to the expected anticipation to avoid it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ras.validate import check_range

__all__ = ["AdaptivePhaseCorrection"]


class AdaptivePhaseCorrection:
    """Bounded linear phase (and optional period) correction of the beat toward the footfalls.

    Parameters
    ----------
    alpha : float
        Phase correction gain (0–1).
    beta : float
        Period correction gain (0–0.5); 0 = phase only, tempo untouched.
    max_shift_ms : float
        Largest shift of one beat interval, ms.
    max_period_step_pct : float
        Largest period change per beat, %.
    target_asynchrony_ms : float
        Asynchrony aimed at, ms (0 = beat on the footfall).
    """

    def __init__(
        self,
        alpha: float = 0.25,
        beta: float = 0.0,
        max_shift_ms: float = 40.0,
        max_period_step_pct: float = 1.0,
        target_asynchrony_ms: float = 0.0,
    ) -> None:
        self.alpha = check_range("alpha", alpha, 0.0, 1.0)
        self.beta = check_range("beta", beta, 0.0, 0.5)
        self.max_shift_ms = check_range("max_shift_ms", max_shift_ms, 0.0, 200.0, "ms")
        self.max_period_step_pct = check_range(
            "max_period_step_pct", max_period_step_pct, 0.0, 5.0, "%"
        )
        self.target_asynchrony_ms = check_range(
            "target_asynchrony_ms", target_asynchrony_ms, -200.0, 200.0, "ms"
        )

    def correction(self, asynchronies_s: Sequence[float], period_s: float) -> tuple[float, float]:
        """(shift of the next interval in s, new period in s) from the recent asynchronies."""
        if len(asynchronies_s) == 0:
            return 0.0, period_s
        a = float(np.mean(asynchronies_s)) - self.target_asynchrony_ms / 1000.0
        max_shift_s = self.max_shift_ms / 1000.0
        shift_s = min(max_shift_s, max(-max_shift_s, self.alpha * a))
        max_dp = self.max_period_step_pct / 100.0 * period_s
        new_period_s = period_s + min(max_dp, max(-max_dp, self.beta * a))
        return shift_s, new_period_s
