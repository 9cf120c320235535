"""The session report: what goes in it (numbers from analysis/ via ras.results.outcomes)."""

from __future__ import annotations

import math

import numpy as np

from ras import __version__
from ras.report.builder import Report
from ras.report.compare import compare_phases, compare_sessions, format_value, mcid_for
from ras.report.document import Band, Figure, Series, VLine
from ras.results.outcomes import MEASURES, SessionOutcomes, session_outcomes
from ras.results.session_data import SessionData, load_session
from ras.results.tables import markers_table, phase_of, tempo_changes_table
from ras.store.store import Store

__all__ = ["PHASE_COLORS", "build_session_report", "previous_session", "session_header"]

PHASE_COLORS = {"baseline": "#eeeeee", "cued": "#e3eefa", "probe": "#f4ecdc"}
LEFT_COLOR, RIGHT_COLOR, CUE_COLOR = "#1f4e99", "#d9822b", "#b03a2e"


def _date(utc: str) -> str:
    return utc.replace("T", " ").rstrip("Z") + " UTC" if utc else "—"


def _duration(data: SessionData) -> str:
    if not data.phases:
        return "—"
    end = data.phases[-1][2]
    if end is None:
        end = float(data.steps["t_s"].max()) if len(data.steps) else data.phases[-1][1]
    total = end - data.phases[0][1]
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
        ("Diagnosis", p.diagnosis or "—"),
        ("Affected side", p.affected_side or "—"),
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


def previous_session(store: Store, data: SessionData) -> SessionData | None:
    """The patient's latest earlier session that recorded steps (None if there is none)."""
    earlier = [s for s in store.list_sessions(data.patient.pseudo_id) if s.id != data.info.id]
    earlier = [s for s in earlier if (s.started_utc, s.id) < (data.info.started_utc, data.info.id)]
    for s in reversed(earlier):
        if len(store.steps(s.id)):
            return load_session(store, s.id, with_imu=True)
    return None


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


