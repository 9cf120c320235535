"""The session report: what goes in it (numbers from analysis/ via ras.results.outcomes)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ras import __version__
from ras.events import CueMode, CueState, LinkState, MarkerKind, SongEvent, SongEventKind
from ras.protocol.messages import Side
from ras.report.builder import Report
from ras.report.compare import (
    Change,
    compare_phases,
    compare_sessions,
    diagnosis_text,
    format_value,
    mcid_rule,
)
from ras.report.document import Band, CellTone, Figure, Series, VLine
from ras.results.music import MusicUse, music_spans, music_use
from ras.results.outcomes import (
    CUED_END_LABEL,
    MEASURE_BY_KEY,
    MEASURES,
    PhaseOutcome,
    SessionOutcomes,
    session_outcomes,
)
from ras.results.session_data import SessionData, cue_spans, load_session
from ras.results.tables import phase_of, tempo_changes_table
from ras.store.store import StoreReader

__all__ = [
    "PHASE_COLORS",
    "Earlier",
    "RecordEntry",
    "build_session_report",
    "clinical_counts",
    "clock",
    "earlier_sessions",
    "previous_session",
    "record_entries",
    "sensor_gaps",
    "session_header",
    "summary_paragraph",
]

PHASE_COLORS = {"baseline": "#eeeeee", "cued": "#e3eefa", "probe": "#f4ecdc"}
LEFT_COLOR, RIGHT_COLOR, CUE_COLOR = "#1f4e99", "#d9822b", "#b03a2e"
SILENT_COLOR, LOST_COLOR, MARK_COLOR = "#8c8c8c", "#c0392b", "#2e7d32"
MUSIC_COLOR, MUSIC_CLICK_COLOR = "#00838f", "#6cc3bb"


def _date(utc: str) -> str:
    return utc.replace("T", " ").rstrip("Z") + " UTC" if utc else "—"


def _duration(data: SessionData) -> str:
    if not data.phases:
        return "—"
    total = data.end_t_s - data.phases[0][1]
    return f"{total / 60:.1f} min ({total:.0f} s)"


def session_header(data: SessionData, *, with_names: bool) -> list[tuple[str, str]]:
    """Patient, session and settings as label/value pairs (pseudonymous unless asked)."""
    p, info, st = data.patient, data.info, data.info.settings
    pairs = [("Patient", f"{p.pseudo_id} (pseudonym)")]
    if with_names:
        pairs.append(("Name", p.name or "—"))
    target = (
        f"{st['target_bpm']:.0f} bpm"
        if st.get("target_bpm")
        else (f"{st['target_pct']:+.0f} % of baseline" if st.get("target_pct") is not None else "—")
    )
    pairs += [
        ("Diagnosis", diagnosis_text(p.diagnosis, p.diagnosis_note)),
        ("Affected side", p.affected_side or "—"),
        ("Gait-speed MCID", mcid_rule(p.diagnosis).short()),
        ("Session", f"#{info.id} (session {data.number} of this patient)"),
        ("Started", _date(info.started_utc)),
        ("Duration", _duration(data)),
        ("Status", "complete" if not data.incomplete else f"INCOMPLETE ({info.status})"),
        ("Plan", str(st.get("plan", "—"))),
        ("Ramp target", target),
        ("Ramp step", f"{st['step_pct']:g} %" if st.get("step_pct") is not None else "—"),
        (
            "Fixed tempo",
            f"{st['tempo_bpm']:.0f} bpm" if st.get("tempo_bpm") else "baseline cadence",
        ),
        (
            "Phases planned",
            " / ".join(f"{st[k]:g} s" for k in ("baseline_s", "cued_s", "probe_s"))
            if all(isinstance(st.get(k), int | float) for k in ("baseline_s", "cued_s", "probe_s"))
            else "—",
        ),
        (
            "Cue audio",
            str(st.get("audio", "—"))
            + (f" (simulated patient: {st['simulate']})" if st.get("simulate") else ""),
        ),
    ]
    return pairs


def _phases_table(report: Report, data: SessionData, out: SessionOutcomes) -> None:
    rows = []
    for name, start, end in data.phases:
        cues = data.cues[(data.cues["t_s"] >= start) & (end is None or data.cues["t_s"] < end)]
        tempo = "no cue"
        if len(cues):
            lo, hi = float(cues["tempo_bpm"].min()), float(cues["tempo_bpm"].max())
            tempo = f"{lo:.1f}" if hi - lo < 0.05 else f"{lo:.1f} – {hi:.1f}"
        po = out.phase(name)
        rows.append(
            (
                name,
                f"{start:.1f}",
                "not ended" if end is None else f"{end:.1f}",
                "—" if end is None else f"{end - start:.1f}",
                "—" if po is None else str(po.n_steps),
                tempo,
            )
        )
    report.add_table(
        ("Phase", "Start (s)", "End (s)", "Duration (s)", "Valid steps", "Cue tempo (bpm)"),
        rows,
        widths=(1.2, 1, 1, 1.1, 1, 1.5),
    )


def _outcome_table(report: Report, out: SessionOutcomes) -> None:
    names = [p.phase for p in out.phases]
    base = out.phase("baseline")
    cols = ["Measure", *(n.capitalize() for n in names)]
    compare_to = [n for n in names if n != "baseline" and base is not None]
    cols += [f"Δ {n} vs baseline" for n in compare_to]
    rows, tones = [], {}
    changes = [compare_phases(out.phase(n), base) for n in compare_to]  # type: ignore[arg-type]
    for r, m in enumerate(MEASURES):
        label = f"{m.label} ({m.unit})" if m.unit else m.label
        row = [label] + [format_value(m.key, p.value(m.key)) for p in out.phases]
        row += [ch[m.key].text for ch in changes]
        for c in range(1, len(row)):
            if row[c] == "not measured":
                tones[(r, c)] = "muted"
        rows.append(tuple(row))
    caption = (
        "Δ = later minus earlier, within this session: plain differences, never flagged against "
        "an MCID (an MCID is for change between assessments; see the next table). Symmetry "
        f"index: {out.si_basis}, 0 = symmetric. R: 0–1, > 0.7 strong. Asynchrony < 0: step "
        "before the beat. Freezing: episodes of at least 1 s with trembling (freeze index) or "
        "with the legs moving but no steps while walking; freezes with the legs still "
        "(akinesia) are not counted; counted in the phase where they start; phases of "
        'different lengths are not compared (time frozen is). "not measured": the session has '
        "no data for it (reasons below)."
    )
    width = (2.8, *([1.35] * len(names)), *([1.1] * (len(cols) - 1 - len(names))))
    report.add_table(cols, rows, widths=width, tones=tones, caption=caption)
    why = sorted(
        {
            f"{MEASURES_LABEL[k]}: {v}"
            for p in out.phases
            for k, v in p.reasons.items()
            if not math.isfinite(p.value(k))
        }
    )
    if why:
        report.add_text("Not measured — " + "; ".join(why) + ".", style="small")
    end = out.cued_end_cadence_spm
    report.add_text(
        f"{CUED_END_LABEL}: "
        + (
            f"{format_value('cadence_spm', end)} steps/min (mean of the valid steps)."
            if math.isfinite(end)
            else f"not measured ({out.cued_end_reason})."
        ),
        style="small",
    )


MEASURES_LABEL = {m.key: m.label for m in MEASURES}


def _phase_bands(data: SessionData) -> tuple[Band, ...]:
    return tuple(
        Band(
            start,
            data.end_t_s if end is None else end,
            name,
            PHASE_COLORS.get(name, "#eeeeee"),
            "x",
        )
        for name, start, end in data.phases
    )


def _silent_bands(data: SessionData) -> tuple[Band, ...]:
    """The stretches without an audible cue, hatched (labelled once, for the legend)."""
    silent = [s for s in cue_spans(data) if not s.audible]
    return tuple(
        Band(s.start_t_s, s.end_t_s, "" if i else "no cue sounding", SILENT_COLOR, "x", True)
        for i, s in enumerate(silent)
    )


def _lost_bands(data: SessionData) -> tuple[Band, ...]:
    """Sensor disconnections as bars on the time axis."""
    return tuple(
        Band(lost, data.end_t_s if back is None else back, f"{side} lost", LOST_COLOR, "x-axis")
        for side, lost, back in sensor_gaps(data)
    )


def _music_bands(data: SessionData) -> tuple[Band, ...]:
    """Music stretches (audible cue with a song) as bars on the time axis, teal (light teal:
    music with the click), labelled with the song's title where a song starts (one label per
    song, so labels do not pile up where only the mode changed)."""
    bands = []
    title = None
    for span in music_spans(data):
        color = MUSIC_CLICK_COLOR if span.mode is CueMode.MUSIC_CLICK else MUSIC_COLOR
        label = _short(span.title or "music", 28) if span.title != title else ""
        bands.append(Band(span.start_t_s, span.end_t_s, label, color, "x-axis"))
        title = span.title
    return tuple(bands)


def _cue_series(data: SessionData) -> Series | None:
    """The cue tempo of each beat that sounded, broken where the cue was silent."""
    if not len(data.cues):
        return None
    t, bpm = data.cues["t_s"].astype(float), data.cues["tempo_bpm"].astype(float)
    xs: list[float] = []
    ys: list[float] = []
    for span in cue_spans(data):
        if not span.audible:
            continue
        m = (t >= span.start_t_s) & (t < span.end_t_s)
        xs += [*map(float, t[m]), math.nan]
        ys += [*map(float, bpm[m]), math.nan]
    return Series(tuple(xs), tuple(ys), "cue tempo", "step", CUE_COLOR, 2.0)


def _time_axis(data: SessionData) -> tuple[tuple[float, float], tuple[tuple[float, str], ...]]:
    """The session's time range (s) and ticks labelled mm:ss, as the record table has them."""
    start = data.phases[0][1] if data.phases else 0.0
    end = max(data.end_t_s, start + 1.0)
    step = next((s for s in (10, 15, 30, 60, 120, 300, 600) if (end - start) / s <= 9), 1200)
    first = math.ceil(start / step) * step
    ticks = tuple((float(v), clock(v)) for v in np.arange(first, end + 1e-9, step))
    return (start, end), ticks


