"""The progress report: one patient's sessions side by side, trends with MCID bands."""

from __future__ import annotations

import math

from ras import __version__
from ras.errors import UserInputError
from ras.report.builder import Report
from ras.report.compare import compare, format_value, mcid_for
from ras.report.document import Band, Figure, Series
from ras.results.outcomes import SessionOutcomes, session_outcomes
from ras.results.session_data import SessionData, load_session
from ras.store.store import Store

__all__ = ["build_progress_report", "patient_sessions"]

BASE_COLOR, PROBE_COLOR, CUED_COLOR = "#7f7f7f", "#1f4e99", "#b03a2e"


def patient_sessions(store: Store, patient: str) -> list[tuple[SessionData, SessionOutcomes]]:
    """The patient's sessions that recorded steps, oldest first, with their outcomes."""
    store.get_patient(patient)  # unknown patient: one clear line
    out = []
    for s in store.list_sessions(patient):
        if len(store.steps(s.id)) == 0:
            continue
        data = load_session(store, s.id, with_imu=True)
        out.append((data, session_outcomes(data)))
    if not out:
        raise UserInputError(
            f"patient {patient!r} has no session with recorded steps; nothing to report"
        )
    return out


def _value(out: SessionOutcomes, phase: str, key: str) -> float:
    p = out.phase(phase)
    return math.nan if p is None else p.value(key)


def _trend(
    title: str,
    y_label: str,
    key: str,
    rows: list[tuple[SessionData, SessionOutcomes]],
    phases: tuple[str, ...],
    bands: tuple[Band, ...] = (),
) -> Figure:
    x = tuple(float(i + 1) for i in range(len(rows)))
    colors = {"baseline": BASE_COLOR, "cued": CUED_COLOR, "probe": PROBE_COLOR}
    series = tuple(
        Series(x, tuple(_value(o, ph, key) for _, o in rows), ph, "linepoints", colors[ph], 1.5)
        for ph in phases
    )
    ticks = tuple((float(i + 1), f"#{d.info.id}") for i, (d, _) in enumerate(rows))
    return Figure(
        title,
        "session",
        y_label,
        series,
        (),
        bands,
        x_range=(0.5, len(rows) + 0.5),
        x_ticks=ticks,
        note="not measured in these sessions",
    )


def build_progress_report(store: Store, patient: str, *, with_names: bool = False) -> Report:
    """Assemble the progress report of ``patient`` across all their sessions."""
    rows = patient_sessions(store, patient)
    first_data, first_out = rows[0]
    info = first_data.patient
    diag = info.diagnosis
    mcid, guessed = mcid_for(diag)
    small = mcid.smallest_m_per_s  # type: ignore[attr-defined]
    who = info.pseudo_id + (f" ({info.name})" if with_names and info.name else "")
    report = Report(
        "RAS gait training · progress report",
        header=f"{who} · {len(rows)} sessions",
        footer=f"ras {__version__} · "
        + ("contains the patient's name" if with_names else "pseudonymous"),
    )
    report.add_text(f"Progress report — {who}", style="title")
    pairs = [("Patient", f"{info.pseudo_id} (pseudonym)")]
    if with_names:
        pairs.append(("Name", info.name or "—"))
    pairs += [
        ("Diagnosis", diag or "—"),
        ("Affected side", info.affected_side or "—"),
        ("Sessions", str(len(rows))),
        ("From", f"{rows[0][0].info.started_utc[:10]} to {rows[-1][0].info.started_utc[:10]}"),
        ("Gait-speed MCID", f"{small:.2f} m/s ({mcid.diagnosis})"),  # type: ignore[attr-defined]
    ]
    report.add_key_values(pairs)
    incomplete = [d.info.id for d, _ in rows if d.incomplete]
    if incomplete:
        report.add_text(
            "Incomplete sessions (interrupted, figures cover what was recorded): "
            + ", ".join(f"#{i}" for i in incomplete)
            + ".",
            style="warning",
        )
    report.add_heading("Sessions")
    table, tones = [], {}
    first_probe = first_out.phase("probe")
    for r, (d, o) in enumerate(rows):
        probe = o.phase("probe")
        delta = "—"
        if r and probe is not None and first_probe is not None:
            c = compare(probe, first_probe, diag)["gait_speed_m_per_s"]
            delta = c.text
            if c.tone:
                tones[(r, 9)] = c.tone
        table.append(
            (
                f"#{d.info.id}",
                d.info.started_utc[:10],
                "complete" if not d.incomplete else "INCOMPLETE",
                format_value("gait_speed_m_per_s", _value(o, "baseline", "gait_speed_m_per_s")),
                format_value("gait_speed_m_per_s", _value(o, "probe", "gait_speed_m_per_s")),
                format_value("cadence_spm", _value(o, "baseline", "cadence_spm")),
                format_value("cadence_spm", _value(o, "probe", "cadence_spm")),
                format_value("step_time_si_pct", _value(o, "probe", "step_time_si_pct")),
                format_value("sync_r", _value(o, "cued", "sync_r")),
                delta,
            )
        )
    report.add_table(
        (
            "Session",
            "Date",
            "Status",
            "Speed baseline (m/s)",
            "Speed probe (m/s)",
            "Cadence baseline",
            "Cadence probe",
            "SI probe (%)",
            "R cued",
            "Δ probe speed vs first",
        ),
        table,
        widths=(0.9, 1.4, 1.35, 1.15, 1.15, 1.15, 1.15, 1.0, 0.9, 1.5),
        tones=tones,
        caption="Speed and cadence (steps/min) of the uncued baseline and probe walks; "
        "synchronisation of "
        f"the cued phase. Δ flagged against the gait-speed MCID ({small:.2f} m/s, "
        f"{mcid.citation}){'; ' + guessed if guessed else ''}: ▲ improvement, ▼ decline.",  # type: ignore[attr-defined]
    )
    base_speed = _value(first_out, "probe", "gait_speed_m_per_s")
    if not math.isfinite(base_speed):
        base_speed = _value(first_out, "baseline", "gait_speed_m_per_s")
    speed_bands: tuple[Band, ...] = ()
    if math.isfinite(base_speed):
        speed_bands = (
            Band(
                base_speed - small,
                base_speed + small,
                f"within MCID of session #{first_data.info.id} (±{small:.2f} m/s)",
                "#e5f2e0",
            ),
            Band(0.8, 0.8 + 0.004, "community ambulation 0.8 m/s", "#8fbc8f"),
        )
    report.add_heading("Trends")
    report.add_figure(
        _trend("Gait speed", "m/s", "gait_speed_m_per_s", rows, ("baseline", "probe"), speed_bands),
        height_mm=58,
        caption="Green band: changes smaller than the MCID, around the first "
        "session; a point outside it is a clinically important change.",
    )
    report.add_figure(
        _trend("Cadence", "steps/min", "cadence_spm", rows, ("baseline", "probe")),
        height_mm=52,
        caption="No established MCID for cadence; no band.",
    )
    report.add_figure(
        _trend(
            "Step-time symmetry index", "SI (%)", "step_time_si_pct", rows, ("baseline", "probe")
        ),
        height_mm=52,
        caption=f"0 = symmetric; basis {first_out.si_basis}. No established MCID; no band.",
    )
    report.add_figure(
        _trend(
            "Synchronisation to the cue",
            "R (0–1)",
            "sync_r",
            rows,
            ("cued",),
            (Band(0.7, 1.0, "strong (R > 0.7)", "#e5f2e0"),),
        ),
        height_mm=52,
    )
    return report
