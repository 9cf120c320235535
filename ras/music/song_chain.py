"""Songs one after another on the cue beats: a change at a phrase boundary, crossfaded.

:class:`SongChain` is the one :class:`~ras.music.track.BeatAlignedSource` the cue engine plays
for a whole session. It holds the :class:`~ras.music.renderer.BeatAlignedRenderer` playing;
:meth:`SongChain.change_at` names the beat the next song takes over at (the *boundary*). From
:data:`LEAD_BEATS` beats before it the next song is given the same cue beats (it leads in to its
start beat, which lands on the boundary), and the two are mixed with an equal-power crossfade
that ends on the boundary: through the overlap both songs' beats fall on the cue samples, and
from the boundary on only the new song sounds. The cue never falls back to the metronome.

Where a song changes (:func:`phrase_starts_s`, :func:`phrase_grids`, :func:`next_phrase_grid`):
at the start of a phrase of the song playing, 8 beats (two bars of 4): every other downbeat
where the tracker found bar starts, else every 8th beat from the song's first beat.

Crossfade length (:func:`crossfade_frames`): 2 beats of the cue, as DJs blend beat-matched
material, at most :data:`MAX_CROSSFADE_S` so it starts well after what the audio callback may be
reading (beats are decided 2 s ahead, :data:`ras.session.music.MUSIC_LOOKAHEAD_S`).

Everything but the arithmetic runs in the render-ahead worker (:mod:`ras.audio.music_track`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ras.music.renderer import BeatAlignedRenderer
from ras.music.track import BeatAlignedSource

__all__ = [
    "BEATS_PER_PHRASE",
    "CROSSFADE_BEATS",
    "LEAD_BEATS",
    "MAX_CROSSFADE_S",
    "SongChain",
    "boundary_t_s",
    "chained_start_beat",
    "crossfade_frames",
    "crossfade_gains",
    "last_phrase_grid",
    "next_phrase_grid",
    "phrase_grids",
    "phrase_starts_s",
]

#: A phrase: two bars of 4 beats.
BEATS_PER_PHRASE = 8
_BEATS_PER_BAR = 4
#: The crossfade, in cue beats (DJ practice for beat-matched songs).
CROSSFADE_BEATS = 2.0
#: ... and at most this long, s.
MAX_CROSSFADE_S = 1.0
#: Cue beats the next song is given before the boundary (covers the whole crossfade).
LEAD_BEATS = 3
#: A beat this close before the sample named in :meth:`SongChain.change_at` is the boundary, s
#: (the session names it by time; the engine may round it one sample the other way).
_BOUNDARY_SLACK_S = 0.01
_HISTORY = 16  # recent beats kept to lead the next song in
#: Beats further apart than this before the boundary do not lead in (a pause came between), s.
_MAX_LEAD_GAP_S = 1.5


# --- the arithmetic -------------------------------------------------------------------------


def phrase_starts_s(
    beats_s: np.ndarray, downbeats_s: np.ndarray, beats_per_phrase: int = BEATS_PER_PHRASE
) -> np.ndarray:
    """Song times phrases start at, s: every ``beats_per_phrase / 4``-th downbeat from the first
    where the tracker found bar starts, else every ``beats_per_phrase``-th beat from the first."""
    downbeats_s = np.asarray(downbeats_s, dtype=np.float64)
    if downbeats_s.size:
        return downbeats_s[:: max(beats_per_phrase // _BEATS_PER_BAR, 1)].copy()
    return np.asarray(beats_s, dtype=np.float64)[::beats_per_phrase].copy()


def phrase_grids(grid_s: np.ndarray, starts_s: np.ndarray, tol_s: float = 1e-3) -> np.ndarray:
    """Indices into ``grid_s`` (the song times the cue beats fall on) that start a phrase."""
    grid_s = np.asarray(grid_s, dtype=np.float64)
    if grid_s.size == 0:
        return np.zeros(0, dtype=np.int64)
    starts_s = np.asarray(starts_s, dtype=np.float64)
    k = np.clip(np.searchsorted(grid_s, starts_s), 0, grid_s.size - 1)
    k_before = np.clip(k - 1, 0, grid_s.size - 1)
    near = np.where(np.abs(grid_s[k_before] - starts_s) < np.abs(grid_s[k] - starts_s), k_before, k)
    return np.unique(near[np.abs(grid_s[near] - starts_s) <= tol_s]).astype(np.int64)


def next_phrase_grid(phrases: np.ndarray, from_grid: int, n_grid: int) -> int | None:
    """The first phrase start at or after grid index ``from_grid`` that leaves the song a beat
    after it (it plays through the boundary); None if none is left."""
    ok = phrases[(phrases >= from_grid) & (phrases + 1 < n_grid)]
    return int(ok[0]) if ok.size else None


def last_phrase_grid(phrases: np.ndarray, n_grid: int) -> int | None:
    """The song's last phrase start that leaves it a beat after it (where it gives way before
    it ends); None if none."""
    ok = phrases[phrases + 1 < n_grid]
    return int(ok[-1]) if ok.size else None


def crossfade_frames(tempo_bpm: float, sample_rate_hz: int) -> int:
    """The crossfade at cue tempo ``tempo_bpm``: :data:`CROSSFADE_BEATS` beats, at most
    :data:`MAX_CROSSFADE_S`, in output samples."""
    return round(min(CROSSFADE_BEATS * 60.0 / tempo_bpm, MAX_CROSSFADE_S) * sample_rate_hz)


def crossfade_gains(t: np.ndarray, fade_from: int, boundary: int) -> tuple[np.ndarray, np.ndarray]:
    """Equal-power gains (outgoing, incoming) at output samples ``t`` of a crossfade over
    ``[fade_from, boundary)``: cos and sin of a quarter turn, so the summed power of two
    uncorrelated songs stays level; 1 and 0 before it, 0 and 1 from the boundary."""
    x = np.clip((np.asarray(t, dtype=np.float64) - fade_from) / max(boundary - fade_from, 1), 0, 1)
    return np.where(x < 1.0, np.cos(0.5 * np.pi * x), 0.0), np.sin(0.5 * np.pi * x)


# --- the chain ------------------------------------------------------------------------------


@dataclass
class _Change:
    at_sample: int  # the boundary is the first beat at or after this (less the slack)
    renderer: BeatAlignedSource
    crossfade_frames: int
    boundary: int | None = None  # the boundary beat's sample, once it was added
    fade_from: int = 0  # the crossfade's first sample
    old_done: bool = False  # the old song has had its beat after the boundary


class SongChain:
    """Songs on the cue beats one after another, crossfaded at the beat each change names.

    Songs are :class:`~ras.music.renderer.BeatAlignedRenderer` (which lead in to their start
    beat and say when they have ended) or any :class:`~ras.music.track.BeatAlignedSource`
    with a ``sample_rate_hz`` (given :data:`LEAD_BEATS` beats before the boundary).

    Parameters
    ----------
    renderer : BeatAlignedSource
        The first song.

    Attributes
    ----------
    current : BeatAlignedSource
        The song the beats go to (the incoming one from its boundary beat on).
    changes_ : int
        Changes made (boundary beats reached).
    """

    def __init__(self, renderer: BeatAlignedSource) -> None:
        self.current = renderer
        self.changes_ = 0
        self._old: BeatAlignedSource | None = None
        self._change: _Change | None = None
        self._beats: list[int] = []
        self._rerender_from: int | None = None
        self.sample_rate_hz = int(renderer.sample_rate_hz)  # type: ignore[attr-defined]
        self._slack = round(_BOUNDARY_SLACK_S * self.sample_rate_hz)
        self._max_gap = round(_MAX_LEAD_GAP_S * self.sample_rate_hz)

    def change_at(self, beat_sample: int, renderer: BeatAlignedSource, frames: int) -> None:
        """``renderer`` takes over at the first beat at or after ``beat_sample``, crossfaded over
        ``frames`` samples before it. ``renderer`` should be made with ``fade_in_beats=0`` and
        ``lead_beats`` = :data:`LEAD_BEATS`, no beat given yet. A change not yet reached is
        replaced by a new one."""
        if self._change is not None and self._change.boundary is None:
            self._change = None  # the one asked for before never came
        self._old = None
        self._change = _Change(int(beat_sample) - self._slack, renderer, max(int(frames), 0))

    def pop_rerender_from(self) -> int | None:
        """The output sample from which what was rendered before has changed (the crossfade's
        start, once its boundary beat came), once; None if nothing changed."""
        at, self._rerender_from = self._rerender_from, None
        return at

    # --- BeatAlignedSource ---

    def add_beat(self, sample_index: int) -> None:
        """The next cue beat: to the song playing, and through a change to both."""
        s = int(sample_index)
        self._beats = [*self._beats[-(_HISTORY - 1) :], s]
        change = self._change
        if change is None or (change.boundary is None and s < change.at_sample):
            self.current.add_beat(s)
        elif change.boundary is None:
            self._reach(change, s)
        else:
            if not change.old_done and self._old is not None:
                self._old.add_beat(s)  # it plays through the boundary: its beat after it
                change.old_done = True
            self.current.add_beat(s)

    def retract_beats_from(self, sample_index: int) -> None:
        """Beats from ``sample_index`` on are taken back, in both songs through a change; taken
        back to or before the boundary, the change waits for its beat again."""
        s = int(sample_index)
        self._beats = [t for t in self._beats if t < s]
        change = self._change
        if change is None or change.boundary is None or self._old is None:
            self.current.retract_beats_from(s)
            return
        if s > change.boundary:
            self.current.retract_beats_from(s)
            self._old.retract_beats_from(s)  # it is silent after the boundary anyway
            change.old_done = True
            return
        self.current.retract_beats_from(-(2**62))  # the new song starts over, from its lead
        self._old.retract_beats_from(s)
        self.current, self._old = self._old, None
        change.boundary = None
        change.old_done = False
        self.changes_ -= 1

    @property
    def available_until(self) -> int:
        """Output before this sample is decided (in both songs through a change)."""
        now = self.current.available_until
        change, old = self._change, self._old
        if change is None or change.boundary is None or old is None or change.old_done:
            return now
        if _ended(old) or old.available_until >= change.boundary:
            return now
        return min(now, old.available_until)

    def render(self, start_sample: int, n: int) -> np.ndarray:
        """``n`` float32 samples from ``start_sample``: one song, or two crossfaded."""
        change, old = self._change, self._old
        if change is None or change.boundary is None or old is None:
            return self.current.render(start_sample, n)
        a, b = int(start_sample), int(start_sample) + int(n)
        out = np.zeros(n, dtype=np.float32)
        boundary, fade_from = change.boundary, change.fade_from
        if a < boundary:
            hi = min(b, boundary)
            g_out, _ = crossfade_gains(np.arange(a, hi), fade_from, boundary)
            out[: hi - a] += old.render(a, hi - a) * g_out.astype(np.float32)
        if b > fade_from:
            lo = max(a, fade_from)
            _, g_in = crossfade_gains(np.arange(lo, b), fade_from, boundary)
            out[lo - a :] += self.current.render(lo, b - lo) * g_in.astype(np.float32)
        return out

    # --- internals ---

    def _reach(self, change: _Change, s: int) -> None:
        """Beat ``s`` is the boundary: the new song gets the beats before it it leads in over
        (already given to the old one), then this one; the old one gets it too."""
        new = change.renderer
        wanted = LEAD_BEATS
        if isinstance(new, BeatAlignedRenderer):
            wanted = new.start_grid - new.next_grid
        lead = _lead_beats(self._beats[:-1], s, wanted, self._max_gap)
        if isinstance(new, BeatAlignedRenderer):
            new.lead_in(len(lead))
        for t in lead:
            new.add_beat(t)
        new.add_beat(s)
        self.current.add_beat(s)
        self._old, self.current = self.current, new
        shortest = round(0.005 * self.sample_rate_hz)  # never a hard cut of the old song
        start = max(s - change.crossfade_frames, lead[0] if lead else s)
        change.boundary = s
        change.fade_from = min(start, s - shortest)
        change.old_done = False
        self.changes_ += 1
        self._rerender_from = change.fade_from


def _ended(source: BeatAlignedSource) -> bool:
    return bool(getattr(source, "ended", False))


def _lead_beats(history: list[int], boundary: int, n: int, max_gap: int) -> list[int]:
    """The last ``n`` beats of ``history`` before ``boundary`` that follow one another without a
    gap longer than ``max_gap`` samples up to it (a pause breaks the lead-in)."""
    lead: list[int] = []
    after = boundary
    for t in reversed(history[-n:] if n > 0 else []):
        if after - t > max_gap:
            break
        lead.insert(0, t)
        after = t
    return lead


def chained_start_beat(
    first_beat: int, beats_s: np.ndarray, downbeats_s: np.ndarray, lead_beats: int = LEAD_BEATS
) -> int:
    """The beat a song starts on after another (index into ``beats_s``): ``first_beat`` (its
    first strong beat) if it has ``lead_beats`` beats before it to lead in over, else its first
    downbeat that has, else its beat ``lead_beats``."""
    if first_beat >= lead_beats or len(beats_s) <= lead_beats:
        return first_beat
    beats_s = np.asarray(beats_s, dtype=np.float64)
    down = np.searchsorted(beats_s, np.asarray(downbeats_s, dtype=np.float64) - 1e-3)
    later = down[(down >= lead_beats) & (down < beats_s.size)]
    return int(later[0]) if later.size else lead_beats


def boundary_t_s(last_beat_t_s: float, beats_ahead: int, tempo_bpm: float) -> float:
    """When the beat ``beats_ahead`` after the one at ``last_beat_t_s`` sounds at ``tempo_bpm``
    (a steady tempo from there), s: what a change at a phrase boundary says it waits for."""
    if not math.isfinite(last_beat_t_s):
        return math.nan
    return last_beat_t_s + beats_ahead * 60.0 / tempo_bpm