def _marker_label(kind: MarkerKind) -> str:
    return "note" if kind is MarkerKind.NOTE else kind.label.split(" ")[0]


def cadence_figure(data: SessionData, out: SessionOutcomes) -> Figure:
    """Cadence per step (60 / step time, from analysis' valid steps) and the cue tempo, with the
    silent stretches hatched, tempo changes and markers as lines, sensor losses on the axis."""
    t, step_s = out.steps_end_t_s, out.steps_time_s
    cadence = tuple(float(x) for x in 60.0 / step_s) if step_s.size else ()
    series = [Series(tuple(map(float, t)), cadence, "cadence per step", "points", LEFT_COLOR)]
    cue = _cue_series(data)
    if cue is not None:
        series.append(cue)
    vlines = tuple(VLine(c.t_s, f"#{i + 1}", "#7d3c98") for i, c in enumerate(data.tempo_changes))
    vlines += tuple(VLine(m.t_s, _marker_label(m.kind), MARK_COLOR) for m in data.markers)
    x_range, ticks = _time_axis(data)
    return Figure(
        "Cadence and cue tempo over the session",
        "session time (mm:ss)",
        "steps/min  ·  beats/min",
        tuple(series),
        vlines,
        _phase_bands(data) + _silent_bands(data) + _music_bands(data) + _lost_bands(data),
        x_range=x_range,
        x_ticks=ticks,
        note="no valid steps",
    )


