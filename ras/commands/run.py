"""`ras run`: a headless RAS session with a live status line and tempo commands on stdin."""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import threading
import time
from typing import Any

from ras.bus import Subscription
from ras.clinic.records import push_after_session
from ras.console import Console
from ras.errors import UserInputError
from ras.events import LinkEvent
from ras.protocol.messages import Side
from ras.session.actions import parse_action
from ras.session.host import SessionHost
from ras.session.live import LiveParts
from ras.session.log_text import log_text
from ras.session.request import (
    SensorPorts,
    SensorSpec,
    SessionRequest,
    SimulatedSensors,
    check_request,
    number_or_text,
    simulated_params,
    with_patient_side,
)
from ras.session.runner import SessionRunner, StatusSnapshot
from ras.session.settings import SessionSettings
from ras.session.signals import STOP_SIGNALS, SessionSignal, session_signals
from ras.store.patients import VIRTUAL_PATIENT_PREFIX
from ras.store.store import Store
from ras.text import terminal_safe

__all__ = [
    "EXIT_DEGRADED",
    "EXIT_INCOMPLETE",
    "exit_code",
    "format_music",
    "format_status",
    "format_summary",
    "run_session",
    "sensors_from_args",
]

#: Exit status of a session that ended early or lost data (a signal: 128 + its number).
EXIT_INCOMPLETE = 1
#: Exit status of a session that ran to its end but could not keep every cue (``degraded``).
EXIT_DEGRADED = 3


def format_status(s: StatusSnapshot) -> str:
    """The live status line: phase, cadence, tempo, synchronisation, symmetry."""

    def num(x: float | None, fmt: str) -> str:
        return "--" if x is None or not math.isfinite(x) else format(x, fmt)

    tempo = "cues off" if s.tempo_bpm is not None and not s.cues_on else num(s.tempo_bpm, ".1f")
    return (
        f"{s.t_s:7.1f} s  {s.phase:<8}  cadence {num(s.cadence_spm, '5.1f')} spm"
        f"  tempo {tempo:>5} bpm  sync R {num(s.sync_r, '.2f')}"
        f"  step-time SI {num(s.step_time_si_pct, '+5.1f')} % ({s.si_basis})"
    )


def format_music(runner: SessionRunner) -> str:
    """The status line's music part: ``  music: Walk -1.8 %`` while a song plays ("" if none)."""
    view = runner.music.view() if runner.music is not None else None
    if view is None or not view.title:
        return ""
    mode = "music+click" if view.mode.value == "music+click" else "music"
    return f"  {mode}: {view.title[:30]} {view.stretch_pct:+.1f} %"


def _settings(args: argparse.Namespace) -> SessionSettings:
    return SessionSettings(
        baseline_s=args.baseline,
        cued_s=args.cued,
        probe_s=args.probe,
        plan=args.plan,
        target_pct=args.target_pct if args.target_bpm is None else None,
        target_bpm=args.target_bpm,
        step_pct=args.step_pct,
        tempo_bpm=args.tempo,
        jump_warn_pct=args.jump_warn_pct,
        lsl=bool(getattr(args, "lsl", False)),
        **_music_settings(args),
    )


def _music_settings(args: argparse.Namespace) -> dict[str, Any]:
    """``--cue-mode``, ``--music`` (songs, or ``all``), ``--music-level``, ``--click-level``."""
    text = getattr(args, "music", None)
    songs = () if text is None else tuple(s.strip() for s in text.split(",") if s.strip())
    if text is not None and not songs:
        raise UserInputError("--music needs a song title or hash prefix, or 'all'")
    if songs == ("all",):
        songs = ()
    mode = getattr(args, "cue_mode", None) or ("music" if text is not None else "metronome")
    return {
        "cue_mode": mode,
        "music": songs,
        "music_level_db": getattr(args, "music_level", 0.0),
        "click_level_db": getattr(args, "click_level", -6.0),
    }


def sensors_from_args(args: argparse.Namespace) -> SensorSpec:
    """The sensors ``--simulate``/``--set``/``--seed``/``--sensor-steps``/``--imu-rate`` or
    ``--port`` ask for (``ras run`` and ``ras monitor``); options that do not fit are one line."""
    steps = getattr(args, "sensor_steps", None)
    overrides = tuple((name, number_or_text(value)) for name, value in args.set or ())
    if args.simulate is None:
        if steps is not None:
            raise UserInputError(
                "--sensor-steps applies to virtual sensors (--simulate); a real sensor's HELLO"
                " says whether it detects steps, and the host detects them itself if not"
            )
        if overrides:
            raise UserInputError("--set applies to a virtual patient; use it with --simulate")
        return SensorPorts(tuple(args.port or ()))
    return SimulatedSensors(
        args.simulate.lower(),
        overrides,
        seed=args.seed or 0,
        sensor_steps=steps,
        imu_rate_hz=int(getattr(args, "imu_rate", 0) or 0),
    )


def _read_stdin(host: SessionHost, console: Console) -> None:
    """Typed commands, parsed into the therapist actions the host takes from any front-end."""
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            action = parse_action(line)
        except UserInputError as err:
            console.line(f"error: {err}")
            continue
        host.send(action)


