"""The session's own records, kept here under their old import path.

They are declared once, in :mod:`ras.events` (the bus vocabulary); import them from there.
"""

from __future__ import annotations

from ras.events import (
    PHASE_NAMES,
    TEMPO_SOURCES,
    CueEvent,
    MarkerEvent,
    PhaseEvent,
    TempoChangeEvent,
)

__all__ = [
    "PHASE_NAMES",
    "TEMPO_SOURCES",
    "CueEvent",
    "MarkerEvent",
    "PhaseEvent",
    "TempoChangeEvent",
]