def step_time_figure(data: SessionData, out: SessionOutcomes) -> Figure:
    """Step times of the left and right foot over the session (valid steps, analysis/)."""
    series = []
    for code, name, color in ((1, "left step", LEFT_COLOR), (2, "right step", RIGHT_COLOR)):
        m = out.steps_side == code
        series.append(
            Series(
                tuple(map(float, out.steps_end_t_s[m])),
                tuple(map(float, out.steps_time_s[m])),
                name,
                "points",
                color,
            )
        )
    x_range, ticks = _time_axis(data)
    return Figure(
        "Step times, left and right",
        "session time (mm:ss)",
        "step time (s)",
        tuple(series),
        bands=_phase_bands(data) + _lost_bands(data),
        x_range=x_range,
        x_ticks=ticks,
        note="no valid steps",
    )


def phase_figure(data: SessionData, out: SessionOutcomes) -> Figure:
    """Distribution of the relative phase of steps to the beat in the cued phase."""
    m = np.array(
        [phase_of(float(t), data.phases) == "cued" for t in out.sync_steps_t_s], dtype=bool
    )
    phases = out.sync_phases_deg[m] if m.size else np.zeros(0)
    edges = np.arange(-180.0, 181.0, 20.0)
    counts = np.histogram(phases, edges)[0] if phases.size else np.zeros(edges.size - 1)
    pct = counts / max(phases.size, 1) * 100.0
    centers = (edges[:-1] + edges[1:]) / 2
    ticks = tuple(
        (float(v), f"{v:+.0f}°" if v else "0° (on the beat)") for v in (-180, -90, 0, 90, 180)
    )
    return Figure(
        f"Relative phase of steps to the beat, cued phase (n = {phases.size})",
        "relative phase (°); negative = step before the beat",
        "% of steps",
        (Series(tuple(map(float, centers)), tuple(map(float, pct)), "", "bars", LEFT_COLOR, 18.0),)
        if phases.size
        else (),
        x_range=(-180.0, 180.0),
        x_ticks=ticks,
        note="no cued steps near a beat",
    )


def _seconds(value: float | None) -> str:
    return "—" if value is None else clock(value)


def _tempo_changes(report: Report, data: SessionData) -> None:
    """The tempo changes as the export's table has them, formatted for reading."""
    changes = tempo_changes_table(data).records()
    if not changes:
        report.add_text("No tempo changes.", style="small")
        return
    rows = [
        (
            f"#{i + 1}",
            _seconds(c["t_s"]),
            _seconds(c["effective_t_s"]),
            c["phase"] or "—",
            ("start" if c["old_bpm"] is None else f"{c['old_bpm']:.1f}") + f" → {c['new_bpm']:.1f}",
            c["source"],
            c["reason"] or "—",
        )
        for i, c in enumerate(changes)
    ]
    report.add_table(
        ("#", "Time (mm:ss)", "Sounds from", "Phase", "Tempo (bpm)", "Source", "Reason"),
        rows,
        widths=(0.5, 1.0, 1.1, 0.9, 1.5, 1.0, 3.7),
        align="lrrllll",
    )


def _minutes(value: float) -> str:
    return f"{value:.1f} min"


