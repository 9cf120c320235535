"""`ras gui`: the therapist's live session screen (needs the gui extra: PySide6, pyqtgraph)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from ras.errors import UserInputError
from ras.qt_platform import check_xcb_plugin

__all__ = ["COMMAND_NAMES", "add_parser", "run"]

COMMAND_NAMES = ("gui",)

INSTALL_HINT = "install the GUI extra: pip install 'ras[gui]' (PySide6-Essentials and pyqtgraph)"


def _number(text: str) -> float:
    """A number (its range is checked in :func:`run`, by the one speed check all commands use)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `ras gui` (argparse only; Qt is imported when the command runs)."""
    p = sub.add_parser("gui", help="open the live session screen (set-up, live view, history)")
    p.add_argument(
        "--simulate",
        metavar="PRESET",
        default=None,
        help="preselect a virtual patient: healthy, parkinson or stroke (default: healthy)",
    )
    p.add_argument("--db", metavar="PATH", help="database file (default: $RAS_DB or per-user)")
    p.add_argument(
        "--audio", default="default", metavar="SPEC", help="default, device:NAME, wav:PATH or none"
    )
    p.add_argument(
        "--speed",
        type=_number,
        default=1.0,
        help="simulated session seconds per real second, 0.1 to 60 (virtual patient with"
        " wav/none audio)",
    )


def _check_display() -> None:
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise UserInputError(
            "no display to open the window on (DISPLAY is not set); run it on the desktop,"
            " or use `ras run` for a session without a screen"
        )


def run(args: argparse.Namespace) -> int:
    """Open the GUI; returns when its window is closed."""
    from ras.audio.backends import parse_audio_spec
    from ras.session.request import SimulatedSensors, check_sensors

    # the arguments first, by the check every front-end uses: the GUI preselects a virtual
    # patient, and its set-up checks the whole request again once the sensors are chosen
    preset = (args.simulate or "healthy").lower()
    _, speed = check_sensors(
        SimulatedSensors(preset), args.speed, audio_kind=parse_audio_spec(args.audio).kind
    )
    missing = [m for m in ("PySide6", "pyqtgraph") if importlib.util.find_spec(m) is None]
    if missing:
        raise UserInputError(f"`ras gui` needs {' and '.join(missing)}: {INSTALL_HINT}")
    _check_display()
    check_xcb_plugin(os.environ)  # one line naming the packages, not Qt's multi-line abort
    from gui.app import main

    return main(args.db, simulate=preset, audio=args.audio, speed=speed)
