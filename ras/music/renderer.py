"""One song rendered on the cue engine's output timeline, its beats on the cue beats.

:class:`BeatAlignedRenderer` implements :class:`ras.music.track.BeatAlignedSource`. Each cue
beat the engine adds (an output sample) is given the song's next beat; the interval between two
added beats is one segment, stretched by :func:`ras.music.stretch.render_segment` so the song's
beat lands on the cue's sample (a tempo change therefore takes effect at the next beat, and
costs one segment). Consecutive beats form a *run*: it fades in over its first beat(s) and fades
out when its beats are taken back (pause, cues off) or the song has no beat left; a beat added
after a run was taken back starts a new run where the song stopped.

Everything here runs in the engine's render-ahead worker, never in the audio callback.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ras.music import stretch
from ras.music.track import BeatTrack

__all__ = ["BeatAlignedRenderer", "start_beat_index"]

#: Slack of the stretch limit for beats rounded to whole samples, % (one sample in 0.2 s: 0.0104 %).
_ROUNDING_PCT = 0.011
#: Fade of the song when beats are taken back, s (it ends at the first taken-back beat).
FADE_OUT_S = 0.1
#: Stretched segments kept after they were rendered, s (a song change renders its crossfade
#: again, up to :data:`ras.music.song_chain.MAX_CROSSFADE_S` back: not stretched twice).
_KEEP_S = 2.0


def start_beat_index(
    audio: np.ndarray,
    sample_rate_hz: int,
    beats_s: np.ndarray,
    downbeats_s: np.ndarray | None = None,
    *,
    quiet_db: float = -15.0,
) -> int:
    """Where the song should start: its first beat (a downbeat where known) after a quiet intro.

    A beat is quiet when the RMS over its interval is more than ``quiet_db`` below the 90th
    percentile of all beats' RMS. Returns an index into ``beats_s``.
    """
    beats_s = np.asarray(beats_s, dtype=np.float64)
    if beats_s.size < 2:
        return 0
    edges = np.round(np.append(beats_s, 2 * beats_s[-1] - beats_s[-2]) * sample_rate_hz)
    edges = np.clip(edges.astype(np.int64), 0, audio.size)
    sq = np.concatenate(([0.0], np.cumsum(np.asarray(audio, dtype=np.float64) ** 2)))
    n = np.maximum(np.diff(edges), 1)
    level_db = 10 * np.log10((sq[edges[1:]] - sq[edges[:-1]]) / n + 1e-20)
    loud = np.flatnonzero(level_db >= np.percentile(level_db, 90) + quiet_db)
    first = int(loud[0])
    if downbeats_s is None or len(downbeats_s) == 0:
        return first
    down = np.searchsorted(beats_s, np.asarray(downbeats_s, dtype=np.float64) - 1e-3)
    later = down[(down >= first) & (down < beats_s.size)]
    return int(later[0]) if later.size else first


@dataclass
class _Run:
    """Beats played without a break: output anchors and the song samples on them."""

    out_smp: list[int]
    song_smp: list[float]
    first_grid: int
    fade_in_beats: int
    fade_from: int | None = None  # output sample the fade-out starts at
    fade_to: int | None = None  # ... and ends at (silence from there)
    segments: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def closed(self) -> bool:
        return self.fade_to is not None


class BeatAlignedRenderer:
    """A song rendered so its beats fall on the cue beats it is given.

    Parameters
    ----------
    audio : numpy.ndarray
        The song, float32 mono at ``sample_rate_hz`` (the engine's rate).
    sample_rate_hz : int
        The engine's output rate, Hz.
    track : BeatTrack
        The song's tracked beats.
    gain_db : float
        Gain applied to the song (its loudness normalisation), dB.
    multiple : float
        Cue beats per song beat: 1, 2 (song at half the cue tempo) or 0.5 (at double);
        :func:`ras.music.stretch.check_stretch` gives it for a target tempo.
    stretcher : str
        One of :data:`ras.music.stretch.STRETCHERS`.
    fade_in_beats : int
        The song fades in over this many beats, ending on its start beat (:func:`start_beat_index`).
    fade_out_s : float
        Fade when beats are taken back, s; when the song runs out it fades over its last interval.
    max_stretch_pct : float
        A beat that would stretch the song further from its tempo is not taken: the song ends.
    start_beat : int, optional
        Index into ``track.beats_s`` of the first beat heard at full level (default: the first
        strong downbeat, :func:`start_beat_index`).
    attack_s : float
        Played as recorded from each beat, s (:func:`ras.music.stretch.render_segment`).
    lead_beats : int, optional
        Beats handed to the song before its start beat (default ``fade_in_beats``); with
        ``fade_in_beats=0`` they are heard at full level (a :class:`~ras.music.song_chain.
        SongChain` crossfades them itself). Their intervals are not held to
        ``max_stretch_pct``: they lead in from the song before, at its tempo.

    Attributes
    ----------
    start_grid : int
        Index into :attr:`grid_smp` of the start beat.
    first_grid : int
        Index of the first beat the song is given (``start_grid`` less the lead beats).
    """

    def __init__(
        self,
        audio: np.ndarray,
        sample_rate_hz: int,
        track: BeatTrack,
        *,
        gain_db: float = 0.0,
        multiple: float = 1.0,
        stretcher: str = stretch.DEFAULT_STRETCHER,
        fade_in_beats: int = 1,
        fade_out_s: float = FADE_OUT_S,
        max_stretch_pct: float = stretch.MAX_STRETCH_PCT,
        start_beat: int | None = None,
        attack_s: float = stretch.ATTACK_S,
        lead_beats: int | None = None,
    ) -> None:
        self.audio = np.ascontiguousarray(audio, dtype=np.float32)
        self.sample_rate_hz = int(sample_rate_hz)
        self.track = track
        self.gain = float(10 ** (gain_db / 20))
        self.multiple = float(multiple)
        self.stretcher = stretch.STRETCHERS[stretcher]
        self.fade_in_beats = int(fade_in_beats)
        self.fade_out_len = max(round(fade_out_s * self.sample_rate_hz), 1)
        self.max_stretch_pct = float(max_stretch_pct)
        self.attack_s = float(attack_s)
        self.crossfade_len = round(stretch.CROSSFADE_S * self.sample_rate_hz)
        self._keep_len = round(_KEEP_S * self.sample_rate_hz)
        grid_s = stretch.cue_grid_s(track.beats_s, self.multiple, track.downbeats_s)
        self.grid_smp = grid_s * self.sample_rate_hz
        if start_beat is None:
            start_beat = start_beat_index(
                self.audio, self.sample_rate_hz, track.beats_s, track.downbeats_s
            )
        self.start_grid = int(np.searchsorted(grid_s, track.beats_s[start_beat] - 1e-6))
        lead = self.fade_in_beats if lead_beats is None else int(lead_beats)
        self.first_grid = max(self.start_grid - lead, 0)
        self._next_grid = self.first_grid
        self._native_ibi_smp = 60.0 * self.sample_rate_hz / (track.tempo_bpm * self.multiple)
        self._runs: list[_Run] = []
        self.ended = False
        self.end_reason = ""
        self.stretch_pct = 0.0

    # --- BeatAlignedSource ---

    def add_beat(self, sample_index: int) -> None:
        """The next cue beat falls on output sample ``sample_index``: the song's next beat goes
        there (ignored once the song has ended)."""
        if self.ended:
            return
        t = int(sample_index)
        run = self._runs[-1] if self._runs else None
        if run is None or run.closed:
            self._runs.append(
                _Run([t], [self.grid_smp[self._next_grid]], self._next_grid, self.fade_in_beats)
            )
            self._advance(self._runs[-1])
            return
        pct = 100.0 * (self._native_ibi_smp / (t - run.out_smp[-1]) - 1.0)
        leading_in = self._next_grid <= self.start_grid
        if abs(pct) > self.max_stretch_pct + _ROUNDING_PCT and not leading_in:
            self._end_run(
                run,
                f"the cue tempo is {pct:+.0f} % from the song's: beyond ±"
                f"{self.max_stretch_pct:.0f} %, the song stops",
            )
            return
        self.stretch_pct = pct
        run.out_smp.append(t)
        run.song_smp.append(self.grid_smp[self._next_grid])
        self._advance(run)

    def retract_beats_from(self, sample_index: int) -> None:
        """Beats at or after ``sample_index`` are taken back: the song fades out, ending there.

        Output from ``max(sample_index - fade_out_s, the last beat kept)`` on changes.
        """
        s = int(sample_index)
        if not self._runs or self._runs[-1].closed:
            return
        run = self._runs[-1]
        kept = sum(1 for t in run.out_smp if t < s)
        if kept == len(run.out_smp):
            return
        if kept == 0:
            self._runs.pop()
            self._next_grid = run.first_grid
            return
        self._next_grid = run.first_grid + kept
        # the segment into the first taken-back beat stays as it was; the fade ends at it
        del run.out_smp[kept + 1 :], run.song_smp[kept + 1 :]
        run.fade_from = max(s - self.fade_out_len, run.out_smp[kept - 1])
        run.fade_to = s
        for j in [j for j in run.segments if j >= kept]:
            del run.segments[j]

    def lead_in(self, beats: int) -> None:
        """Lead in over ``beats`` beats before the start beat (before any beat is added; fewer
        than it was made with when fewer beats are at hand)."""
        if not self._runs:
            self.first_grid = max(self.start_grid - int(beats), 0)
            self._next_grid = self.first_grid

    @property
    def next_grid(self) -> int:
        """Index into :attr:`grid_smp` of the song beat the next cue beat added will get."""
        return self._next_grid

    @property
    def available_until(self) -> int:
        """Output before this sample is decided (the last beat less the crossfade before it)."""
        if not self._runs:
            return 0
        run = self._runs[-1]
        if run.closed:
            return run.fade_to
        if len(run.out_smp) == 1:
            return run.out_smp[0]
        return run.out_smp[-1] - self.crossfade_len

    def render(self, start_sample: int, n: int) -> np.ndarray:
        """``n`` float32 samples of the song from output sample ``start_sample``.

        Silence where no run plays; past :attr:`available_until` only what is decided so far.
        """
        out = np.zeros(n, dtype=np.float32)
        a, b = int(start_sample), int(start_sample) + int(n)
        for run in self._runs:
            self._render_run(run, a, b, out)
        return out

    # --- internals ---

    def _advance(self, run: _Run) -> None:
        """Move to the song's next grid beat; the song ends at its last."""
        self._next_grid += 1
        if self._next_grid >= self.grid_smp.size:
            self._end_run(run, "the song has no beat left")

    def _end_run(self, run: _Run, reason: str) -> None:
        """The song stops after the run's last beat: it fades over one more interval."""
        self.ended = True
        self.end_reason = reason
        if len(run.out_smp) >= 2:
            ratio = (run.out_smp[-1] - run.out_smp[-2]) / (run.song_smp[-1] - run.song_smp[-2])
            length = run.out_smp[-1] - run.out_smp[-2]
        else:
            ratio, length = 1.0, round(self._native_ibi_smp)
        run.out_smp.append(run.out_smp[-1] + length)
        run.song_smp.append(run.song_smp[-1] + length / ratio)
        run.fade_from = run.out_smp[-2]
        run.fade_to = run.out_smp[-1]

    def _segment(self, run: _Run, j: int) -> np.ndarray:
        """Segment ``j`` of ``run``: output ``[out_smp[j] - lead, out_smp[j + 1])`` (cached)."""
        seg = run.segments.get(j)
        if seg is None:
            seg = stretch.render_segment(
                self.audio,
                song_from_smp=run.song_smp[j],
                song_to_smp=run.song_smp[j + 1],
                out_len=run.out_smp[j + 1] - run.out_smp[j],
                lead_len=self._lead(j),
                sample_rate_hz=self.sample_rate_hz,
                stretcher=self.stretcher,
                attack_s=self.attack_s,
            )
            run.segments[j] = seg
        return seg

    def _lead(self, j: int) -> int:
        return self.crossfade_len if j > 0 else 0

    def _render_run(self, run: _Run, a: int, b: int, out: np.ndarray) -> None:
        """Mix ``run``'s output in ``[a, b)`` into ``out``."""
        n_seg = len(run.out_smp) - 1
        end = run.fade_to if run.closed else run.out_smp[-1]
        if b <= run.out_smp[0] or a >= end:
            return
        # segments wholly before this block are asked for again only when a song change or a
        # retraction makes the worker render again from a little earlier: kept for that
        for j in [j for j in run.segments if run.out_smp[j + 1] <= a - self._keep_len]:
            del run.segments[j]
        lo, hi = max(a, run.out_smp[0]), min(b, end)
        mix = np.zeros(hi - lo, dtype=np.float32)
        for j in range(n_seg):
            s0 = run.out_smp[j] - self._lead(j)
            s1 = run.out_smp[j + 1]
            if s1 <= lo or s0 >= hi:
                continue
            p0, p1 = max(s0, lo), min(s1, hi)
            piece = self._segment(run, j)[p0 - s0 : p1 - s0] * self._join_gain(
                j, n_seg, s1 - s0, np.arange(p0 - s0, p1 - s0)
            )
            mix[p0 - lo : p1 - lo] += piece
        mix *= self._envelope(run, np.arange(lo, hi))
        out[lo - a : hi - a] += mix

    def _join_gain(self, j: int, n_seg: int, size: int, i: np.ndarray) -> np.ndarray:
        """Crossfade gains of segment ``j`` (``size`` samples) at its indices ``i``: fading in
        over its pre-roll, out over the pre-roll of the segment after it."""
        xf = self.crossfade_len
        gain = np.ones(i.size, dtype=np.float32)
        if xf == 0:
            return gain
        w = stretch.crossfade_in(xf)
        if j > 0:
            head = i < xf
            gain[head] = w[i[head]]
        if j + 1 < n_seg:
            tail = i >= size - xf
            gain[tail] *= 1 - w[i[tail] - (size - xf)]
        return gain

    def _envelope(self, run: _Run, t: np.ndarray) -> np.ndarray:
        """Gain × fade-in over the run's first beats × fade-out, at output samples ``t``."""
        env = np.full(t.size, self.gain, dtype=np.float64)
        if self.fade_in_beats > 0 and len(run.out_smp) >= 2:
            beats = np.interp(t, run.out_smp, np.arange(len(run.out_smp)))
            env *= 1.0 - _fall(beats / self.fade_in_beats)
        if run.closed:
            env *= _fall((t - run.fade_from) / max(run.fade_to - run.fade_from, 1))
        return env.astype(np.float32)


def _fall(x: np.ndarray) -> np.ndarray:
    """Raised cosine from 1 (x <= 0) to 0 (x >= 1)."""
    return 0.5 + 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))