def _music_section(report: Report, use: MusicUse) -> None:
    """Time on music vs metronome within the audible cue, and the songs used."""
    report.add_heading("Music")
    cued = use.on_music_min + use.metronome_min
    share = f" ({100 * use.on_music_min / cued:.0f} % on music)" if cued > 0 else ""
    report.add_text(
        f"Of {_minutes(cued)} with the cue sounding: music {_minutes(use.music_min)}, music + "
        f"click {_minutes(use.music_click_min)}, metronome {_minutes(use.metronome_min)}{share}. "
        f"{use.n_mode_switches} mode switch{'' if use.n_mode_switches == 1 else 'es'}, "
        f"{_count(use.n_song_changes, 'song change')}, "
        f"{_count(use.n_stretches, 'stretch change')} with the cue's tempo."
    )
    if not use.songs:
        return
    report.add_table(
        ("Song", "Artist", "Played", "Native tempo (bpm)", "Stretch", "Starts"),
        [
            (
                _short(u.title, 40),
                _short(u.artist, 24) or "—",
                _minutes(u.minutes),
                f"{u.native_tempo_bpm:.1f}" if math.isfinite(u.native_tempo_bpm) else "—",
                _stretch_range(u.stretch_min_pct, u.stretch_max_pct),
                str(u.n_starts),
            )
            for u in use.songs
        ],
        widths=(2.8, 1.8, 1.0, 1.5, 1.8, 0.8),
        align="llrrrr",
        caption="Songs in the order they first played. Played: minutes with the cue sounding. "
        "Stretch: how far the song was sped up (+) or slowed down (−) to the cue's tempo, "
        "against its native tempo or its half/double.",
    )


def _music_sentence(use: MusicUse) -> str:
    """One sentence on music, or nothing when the session did not use it."""
    if not use.used:
        return ""
    titles = [u.title for u in use.songs]
    songs = f" ({_count(len(titles), 'song')}: {_join(titles)})" if titles else ""
    cued = use.on_music_min + use.metronome_min
    return (
        f"Music cued {_minutes(use.on_music_min)} of the {_minutes(cued)} with the cue "
        f"sounding{songs}; the metronome {_minutes(use.metronome_min)}."
    )


def _link_quality(report: Report, data: SessionData) -> None:
    states = [e.state.value for e in data.link_events]
    lost = states.count("disconnected")
    reboots = states.count("rebooted")
    errs = data.steps["clock_error_s"]
    errs = errs[np.isfinite(errs)]
    clock = f"{float(np.median(errs)) * 1000:.1f} ms median" if errs.size else "unknown"
    report.add_text(
        f"Recording quality: {len(data.steps)} gait events stored; sensor disconnections "
        f"{lost}, sensor reboots {reboots}; clock-sync error estimate {clock}.",
        style="small",
    )


# --- what happened: the session's record as one table ------------------------------------

#: Clinical events in the order the report counts them (the free-text note is not one).
CLINICAL_KINDS = tuple(k for k in MarkerKind if k is not MarkerKind.NOTE)
_CUE_WORDS = {
    CueState.START: "cue starts",
    CueState.STOP: "cue stops",
    CueState.OFF: "cue off",
    CueState.ON: "cue on",
    CueState.PAUSE: "cue paused",
    CueState.RESUME: "cue resumed",
}
_SAME_T_S = 1e-6  # an action and the event it made share the engine's time stamp


def clock(t_s: float) -> str:
    """Session time as ``mm:ss`` (whole seconds elapsed)."""
    minutes, seconds = divmod(math.floor(max(t_s, 0.0)), 60)
    return f"{minutes:02d}:{seconds:02d}"


@dataclass(frozen=True)
class RecordEntry:
    """One line of the record: at ``t_s`` (s), ``what`` happened, ``who`` did it, ``detail``.

    ``kind`` says which record it comes from: phase, cue, clinical, note, sensor or action;
    ``flag`` marks what a reader must not miss: "refused", "large jump" or a clinical event.
    """

    t_s: float
    what: str
    who: str
    detail: str = ""
    kind: str = ""
    flag: str = ""


def _short(text: str, n_chars: int = 60) -> str:
    return text if len(text) <= n_chars else text[: n_chars - 1].rstrip() + "…"


def sensor_gaps(data: SessionData) -> list[tuple[str, float, float | None]]:
    """Each time a sensor was lost: (side, lost at s, back at s or None if never back)."""
    out: list[tuple[str, float, float | None]] = []
    open_since: dict[str, int] = {}
    for e in sorted(data.link_events, key=lambda e: e.t_s):
        where = e.side.label if e.side is not Side.UNKNOWN else e.port
        if e.state is LinkState.DISCONNECTED and where not in open_since:
            open_since[where] = len(out)
            out.append((where, e.t_s, None))
        elif e.state is LinkState.CONNECTED and where in open_since:
            k = open_since.pop(where)
            out[k] = (where, out[k][1], e.t_s)
    return out


_MODE_WORDS = {
    CueMode.METRONOME: "cue: metronome",
    CueMode.MUSIC: "cue: music",
    CueMode.MUSIC_CLICK: "cue: music + click",
}


def _pct(value: float) -> str:
    return f"{value:+.1f} %"


def _stretch_range(lo: float, hi: float) -> str:
    """``-4.8 %`` or ``-4.8 to +2.9 %`` (``—`` if not recorded)."""
    if not math.isfinite(lo):
        return "—"
    return _pct(lo) if f"{lo:+.1f}" == f"{hi:+.1f}" else f"{lo:+.1f} to {hi:+.1f} %"


