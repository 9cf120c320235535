"""Music in a session's record: when the audible cue was music, music with the click, or the
metronome, which songs played for how long, and how far they were stretched (no gait maths).

Times are session seconds. Before its first recorded mode switch a session is cued by the
metronome (every session recorded before schema v7 is). A song plays from its ``start`` to its
``stop``, to the start of another song, or to the session's end; its minutes count only where
the cue sounded (:func:`~ras.results.session_data.cue_spans`), as the mode minutes do.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ras.events import CueMode, SongEvent, SongEventKind
from ras.results.session_data import SessionData, cue_spans

__all__ = [
    "MusicSpan",
    "MusicUse",
    "SongUse",
    "mode_spans",
    "music_spans",
    "music_use",
    "overlap_s",
    "song_spans",
]

Span = tuple[float, float]


@dataclass(frozen=True)
class MusicSpan:
    """A stretch of the session (s) with one cue mode in force and, if any, the song playing
    (``title`` empty when none)."""

    start_t_s: float
    end_t_s: float
    mode: CueMode
    title: str = ""

    @property
    def duration_s(self) -> float:
        return self.end_t_s - self.start_t_s


@dataclass(frozen=True)
class SongUse:
    """One song as it was used in a session.

    ``minutes`` played while the cue sounded; ``native_tempo_bpm`` the song's own tempo (NaN if
    not recorded); ``stretch_min_pct`` / ``stretch_max_pct`` the range of its stretch (+5: played
    5 % faster; NaN if never recorded); ``n_starts`` how often it started, ``n_stretches`` how
    many stretch changes it had.
    """

    song_sha256: str
    title: str
    artist: str
    minutes: float
    native_tempo_bpm: float
    stretch_min_pct: float
    stretch_max_pct: float
    n_starts: int
    n_stretches: int


@dataclass(frozen=True)
class MusicUse:
    """How the audible cue sounded over a session.

    ``music_min``, ``music_click_min``, ``metronome_min``: minutes of audible cue in each mode;
    ``songs`` in the order they first started; ``n_mode_switches``: changes of mode while the
    session ran (a choice made before the cue first sounded is not a switch);
    ``n_song_changes``: songs started after the first; ``n_stretches``: stretch changes of all
    songs.
    """

    music_min: float
    music_click_min: float
    metronome_min: float
    songs: tuple[SongUse, ...]
    n_mode_switches: int
    n_song_changes: int
    n_stretches: int

    @property
    def on_music_min(self) -> float:
        """Minutes of audible cue with a song (music alone or with the click)."""
        return self.music_min + self.music_click_min

    @property
    def used(self) -> bool:
        """True if music was chosen or a song played at any time of the session."""
        return self.on_music_min > 0 or bool(self.songs)


def overlap_s(spans: Sequence[Span], start_t_s: float, end_t_s: float) -> float:
    """Seconds of ``[start_t_s, end_t_s)`` covered by ``spans`` (non-overlapping)."""
    return sum(max(0.0, min(b, end_t_s) - max(a, start_t_s)) for a, b in spans)


def _bounds(data: SessionData) -> Span:
    start = data.phases[0][1] if data.phases else 0.0
    return float(start), max(float(start), data.end_t_s)


def mode_spans(data: SessionData) -> list[tuple[float, float, CueMode]]:
    """The session from its first phase to its end cut where the cue mode changed:
    ``(start_t_s, end_t_s, mode)``, the metronome before the first switch."""
    start, end = _bounds(data)
    out: list[tuple[float, float, CueMode]] = []
    t, mode = start, CueMode.METRONOME
    for event in sorted(data.cue_modes, key=lambda e: e.t_s):
        now = min(max(event.t_s, start), end)
        if event.mode is mode:
            continue
        if now > t:
            out.append((t, now, mode))
        t, mode = now, event.mode
    if end > t:
        out.append((t, end, mode))
    return out


def song_spans(data: SessionData) -> list[tuple[float, float, SongEvent]]:
    """When each song played: ``(start_t_s, end_t_s, its start event)``, up to its stop, the
    next song's start, or the session's end."""
    _, end = _bounds(data)
    out: list[tuple[float, float, SongEvent]] = []
    playing: SongEvent | None = None
    for event in sorted(data.song_events, key=lambda e: e.t_s):
        if event.kind is SongEventKind.STRETCH:
            continue
        if playing is not None:
            out.append((playing.t_s, max(playing.t_s, event.t_s), playing))
        playing = event if event.kind is SongEventKind.START else None
    if playing is not None:
        out.append((playing.t_s, max(playing.t_s, end), playing))
    return out


def music_spans(data: SessionData) -> list[MusicSpan]:
    """Stretches of audible cue with music (music or music+click), cut where the mode or the
    song changed, with the song's title: what a figure shades as music."""
    audible = [(s.start_t_s, s.end_t_s) for s in cue_spans(data) if s.audible]
    songs = song_spans(data)
    out: list[MusicSpan] = []
    for m_start, m_end, mode in mode_spans(data):
        if not mode.has_music:
            continue
        for a, b in audible:
            lo, hi = max(a, m_start), min(b, m_end)
            if hi <= lo:
                continue
            cuts = sorted({lo, hi, *(t for s in songs for t in s[:2] if lo < t < hi)})
            for c0, c1 in itertools.pairwise(cuts):
                title = next((e.title for s0, s1, e in songs if s0 <= c0 and c1 <= s1), "")
                out.append(MusicSpan(c0, c1, mode, title))
    return out


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def _song_uses(data: SessionData, audible: Sequence[Span]) -> tuple[SongUse, ...]:
    spans = song_spans(data)
    order: list[str] = []
    for e in data.song_events:
        if e.song_sha256 not in order:
            order.append(e.song_sha256)
    uses = []
    for sha in order:
        events = [e for e in data.song_events if e.song_sha256 == sha]
        first = next((e for e in events if e.kind is SongEventKind.START), events[0])
        played_s = sum(overlap_s(audible, a, b) for a, b, e in spans if e.song_sha256 == sha)
        stretch = _finite([e.stretch_pct for e in events if e.kind is not SongEventKind.STOP])
        native = _finite([e.native_tempo_bpm for e in events])
        uses.append(
            SongUse(
                song_sha256=sha,
                title=first.title,
                artist=first.artist,
                minutes=played_s / 60.0,
                native_tempo_bpm=native[0] if native else math.nan,
                stretch_min_pct=min(stretch) if stretch else math.nan,
                stretch_max_pct=max(stretch) if stretch else math.nan,
                n_starts=sum(e.kind is SongEventKind.START for e in events),
                n_stretches=sum(e.kind is SongEventKind.STRETCH for e in events),
            )
        )
    return tuple(uses)


def music_use(data: SessionData) -> MusicUse:
    """Minutes of audible cue per mode, the songs used and the counts of changes."""
    audible = [(s.start_t_s, s.end_t_s) for s in cue_spans(data) if s.audible]
    minutes = dict.fromkeys(CueMode, 0.0)
    spans = mode_spans(data)
    for start, end, mode in spans:
        minutes[mode] += overlap_s(audible, start, end) / 60.0
    first_sound = audible[0][0] if audible else math.inf
    n_switches = sum(start > first_sound for start, _, _ in spans[1:])
    starts = [e for e in data.song_events if e.kind is SongEventKind.START]
    return MusicUse(
        music_min=minutes[CueMode.MUSIC],
        music_click_min=minutes[CueMode.MUSIC_CLICK],
        metronome_min=minutes[CueMode.METRONOME],
        songs=_song_uses(data, audible),
        n_mode_switches=n_switches,
        n_song_changes=max(0, len(starts) - 1),
        n_stretches=sum(e.kind is SongEventKind.STRETCH for e in data.song_events),
    )