def run_session(args: argparse.Namespace) -> int:
    """Run one session; print a summary with the session id.

    Returns the exit status: 0 complete, :data:`EXIT_DEGRADED` (3) degraded,
    :data:`EXIT_INCOMPLETE` (1) ended early or lost data, 128 + N ended by signal N
    (SIGTERM 143, SIGHUP 129); errors before it starts are 2 (see :mod:`ras.cli`).
    """
    request = SessionRequest(
        patient_id=args.patient or "",
        settings=_settings(args),
        sensors=sensors_from_args(args),
        audio=args.audio,
        level_dbfs=args.ceiling if args.level is None else args.level,
        ceiling_dbfs=args.ceiling,
        speed=args.speed,
        db=args.db,
        via="cli",
    )
    checked, _ = check_request(request)  # everything, before anything is written
    if request.level_dbfs > args.ceiling:
        print(
            f"note: --level {request.level_dbfs:g} dBFS is above the ceiling; the cue plays at"
            f" {args.ceiling:g} dBFS",
            file=sys.stderr,
        )
    if args.patient is None or checked.simulated:  # a virtual patient walks as stored
        with Store(args.db) as store:
            if args.patient is None:
                checked = dataclasses.replace(
                    checked, patient_id=_simulated_patient(store, checked)
                )
            side = store.get_patient(checked.patient_id).affected_side
        checked = dataclasses.replace(checked, sensors=with_patient_side(checked.sensors, side))
    host = SessionHost(checked, warn=lambda warning: print(f"warning: {warning}", file=sys.stderr))
    session_id = host.begin()
    last_status = [0.0]
    # the engine thread only queues text: a terminal that does not read never delays a cue
    console = Console()

    links: list[Subscription] = []

    def started(parts: LiveParts) -> None:
        links.append(parts.bus.subscribe("cli-links", accept=lambda e: isinstance(e, LinkEvent)))
        threading.Thread(target=_read_stdin, args=(host, console), daemon=True).start()

    def tick(r: SessionRunner) -> None:
        for text in host.messages():
            console.line(text)
        for result in host.results():
            if result.message:
                console.line(result.text())
        for sub in links:  # each sensor link change, with its time
            for event in sub.drain():
                console.line(event.text(with_time=True))
        for record in host.records():  # the music's records, in the live log's words
            line = log_text(record, with_time=True)
            if line:
                console.line(line)
        now = time.monotonic()
        if now - last_status[0] >= 1.0:
            last_status[0] = now
            console.status(format_status(r.status()) + format_music(r))

    def on_signal(sig: SessionSignal) -> bool:
        """Ctrl-C, SIGTERM, SIGHUP once the runner runs: stop it with the reason; the session
        ends as at its planned end (a second Ctrl-C raises KeyboardInterrupt)."""
        return host.stop(sig.reason)  # still starting: raised, and the start is undone

    try:
        with session_signals(STOP_SIGNALS, on_signal=on_signal) as signalled:
            result = host.run(on_started=started, on_tick=tick)
    finally:
        console.close(timeout_s=2.0)
    summary = result.summary
    reason = (
        signalled.reason
        or getattr(result, "reason", "")
        or summary.reason
        or getattr(summary, "degraded_reason", "")
    )
    print(format_summary(session_id, result, reason))
    pushed = push_after_session(args.db, session_id)  # a clinic server, if configured
    if pushed:
        print(terminal_safe(pushed), file=sys.stderr)
    if signalled.exit_code is not None:
        return signalled.exit_code
    return exit_code(result)


def exit_code(result: Any) -> int:
    """0 complete; 3 degraded; 1 incomplete or anything lost (``result``: a SessionOutcome)."""
    if getattr(result, "lost_events", 0) > 0 or result.status not in ("complete", "degraded"):
        return EXIT_INCOMPLETE
    return EXIT_DEGRADED if result.status == "degraded" else 0


def format_summary(session_id: int, result: Any, reason: str = "") -> str:
    """The line printed at the end of ``ras run`` (``result``: a SessionOutcome)."""

    def num(x: float) -> str:
        return format(x, ".1f") if math.isfinite(x) else "--"

    summary = result.summary
    parts = [
        f"session {session_id} {result.status}: baseline {num(summary.baseline_spm)} spm",
        f"final tempo {num(summary.final_tempo_bpm)} bpm",
        f"final cadence {num(summary.final_cadence_spm)} spm",
        f"{summary.n_steps} step events",
        f"{len(summary.changes)} tempo changes",
        f"{result.recorder_stats.events_written} records written",
    ]
    skipped = getattr(summary, "cues_skipped", 0)
    if skipped:
        parts.append(f"{skipped} cues skipped")
    late = getattr(summary, "cues_late", 0)
    if late:
        parts.append(f"{late} cues late")
    lost = getattr(result, "lost_events", 0)
    if lost:
        parts.append(f"{lost:,} events not saved")
    line = ", ".join(parts)
    return line + (f" ({reason})" if reason else "")


def _simulated_patient(store: Store, request: SessionRequest) -> str:
    """The virtual patient's pseudonym (``sim-PRESET[-SIDE]``), created on first use."""
    sensors = request.sensors
    if not isinstance(sensors, SimulatedSensors):
        raise UserInputError("give --patient ID for a real session (see `ras patients`)")
    side = simulated_params(sensors).affected_side
    patient = f"{VIRTUAL_PATIENT_PREFIX}{sensors.preset}"
    if side != Side.UNKNOWN:
        patient += f"-{side.label}"
    if patient not in {p.pseudo_id for p in store.list_patients(include_archived=True)}:
        store.add_patient(
            patient,
            diagnosis=sensors.preset,
            affected_side=None if side == Side.UNKNOWN else side.label,
        )
    return patient