def _song_detail(e: SongEvent) -> str:
    parts = [e.artist] if e.artist else []
    if math.isfinite(e.native_tempo_bpm):
        parts.append(f"native {e.native_tempo_bpm:.1f} bpm")
    if math.isfinite(e.tempo_bpm) and math.isfinite(e.stretch_pct):
        parts.append(f"{_pct(e.stretch_pct)} to {e.tempo_bpm:.1f} bpm")
    return "; ".join([*parts, *filter(None, [e.reason])])


def _music_entries(data: SessionData) -> list[RecordEntry]:
    """Each cue mode switch and song start and stop; a stop says how many stretch changes the
    song had since its start and their range (one line per tempo change would drown the rest).
    Nothing for a session that never chose music (its metronome is no news)."""
    if not data.song_events and not any(m.mode.has_music for m in data.cue_modes):
        return []
    out = [
        RecordEntry(m.t_s, _MODE_WORDS[m.mode], m.source, m.reason, "music") for m in data.cue_modes
    ]
    since: dict[str, list[SongEvent]] = {}
    for e in sorted(data.song_events, key=lambda e: e.t_s):
        if e.kind is SongEventKind.STRETCH:
            since.setdefault(e.song_sha256, []).append(e)
            continue
        verb = "starts" if e.kind is SongEventKind.START else "stops"
        what = f"song {verb}: {_short(e.title, 40)}"
        if e.kind is SongEventKind.START:
            since[e.song_sha256] = []
            detail = _song_detail(e)
        else:
            stretches = since.pop(e.song_sha256, [])
            pcts = [x.stretch_pct for x in stretches if math.isfinite(x.stretch_pct)]
            lo, hi = (min(pcts), max(pcts)) if pcts else (math.nan, math.nan)
            said = f"{_count(len(stretches), 'stretch change')} ({_stretch_range(lo, hi)})"
            detail = "; ".join([*([said] if stretches else []), *filter(None, [e.reason])])
        out.append(RecordEntry(e.t_s, what, e.source, detail, "music"))
    return out


def _phase_entries(data: SessionData, by_therapist: set[float]) -> list[RecordEntry]:
    out = []
    for name, start, _ in data.phases:
        who = "therapist" if any(abs(start - t) < _SAME_T_S for t in by_therapist) else "plan"
        out.append(RecordEntry(start, f"{name} phase starts", who, kind="phase"))
    if data.phases and data.phases[-1][2] is not None:
        end = float(data.phases[-1][2])
        who = "plan" if not data.incomplete else "system"
        out.append(RecordEntry(end, "session ends", who, data.status_note, "phase"))
    return out


def record_entries(data: SessionData) -> list[RecordEntry]:
    """The whole record in time order: phase changes, cue state changes, cue mode switches and
    song starts and stops, clinical events and notes, sensor link changes and every therapist
    action with its outcome.

    An action whose effect is itself a line (a cue state change or a marker made at the same
    moment) is not repeated; refused actions and actions that changed nothing are kept.
    """
    effects = [s.t_s for s in data.cue_states] + [m.t_s for m in data.markers]
    effects += [m.t_s for m in data.cue_modes] + [e.t_s for e in data.song_events]
    next_t_s = {a.t_s for a in data.actions if a.ok and a.action == "next phase"}
    entries = _phase_entries(data, next_t_s)
    for s in data.cue_states:
        entries.append(RecordEntry(s.t_s, _CUE_WORDS[s.state], s.source, s.reason, "cue"))
    entries += _music_entries(data)
    for m in data.markers:
        clinical = m.kind is not MarkerKind.NOTE
        entries.append(
            RecordEntry(
                m.t_s,
                m.kind.label if clinical else "note",
                "therapist",
                m.note,
                "clinical" if clinical else "note",
                m.kind.label if clinical else "",
            )
        )
    for side, lost, back in sensor_gaps(data):
        detail = next(
            (e.detail for e in data.link_events if e.t_s == lost and e.detail), "link lost"
        )
        entries.append(RecordEntry(lost, f"{side} sensor lost", "sensor", _short(detail), "sensor"))
        if back is not None:
            entries.append(
                RecordEntry(
                    back, f"{side} sensor back", "sensor", f"after {back - lost:.1f} s", "sensor"
                )
            )
    for a in data.actions:
        if a.ok and any(abs(a.t_s - t) < _SAME_T_S for t in effects):
            continue
        flag = "refused" if not a.ok else "large jump" if "large jump" in a.message else ""
        what = a.action + (" (refused)" if not a.ok else "")
        entries.append(RecordEntry(a.t_s, what, "therapist", a.message or "done", "action", flag))
    return sorted(entries, key=lambda e: e.t_s)


def clinical_counts(data: SessionData) -> list[tuple[MarkerKind, list[float]]]:
    """Each clinical event kind with the times (s) it was recorded, in the report's order."""
    return [(k, [m.t_s for m in data.markers if m.kind is k]) for k in CLINICAL_KINDS]