def _outcome_table(
    report: Report, data: SessionData, out: SessionOutcomes, prev: SessionOutcomes | None
) -> None:
    names = [p.phase for p in out.phases]
    base = out.phase("baseline")
    cols = ["Measure", *(n.capitalize() for n in names)]
    compare_to = [n for n in names if n != "baseline" and base is not None]
    cols += [f"Δ {n} vs baseline" for n in compare_to]
    prev_phase = "probe" if out.phase("probe") and prev and prev.phase("probe") else None
    if prev_phase:
        cols.append(f"Δ {prev_phase} vs previous session")
    rows, tones = [], {}
    diag = data.patient.diagnosis
    changes = [compare_phases(out.phase(n), base) for n in compare_to]  # type: ignore[arg-type]
    if prev_phase:
        changes.append(compare_sessions(out.phase(prev_phase), prev.phase(prev_phase), diag))  # type: ignore[arg-type,union-attr]
    for r, m in enumerate(MEASURES):
        label = f"{m.label} ({m.unit})" if m.unit else m.label
        row = [label] + [format_value(m.key, p.value(m.key)) for p in out.phases]
        for ch in changes:
            c = ch[m.key]
            if c.tone:
                tones[(r, len(row))] = c.tone
            row.append(c.text)
        for c in range(1, len(row)):
            if row[c] == "not measured":
                tones[(r, c)] = "muted"
        rows.append(tuple(row))
    mcid, guessed = mcid_for(diag)
    levels = ", ".join(f"{n} {v:.2f}" for n, v in mcid.levels_m_per_s)  # type: ignore[attr-defined]
    caption = (
        f"Δ = later minus earlier. Gait speed changes are flagged against the MCID for "
        f"{mcid.diagnosis} ({levels} m/s; {mcid.citation})"  # type: ignore[attr-defined]
        f"{'; ' + guessed if guessed else ''}: ▲ green = improvement, ▼ red = decline reaching "
        "it. The other measures have no established MCID and are not flagged. Symmetry index: "
        f"{out.si_basis}, 0 = symmetric. R: 0–1, > 0.7 strong. Asynchrony < 0: step before the "
        "beat. Freezing: episodes of at least 1 s with trembling (freeze index) or with the legs "
        "moving but no steps while walking; freezes with the legs still (akinesia) are not "
        "counted; counted in the phase where they start; phases of different lengths are not "
        'compared (time frozen is). "not measured": the session has no data for it (reasons '
        "below)."
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
    if prev is None:
        report.add_text("No previous session of this patient to compare with.", style="small")
    elif prev_phase is None:
        report.add_text(
            "The previous session has no probe phase (or this one has none): no comparison.",
            style="small",
        )


MEASURES_LABEL = {m.key: m.label for m in MEASURES}


def _phase_bands(data: SessionData) -> tuple[Band, ...]:
    last = float(data.steps["t_s"].max()) if len(data.steps) else 0.0
    return tuple(
        Band(start, last if end is None else end, name, PHASE_COLORS.get(name, "#eeeeee"), "x")
        for name, start, end in data.phases
    )


def cadence_figure(data: SessionData, out: SessionOutcomes) -> Figure:
    """Cadence per step (60 / step time, from analysis' valid steps) and the cue tempo."""
    t, step_s = out.steps_end_t_s, out.steps_time_s
    cadence = tuple(float(x) for x in 60.0 / step_s) if step_s.size else ()
    series = [Series(tuple(map(float, t)), cadence, "cadence per step", "points", LEFT_COLOR)]
    if len(data.cues):
        ct = tuple(float(x) for x in data.cues["t_s"])
        cb = tuple(float(x) for x in data.cues["tempo_bpm"])
        series.append(Series(ct, cb, "cue tempo", "step", CUE_COLOR, 2.0))
    vlines = tuple(VLine(c.t_s, f"#{i + 1}", "#7d3c98") for i, c in enumerate(data.tempo_changes))
    vlines += tuple(VLine(m.t_s, f"M{i + 1}", "#2e7d32") for i, m in enumerate(data.markers))
    return Figure(
        "Cadence and cue tempo over the session",
        "session time (s)",
        "steps/min  ·  beats/min",
        tuple(series),
        vlines,
        _phase_bands(data),
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
    return Figure(
        "Step times, left and right",
        "session time (s)",
        "step time (s)",
        tuple(series),
        bands=_phase_bands(data),
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
    return "—" if value is None else f"{value:.1f}"


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
        ("#", "Time (s)", "Sounds from (s)", "Phase", "Tempo (bpm)", "Source", "Reason"),
        rows,
        widths=(0.5, 1.0, 1.1, 0.9, 1.5, 1.0, 3.7),
        align="lrrllll",
    )


def _markers(report: Report, data: SessionData) -> None:
    report.add_heading("Markers and notes")
    markers = markers_table(data).records()
    if markers:
        rows = [
            (f"M{i + 1}", _seconds(m["t_s"]), m["phase"] or "—", m["note"] or "—")
            for i, m in enumerate(markers)
        ]
        report.add_table(
            ("#", "Time (s)", "Phase", "Note"), rows, widths=(0.5, 1, 1, 7), align="lrll"
        )
    else:
        report.add_text("No markers were set in this session.")
    if data.info.notes:
        report.add_text(f"Session notes: {data.info.notes}")


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


def build_session_report(store: Store, session_id: int, *, with_names: bool = False) -> Report:
    """Assemble the session report of ``session_id`` (save it with ``.save(path)``)."""
    data = load_session(store, session_id, with_imu=True)
    out = session_outcomes(data)
    prev_data = previous_session(store, data)
    prev = session_outcomes(prev_data) if prev_data else None
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
        report.add_text(
            f"This session is INCOMPLETE ({data.info.status}): "
            f"{data.info.notes or 'it was not closed normally'}. "
            "Figures cover what was recorded before it stopped.",
            style="warning",
        )
    report.add_key_values(session_header(data, with_names=with_names))
    report.add_heading("Phases")
    _phases_table(report, data, out)
    report.add_heading("Outcome measures per phase")
    _outcome_table(report, data, out, prev)
    if prev_data is not None:
        report.add_text(
            f"Previous session: #{prev_data.info.id} of {_date(prev_data.info.started_utc)}"
            + (" (incomplete)" if prev_data.incomplete else "")
            + ".",
            style="small",
        )
    for note in out.notes:
        report.add_text(note, style="small")
    report.add_page_break()
    report.add_heading("Cadence and cue tempo")
    report.add_figure(
        cadence_figure(data, out),
        height_mm=75,
        caption="Dots: cadence of each valid step (60 / step time). Line: cue tempo "
        "of each beat. Dashed lines: tempo changes (#, purple; table below) and therapist "
        "markers (M, green). "
        "Shading: baseline (grey), cued (blue), probe (beige).",
    )
    _tempo_changes(report, data)
    report.add_heading("Step times and synchronisation")
    report.add_figure(step_time_figure(data, out), height_mm=55)
    report.add_figure(
        phase_figure(data, out),
        height_mm=55,
        caption="Share of the steps of the cued phase per 20° bin of relative phase "
        "to the nearest beat (analysis/synchronisation).",
    )
    _markers(report, data)
    _link_quality(report, data)
    return report
