"""A stored session's figures for the summary page: its outcomes per phase, training dose, what
happened, counted, and the patient's previous comparable session (no Qt here).

The figures are :mod:`ras.results`' and the changes :mod:`ras.report.compare`'s, as in the
session report: within the session against the baseline (plain differences), and against the
patient's previous session (gait speed flagged against the MCID there only). Both sessions are
read from one record (:func:`read_figures`): this laptop's file, or the clinic server.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass

from ras.events import CueState, LinkState, MarkerKind
from ras.report.compare import Change, compare_phases, compare_sessions, format_value
from ras.report.progress import TrainingDose, training_dose
from ras.report.session import previous_session
from ras.results.music import music_use
from ras.results.outcomes import SessionOutcomes, session_outcomes
from ras.results.session_data import SessionData, load_session
from ras.store.store import Store, StoreReader

__all__ = ["SessionFigures", "read_figures", "session_figures"]


@dataclass(frozen=True, eq=False)
class SessionFigures:
    """A stored session with its outcomes, dose and the patient's previous session."""

    data: SessionData
    outcomes: SessionOutcomes
    dose: TrainingDose
    previous: SessionData | None = None
    previous_outcomes: SessionOutcomes | None = None

    def value(self, phase: str, key: str) -> str:
        """Measure ``key`` of ``phase`` as shown ("—" if not measured)."""
        p = self.outcomes.phase(phase)
        text = format_value(key, math.nan if p is None else p.value(key))
        return "—" if text == "not measured" else text

    def reason(self, phase: str, key: str) -> str:
        """Why ``key`` of ``phase`` is blank ("" if it is measured)."""
        p = self.outcomes.phase(phase)
        return f"no {phase} phase" if p is None else p.reasons.get(key, "")

    def vs_baseline(self, phase: str) -> dict[str, Change]:
        """Changes of ``phase`` against this session's baseline (no MCID: one session)."""
        a, b = self.outcomes.phase(phase), self.outcomes.phase("baseline")
        if phase == "baseline" or a is None or b is None:
            return {}
        return compare_phases(a, b)

    def vs_previous(self, phase: str) -> dict[str, Change]:
        """Changes of ``phase`` against the same phase of the previous session (MCID-flagged)."""
        if self.previous_outcomes is None:
            return {}
        a, b = self.outcomes.phase(phase), self.previous_outcomes.phase(phase)
        if a is None or b is None:
            return {}
        return compare_sessions(a, b, self.data.patient.diagnosis)

    def counts(self) -> dict[str, str]:
        """What happened, counted: clinical events, cue changes, sensor disconnections."""
        kinds = Counter(m.kind for m in self.data.markers)
        events = [
            f"{k.label} {kinds[k]}" for k in MarkerKind if k is not MarkerKind.NOTE and kinds[k]
        ]
        states = Counter(s.state for s in self.data.cue_states)
        cue = [
            f"{word} {states[s]}"
            for s, word in ((CueState.OFF, "off"), (CueState.PAUSE, "paused"))
            if states[s]
        ]
        lost = Counter(
            e.side.name.lower() for e in self.data.link_events if e.state is LinkState.DISCONNECTED
        )
        by = Counter(c.source for c in self.data.tempo_changes)
        songs = self.dose.n_songs
        music = f"{self.dose.music_min:.1f} min · {songs} song{'' if songs == 1 else 's'}"
        played = " · ".join(f"{u.title} {u.minutes:.1f} min" for u in music_use(self.data).songs)
        return {
            "events": " · ".join(events) or "none",
            "notes": str(kinds[MarkerKind.NOTE]),
            "cue": " · ".join(cue) or "none",
            "music": music if self.dose.music_s > 0 or songs else "none",
            "songs": played or "none",
            "links": " · ".join(f"{side} {n}" for side, n in sorted(lost.items())) or "none",
            "changes": f"{sum(by.values())}"
            + "".join(
                f" · {src} {by[src]}" for src in ("plan", "adaptive", "therapist") if by[src]
            ),
        }


def read_figures(store: StoreReader, session_id: int) -> SessionFigures:
    """A session's figures and its previous comparable session, both read from ``store`` (this
    laptop's file or the clinic server, ``session_id`` being that record's id); RasError (one
    line) if it cannot be read."""
    data = load_session(store, session_id, with_imu=True)
    prev = previous_session(store, data)
    return SessionFigures(
        data,
        session_outcomes(data),
        training_dose(data),
        prev,
        session_outcomes(prev) if prev is not None else None,
    )


def session_figures(db: str | os.PathLike[str] | None, session_id: int) -> SessionFigures:
    """A session's figures read from this laptop's file ``db``, with this laptop's id."""
    with Store(db) as store:
        return read_figures(store, session_id)
