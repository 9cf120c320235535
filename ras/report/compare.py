"""Changes between phases and sessions with MCID flags, from analysis.phases.compare_summaries."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ras.results.outcomes import MEASURE_BY_KEY, PhaseOutcome

__all__ = ["Change", "compare", "format_value", "mcid_for"]


@dataclass(frozen=True)
class Change:
    """A change (current − reference) of one measure as shown, with its MCID verdict.

    ``tone`` is "good" (an improvement reaching the MCID), "bad" (a decline reaching it) or "".
    """

    key: str
    delta: float
    text: str
    tone: str = ""
    mcid_level: str = ""


def mcid_for(diagnosis: str | None) -> tuple[object, str]:
    """The gait-speed MCID entry (analysis/mcid) for a diagnosis, and a note if it fell back."""
    from analysis.errors import AnalysisInputError
    from analysis.mcid import gait_speed_mcid

    try:
        return gait_speed_mcid(diagnosis), ""
    except AnalysisInputError:
        return (
            gait_speed_mcid(None),
            f"diagnosis {diagnosis!r} has no MCID entry, so the older adults' thresholds apply",
        )


def format_value(key: str, value: float | None) -> str:
    """A measure's value as shown ("not measured" for NaN)."""
    if value is None or not math.isfinite(value):
        return "not measured"
    fmt = MEASURE_BY_KEY[key].fmt
    text = format(value, fmt)
    return format(0.0, fmt.lstrip("+")) if float(text) == 0 else text


def _delta_text(key: str, delta: float) -> str:
    fmt = MEASURE_BY_KEY[key].fmt
    text = format(delta, fmt if fmt.startswith("+") else "+" + fmt)
    return "±" + text[1:] if float(text) == 0 else text


def compare(
    current: PhaseOutcome, reference: PhaseOutcome, diagnosis: str | None
) -> dict[str, Change]:
    """Change of every measure of ``current`` vs ``reference``; gait speed flagged vs MCID.

    The changes and the MCID verdict are :func:`analysis.phases.compare_summaries`'s; a measure
    not shown for either phase (e.g. synchronisation of an uncued phase) has no change.
    """
    from analysis.phases import compare_summaries

    mcid, _ = mcid_for(diagnosis)
    result = compare_summaries(
        current.summary,
        reference.summary,
        diagnosis=mcid.diagnosis,  # type: ignore[attr-defined]
    )
    out = {}
    for key in MEASURE_BY_KEY:
        delta = result.changes[key].change
        shown = math.isfinite(current.value(key)) and math.isfinite(reference.value(key))
        if not shown or not math.isfinite(delta) or not MEASURE_BY_KEY[key].comparable:
            out[key] = Change(key, math.nan, "—")
            continue
        text, tone, level = _delta_text(key, delta), "", ""
        if key == "gait_speed_m_per_s":
            flag = result.gait_speed
            level = flag.level
            if flag.meets_mcid:
                up = flag.direction == "improvement"
                text += f" {'▲' if up else '▼'} MCID {flag.level}"
                tone = "good" if up else "bad"
        out[key] = Change(key, delta, text, tone, level)
    return out
