"""The progress report, and the patient's course of sessions it shares with the history screen.

A *course* is every session of one patient, oldest first, each with its start in local time, its
training dose (minutes with an audible cue, steps) and its per-phase outcomes from
:mod:`ras.results.outcomes` (never recomputed here). Changes against the MCID are only made
between assessments: the uncued baseline walk of a session against that of the previous
comparable session (same plan) and of the first.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ras import __version__
from ras.errors import RasError, UserInputError
from ras.protocol.messages import StepKind
from ras.report.builder import Report
from ras.report.compare import Change, compare_sessions, diagnosis_text, format_value, mcid_rule
from ras.report.document import Band, Figure, Series
from ras.results.music import music_use
from ras.results.outcomes import SessionOutcomes, session_outcomes
from ras.results.session_data import SessionData, cue_spans, load_session
from ras.store.store import SessionInfo, StoreReader

__all__ = [
    "ASSESSMENT_PHASE",
    "TREND_MEASURES",
    "CourseSession",
    "TrainingDose",
    "assessment_change",
    "build_progress_report",
    "local_start",
    "local_text",
    "patient_course",
    "previous_comparable",
    "tick_labels",
    "training_dose",
]

#: The phase whose walk is compared between sessions (the MCID's "assessment"): the uncued
#: baseline at the start of each session, before that day's cueing.
ASSESSMENT_PHASE = "baseline"
#: Measures whose trend across sessions the progress report and the history screen show.
TREND_MEASURES = (
    "gait_speed_m_per_s",
    "cadence_spm",
    "stride_length_m",
    "step_time_si_pct",
    "stride_time_cv_pct",
)
BASE_COLOR, PROBE_COLOR, CUED_COLOR = "#7f7f7f", "#1f4e99", "#b03a2e"


def local_start(started_utc: str) -> dt.datetime:
    """A stored UTC time (``2026-03-01T20:30:00Z``) in this computer's local time zone."""
    t = dt.datetime.fromisoformat(started_utc.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone()


def local_text(started_utc: str, *, with_time: bool = True) -> str:
    """A stored UTC time as local ``YYYY-MM-DD HH:MM`` (or the date only); ``—`` if unknown."""
    try:
        t = local_start(started_utc)
    except (TypeError, ValueError):
        return "—"
    return f"{t:%Y-%m-%d %H:%M}" if with_time else f"{t:%Y-%m-%d}"


@dataclass(frozen=True)
class TrainingDose:
    """What a session gave: ``n_steps`` steps (initial contacts), ``cued_s`` s of audible cue,
    ``music_s`` s of it with music (alone or with the click) and the ``n_songs`` played."""

    n_steps: int = 0
    cued_s: float = 0.0
    music_s: float = 0.0
    n_songs: int = 0

    @property
    def cued_min(self) -> float:
        """Minutes with an audible cue."""
        return self.cued_s / 60.0

    @property
    def music_min(self) -> float:
        """Minutes of audible cue with music."""
        return self.music_s / 60.0


def training_dose(data: SessionData) -> TrainingDose:
    """The session's steps (initial contacts, not every gait event) and time with an audible
    cue (:func:`ras.results.session_data.cue_spans`: not off, paused or outside the cued phase),
    how much of it was music and how many songs played (:func:`ras.results.music.music_use`)."""
    steps = data.steps
    n_ic = int((steps["kind"] == int(StepKind.INITIAL_CONTACT)).sum()) if len(steps) else 0
    music = music_use(data)
    return TrainingDose(
        n_ic,
        sum(s.duration_s for s in cue_spans(data) if s.audible),
        music.on_music_min * 60.0,
        len(music.songs),
    )


@dataclass(frozen=True, eq=False)
class CourseSession:
    """One session of a patient's course; ``data``/``outcomes`` None if nothing was measured
    (``why`` says so), e.g. a session stopped before its first step."""

    info: SessionInfo
    number: int
    dose: TrainingDose
    data: SessionData | None = None
    outcomes: SessionOutcomes | None = None
    why: str = ""

    @property
    def plan(self) -> str:
        """The session's plan (fixed, iso-ramp, adaptive...)."""
        return str(self.info.settings.get("plan", ""))

    @property
    def started_local(self) -> str:
        """Start, local ``YYYY-MM-DD HH:MM``."""
        return local_text(self.info.started_utc)

    def value(self, phase: str, key: str) -> float:
        """Measure ``key`` of ``phase`` (NaN if not measured)."""
        p = self.outcomes.phase(phase) if self.outcomes is not None else None
        return math.nan if p is None else p.value(key)

    def reason(self, phase: str, key: str) -> str:
        """Why measure ``key`` of ``phase`` is not measured ("" if it is)."""
        p = self.outcomes.phase(phase) if self.outcomes is not None else None
        if p is None:
            return self.why or f"no {phase} phase"
        return p.reasons.get(key, "")


def _course_session(
    store: StoreReader, info: SessionInfo, number: int, with_imu: bool
) -> CourseSession:
    try:
        data = load_session(store, info.id, with_imu=with_imu, require_steps=False)
    except RasError as err:
        return CourseSession(info, number, TrainingDose(), why=str(err))
    dose = training_dose(data)
    if len(data.steps) == 0:
        return CourseSession(info, number, dose, data, why="no steps recorded")
    from analysis.errors import AnalysisInputError

    try:
        outcomes = session_outcomes(data)
    except AnalysisInputError as err:
        return CourseSession(info, number, dose, data, why=f"not analysed: {err}")
    return CourseSession(info, number, dose, data, outcomes)


def patient_course(
    store: StoreReader, patient: str, *, with_imu: bool = False
) -> list[CourseSession]:
    """Every session of ``patient``, oldest first, with dose and outcomes.

    Raises UserInputError (one line) for an unknown patient.
    """
    store.get_patient(patient)
    return [
        _course_session(store, info, k, with_imu)
        for k, info in enumerate(store.list_sessions(patient), start=1)
    ]


def previous_comparable(course: Sequence[CourseSession], index: int) -> CourseSession | None:
    """The latest session before ``course[index]`` with the same plan and measured outcomes."""
    here = course[index]
    for s in reversed(course[:index]):
        if s.outcomes is not None and s.plan == here.plan:
            return s
    return None


def assessment_change(
    current: CourseSession, reference: CourseSession | None, diagnosis: str | None
) -> dict[str, Change] | None:
    """Changes of the assessment walk (:data:`ASSESSMENT_PHASE`) of ``current`` vs ``reference``,
    gait speed flagged against the MCID (None if either has no such walk)."""
    if reference is None or current.outcomes is None or reference.outcomes is None:
        return None
    a = current.outcomes.phase(ASSESSMENT_PHASE)
    b = reference.outcomes.phase(ASSESSMENT_PHASE)
    if a is None or b is None or a.summary is None or b.summary is None:
        return None
    return compare_sessions(a, b, diagnosis)


def tick_labels(course: Sequence[CourseSession]) -> list[str]:
    """One short x-axis label per session: its local date (``02 Mar``), or only the time
    (``14:05``) for a later session on the same date as the one before it."""
    starts = [local_start(s.info.started_utc) for s in course]
    return [
        f"{t:%H:%M}" if k and t.date() == starts[k - 1].date() else f"{t:%d %b}"
        for k, t in enumerate(starts)
    ]


def _trend(
    title: str,
    y_label: str,
    key: str,
    course: Sequence[CourseSession],
    phases: tuple[str, ...],
    bands: tuple[Band, ...] = (),
) -> Figure:
    x = tuple(float(i + 1) for i in range(len(course)))
    colors = {"baseline": BASE_COLOR, "cued": CUED_COLOR, "probe": PROBE_COLOR}
    series = tuple(
        Series(x, tuple(s.value(ph, key) for s in course), ph, "linepoints", colors[ph], 1.5)
        for ph in phases
    )
    return Figure(
        title,
        "session date (local time)",
        y_label,
        series,
        (),
        bands,
        x_range=(0.5, len(course) + 0.5),
        x_ticks=tuple(zip(x, tick_labels(course), strict=True)),
        note="not measured in these sessions",
    )


def _dose_section(report: Report, course: Sequence[CourseSession]) -> None:
    music = any(s.dose.music_s > 0 for s in course)  # a column only if music was ever used
    rows = [
        (
            f"#{s.info.id}",
            s.started_local,
            s.plan or "—",
            "complete" if s.info.status == "complete" else "INCOMPLETE",
            f"{s.dose.cued_min:.1f}",
            *([f"{s.dose.music_min:.1f}"] if music else []),
            str(s.dose.n_steps),
        )
        for s in course
    ]
    total_min = sum(s.dose.cued_min for s in course)
    total_music = [f"{sum(s.dose.music_min for s in course):.1f}"] if music else []
    total_steps = sum(s.dose.n_steps for s in course)
    total = ("Total", "", "", f"{len(course)} sessions", f"{total_min:.1f}")
    rows.append((*total, *total_music, str(total_steps)))
    report.add_heading("Training dose")
    report.add_table(
        ("Session", "Date (local)", "Plan", "Status", "Minutes cued")
        + (("On music",) if music else ())
        + ("Steps",),
        rows,
        widths=(0.9, 1.7, 1.1, 1.3, 1.1, *((1.1,) if music else ()), 1.0),
        caption="Minutes cued: time with an audible cue (from each start, on or resume to the "
        "next stop, off or pause). Steps: initial contacts of both feet over the whole session."
        + (" On music: the minutes cued with a song (alone or with the click)." if music else ""),
    )
    x = tuple(float(i + 1) for i in range(len(course)))
    report.add_figure(
        Figure(
            "Minutes cued per session",
            "session date (local time)",
            "min",
            (
                Series(
                    x,
                    tuple(s.dose.cued_min for s in course),
                    "minutes cued",
                    "bars",
                    CUED_COLOR,
                    0.6,
                ),
            ),
            x_range=(0.5, len(course) + 0.5),
            y_range=(0.0, max(1.0, 1.15 * max(s.dose.cued_min for s in course))),
            x_ticks=tuple(zip(x, tick_labels(course), strict=True)),
            note="no cued time recorded",
        ),
        height_mm=45,
    )


def _assessment_section(
    report: Report, course: Sequence[CourseSession], diagnosis: str | None
) -> None:
    """Each session's assessment walk, then its gait-speed change with the MCID flags."""
    report.add_heading("Assessments")
    report.add_table(
        (
            "Session",
            "Date (local)",
            "Gait speed (m/s)",
            "Cadence (steps/min)",
            "Stride length (m)",
            "Step-time SI (%)",
            "Stride-time CV (%)",
        ),
        [
            (
                f"#{s.info.id}",
                s.started_local,
                *(format_value(k, s.value(ASSESSMENT_PHASE, k)) for k in TREND_MEASURES),
            )
            for s in course
        ],
        widths=(0.9, 1.8, 1.1, 1.1, 1.1, 1.1, 1.1),
        caption=f"The assessment is the uncued {ASSESSMENT_PHASE} walk at the start of each "
        "session, before that day's cueing.",
    )
    rows, tones = [], {}
    for r, s in enumerate(course):
        prev = previous_comparable(course, r)
        cells = [f"#{s.info.id}", s.started_local, f"#{prev.info.id}" if prev else "—"]
        for c, ref in enumerate((prev, course[0] if r else None)):
            change = assessment_change(s, ref, diagnosis)
            speed = None if change is None else change["gait_speed_m_per_s"]
            cells.append("—" if speed is None else speed.text)
            if speed is not None and speed.tone:
                tones[(r, 3 + c)] = speed.tone
        rows.append(tuple(cells))
    rule = mcid_rule(diagnosis)
    flags = " (▲ improvement, ▼ decline reaching the MCID)" if rule.mcid is not None else ""
    report.add_table(
        (
            "Session",
            "Date (local)",
            "Previous (same plan)",
            "Δ speed vs previous",
            "Δ speed vs first",
        ),
        rows,
        widths=(0.9, 1.8, 1.5, 2.2, 2.2),
        tones=tones,
        caption=f"Change in gait speed (m/s) between assessments{flags}; {rule.describe()}. "
        "No MCID is applied within a session.",
    )


def _trend_section(report: Report, course: Sequence[CourseSession], diagnosis: str | None) -> None:
    mcid = mcid_rule(diagnosis).mcid
    ref = course[0].value(ASSESSMENT_PHASE, "gait_speed_m_per_s")
    speed_bands: tuple[Band, ...] = (
        Band(0.8, 0.8 + 0.004, "community ambulation 0.8 m/s", "#8fbc8f"),
    )
    if mcid is not None and math.isfinite(ref):
        small = mcid.smallest_m_per_s
        speed_bands = (
            Band(
                ref - small,
                ref + small,
                f"within MCID of the first {ASSESSMENT_PHASE} (±{small:.2f} m/s)",
                "#e5f2e0",
            ),
            *speed_bands,
        )
    both = ("baseline", "probe")
    report.add_page_break()  # the trends together, never a heading alone at a page's foot
    report.add_heading("Trends")
    report.add_figure(
        _trend("Gait speed", "m/s", "gait_speed_m_per_s", course, both, speed_bands),
        height_mm=52,
        caption="Green band: changes smaller than the MCID around the first session's "
        f"{ASSESSMENT_PHASE} walk; a {ASSESSMENT_PHASE} point outside it is a clinically "
        "important change."
        if mcid is not None
        else "No MCID applies to this patient; no band.",
    )
    for title, unit, key, caption in (
        ("Cadence", "steps/min", "cadence_spm", "No established MCID for cadence; no band."),
        ("Stride length", "m", "stride_length_m", "No established MCID; no band."),
        (
            "Step-time symmetry index",
            "SI (%)",
            "step_time_si_pct",
            "0 = symmetric. No established MCID; no band.",
        ),
        (
            "Stride-time variability (CV)",
            "CV (%)",
            "stride_time_cv_pct",
            "Lower is steadier. No established MCID; no band.",
        ),
    ):
        report.add_figure(_trend(title, unit, key, course, both), height_mm=46, caption=caption)
    report.add_figure(
        _trend(
            "Synchronisation to the cue",
            "R (0–1)",
            "sync_r",
            course,
            ("cued",),
            (Band(0.7, 1.0, "strong (R > 0.7)", "#e5f2e0"),),
        ),
        height_mm=46,
    )


def build_progress_report(store: StoreReader, patient: str, *, with_names: bool = False) -> Report:
    """Assemble the progress report of ``patient`` across all their sessions.

    Raises UserInputError (one line) for an unknown patient or one without a measured session.
    """
    course = [s for s in patient_course(store, patient, with_imu=True) if s.outcomes is not None]
    if not course:
        raise UserInputError(
            f"patient {patient!r} has no session with recorded steps; nothing to report"
        )
    info = course[0].data.patient  # type: ignore[union-attr]
    diag = info.diagnosis
    who = info.pseudo_id + (f" ({info.name})" if with_names and info.name else "")
    report = Report(
        "RAS gait training · progress report",
        header=f"{who} · {len(course)} sessions",
        footer=f"ras {__version__} · "
        + ("contains the patient's name" if with_names else "pseudonymous"),
    )
    report.add_text(f"Progress report — {who}", style="title")
    pairs = [("Patient", f"{info.pseudo_id} (pseudonym)")]
    if with_names:
        pairs.append(("Name", info.name or "—"))
    rule = mcid_rule(diag)
    pairs += [
        ("Diagnosis", diagnosis_text(diag, info.diagnosis_note)),
        ("Affected side", info.affected_side or "—"),
        ("Sessions", str(len(course))),
        (
            "From",
            f"{local_text(course[0].info.started_utc, with_time=False)} to "
            f"{local_text(course[-1].info.started_utc, with_time=False)} (local time)",
        ),
        (
            "Gait-speed MCID",
            f"{rule.mcid.smallest_m_per_s:.2f} m/s ({rule.diagnosis})"
            if rule.mcid is not None
            else "none applies",
        ),
    ]
    report.add_key_values(pairs)
    incomplete = [s.info.id for s in course if s.info.status != "complete"]
    if incomplete:
        report.add_text(
            "Incomplete sessions (interrupted, figures cover what was recorded): "
            + ", ".join(f"#{i}" for i in incomplete)
            + ".",
            style="warning",
        )
    _dose_section(report, course)
    _assessment_section(report, course, diag)
    _trend_section(report, course, diag)
    return report