def _record_table(report: Report, data: SessionData) -> None:
    report.add_heading("What happened")
    entries = record_entries(data)
    tones: dict[tuple[int, int], CellTone] = {}
    for r, e in enumerate(entries):
        if e.flag == "refused":
            tones[(r, 1)] = tones[(r, 3)] = "muted"
        elif e.flag:
            tones[(r, 1 if e.kind == "clinical" else 3)] = "bad"
        elif e.kind == "phase":
            tones[(r, 1)] = "bold"
    report.add_table(
        ("Time (mm:ss)", "What", "Who", "Detail"),
        [(clock(e.t_s), e.what, e.who, e.detail or "—") for e in entries],
        widths=(1.0, 2.2, 1.0, 5.8),
        align="llll",
        tones=tones,
        caption="Every phase change, change of the cue (who: the plan, the therapist or the "
        "system), clinical event and note, sensor link change and therapist action with what "
        "became of it (refused actions in grey); red: clinical events and large tempo jumps. "
        "An action whose result is a line of its own (a cue change, a marker) is not repeated."
        + (
            " Music: each switch of the cue's sound and each song's start and stop (its stretch "
            "changes counted on its stop line, with their range)."
            if any(e.kind == "music" for e in entries)
            else ""
        ),
    )
    if data.info.notes:
        report.add_text(f"Session notes: {data.info.notes}")
    counts = clinical_counts(data)
    report.add_table(
        ("Clinical event", "Count", "At (mm:ss)"),
        [(k.label, str(len(ts)), ", ".join(map(clock, ts)) or "—") for k, ts in counts],
        widths=(2.2, 0.8, 7.0),
        align="lrl",
        tones={(r, 1): "bad" for r, (_, ts) in enumerate(counts) if ts},
        caption="Recorded by the therapist during the session (one key or button each).",
    )


# --- between assessments: this session vs the previous comparable one and the first -------

#: The measures of an uncued walk compared between sessions.
BETWEEN_KEYS = (
    "gait_speed_m_per_s",
    "cadence_spm",
    "stride_length_m",
    "step_time_si_pct",
    "stride_time_cv_pct",
)
_UNCUED = ("baseline", "probe")


@dataclass(frozen=True)
class Earlier:
    """An earlier comparable session of the patient: ``role`` "previous" or "first"."""

    role: str
    data: SessionData
    out: SessionOutcomes

    @property
    def name(self) -> str:
        return f"{self.role} #{self.data.info.id}"


def _comparable(store: StoreReader, data: SessionData) -> list[int]:
    """Ids of the patient's earlier sessions with steps and the same plan, oldest first."""
    plan = data.info.settings.get("plan")
    out = []
    for s in store.list_sessions(data.patient.pseudo_id):
        earlier = (s.started_utc, s.id) < (data.info.started_utc, data.info.id)
        if earlier and s.settings.get("plan") == plan and len(store.steps(s.id)):
            out.append(s.id)
    return out


def previous_session(store: StoreReader, data: SessionData) -> SessionData | None:
    """The patient's latest earlier comparable session (same plan, with steps), or None."""
    ids = _comparable(store, data)
    return load_session(store, ids[-1], with_imu=True) if ids else None


def earlier_sessions(store: StoreReader, data: SessionData) -> list[Earlier]:
    """The previous comparable session and the first (one entry if they are the same)."""
    ids = _comparable(store, data)
    picks = [("previous", ids[-1]), ("first", ids[0])] if ids else []
    out = []
    for role, sid in picks[: 1 if len(ids) == 1 else 2]:
        d = load_session(store, sid, with_imu=True)
        out.append(Earlier(role if len(ids) > 1 else "previous", d, session_outcomes(d)))
    return out


def between_changes(
    data: SessionData, out: SessionOutcomes, earlier: Sequence[Earlier]
) -> list[tuple[str, Earlier, dict[str, Change]]]:
    """(phase, earlier session, changes) for each uncued phase both sessions have."""
    rows = []
    for phase in _UNCUED:
        for e in earlier:
            cur, ref = out.phase(phase), e.out.phase(phase)
            if cur is not None and ref is not None:
                rows.append((phase, e, compare_sessions(cur, ref, data.patient.diagnosis)))
    return rows


def _between_table(
    report: Report, data: SessionData, out: SessionOutcomes, earlier: Sequence[Earlier]
) -> None:
    report.add_heading("Change since earlier sessions")
    rule = mcid_rule(data.patient.diagnosis)
    if not earlier:
        report.add_text(
            "No earlier session of this patient with the same plan to compare with.",
            style="small",
        )
        return
    changes = between_changes(data, out, earlier)
    cols = ["Measure", *(f"Δ {phase} vs {e.name}" for phase, e, _ in changes)]
    rows, tones = [], {}
    for r, key in enumerate(BETWEEN_KEYS):
        m = MEASURE_BY_KEY[key]
        row = [f"{m.label} ({m.unit})"]
        for c, (_, _, ch) in enumerate(changes):
            row.append(ch[key].text)
            if ch[key].tone:
                tones[(r, c + 1)] = ch[key].tone
        rows.append(tuple(row))
    flags = (
        "▲ green = an improvement reaching it, ▼ red = a decline reaching it; the verdict is "
        "taken from the unrounded change, which is printed with enough decimals to agree."
        if rule.mcid is not None
        else ""
    )
    dated = "; ".join(f"{e.name}: {_date(e.data.info.started_utc)}" for e in earlier)
    report.add_table(
        cols,
        rows,
        widths=(2.8, *([1.6] * len(changes))),
        tones=tones,
        caption=f"This session's uncued walks (baseline, probe) minus the same walks of earlier "
        f"sessions with the same plan ({dated}). {rule.describe()[0].upper()}"
        f"{rule.describe()[1:]}. {flags} The other measures have no established MCID.",
    )


