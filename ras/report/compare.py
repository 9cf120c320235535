"""Changes of the outcome measures, within a session and between assessments.

Within a session (cued or probe vs baseline) a change is a plain difference: an MCID is the
smallest change that matters between assessments, so it is never applied there. Between
sessions (this vs the previous comparable one, vs the first) the gait-speed change is flagged
against the MCID of the patient's diagnosis (:func:`mcid_rule`). The changes and the verdict
are :func:`analysis.phases.compare_summaries`'s, computed from unrounded values; the printed
change never looks as if it met a threshold it does not meet (:func:`speed_change_text`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis.mcid import MCID_OLDER_ADULTS, MCID_PARKINSON, MCID_STROKE, GaitSpeedMcid
from ras.diagnosis import Diagnosis
from ras.errors import UserInputError
from ras.results.outcomes import MEASURE_BY_KEY, PhaseOutcome

__all__ = [
    "Change",
    "McidRule",
    "compare",
    "compare_phases",
    "compare_sessions",
    "diagnosis_text",
    "format_value",
    "mcid_for",
    "mcid_rule",
    "speed_change_text",
]

SPEED_KEY = "gait_speed_m_per_s"
_TOLERANCE_M_PER_S = 1e-9  # as analysis.mcid compares


@dataclass(frozen=True)
class Change:
    """A change (current − reference) of one measure as shown, with its MCID verdict.

    ``tone`` is "good" (an improvement reaching the MCID), "bad" (a decline reaching it) or "";
    ``mcid_level`` the level reached ("below MCID" if none; "" where no MCID is applied).
    """

    key: str
    delta: float
    text: str
    tone: str = ""
    mcid_level: str = ""

    @property
    def meets_mcid(self) -> bool:
        """True if this change reaches the MCID (only ever between sessions)."""
        return bool(self.tone)


@dataclass(frozen=True)
class McidRule:
    """Which gait-speed MCID applies to a patient, and the words that say so.

    ``mcid`` is None when no MCID applies (a healthy control); ``note`` then says why, and for
    a diagnosis without an MCID of its own it says whose thresholds are used instead.
    """

    diagnosis: str
    mcid: GaitSpeedMcid | None
    note: str = ""

    def short(self) -> str:
        """A few words for a header: ``0.06 / 0.14 / 0.22 m/s (Hass CJ et al. 2014)``."""
        if self.mcid is None:
            return f"none applies ({self.diagnosis})"
        levels = " / ".join(f"{v:.2f}" for _, v in self.mcid.levels_m_per_s)
        who = self.mcid.citation.split(",")[0]
        whose = f"{self.diagnosis}' " if self.diagnosis.endswith("s") else ""
        return f"{whose}{levels} m/s ({who})"

    def describe(self) -> str:
        """One sentence for a caption: the thresholds and their source, or why none apply."""
        if self.mcid is None:
            return self.note
        levels = ", ".join(f"{n} {v:.2f}" for n, v in self.mcid.levels_m_per_s)
        text = f"gait-speed MCID for {self.diagnosis}: {levels} m/s ({self.mcid.citation})"
        return f"{text}; {self.note}" if self.note else text


def _diagnosis(code: str | None) -> Diagnosis | None:
    if not code:
        return None
    try:
        return Diagnosis.from_text(code)
    except UserInputError:  # a stored text that names no group: not one of the fixed list
        return Diagnosis.OTHER


def diagnosis_text(code: str | None, note: str | None = None) -> str:
    """The diagnosis as shown: its label, and the free-text note beside it ("—" if none)."""
    d = _diagnosis(code)
    label = d.label if d is not None else "—"
    return f"{label} ({note})" if note and note.strip() else label


def mcid_rule(diagnosis: str | None) -> McidRule:
    """The gait-speed MCID of a diagnosis code (:class:`ras.diagnosis.Diagnosis`).

    Parkinson's disease: Hass 2014; stroke: Tilson 2010; other (and no diagnosis recorded):
    the older adults' thresholds of Perera 2006, which the note says; healthy control: none.
    """
    d = _diagnosis(diagnosis)
    if d is Diagnosis.PARKINSON:
        return McidRule(d.label, MCID_PARKINSON)
    if d is Diagnosis.STROKE:
        return McidRule(d.label, MCID_STROKE)
    if d is Diagnosis.HEALTHY:
        return McidRule(
            d.label,
            None,
            "healthy control: no gait-speed MCID applies (MCIDs are established for patient "
            "groups); changes are shown without a flag",
        )
    why = "no diagnosis recorded" if d is None else "no MCID is established for this diagnosis"
    return McidRule(
        "older adults", MCID_OLDER_ADULTS, f"{why}, so the older adults' thresholds apply"
    )


def mcid_for(diagnosis: str | None) -> tuple[GaitSpeedMcid, str]:
    """The gait-speed MCID entry for a diagnosis code and the note on it.

    Kept for callers that need an entry for every diagnosis: a healthy control gets the older
    adults' entry with a note saying that no MCID applies. Use :func:`mcid_rule`, which says
    "none" for them, and :func:`compare_sessions`, which never flags them.
    """
    rule = mcid_rule(diagnosis)
    return (rule.mcid or MCID_OLDER_ADULTS), rule.note


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


def speed_change_text(delta_m_per_s: float, mcid: GaitSpeedMcid) -> str:
    """A gait-speed change (m/s) printed so that it agrees with its MCID verdict.

    Two decimals as the table has them, more where rounding would carry the change across one
    of the MCID levels (+0.057 against 0.06 prints as +0.057, never +0.06).
    """

    def reached(x: float) -> list[float]:
        return [v for _, v in mcid.levels_m_per_s if abs(x) >= v - _TOLERANCE_M_PER_S]

    for digits in range(2, 7):
        text = format(delta_m_per_s, f"+.{digits}f")
        if reached(float(text)) == reached(delta_m_per_s):
            return "±" + text[1:] if float(text) == 0 else text
    return f"{delta_m_per_s:+.6f}"


def _changes(
    current: PhaseOutcome, reference: PhaseOutcome, rule: McidRule | None
) -> dict[str, Change]:
    from analysis.phases import compare_summaries

    mcid = rule.mcid if rule is not None else None
    result = compare_summaries(
        current.summary,
        reference.summary,
        diagnosis=mcid.diagnosis if mcid is not None else None,
    )
    out = {}
    for key in MEASURE_BY_KEY:
        delta = result.changes[key].change
        shown = math.isfinite(current.value(key)) and math.isfinite(reference.value(key))
        if not shown or not math.isfinite(delta) or not MEASURE_BY_KEY[key].comparable:
            out[key] = Change(key, math.nan, "—")
            continue
        if key != SPEED_KEY or mcid is None:
            out[key] = Change(key, delta, _delta_text(key, delta))
            continue
        flag = result.gait_speed
        text = speed_change_text(delta, mcid)
        tone = ""
        if flag.meets_mcid:
            up = flag.direction == "improvement"
            text += f" {'▲' if up else '▼'} MCID {flag.level}"
            tone = "good" if up else "bad"
        out[key] = Change(key, delta, text, tone, flag.level)
    return out


def compare_phases(current: PhaseOutcome, reference: PhaseOutcome) -> dict[str, Change]:
    """Change of every measure of a phase vs another phase of the same session (cued or probe
    vs baseline): plain differences, never flagged against an MCID."""
    return _changes(current, reference, None)


def compare_sessions(
    current: PhaseOutcome, reference: PhaseOutcome, diagnosis: str | None
) -> dict[str, Change]:
    """Change of every measure of a phase vs the same phase of an earlier session (an
    assessment vs an earlier one); the gait-speed change is flagged against the MCID of the
    diagnosis code (:func:`mcid_rule`; none for a healthy control).

    The changes and the MCID verdict are :func:`analysis.phases.compare_summaries`'s; a
    measure not shown for either phase (e.g. synchronisation of an uncued phase) has no change.
    """
    return _changes(current, reference, mcid_rule(diagnosis))


#: Changes between sessions (the name the progress report has used; flags as
#: :func:`compare_sessions`).
compare = compare_sessions
