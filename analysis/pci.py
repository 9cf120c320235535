"""Phase coordination index, PCI (Plotnik, Giladi & Hausdorff 2007, Exp Brain Res 181:561–570).

As in clinical.md "Outcome measures", for each valid stride i of the reference foot:

- φ_i = 360° · (t_IC,other,i − t_IC,i) / (t_IC,i+1 − t_IC,i)
- φ_ABS = mean |φ_i − 180°|   (accuracy; 0 for perfect anti-phase)
- PCI = CV(φ) + 100 · φ_ABS / 180   (%), CV(φ) = SD(φ) / mean(φ) × 100 with SD using n − 1.

Strides are those of :func:`~analysis.spatiotemporal.pair_initial_contacts`: exactly one IC of the
other foot inside the stride, both steps valid (pauses, missed and extra detections excluded).
Reference foot: Plotnik 2007 takes the leg with the longer mean swing time; ``reference_side=
"auto"`` does so when toe-offs of both feet are given, otherwise it uses the left foot and says
so in ``reference_rule``. About 20+ strides are needed for a stable value (clinical.md); fewer
than ``min_strides`` (default 2) give NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.checks import check_choice
from analysis.events import SIDE_CODES, GaitEvents
from analysis.spatiotemporal import (
    DEFAULT_MAX_STEP_FACTOR,
    DEFAULT_MAX_STEP_TIME_S,
    DEFAULT_MIN_STEP_FACTOR,
    pair_initial_contacts,
    spatiotemporal_parameters,
)

__all__ = ["STABLE_PCI_STRIDES", "PciResult", "phase_coordination_index"]

STABLE_PCI_STRIDES = 20  # clinical.md: "About 20+ strides for a stable value"


@dataclass(frozen=True, eq=False)
class PciResult:
    """PCI and its parts; ``phases_deg`` per stride, starting at ``strides_start_t_s``.

    ``stable`` is True from :data:`STABLE_PCI_STRIDES` strides on; ``reason`` says why the PCI is
    NaN ("" if it is not).
    """

    pci_pct: float
    phase_mean_deg: float
    phase_cv_pct: float
    phase_abs_deg: float
    phase_abs_pct: float
    phases_deg: np.ndarray
    strides_start_t_s: np.ndarray
    n_strides: int
    reference_side: str
    reference_rule: str
    stable: bool
    reason: str


def phase_coordination_index(
    events: GaitEvents,
    *,
    reference_side: str = "auto",
    min_strides: int = 2,
    max_step_time_s: float = DEFAULT_MAX_STEP_TIME_S,
    max_step_factor: float = DEFAULT_MAX_STEP_FACTOR,
    min_step_factor: float = DEFAULT_MIN_STEP_FACTOR,
) -> PciResult:
    """PCI from the ICs of both feet (formula in the module docstring).

    Parameters
    ----------
    events : GaitEvents
        ICs per foot (s); their toe-offs are only used to choose the reference foot with
        ``reference_side="auto"``.
    reference_side : {"auto", "left", "right"}
        Foot whose strides define φ; "auto" = longer mean swing time (Plotnik 2007).
    min_strides : int
        Fewest strides for a PCI.
    """
    check_choice("reference_side", reference_side, ("auto", "left", "right"))
    limits = {
        "max_step_time_s": max_step_time_s,
        "max_step_factor": max_step_factor,
        "min_step_factor": min_step_factor,
    }
    p = pair_initial_contacts(events, **limits)
    rule = f"{reference_side} foot as chosen"
    ref = reference_side
    if reference_side == "auto":
        ref, rule = "left", "left foot (no toe-offs of both feet to find the longer swing)"
        if events.left.to_t_s is not None and events.right.to_t_s is not None:
            swing_s = spatiotemporal_parameters(events, **limits).swing_time_s
            sw_l, sw_r = swing_s.left, swing_s.right
            if math.isfinite(sw_l) and math.isfinite(sw_r):
                ref = "right" if sw_r > sw_l else "left"
                rule = f"{ref} foot: longer mean swing time (Plotnik 2007)"
            else:
                rule = "left foot (swing time of a foot unknown)"
    code = SIDE_CODES[ref]
    i = np.flatnonzero(p.stride_valid & (p.ic_side[:-2] == code))
    t0, tb, t1 = p.ic_t_s[i], p.ic_t_s[i + 1], p.ic_t_s[i + 2]
    phases = 360.0 * (tb - t0) / (t1 - t0)
    n = int(phases.size)
    nan = math.nan
    if n < max(2, int(min_strides)):
        return PciResult(
            nan,
            nan,
            nan,
            nan,
            nan,
            phases,
            t0,
            n,
            ref,
            rule,
            False,
            f"{n} valid strides of the {ref} foot; PCI needs at least {max(2, int(min_strides))}",
        )
    mean = float(phases.mean())
    cv = float(phases.std(ddof=1)) / mean * 100.0
    phi_abs = float(np.abs(phases - 180.0).mean())
    phi_abs_pct = 100.0 * phi_abs / 180.0
    return PciResult(
        pci_pct=cv + phi_abs_pct,
        phase_mean_deg=mean,
        phase_cv_pct=cv,
        phase_abs_deg=phi_abs,
        phase_abs_pct=phi_abs_pct,
        phases_deg=phases,
        strides_start_t_s=t0,
        n_strides=n,
        reference_side=ref,
        reference_rule=rule,
        stable=n >= STABLE_PCI_STRIDES,
        reason="",
    )