# --- the summary paragraph -----------------------------------------------------------------

#: A within-session change smaller than this share of the baseline value (%) is called
#: "about the same" in the summary paragraph (the tables give every difference).
STEADY_PCT = 3.0
_SUMMARY_KEYS = ("cadence_spm", "gait_speed_m_per_s", "stride_length_m")


def _changed_words(key: str, ref: PhaseOutcome, cur: PhaseOutcome, ch: Change) -> tuple[str, bool]:
    """(words, changed) for one measure: "cadence rose from 100.0 to 110.0 steps/min (+10.0)"."""
    m = MEASURE_BY_KEY[key]
    name, unit = m.label.lower(), f" {m.unit}" if m.unit else ""
    a, b = format_value(key, ref.value(key)), format_value(key, cur.value(key))
    steady = abs(ch.delta) < abs(ref.value(key)) * STEADY_PCT / 100.0
    if steady:
        return f"{name} ({a} → {b}{unit})", False
    verb = "rose" if ch.delta > 0 else "fell"
    return f"{name} {verb} from {a} to {b}{unit} ({ch.text})", True


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _phase_sentence(out: SessionOutcomes, phase: str, lead: str) -> str:
    base, cur = out.phase("baseline"), out.phase(phase)
    if base is None or cur is None:
        return ""
    changes = compare_phases(cur, base)
    moved, steady, missing = [], [], []
    for key in _SUMMARY_KEYS:
        if not math.isfinite(changes[key].delta):
            missing.append(MEASURE_BY_KEY[key].label.lower())
            continue
        words, changed = _changed_words(key, base, cur, changes[key])
        (moved if changed else steady).append(words)
    text = lead + (_join(moved) if moved else "no measure changed by 3 % or more")
    if steady:
        text += f"; about the same: {_join(steady)}"
    if missing:
        text += f"; not measured: {_join(missing)}"
    return text + "."


def _cue_sentence(data: SessionData, out: SessionOutcomes) -> str:
    cued = [(a, b) for name, a, b in data.phases if name == "cued"]
    if not cued:
        return "No cue was played in this session."
    changes = data.tempo_changes
    path = " → ".join(f"{c.new_bpm:.1f}" for c in changes[:6]) + (
        " → …" if len(changes) > 6 else ""
    )
    by = {
        src: sum(c.source == src for c in changes[1:]) for src in ("plan", "adaptive", "therapist")
    }
    made = ", ".join(f"{n} by the {src}" for src, n in by.items() if n)
    jumps = sum(e.flag == "large jump" for e in record_entries(data))
    if len(changes) > 1:
        text = f"The cue tempo went {path} bpm"
    elif changes:
        text = f"The cue tempo was {path} bpm"
    elif len(data.cues):  # no change recorded: the beats played say the tempo
        lo, hi = float(np.min(data.cues["tempo_bpm"])), float(np.max(data.cues["tempo_bpm"]))
        text = (
            f"The cue tempo was {lo:.1f} bpm"
            if hi - lo < 0.05
            else (f"The cue tempo was {lo:.1f}–{hi:.1f} bpm")
        )
    else:
        text = "No cue tempo was recorded"
    if made:
        text += f" ({_count(len(changes) - 1, 'change')}: {made}"
        text += f"; {_count(jumps, 'large jump')})" if jumps else ")"
    start, end = cued[-1][0], data.end_t_s if cued[-1][1] is None else cued[-1][1]
    spans = [s for s in cue_spans(data) if s.start_t_s >= start and s.end_t_s <= end]
    sounding = sum(s.duration_s for s in spans if s.audible)
    silent = {w: sum(s.duration_s for s in spans if s.why == w) for w in ("off", "paused")}
    text += f". It sounded for {sounding:.0f} s of the {end - start:.0f} s cued phase"
    quiet = [f"{w} {v:.0f} s" for w, v in silent.items() if v > 0]
    text += f" (silent: {', '.join(quiet)})" if quiet else ""
    cue = out.phase("cued")
    if cue is not None and math.isfinite(cue.value("sync_r")):
        text += (
            f". Synchronisation R {format_value('sync_r', cue.value('sync_r'))}, "
            f"{format_value('within_window_pct', cue.value('within_window_pct'))} % of steps "
            "within ±10 % of the beat"
        )
    if math.isfinite(out.cued_end_cadence_spm):
        end_spm = format_value("cadence_spm", out.cued_end_cadence_spm)
        text += f"; {CUED_END_LABEL.lower()}: {end_spm} steps/min"
    return text + "."


