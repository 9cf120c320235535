"""Minimal clinically important differences (MCID) of gait speed (clinical.md), as constants.

- parkinson: small 0.06, moderate 0.14, large 0.22 m/s
  (Hass et al. 2014, Neurorehabil Neural Repair 28(5):467–473);
- stroke: 0.16 m/s, subacute stroke (Tilson et al. 2010, Phys Ther 90(2):196–208);
- older_adults: small 0.05, substantial 0.10 m/s (Perera et al. 2006, J Am Geriatr Soc
  54(5):743–749);
- unknown: as older_adults (no diagnosis given).

A change meets a level when |change| ≥ its threshold (with 1e-9 m/s tolerance for rounding); the
direction is "improvement" for a faster, "decline" for a slower walk. Community ambulation:
≥ 0.8 m/s; InTandem responder (Awad 2024): gain > 0.16 m/s and reaching ≥ 0.8 m/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType

from analysis.errors import AnalysisInputError

__all__ = [
    "COMMUNITY_AMBULATION_M_PER_S",
    "GAIT_SPEED_MCID",
    "MCID_OLDER_ADULTS",
    "MCID_PARKINSON",
    "MCID_STROKE",
    "MCID_UNKNOWN",
    "RESPONDER_GAIN_M_PER_S",
    "GaitSpeedMcid",
    "McidFlag",
    "classify_gait_speed_change",
    "gait_speed_mcid",
]

COMMUNITY_AMBULATION_M_PER_S = 0.8  # clinical.md: community ambulation >= 0.8 m/s
RESPONDER_GAIN_M_PER_S = 0.16  # InTandem responder: gain > 0.16 m/s (Awad 2024, Nat Commun)
_TOLERANCE_M_PER_S = 1e-9


@dataclass(frozen=True)
class GaitSpeedMcid:
    """MCID thresholds of gait speed for one population, ascending ``(level, m/s)`` pairs."""

    diagnosis: str
    levels_m_per_s: tuple[tuple[str, float], ...]
    citation: str

    @property
    def smallest_m_per_s(self) -> float:
        """The smallest threshold: a change at least this large is clinically important."""
        return self.levels_m_per_s[0][1]


MCID_PARKINSON = GaitSpeedMcid(
    "parkinson",
    (("small", 0.06), ("moderate", 0.14), ("large", 0.22)),
    "Hass CJ et al. 2014, Neurorehabil Neural Repair 28(5):467-473",
)
MCID_STROKE = GaitSpeedMcid(
    "stroke",
    (("important", 0.16),),
    "Tilson JK et al. 2010, Phys Ther 90(2):196-208 (subacute stroke)",
)
MCID_OLDER_ADULTS = GaitSpeedMcid(
    "older_adults",
    (("small", 0.05), ("substantial", 0.10)),
    "Perera S et al. 2006, J Am Geriatr Soc 54(5):743-749",
)
MCID_UNKNOWN = GaitSpeedMcid(
    "unknown",
    MCID_OLDER_ADULTS.levels_m_per_s,
    MCID_OLDER_ADULTS.citation + " (older adults; no diagnosis given)",
)

GAIT_SPEED_MCID = MappingProxyType(
    {m.diagnosis: m for m in (MCID_PARKINSON, MCID_STROKE, MCID_OLDER_ADULTS, MCID_UNKNOWN)}
)
_ALIASES = MappingProxyType(
    {
        "pd": "parkinson",
        "parkinsons": "parkinson",
        "parkinson's": "parkinson",
        "older adults": "older_adults",
        "older_adult": "older_adults",
        "elderly": "older_adults",
        "": "unknown",
        "none": "unknown",
    }
)


def gait_speed_mcid(diagnosis: str | None) -> GaitSpeedMcid:
    """The MCID table entry for a diagnosis (None = "unknown")."""
    key = "unknown" if diagnosis is None else str(diagnosis).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in GAIT_SPEED_MCID:
        raise AnalysisInputError(
            f"diagnosis must be one of {', '.join(GAIT_SPEED_MCID)} (or None), got {diagnosis!r}"
        )
    return GAIT_SPEED_MCID[key]


@dataclass(frozen=True)
class McidFlag:
    """How a gait-speed change compares with the MCIDs.

    ``level`` is the largest level reached ("below MCID" if none, "unknown" if the change is NaN);
    ``direction`` is "improvement", "decline", "none" or "unknown".
    """

    change_m_per_s: float
    level: str
    direction: str
    meets_mcid: bool
    threshold_m_per_s: float
    mcid: GaitSpeedMcid


def classify_gait_speed_change(change_m_per_s: float, diagnosis: str | None = None) -> McidFlag:
    """Flag a gait-speed change (current − reference, m/s) against the diagnosis's MCIDs."""
    mcid = gait_speed_mcid(diagnosis)
    change = float(change_m_per_s)
    if not math.isfinite(change):
        return McidFlag(change, "unknown", "unknown", False, math.nan, mcid)
    level, threshold = "below MCID", mcid.smallest_m_per_s
    for name, value in mcid.levels_m_per_s:
        if abs(change) >= value - _TOLERANCE_M_PER_S:
            level, threshold = name, value
    meets = level != "below MCID"
    direction = "none" if change == 0 else ("improvement" if change > 0 else "decline")
    return McidFlag(change, level, direction, meets, threshold, mcid)
