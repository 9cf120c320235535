"""`ras run`: a headless RAS session with a live status line and tempo commands on stdin."""

from __future__ import annotations

import argparse
import math
import sys
import threading
import time

from ras.bus import SessionBus
from ras.errors import UserInputError
from ras.protocol.messages import Side
from ras.session.runner import SessionRunner, StatusSnapshot
from ras.session.sensors import simulated_params, virtual_sensor_options
from ras.session.settings import SessionSettings
from ras.session_clock import SessionClock
from ras.store.store import Store

__all__ = ["format_status", "run_session"]


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
    """Run one session; print a summary with the session id; exit 0 (1 if it could not run)."""
    from ras.audio.backends import parse_audio_spec
    from ras.session.live import LiveParts, affected_side_of, run_live_session

    audio = parse_audio_spec(args.audio)
    if args.speed != 1.0 and audio.kind not in ("wav", "none"):
        raise UserInputError(
            "--speed needs --audio wav:PATH or --audio none (a sound card plays in real time)"
        )
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

    def started(parts: LiveParts) -> None:
        threading.Thread(target=_read_stdin, args=(parts.runner,), daemon=True).start()

    def tick(r: SessionRunner) -> None:
        while not r.messages.empty():
            print(f"\n{r.messages.get()}", file=sys.stderr)
        now = time.monotonic()
        if now - last_status[0] >= 1.0:
            last_status[0] = now
            print(format_status(r.status()), flush=True)

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
    summary = result.summary
    print(
        f"session {session_id} {result.status}: baseline {summary.baseline_spm:.1f} spm,"
        f" final tempo {summary.final_tempo_bpm:.1f} bpm,"
        f" final cadence {summary.final_cadence_spm:.1f} spm,"
        f" {summary.n_steps} step events, {len(summary.changes)} tempo changes,"
        f" {result.recorder_stats.events_written} records written"
        + (f" ({summary.reason})" if summary.reason else "")
    )
    return 0 if summary.completed else 1


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
