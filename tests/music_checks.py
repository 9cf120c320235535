"""Checks the music acceptance runs share (CLI and GUI): every beat cued, and how closely the
virtual patient's steps followed the beats."""

from __future__ import annotations

import numpy as np

from ras.results.outcomes import session_outcomes
from ras.results.session_data import SessionData


def assert_every_beat_cued(data: SessionData) -> None:
    """Every beat decided in the cued phase has its CueEvent: consecutive indices, and no gap
    longer than one beat interval at the slowest tempo played."""
    cues = np.sort(data.cues, order="t_s")
    assert np.array_equal(np.diff(cues["beat_index"]), np.ones(len(cues) - 1, dtype=np.int64))
    ibi_s = np.diff(cues["t_s"])
    assert ibi_s.max() < 1.05 * 60.0 / cues["tempo_bpm"].min()


def step_phases_deg(data: SessionData, start_t_s: float, stop_t_s: float) -> np.ndarray:
    """The steps' phases against the cue's beats (deg) between two session times (s)."""
    out = session_outcomes(data)
    inside = (out.sync_steps_t_s > start_t_s) & (out.sync_steps_t_s < stop_t_s)
    return out.sync_phases_deg[inside]


def resultant_length(phases_deg: np.ndarray) -> float:
    """The mean resultant length of phases (0: none, 1: every step at the same phase)."""
    return float(abs(np.mean(np.exp(1j * np.deg2rad(phases_deg)))))
