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
from typing import Any

import numpy as np

from analysis.errors import AnalysisInputError
from analysis.spatiotemporal import (
    DEFAULT_MAX_STEP_FACTOR,
    DEFAULT_MAX_STEP_TIME_S,
    DEFAULT_MIN_STEP_FACTOR,
    SIDE_LEFT,
    SIDE_RIGHT,
    check_setting,
    pair_initial_contacts,
    spatiotemporal_parameters,
)

__all__ = ["STABLE_PCI_STRIDES", "PciResult", "PhaseCoordinationIndex", "phase_coordination_index"]

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
    *,
    ic_left_t_s: Any,
    ic_right_t_s: Any,
    to_left_t_s: Any = None,
    to_right_t_s: Any = None,
    reference_side: str = "auto",
    min_strides: int = 2,
    max_step_time_s: float = DEFAULT_MAX_STEP_TIME_S,
    max_step_factor: float = DEFAULT_MAX_STEP_FACTOR,
    min_step_factor: float = DEFAULT_MIN_STEP_FACTOR,
) -> PciResult:
    """PCI from the ICs of both feet (formula in the module docstring).

    Parameters
    ----------
    ic_left_t_s, ic_right_t_s : array_like
        Initial contacts per foot (s), strictly increasing.
    to_left_t_s, to_right_t_s : array_like, optional
        Toe-offs (s), only used to choose the reference foot with ``reference_side="auto"``.
    reference_side : {"auto", "left", "right"}
        Foot whose strides define φ; "auto" = longer mean swing time (Plotnik 2007).
    min_strides : int
        Fewest strides for a PCI.
    """
    if reference_side not in ("auto", "left", "right"):
        raise AnalysisInputError(
            f"reference_side must be 'auto', 'left' or 'right', got {reference_side!r}"
        )
    limits = {
        "max_step_time_s": max_step_time_s,
        "max_step_factor": max_step_factor,
        "min_step_factor": min_step_factor,
    }
    p = pair_initial_contacts(ic_left_t_s, ic_right_t_s, **limits)
    rule = f"{reference_side} foot as chosen"
    ref = reference_side
    if reference_side == "auto":
        ref, rule = "left", "left foot (no toe-offs of both feet to find the longer swing)"
        if to_left_t_s is not None and to_right_t_s is not None:
            st = spatiotemporal_parameters(
                ic_left_t_s=ic_left_t_s,
                ic_right_t_s=ic_right_t_s,
                to_left_t_s=to_left_t_s,
                to_right_t_s=to_right_t_s,
                **limits,
            )
            sw_l, sw_r = st.swing_time_left_s, st.swing_time_right_s
            if math.isfinite(sw_l) and math.isfinite(sw_r):
                ref = "right" if sw_r > sw_l else "left"
                rule = f"{ref} foot: longer mean swing time (Plotnik 2007)"
            else:
                rule = "left foot (swing time of a foot unknown)"
    code = SIDE_LEFT if ref == "left" else SIDE_RIGHT
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


class PhaseCoordinationIndex:
    """Phase coordination index (settings here, data in :meth:`calculate`).

    Parameters
    ----------
    reference_side : {"auto", "left", "right"}
        Reference foot; "auto": longer mean swing (Plotnik 2007), left without toe-offs.
    min_strides : int
        Fewest strides for a PCI (default 2; 20+ for a stable value).

    Attributes
    ----------
    pci_ : PciResult
    pci_pct_ : float
    """

    def __init__(self, *, reference_side: str = "auto", min_strides: int = 2) -> None:
        if reference_side not in ("auto", "left", "right"):
            raise AnalysisInputError(
                f"reference_side must be 'auto', 'left' or 'right', got {reference_side!r}"
            )
        self.reference_side = reference_side
        self.min_strides = int(check_setting("min_strides", min_strides, 2, 100_000))

    def calculate(
        self,
        *,
        ic_left_t_s: Any,
        ic_right_t_s: Any,
        to_left_t_s: Any = None,
        to_right_t_s: Any = None,
    ) -> PhaseCoordinationIndex:
        """Compute from IC (and optional TO) times; returns self."""
        self.pci_ = phase_coordination_index(
            ic_left_t_s=ic_left_t_s,
            ic_right_t_s=ic_right_t_s,
            to_left_t_s=to_left_t_s,
            to_right_t_s=to_right_t_s,
            reference_side=self.reference_side,
            min_strides=self.min_strides,
        )
        self.pci_pct_ = self.pci_.pci_pct
        return self