def _events_sentence(data: SessionData) -> str:
    said = [
        f"{len(ts)} {k.label} ({', '.join(map(clock, ts))})"
        for k, ts in clinical_counts(data)
        if ts
    ]
    text = f"Clinical events: {_join(said)}." if said else "No clinical events were recorded."
    gaps = sensor_gaps(data)
    if gaps:
        lost = [f"{side} {clock(a)}–{clock(b) if b is not None else 'end'}" for side, a, b in gaps]
        text += f" Sensor lost: {_join(lost)}."
    return text


def _between_sentence(data: SessionData, out: SessionOutcomes, earlier: Sequence[Earlier]) -> str:
    if not earlier:
        return "There is no earlier session with the same plan to compare with."
    rule = mcid_rule(data.patient.diagnosis)
    said = []
    for phase, e, ch in between_changes(data, out, earlier):
        c = ch["gait_speed_m_per_s"]
        if not math.isfinite(c.delta):
            continue
        verdict = ""
        if rule.mcid is not None:
            small = rule.mcid.smallest_m_per_s
            verdict = (
                f", {'an improvement' if c.delta > 0 else 'a decline'} reaching the "
                f"{c.mcid_level} MCID"
                if c.meets_mcid
                else f", below the {small:.2f} m/s MCID"
            )
        said.append(f"{phase} gait speed {c.text.split()[0]} m/s vs {e.name}{verdict}")
    if not said:
        return "Gait speed could not be compared with earlier sessions."
    tail = "" if rule.mcid is not None else f" ({rule.note})"
    return f"Between sessions: {_join(said)}{tail}."


def summary_paragraph(
    data: SessionData, out: SessionOutcomes, earlier: Sequence[Earlier] = ()
) -> str:
    """The report's opening paragraph in plain words, from the numbers of its tables.

    What changed during cueing and in the uncued probe against the baseline (cadence, gait
    speed, stride length; changes under :data:`STEADY_PCT` % are "about the same"), what the
    cue did (tempo path, time sounding and silent, synchronisation), clinical events and
    sensor losses, time on music when music was used, and gait speed against earlier sessions
    with its MCID verdict. Every number
    is printed as the tables print it.
    """
    parts = [
        _phase_sentence(out, "cued", "During cueing, compared with the uncued baseline: "),
        _phase_sentence(out, "probe", "In the uncued probe after cueing: "),
        _cue_sentence(data, out),
        _music_sentence(music_use(data)),
        _events_sentence(data),
        _between_sentence(data, out, earlier),
    ]
    return " ".join(p for p in parts if p)


def build_session_report(
    store: StoreReader, session_id: int, *, with_names: bool = False
) -> Report:
    """Assemble the session report of ``session_id`` (save it with ``.save(path)``)."""
    data = load_session(store, session_id, with_imu=True)
    out = session_outcomes(data)
    earlier = earlier_sessions(store, data)
    who = data.patient.pseudo_id + (
        f" ({data.patient.name})" if with_names and data.patient.name else ""
    )
    report = Report(
        "RAS gait training · session report",
        header=f"{who} · session #{data.info.id} · {data.info.started_utc[:10]}",
        footer=f"ras {__version__} · "
        + ("contains the patient's name" if with_names else "pseudonymous"),
    )
    report.add_text(f"Session report — {who}", style="title")
    if data.incomplete:
        note = data.status_note
        report.add_text(
            f"{note[0].upper()}{note[1:]}. "
            + (
                "Figures cover the whole session."
                if data.info.status == "degraded"
                else "Figures cover what was recorded before it stopped."
            ),
            style="warning",
        )
    report.add_heading("Summary")
    report.add_text(summary_paragraph(data, out, earlier))
    report.add_key_values(session_header(data, with_names=with_names))
    report.add_heading("Phases")
    _phases_table(report, data, out)
    report.add_heading("Outcome measures per phase")
    _outcome_table(report, out)
    for note in out.notes:
        report.add_text(note, style="small")
    _between_table(report, data, out, earlier)
    report.add_heading("Cadence and cue tempo")
    report.add_figure(
        cadence_figure(data, out),
        height_mm=75,
        caption="Dots: cadence of each valid step (60 / step time). Line: cue tempo of each "
        "beat that sounded, broken where the cue was silent. Hatched: no cue sounding (uncued "
        "phase, cue off or paused). Dashed lines: tempo changes (#, purple; table below) and "
        "therapist markers and clinical events (green). Red bars on the time axis: a sensor "
        "disconnected. Shading: baseline (grey), cued (blue), probe (beige)."
        + (
            " Teal bars on the time axis: music (light teal: music with the click), labelled "
            "with the song where it starts."
            if music_spans(data)
            else ""
        ),
    )
    _tempo_changes(report, data)
    music = music_use(data)
    if music.used:
        _music_section(report, music)
    report.add_heading("Step times and synchronisation")
    report.add_figure(step_time_figure(data, out), height_mm=55)
    report.add_figure(
        phase_figure(data, out),
        height_mm=55,
        caption="Share of the steps of the cued phase per 20° bin of relative phase "
        "to the nearest beat (analysis/synchronisation).",
    )
    _record_table(report, data)
    _link_quality(report, data)
    return report
