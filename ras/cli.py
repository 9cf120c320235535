"""The `ras` command line."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence

from ras import __version__
from ras.audio.mixer import DEFAULT_CEILING_DBFS
from ras.commands import analyse, clinic, export, gui, music, report
from ras.diagnosis import Diagnosis
from ras.errors import RasError, UserInputError
from ras.session.request import DEFAULT_IMU_RATE_HZ
from ras.session.settings import CUE_MODES, LIMITS, SessionSettings
from ras.session_clock import MAX_SPEED, MIN_SPEED
from ras.store.patients import AFFECTED_SIDES, SEXES
from ras.text import MAX_DIAGNOSIS_CHARS, MAX_NAME_CHARS, terminal_safe
from ras.validate import (
    integer_arg,
    nonempty_arg,
    number_arg,
    pseudo_id_arg,
    record_id,
    seed_arg,
    text_arg,
)

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

#: Commands that live in their own module: ``add_parser(sub)`` (argparse only, no heavy imports;
#: ``ras gui`` imports Qt only when it runs), ``COMMAND_NAMES`` and ``run(args) -> int``.
COMMAND_MODULES = (analyse, report, export, gui, music, clinic)


#: --speed: finite, within what the session clock accepts (ras.session_clock.check_speed)
_speed = number_arg(MIN_SPEED, MAX_SPEED, "session s per real s")


_dbfs = number_arg(-90.0, 0.0, "dBFS")
#: Longest a live command may run (s): a day.
_MAX_DURATION_S = 86400.0
#: Fastest IMU stream a virtual sensor is asked for (Hz).
_MAX_IMU_RATE_HZ = 1000
_TEMPO_BPM = (SessionSettings().min_bpm, SessionSettings().max_bpm, "bpm")


def _setting(name: str) -> Callable[[str], float]:
    """The argparse type of a session setting, with the range SessionSettings allows."""
    return number_arg(*LIMITS[name])


#: An option that takes one value: flag, argparse type, default, metavar, help.
_Option = tuple[str, Callable[[str], object], object, str, str]

#: The plan and phase options of `ras run`, in the order --help lists them.
_RUN_PLAN_OPTIONS: tuple[_Option, ...] = (
    (
        "--target-pct",
        _setting("target_pct"),
        10.0,
        "PCT",
        "ramp target in %% of the baseline cadence (default 10)",
    ),
    (
        "--target-bpm",
        number_arg(*_TEMPO_BPM),
        None,
        "BPM",
        "ramp target tempo (instead of --target-pct)",
    ),
    ("--step-pct", _setting("step_pct"), 2.0, "PCT", "ramp step size in %% (default 2)"),
    (
        "--jump-warn-pct",
        _setting("jump_warn_pct"),
        None,
        "PCT",
        "a therapist tempo change larger than this is flagged as a large jump"
        " (default: the ramp step)",
    ),
    (
        "--tempo",
        number_arg(*_TEMPO_BPM),
        None,
        "BPM",
        "fixed/adaptive tempo (default: the baseline cadence)",
    ),
    ("--baseline", _setting("baseline_s"), 60.0, "S", "uncued baseline duration (s, default 60)"),
    ("--cued", _setting("cued_s"), 300.0, "S", "cued training duration (s, default 300)"),
    ("--probe", _setting("probe_s"), 60.0, "S", "uncued probe duration (s, default 60)"),
)
#: The music level options of `ras run`.
_RUN_MUSIC_OPTIONS: tuple[_Option, ...] = (
    (
        "--music-level",
        _setting("music_level_db"),
        0.0,
        "DB",
        "the music's level relative to the cue level, dB (default 0)",
    ),
    (
        "--click-level",
        _setting("click_level_db"),
        -6.0,
        "DB",
        "with music+click, the click's level relative to the music, dB (default -6)",
    ),
)
#: The cue level options of `ras run`.
_RUN_LEVEL_OPTIONS: tuple[_Option, ...] = (
    (
        "--level",
        _dbfs,
        None,
        "DBFS",
        "cue level: the peak of each cue, dBFS (default: the ceiling; never above it)",
    ),
    (
        "--ceiling",
        _dbfs,
        DEFAULT_CEILING_DBFS,
        "DBFS",
        f"hard ceiling of the cue level in dBFS (default {DEFAULT_CEILING_DBFS:g})",
    ),
)


def _add_options(parser: argparse.ArgumentParser, options: tuple[_Option, ...]) -> None:
    """Add each option of ``options`` to ``parser``."""
    for flag, kind, default, metavar, text in options:
        parser.add_argument(flag, type=kind, default=default, metavar=metavar, help=text)


def _override(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (e.g. cadence_spm=95)")
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"{text!r}: the value must be a finite number or a word")
    return name.strip(), value.strip()


#: Checks of options that command modules declare without a ``type=`` (by destination): ids
#: within SQLite's range, paths that are not empty ('' is not the current folder), patient ids.
_CHECKS_BY_DEST: dict[str, Callable[[str], object]] = {
    "session": record_id,
    "out": nonempty_arg,
    "pdf": nonempty_arg,
    "db": nonempty_arg,
    "patient": pseudo_id_arg,
}


def _unchecked_option_error(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """The error of the first option a command module declared without a check that fails it
    (see ``_CHECKS_BY_DEST``), as argparse words it; '' if none does."""
    command = getattr(parser, "commands_", {}).get(getattr(args, "command", None))
    for action in command._actions if command is not None else ():
        value = getattr(args, action.dest, None)
        check = _CHECKS_BY_DEST.get(action.dest)
        if check is None or action.type is not None or not isinstance(value, str):
            continue
        try:
            check(value)
        except argparse.ArgumentTypeError as err:
            name = "/".join(action.option_strings) or action.metavar or action.dest
            return f"argument {name}: {err} (see `ras {args.command} --help`)"
    return ""


def _add_patient_options(parser: argparse.ArgumentParser, set_help: str) -> None:
    """--set and --seed: a virtual patient's parameters and seed (``set_help``: --set's help)."""
    parser.add_argument(
        "--set",
        action="append",
        type=_override,
        default=[],
        metavar="NAME=VALUE",
        help=set_help,
    )
    parser.add_argument(
        "--seed", type=seed_arg, default=None, help="seed of the virtual patient (0 to 2**32-1)"
    )


def _add_virtual_imu(
    parser: argparse.ArgumentParser, imu_rate_help: str, default_hz: int = 0
) -> None:
    """--imu-rate and --sensor-steps: raw IMU from virtual sensors, and who detects the steps."""
    parser.add_argument(
        "--imu-rate",
        type=integer_arg(0, _MAX_IMU_RATE_HZ, "Hz"),
        default=default_hz,
        metavar="HZ",
        help=imu_rate_help,
    )
    parser.add_argument(
        "--sensor-steps",
        metavar="WHERE",
        default=None,
        help="with --simulate: 'device' (default): the virtual sensors detect the steps; 'host':"
        " IMU-only virtual sensors, the host detects the steps from their IMU stream (at"
        " --imu-rate, default 100 Hz). Real sensors are handled from what they announce",
    )


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (terminal-safe, naming the command) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        command = " ".join(self.prog.split()[1:])
        see = f"ras {command} --help" if command else "ras --help"
        self.exit(2, f"ras: error: {terminal_safe(message)} (see `{see}`)\n")

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def]
        """As argparse, but unknown arguments are refused by the command they were given to."""
        namespace, extra = super().parse_known_args(args, namespace)
        commands = getattr(self, "commands_", None)
        if extra and commands and getattr(namespace, "command", None) in commands:
            commands[namespace.command].error(f"unrecognized arguments: {' '.join(extra)}")
        return namespace, extra


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ras", description="Rhythmic Auditory Stimulation gait training (ras).")
    parser.add_argument("--version", action="version", version=f"ras {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    devices = sub.add_parser("devices", help="list serial ports and which answer as ras sensors")
    devices.add_argument(
        "--timeout",
        type=number_arg(0.0, 60.0, "s", low_open=True),
        default=1.0,
        metavar="S",
        help="how long to wait for a sensor's HELLO on each port (s, default 1)",
    )
    devices.add_argument(
        "ports",
        nargs="*",
        metavar="PORT",
        help="extra ports or URLs to probe (e.g. a pty path or socket://host:port)",
    )

    monitor = sub.add_parser("monitor", help="print live step events and link health")
    source = monitor.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--simulate", metavar="PRESET", help="a virtual patient: healthy, parkinson or stroke"
    )
    source.add_argument(
        "--port",
        action="append",
        metavar="PORT",
        help="a sensor's serial port or pyserial URL (repeat for each foot)",
    )
    _add_patient_options(
        monitor,
        set_help="override a virtual-patient parameter (e.g. cadence_spm=95, affected_side=left)",
    )
    monitor.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        help="simulated session seconds per real second (only with --simulate)",
    )
    _add_virtual_imu(monitor, "virtual sensors also stream raw IMU at this rate (0 = off)")
    monitor.add_argument(
        "--duration",
        type=number_arg(0.0, _MAX_DURATION_S, "s", low_open=True),
        default=None,
        metavar="S",
        help="stop after this many session seconds (default: until Ctrl-C)",
    )
    monitor.add_argument(
        "--events",
        default="all",
        metavar="KINDS",
        help="which step events to print: all, or a comma list of ic,to,msw,mst (default all)",
    )

    run = sub.add_parser("run", help="run a headless RAS session (baseline, cued, probe)")
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument("--simulate", metavar="PRESET", help="a virtual patient")
    source.add_argument("--port", action="append", metavar="PORT", help="a sensor port (repeat)")
    _add_patient_options(run, set_help="override a virtual-patient parameter")
    _add_virtual_imu(
        run,
        "virtual sensors also stream raw IMU at this rate, recorded for freezing analysis "
        f"and Motion-BIDS export (default {DEFAULT_IMU_RATE_HZ}; 0 = off)",
        DEFAULT_IMU_RATE_HZ,
    )
    run.add_argument(
        "--patient",
        type=pseudo_id_arg,
        metavar="ID",
        help="pseudonymous patient id (see ras patients)",
    )
    run.add_argument(
        "--db",
        type=nonempty_arg,
        metavar="PATH",
        help="database file (default: $RAS_DB or per-user)",
    )
    run.add_argument("--plan", default="iso-ramp", help="fixed, iso-ramp or adaptive")
    _add_options(run, _RUN_PLAN_OPTIONS)
    run.add_argument(
        "--audio", default="default", metavar="SPEC", help="default, device:NAME, wav:PATH or none"
    )
    run.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        help="session seconds per real second (simulation with wav/none audio)",
    )
    _add_options(run, _RUN_LEVEL_OPTIONS)
    run.add_argument(
        "--cue-mode",
        choices=CUE_MODES,
        default=None,
        help="what the cue sounds like: metronome, music or music+click (default: metronome,"
        " or music with --music)",
    )
    run.add_argument(
        "--music",
        metavar="SONG[,SONG...]",
        help="the patient's songs to play, by title or hash prefix, in order (see ras music"
        " list); 'all': the patient's songs, chosen by their tempo at the baseline cadence",
    )
    _add_options(run, _RUN_MUSIC_OPTIONS)
    run.add_argument(
        "--lsl",
        action="store_true",
        help="stream the steps, cue onsets and session markers on the lab streaming layer"
        " (LSL: 'ras steps', 'ras cues', 'ras markers'), for a lab recording EEG or motion"
        " capture with LabRecorder; needs pip install 'ras[lsl]'",
    )

    sessions = sub.add_parser("sessions", help="list stored sessions")
    sessions.add_argument("--db", type=nonempty_arg, metavar="PATH", help="database file")
    sessions.add_argument(
        "--patient", type=pseudo_id_arg, metavar="ID", help="only this patient's sessions"
    )

    patients = sub.add_parser(
        "patients", help="list, add, edit or archive patients (pseudonymous ids)"
    )
    patients.add_argument("--db", type=nonempty_arg, metavar="PATH", help="database file")
    what = patients.add_mutually_exclusive_group()
    for flag, help_text in (
        ("--add", "add a patient with this pseudonymous id"),
        ("--edit", "change the details given of this patient (the others are kept)"),
        ("--archive", "hide this patient from the lists (nothing is deleted)"),
        ("--unarchive", "list this archived patient again"),
    ):
        what.add_argument(flag, type=pseudo_id_arg, metavar="ID", help=help_text)
    patients.add_argument(
        "--all", action="store_true", help="list archived patients too (marked 'archived')"
    )
    patients.add_argument(
        "--diagnosis",
        type=text_arg(MAX_DIAGNOSIS_CHARS),
        help=f"with --add/--edit: {', '.join(Diagnosis)} (a description is kept as the note;"
        f" at most {MAX_DIAGNOSIS_CHARS})",
    )
    patients.add_argument(
        "--diagnosis-note",
        type=text_arg(MAX_DIAGNOSIS_CHARS),
        metavar="TEXT",
        help=f"with --add/--edit: the diagnosis in words (at most {MAX_DIAGNOSIS_CHARS})",
    )
    patients.add_argument(
        "--affected-side",
        choices=AFFECTED_SIDES,
        help="with --add/--edit: the paretic / more affected side",
    )
    patients.add_argument(
        "--birth-year", type=int, metavar="YEAR", help="with --add/--edit: year of birth"
    )
    patients.add_argument("--sex", choices=SEXES, help="with --add/--edit: sex")
    patients.add_argument(
        "--height-m", type=float, metavar="M", help="with --add/--edit: body height, m"
    )
    patients.add_argument(
        "--leg-length-m",
        type=float,
        metavar="M",
        help="with --add/--edit: leg length, m (normalises gait speed)",
    )
    patients.add_argument(
        "--name",
        type=text_arg(MAX_NAME_CHARS),
        help=f"with --add/--edit: a name, kept locally, never exported (at most {MAX_NAME_CHARS})",
    )
    for module in COMMAND_MODULES:
        module.add_parser(sub)
    parser.commands_ = dict(sub.choices)  # type: ignore[attr-defined]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `ras` console script; returns the exit status.

    0 done; 1 failed (a session: ended early or lost data); 2 bad input; 3 a session that
    could not keep every cue (degraded); 130 Ctrl-C; 128 + N ended by signal N (SIGTERM 143,
    SIGHUP 129), after the session's summary.
    """
    from ras.console import queued_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    problem = _unchecked_option_error(parser, args)
    if problem:  # before any work, as argparse's own checks
        print(f"ras: error: {terminal_safe(problem)}", file=sys.stderr)
        return 2
    try:
        with queued_logging():  # a stderr nobody reads cannot stall a thread that logs
            return _dispatch(args)
    except UserInputError as err:
        print(f"ras: error: {terminal_safe(str(err))}", file=sys.stderr)
        return 2
    except RasError as err:
        hint = getattr(err, "cli_hint", "")  # the options for what the message says to do
        said = f"{err} ({hint})" if hint else str(err)
        print(f"ras: {terminal_safe(said)}", file=sys.stderr)
        return 1
    except OSError as err:  # a file system refusal nothing above named: one line, no traceback
        where = f": {err.filename}" if err.filename else ""
        print(f"ras: error: {terminal_safe(f'{err.strerror or err}{where}')}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:
        exit_code = getattr(stop, "exit_code", None)
        if exit_code is None:
            return 130  # Ctrl-C outside a session: quietly
        print(f"ras: {stop}", file=sys.stderr)  # a signal before a summary could be printed
        return int(exit_code)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "devices":
        from ras.commands.devices import run_devices

        return run_devices(args)
    if args.command == "run":
        from ras.commands.run import run_session

        return run_session(args)
    if args.command in ("sessions", "patients"):
        from ras.commands.records import run_patients, run_sessions

        return run_sessions(args) if args.command == "sessions" else run_patients(args)
    if args.command == "monitor":
        from ras.commands.monitor import run_monitor

        return run_monitor(args)
    for module in COMMAND_MODULES:
        if args.command in module.COMMAND_NAMES:
            return module.run(args)
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
