"""`ras run`: a headless RAS session with a live status line and tempo commands on stdin."""

from __future__ import annotations

import argparse
import math
import sys
import threading
import time
from typing import Any

from ras.bus import SessionBus
from ras.console import Console
from ras.errors import UserInputError
from ras.protocol.messages import Side
from ras.session.runner import SessionRunner, StatusSnapshot
from ras.session.sensors import check_session_speed, simulated_params, virtual_sensor_options
from ras.session.settings import SessionSettings
from ras.session.signals import STOP_SIGNALS, SessionSignal, session_signals
from ras.session_clock import SessionClock
from ras.store.store import Store

__all__ = [
    "EXIT_DEGRADED",
    "EXIT_INCOMPLETE",
    "exit_code",
    "format_status",
    "format_summary",
    "run_session",
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
    )


def _read_stdin(runner: SessionRunner) -> None:
    for line in sys.stdin:
        if line.strip():
            runner.command(line)


def run_session(args: argparse.Namespace) -> int:
    """Run one session; print a summary with the session id.

    Returns the exit status: 0 complete, :data:`EXIT_DEGRADED` (3) degraded,
    :data:`EXIT_INCOMPLETE` (1) ended early or lost data, 128 + N ended by signal N
    (SIGTERM 143, SIGHUP 129); errors before it starts are 2 (see :mod:`ras.cli`).
    """
    from ras.audio.backends import parse_audio_spec
    from ras.session.live import (
        LiveParts,
        affected_side_of,
        planned_session_bytes,
        run_live_session,
    )
    from ras.store.space import check_free_space

    audio = parse_audio_spec(args.audio)
    check_session_speed(args.speed, simulated=args.simulate is not None, audio_kind=audio.kind)
    settings = _settings(args)
    virtual_sensor_options(args)  # a bad --sensor-steps / --imu-rate fails before the session row
    level_dbfs = args.ceiling if args.level is None else args.level
    if level_dbfs > args.ceiling:
        print(
            f"note: --level {level_dbfs:g} dBFS is above the ceiling; the cue plays at"
            f" {args.ceiling:g} dBFS",
            file=sys.stderr,
        )
        level_dbfs = args.ceiling
    with Store(args.db) as store:
        patient = args.patient
        if patient is None:
            patient = _simulated_patient(store, args)
        affected = affected_side_of(store, patient)
        # room for the session as planned (IMU included), before its row is written
        warning = check_free_space(store.path, planned_session_bytes(settings, args))
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
        session_id = store.begin_session(
            patient,
            {
                **settings.as_dict(),
                "audio": args.audio,
                "simulate": args.simulate,
                "sensor_steps": getattr(args, "sensor_steps", None),
                "level_dbfs": level_dbfs,
                "ceiling_dbfs": args.ceiling,
            },
        )
        db_path = str(store.path)
    last_status = [0.0]
    # the engine thread only queues text: a terminal that does not read never delays a cue
    console = Console()

    running: list[SessionRunner] = []

    def started(parts: LiveParts) -> None:
        running.append(parts.runner)
        threading.Thread(target=_read_stdin, args=(parts.runner,), daemon=True).start()

    def tick(r: SessionRunner) -> None:
        while not r.messages.empty():
            console.line(r.messages.get())
        now = time.monotonic()
        if now - last_status[0] >= 1.0:
            last_status[0] = now
            console.status(format_status(r.status()))

    def on_signal(sig: SessionSignal) -> bool:
        """Ctrl-C, SIGTERM, SIGHUP once the runner runs: stop it with the reason; the session
        ends as at its planned end (a second Ctrl-C raises KeyboardInterrupt)."""
        if not running:
            return False  # still starting: raised, and the start is undone
        running[0].stop(sig.reason)
        return True

    try:
        with session_signals(STOP_SIGNALS, on_signal=on_signal) as signalled:
            result = run_live_session(
                db_path=db_path,
                session_id=session_id,
                settings=settings,
                sensor_args=args,
                audio=audio,
                clock=SessionClock(speed=args.speed),
                bus=SessionBus(),
                affected_side=affected,
                level_dbfs=level_dbfs,
                ceiling_dbfs=args.ceiling,
                on_started=started,
                on_tick=tick,
            )
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
    if signalled.exit_code is not None:
        return signalled.exit_code
    return exit_code(result)


def exit_code(result: Any) -> int:
    """0 complete; 3 degraded; 1 incomplete or anything lost (``result``: a LiveResult)."""
    if getattr(result, "lost_events", 0) > 0 or result.status not in ("complete", "degraded"):
        return EXIT_INCOMPLETE
    return EXIT_DEGRADED if result.status == "degraded" else 0


def format_summary(session_id: int, result: Any, reason: str = "") -> str:
    """The line printed at the end of ``ras run`` (``result``: a LiveResult)."""

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


def _simulated_patient(store: Store, args: argparse.Namespace) -> str:
    """The virtual patient's pseudonym (``sim-PRESET[-SIDE]``), created on first use."""
    if args.simulate is None:
        raise UserInputError("give --patient ID for a real session (see `ras patients`)")
    params = simulated_params(args)  # an unknown preset fails here, before writing
    side = params.affected_side
    patient = f"sim-{args.simulate.lower()}"
    if side != Side.UNKNOWN:
        patient += f"-{side.name.lower()}"
    if patient not in {p.pseudo_id for p in store.list_patients()}:
        store.add_patient(
            patient,
            diagnosis=args.simulate.lower(),
            affected_side=None if side == Side.UNKNOWN else side.name.lower(),
        )
    return patient
