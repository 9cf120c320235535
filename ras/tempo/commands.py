"""Live therapist commands, as typed (``ras run`` reads them from stdin), parsed into objects.

Grammar (case-insensitive, surrounding blanks ignored):

=================  =========================================================
``+`` / ``-``      nudge the tempo by ±1 bpm
``+N`` / ``-N``    nudge by ±N bpm
``+N%`` / ``-N%``  nudge by ±N % of the current tempo
``set BPM``        set the tempo
``match``          tempo := the patient's current cadence
``off`` / ``on``   cue silent (uncued probe) / audible again
``pause``          stop scheduling beats; ``resume`` starts again
``marker TEXT``    put a note in the session log
``fall [TEXT]``    a clinical event (``fall``, ``near-fall``, ``freezing``,
                   ``rest``, ``assist``), with an optional note
``next``           end the current phase now
=================  =========================================================
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ras.errors import UserInputError
from ras.events import MarkerKind
from ras.text import MAX_NOTE_CHARS, check_text

__all__ = [
    "COMMAND_HELP",
    "Command",
    "Cues",
    "Marker",
    "Match",
    "NextPhase",
    "NudgeBpm",
    "NudgePct",
    "Pause",
    "Resume",
    "SetTempo",
    "jump_pct",
    "parse_command",
    "tempo_after",
]

#: The valid commands, as listed in error messages.
COMMAND_HELP = (
    "+, -, +N, -N, +N%, -N%, set BPM, match, off, on, pause, resume, next (phase), marker TEXT,"
    " fall, near-fall, freezing, rest, assist (each with an optional note)"
)

#: The words that record a clinical event (``fall``, ``fall lost balance turning``).
EVENT_WORDS: dict[str, MarkerKind] = {
    "fall": MarkerKind.FALL,
    "near-fall": MarkerKind.NEAR_FALL,
    "nearfall": MarkerKind.NEAR_FALL,
    "freezing": MarkerKind.FREEZING,
    "freeze": MarkerKind.FREEZING,
    "rest": MarkerKind.REST,
    "assist": MarkerKind.ASSISTANCE,
    "assistance": MarkerKind.ASSISTANCE,
}


@dataclass(frozen=True, slots=True)
class SetTempo:
    tempo_bpm: float


@dataclass(frozen=True, slots=True)
class NudgeBpm:
    delta_bpm: float


@dataclass(frozen=True, slots=True)
class NudgePct:
    delta_pct: float


@dataclass(frozen=True, slots=True)
class Match:
    pass


@dataclass(frozen=True, slots=True)
class Cues:
    on: bool


@dataclass(frozen=True, slots=True)
class Pause:
    pass


@dataclass(frozen=True, slots=True)
class Resume:
    pass


@dataclass(frozen=True, slots=True)
class Marker:
    """A note or clinical event in the session log.

    ``note`` is one line of plain text, at most ``MAX_NOTE_CHARS``; a plain note
    (``kind`` NOTE) needs one, a clinical event (a fall, freezing seen, ...) may have one.
    """

    note: str = ""
    kind: MarkerKind = MarkerKind.NOTE

    def __post_init__(self) -> None:
        check_text("the marker note", self.note, MAX_NOTE_CHARS)
        object.__setattr__(self, "kind", MarkerKind(self.kind))
        if self.kind is MarkerKind.NOTE and not self.note.strip():
            raise UserInputError(
                "a marker needs a note (or use fall, near-fall, freezing, rest, assist)"
            )


@dataclass(frozen=True, slots=True)
class NextPhase:
    """End the current phase now (baseline -> cued -> probe -> end); the later phases keep
    their planned durations."""


Command = SetTempo | NudgeBpm | NudgePct | Match | Cues | Pause | Resume | Marker | NextPhase


def tempo_after(command: Command, tempo_bpm: float, cadence_spm: float = math.nan) -> float | None:
    """The tempo (bpm) a tempo command asks for, from the tempo in force and the patient's
    cadence (for ``match``); None for a command that does not set the tempo (or NaN if
    ``match`` has no cadence yet). Bounds are not applied here."""
    match command:
        case SetTempo(tempo_bpm=bpm):
            return float(bpm)
        case NudgeBpm(delta_bpm=d):
            return tempo_bpm + d
        case NudgePct(delta_pct=p):
            return tempo_bpm * (1.0 + p / 100.0)
        case Match():
            return float(cadence_spm)
    return None


def jump_pct(old_bpm: float, new_bpm: float) -> float:
    """The size of a tempo change in % of the old tempo (signed)."""
    return 100.0 * (new_bpm / old_bpm - 1.0)


_NUDGE = re.compile(r"^([+-])\s*(\d+(?:\.\d+)?)?\s*(%?)$")
_SIMPLE: dict[str, Command] = {
    "match": Match(),
    "off": Cues(on=False),
    "on": Cues(on=True),
    "pause": Pause(),
    "resume": Resume(),
    "next": NextPhase(),
}


def _bad(text: str) -> UserInputError:
    shown = text if len(text) <= 60 else text[:60] + "..."
    return UserInputError(f"unknown command {shown!r}; valid commands: {COMMAND_HELP}")


def parse_command(text: str) -> Command:
    """Parse one typed line into a command; raise :class:`UserInputError` (one line) if bad."""
    line = text.strip()
    low = line.lower()
    if low in _SIMPLE:
        return _SIMPLE[low]
    m = _NUDGE.match(low)
    if m:
        sign = 1.0 if m.group(1) == "+" else -1.0
        if m.group(2) is None:
            if m.group(3):
                raise _bad(line)
            return NudgeBpm(sign * 1.0)
        value = float(m.group(2))
        if value == 0.0:
            raise _bad(line)
        return NudgePct(sign * value) if m.group(3) else NudgeBpm(sign * value)
    head, _, rest = line.partition(" ")
    if head.lower() == "set":
        try:
            bpm = float(rest.strip())
        except ValueError:
            raise _bad(line) from None
        if not math.isfinite(bpm):
            raise _bad(line)
        return SetTempo(bpm)
    if head.lower() == "marker" and rest.strip():
        return Marker(rest.strip())
    if head.lower() in EVENT_WORDS:
        return Marker(rest.strip(), EVENT_WORDS[head.lower()])
    raise _bad(line)
