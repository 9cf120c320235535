"""Every therapist action on a live session, as one command type with one typed result.

The tempo commands are the parsed ones of :mod:`ras.tempo.commands` (what ``ras run`` reads on
stdin is parsed into them); the ramp, the volume and a virtual sensor's cable are added here.
Whichever front-end sends one, it goes to :meth:`ras.session.host.SessionHost.send`, is applied
on the engine thread, and comes back as an :class:`ActionResult`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ras.errors import UserInputError
from ras.events import CueMode, MarkerKind
from ras.tempo.commands import (
    Command,
    Cues,
    Marker,
    Match,
    NextPhase,
    NudgeBpm,
    NudgePct,
    Pause,
    Resume,
    SetTempo,
    parse_command,
)
from ras.validate import check_choice

__all__ = [
    "TEMPO_ACTIONS",
    "Action",
    "ActionResult",
    "Mode",
    "Plug",
    "Ramp",
    "Volume",
    "describe",
    "parse_action",
]


@dataclass(frozen=True, slots=True)
class Ramp:
    """Start or continue (``on``) or hold (not ``on``) the iso-ramp; cued phase only."""

    on: bool


@dataclass(frozen=True, slots=True)
class Volume:
    """The cue level, dBFS (clamped to the ceiling; changes are ramped)."""

    level_dbfs: float


@dataclass(frozen=True, slots=True)
class Plug:
    """Virtual patient only: pull (``connected`` False) or plug in one sensor's cable."""

    side: str
    connected: bool

    def __post_init__(self) -> None:
        check_choice("sensor side", self.side, ("left", "right"))


@dataclass(frozen=True, slots=True)
class Mode:
    """What the cue sounds like from the next beat (``mode``), or another of the patient's
    songs (``song``: a title or hash prefix; the mode then becomes music if it was the
    metronome); cued phase only."""

    mode: CueMode | None = None
    song: str = ""


Action = Command | Ramp | Volume | Plug | Mode


def parse_action(text: str) -> Action:
    """A typed line (``ras run`` reads them from stdin) as a therapist action.

    The commands of :func:`ras.tempo.commands.parse_command`, and the virtual cable of a
    simulated session: ``unplug left|right`` and ``plug left|right``. Raises
    :class:`~ras.errors.UserInputError` naming what was wrong.
    """
    words = text.strip().lower().split()
    if len(words) == 2 and words[0] in ("unplug", "plug"):
        return Plug(words[1], connected=words[0] == "plug")
    if len(words) == 1 and words[0] in tuple(CueMode):
        return Mode(CueMode(words[0]))
    if words and words[0] == "song":
        name = text.strip()[len("song") :].strip()
        if not name:
            raise UserInputError("'song' needs a title or hash prefix: song NAME")
        return Mode(song=name)
    return parse_command(text)


#: The actions that change the cue, which apply in the cued phase only (the runner says so).
TEMPO_ACTIONS = (SetTempo, NudgeBpm, NudgePct, Match, Cues, Pause, Resume, Ramp, Mode)


def describe(action: Action) -> str:
    """The action as the therapist would say it, for the log: ``set 100 bpm``, ``cues off``."""
    match action:
        case SetTempo(tempo_bpm=bpm):
            return f"set {bpm:g} bpm"
        case NudgeBpm(delta_bpm=d):
            return f"{d:+g} bpm"
        case NudgePct(delta_pct=p):
            return f"{p:+g} %"
        case Match():
            return "match cadence"
        case Cues(on=on):
            return "cues on" if on else "cues off"
        case Pause():
            return "pause"
        case Resume():
            return "resume"
        case Marker():
            return "marker" if action.kind is MarkerKind.NOTE else action.kind.label
        case NextPhase():
            return "next phase"
        case Ramp(on=on):
            return "ramp on" if on else "ramp hold"
        case Volume(level_dbfs=level):
            return f"level {level:g} dBFS"
        case Plug(side=side, connected=connected):
            return f"plug in {side} sensor" if connected else f"unplug {side} sensor"
        case Mode(mode=mode, song=song):
            return f"song {song}" if song else str(mode)
    return repr(action)


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What became of one action.

    Attributes
    ----------
    action : Action
        The action as sent.
    ok : bool
        It was done.
    message : str
        What was done (``ok``), or why not, in the therapist's words.
    t_s : float
        Session time it was applied (or refused), s.
    """

    action: Action
    ok: bool
    message: str = ""
    t_s: float = float("nan")

    def text(self) -> str:
        """One line for a log: the message, or ``error: <why>``."""
        return self.message if self.ok else f"error: {self.message}"
