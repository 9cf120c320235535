"""Music cues in a live session: which song plays, on the engine thread, and what is recorded.

The songs (:mod:`ras.session.songs`) are decoded in a worker thread from the session's start
(:meth:`SessionMusic.prepare`), never on the engine loop nor in the audio callback, and the
engine loop never waits for them: a song chosen before it is decoded comes in once it is (the
metronome plays until then; :meth:`tick` checks). Only the song playing, the one about to come
in and the next in order are kept decoded (the next decoded ahead while one plays), so memory
is bounded by about three songs however many the patient has. At the start of the cue, the
tempo now known, the first song that can be stretched to it is given to the cue engine as a
:class:`~ras.music.renderer.BeatAlignedRenderer` and the cue mode set; the runner calls this
class for every beat it hands over (:meth:`before_beat`), every tempo change (:meth:`on_tempo`),
every stop and start of the cue, and on each pass of its loop (:meth:`tick`).

Songs change on the cue engine's one :class:`~ras.music.song_chain.SongChain`, crossfaded over
2 beats that end on the boundary beat, the music playing on (no metronome between them): the
therapist's ``song NAME`` waits for the next phrase of the song playing (:data:`BEATS_PER_PHRASE`
beats, from its downbeats or its first beat) that is not decided yet; a song about to end gives
way at its last phrase that leaves it a beat after the boundary; a song whose range the tempo
left, or that ended, gives way at the next beat. The session counts which of the song's beats
each cue beat gets (:attr:`_Playing.next_grid`), as its renderer does. With no song that fits,
the metronome plays on, recorded as a :class:`~ras.events.CueModeEvent` from the ``system`` with
the reason; while music is wanted, each tempo change looks again, and the first song the tempo
reaches comes in from the next beats (the iso-principle: start with what fits, then bring the
song in). Every switch, song start, stop and stretch is recorded with its session time; a
change is the old song's STOP and the new one's START at the boundary beat.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ras.errors import UserInputError
from ras.events import CueMode, CueModeEvent, SongEvent, SongEventKind
from ras.music import stretch
from ras.music.audio_file import read_mono
from ras.music.choice import choose_songs, common_multiple
from ras.music.loudness import gain_to_target_db
from ras.music.renderer import BeatAlignedRenderer, start_beat_index
from ras.music.song_chain import (
    LEAD_BEATS,
    SongChain,
    boundary_t_s,
    chained_start_beat,
    crossfade_frames,
    last_phrase_grid,
    next_phrase_grid,
    phrase_grids,
    phrase_starts_s,
)
from ras.music.track import BeatTrack
from ras.session.songs import SessionSongs
from ras.store.songs import SongRecord

__all__ = ["KEEP_DECODED", "MUSIC_LOOKAHEAD_S", "SessionMusic", "SongView", "song_stretch_pct"]

#: Beats are decided at least this far ahead with music (session s): the music between two
#: beats is rendered once the second is known, plus the output latency (~0.26 s).
MUSIC_LOOKAHEAD_S = 2.0
#: At most this many songs are kept decoded (playing, coming in, next in order).
KEEP_DECODED = 3

Source = Literal["plan", "therapist", "system"]


@dataclass(frozen=True, slots=True)
class SongView:
    """The music as a live screen shows it (all NaN/"" without a song playing).

    Attributes
    ----------
    mode : CueMode
        What the cue sounds like now.
    title : str
        The song playing ("" if none).
    native_tempo_bpm : float
        Its own tempo, bpm.
    stretch_pct : float
        How far it is stretched to the cue tempo, % (+: faster).
    beat_confidence : float
        The beat tracker's confidence, 0–1.
    """

    mode: CueMode = CueMode.METRONOME
    title: str = ""
    native_tempo_bpm: float = math.nan
    stretch_pct: float = math.nan
    beat_confidence: float = math.nan


def song_stretch_pct(native_bpm: float, multiple: float, tempo_bpm: float) -> float:
    """How far a song at ``native_bpm`` played at ``multiple`` is stretched to ``tempo_bpm``, %."""
    return 100.0 * (tempo_bpm / (native_bpm * multiple) - 1.0)


@dataclass
class _Playing:
    song: SongRecord
    renderer: BeatAlignedRenderer
    multiple: float
    audible: bool = False  # a START was recorded and no STOP since
    tempo_bpm: float = math.nan  # the cue tempo it last played at
    next_grid: int = 0  # the song beat (renderer grid index) the next cue beat gets
    phrases: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def of(cls, song: SongRecord, renderer: BeatAlignedRenderer, multiple: float) -> _Playing:
        grid_s = renderer.grid_smp / renderer.sample_rate_hz
        starts = phrase_starts_s(renderer.track.beats_s, renderer.track.downbeats_s)
        return cls(
            song,
            renderer,
            multiple,
            next_grid=renderer.next_grid,
            phrases=phrase_grids(grid_s, starts),
        )

    @property
    def n_grid(self) -> int:
        return int(self.renderer.grid_smp.size)

    def ran_out(self) -> bool:
        """It has ended, or has no beat for the next cue beat (its renderer may not know yet)."""
        return self.renderer.ended or self.next_grid >= self.n_grid

    def last_phrase(self) -> int | None:
        """Where it gives way before it ends (its last phrase that leaves it a beat after)."""
        return last_phrase_grid(self.phrases, self.n_grid)


class SessionMusic:
    """The songs of one session on its cue engine (engine thread, except :meth:`prepare`).

    Parameters
    ----------
    songs : SessionSongs
    mode : CueMode
        The mode the cue starts in.
    engine : object
        The :class:`~ras.audio.engine.CueEngine` (``set_music_source``, ``set_cue_mode``,
        ``earliest_cue_s``, ``sample_rate_hz``).
    record : callable
        ``record(event)`` for the mode and song records.
    say : callable
        ``say(text)`` for the live log.
    read : callable, optional
        ``read(path, sample_rate_hz) -> (audio, info)``; default (None)
        :func:`ras.music.audio_file.read_mono`, looked up when a song is decoded.
    """

    def __init__(
        self,
        songs: SessionSongs,
        mode: CueMode,
        engine: Any,
        *,
        record: Callable[[object], None],
        say: Callable[[str], None],
        read: Callable[..., tuple[np.ndarray, Any]] | None = None,
    ) -> None:
        self.songs = songs
        self.wanted = mode  # the mode asked for (plan or therapist)
        self.mode = CueMode.METRONOME  # the mode playing
        self.engine = engine
        self.record = record
        self.say = say
        self._read = read
        self._paths = {s.sha256: p for s, p in zip(songs.songs, songs.paths, strict=True)}
        self._lock = threading.Lock()  # the decoder's dicts and wish list
        self._audio: dict[str, np.ndarray] = {}  # the songs kept decoded
        self._first_beat: dict[str, int] = {}  # each song's first strong beat
        self._errors: dict[str, str] = {}
        self._want: list[str] = []  # the songs to keep decoded, the first to decode first
        self._decoder: threading.Thread | None = None
        self._preloaded = False
        #: The most songs ever held decoded at once.
        self.decoded_peak = 0
        self.order: list[SongRecord] = list(songs.songs)
        self.playing: _Playing | None = None
        self._pending: tuple[SongRecord, Source, str] | None = None
        # a song chosen before it was decoded: (song, source, at a phrase); it comes in once read
        self._awaiting: tuple[SongRecord, Source, bool] | None = None
        self._played_out: set[str] = set()  # songs that ran to their end: not brought in again
        self._boundary_grid: int | None = None  # the playing song's beat a change waits for
        self._stop_reason = ""  # why the playing song stops at that beat
        self._chain: SongChain | None = None  # the engine's source while a song is set
        self._previous: _Playing | None = None  # shown until the boundary beat is heard
        self._boundary_t_s = -math.inf  # the last change's boundary beat
        self._last_old_beat_t_s = -math.inf  # beats up to here went to the song before
        self._first_beat_t_s = math.nan  # the new song's first beat
        self._tempo_bpm = math.nan
        self._cue_sounding = False
        self._last_beat_t_s = -math.inf  # the last beat handed to the engine
        self._said: set[str] = set()  # problems said once
        self._last_t_s = -math.inf  # the latest record's time

    # --- decoding (worker) -------------------------------------------------------------------

    def prepare(self) -> None:
        """Start decoding the first songs in order in a worker thread (at the session's start)."""
        self._update_keep()

    @property
    def decoded_count(self) -> int:
        """How many songs are held decoded now."""
        with self._lock:
            return len(self._audio)

    def _decode(self) -> None:
        """The worker: decode the wanted songs in turn, the first wanted first; keep each only
        if still wanted when done; end when none is left (:meth:`_update_keep` starts another)."""
        if not self._preloaded:
            self._preloaded = True
            stretch.preload(stretch.DEFAULT_STRETCHER)  # its import holds the GIL: not mid-music
        rate = int(self.engine.sample_rate_hz)
        while True:
            with self._lock:
                key = next((k for k in self._want if self._to_decode(k)), None)
                if key is None:
                    self._decoder = None
                    return
            song = next(s for s in self.songs.songs if s.sha256 == key)
            read = self._read or read_mono
            audio, first, error = _read_song(read, song, self._paths[key], rate)
            with self._lock:
                if error:
                    self._errors[key] = error
                elif key in self._want:
                    self._audio[key], self._first_beat[key] = audio, first
                    self.decoded_peak = max(self.decoded_peak, len(self._audio))

    def _to_decode(self, key: str) -> bool:
        return key not in self._audio and key not in self._errors

    def _decoded(self, song: SongRecord) -> bool:
        with self._lock:
            return song.sha256 in self._audio

    def _keep_list(self) -> list[SongRecord]:
        """The songs to keep decoded, the most needed first: the one playing, the one coming
        in, the one awaited, then the next in order after the last of these (before any, the
        first two in order)."""
        keep: list[SongRecord] = []
        playing = self.playing
        if playing is not None and not playing.renderer.ended:
            keep.append(playing.song)
        for wish in (self._pending, self._awaiting):
            if wish is not None and wish[0] not in keep:
                keep.append(wish[0])
        if keep:
            keep += self._after(keep[-1])[:1]
        else:
            keep = self._after(None)[:2]
        return keep[:KEEP_DECODED]

    def _after(self, song: SongRecord | None) -> list[SongRecord]:
        """The songs in order after ``song`` (from the first if None), wrapping round, without
        it and those that cannot be read."""
        start = self.order.index(song) + 1 if song in self.order else 0
        with self._lock:
            errors = set(self._errors)
        return [
            s
            for s in self.order[start:] + self.order[:start]
            if s is not song and s.sha256 not in errors
        ]

    def _update_keep(self) -> None:
        """Tell the decoder which songs to keep, drop the others, and start it if work waits."""
        want = [s.sha256 for s in self._keep_list()]
        with self._lock:
            if want != self._want:
                self._want = want
                for key in [k for k in self._audio if k not in want]:
                    del self._audio[key]
            if self._decoder is None and any(self._to_decode(k) for k in want):
                self._decoder = threading.Thread(target=self._decode, name="ras-music-decode")
                self._decoder.daemon = True
                self._decoder.start()

    # --- the runner's hooks (engine thread) ----------------------------------------------------

    def start_cue(self, t_s: float, tempo_bpm: float, target_bpm: float | None) -> None:
        """The cue starts at ``t_s`` at ``tempo_bpm``: the songs are ordered and the first that
        fits is set (before the first beat is handed over)."""
        self._tempo_bpm = tempo_bpm
        self._cue_sounding = True
        if not self.order:
            return
        if not self.songs.named:
            chosen = choose_songs(self.order, baseline_spm=tempo_bpm, target_bpm=target_bpm)
            for choice in chosen:
                self.say(f"song choice: {choice.why}")
            self.order = [c.song for c in chosen] or self.order
        if self.wanted.has_music:
            self._play_next(t_s, "plan", "chosen at the cue's start")
        self._update_keep()  # the first in the new order decoded first

    def before_beat(self, t_s: float, tempo_bpm: float) -> None:
        """The beat at ``t_s`` (at ``tempo_bpm``) is being handed to the engine."""
        self._tempo_bpm = tempo_bpm
        if self._pending_is_set() and not math.isfinite(self._first_beat_t_s):
            self._first_beat_t_s = t_s
        playing = self.playing
        ending = playing is not None and playing.next_grid == playing.last_phrase()
        if ending and self._pending is None and self._crossfades():  # before it runs out
            self._stop_reason = "its last phrase: another song follows"
            if self._play_next(t_s, "system", f"{playing.song.title!r} ends", fall_back=False):
                self._stop_reason = ""  # none fits: it plays to its end
        if self._boundary_grid is not None and playing is not None:
            if playing.next_grid >= self._boundary_grid:
                self._change_now(t_s)
            else:
                playing.next_grid += 1
        elif playing is not None:
            playing.next_grid += 1
        self._last_beat_t_s = t_s

    def tick(self, now_s: float) -> None:
        """Each pass of the engine loop: a song that ended gives way, a song awaited comes in
        once decoded, a pending song comes in."""
        self._update_keep()
        if self._awaiting is not None:
            self._bring_awaited(now_s)
        if self._previous is not None and self.engine.earliest_cue_s() > self._boundary_t_s:
            self._previous = None  # the change is heard: its song's audio may go
        playing = self.playing
        ended = playing is not None and playing.renderer.ended
        if ended and self.mode.has_music and self._pending is None:
            self._give_way(now_s, playing.renderer.end_reason or "the song ended")
        heard_next = math.isfinite(self._first_beat_t_s) and self._pending_is_set()
        if heard_next and self.engine.earliest_cue_s() > self._last_old_beat_t_s:
            self._sound_pending()

    def on_tempo(self, t_s: float, tempo_bpm: float, by_therapist: bool = False) -> None:
        """The cue tempo changes at the beat at ``t_s``: one stretch record, or the song gives
        way if the new tempo is beyond its range; while music is wanted and the metronome plays
        because no song fitted, the first song the tempo reached comes in."""
        self._tempo_bpm = tempo_bpm
        playing = self.playing
        if not self.mode.has_music:
            if self._can_come_in():
                source: Source = "system" if by_therapist else "plan"
                self._come_in(t_s, source, "the tempo reached its range")
            return
        if playing is None or playing.ran_out():
            return
        song = playing.song
        pct = song_stretch_pct(song.tempo_bpm, playing.multiple, tempo_bpm)
        if abs(pct) > stretch.MAX_STRETCH_PCT + 1e-9:
            self._give_way(
                t_s,
                f"the cue tempo {tempo_bpm:.1f} bpm is {pct:+.0f} % from {song.title!r}:"
                f" beyond ±{stretch.MAX_STRETCH_PCT:g} %",
            )
            return
        if playing.audible:
            by: Source = "therapist" if by_therapist else "plan"
            self._song(t_s, SongEventKind.STRETCH, playing, by, "tempo change")

    def cue_stops(self, t_s: float, source: Source, reason: str) -> None:
        """The cue stops (cues off, pause, probe, the end): the song stops with it."""
        self._cue_sounding = False
        self._stop_song(t_s, source, reason)

    def cue_resumes(self, t_s: float, source: Source) -> None:
        """The cue starts again (cues on, resume): the song goes on where it stopped."""
        self._cue_sounding = True
        playing = self.playing
        if playing is not None:  # beats taken back at the stop: where the song stopped
            playing.next_grid = playing.renderer.next_grid
        if playing is not None and self.mode.has_music and not playing.renderer.ended:
            playing.audible = True
            self._song(t_s, SongEventKind.START, playing, source, "the cue sounds again")

    def set_mode(self, mode: CueMode, t_s: float) -> str:
        """The therapist's switch of the cue's sound; returns what was done."""
        playing = self.playing
        if not mode.has_music:
            if self.mode is mode and self._pending is None:
                return f"no change: the cue is already the {mode}"
            self.wanted = mode
            self._pending, self._boundary_grid, self._stop_reason = None, None, ""
            self._awaiting = None
            self._stop_song(t_s, "therapist", "metronome chosen")
            self._switch(t_s, mode, "therapist", "")
            return f"cue: metronome from the next beat ({t_s:.1f} s)"
        if not self.order:
            raise UserInputError(
                "music needs a song, and this session has none: add one to the patient's"
                " library before the session"
            )
        self.wanted = mode
        if self._pending is not None or self._awaiting is not None:
            return f"cue: {mode} once the next song comes in"
        if playing is not None and self.mode.has_music:
            if mode is self.mode:
                return f"no change: the cue is already {mode}"
            self._switch(t_s, mode, "therapist", "")
            return f"cue: {mode} from the next beat ({t_s:.1f} s)"
        fits = playing is not None and not self._cannot_play(playing.song)
        if playing is not None and fits and not playing.renderer.ended:
            self._switch(t_s, mode, "therapist", "")
            if self._cue_sounding:
                playing.audible = True
                self._song(t_s, SongEventKind.START, playing, "therapist", "music chosen")
            return f"cue: {mode} from the next beat ({t_s:.1f} s)"
        problems = self._play_next(t_s, "therapist", "chosen by the therapist", fall_back=False)
        if problems:
            self.wanted = CueMode.METRONOME
            raise UserInputError(f"{problems[-1]}: the metronome plays on")
        if self._awaiting is not None:
            title = self._awaiting[0].title
            return f"cue: {mode} once {title!r} is decoded (the metronome until then)"
        return f"cue: {mode} from the next beats ({t_s:.1f} s)"

    def change_song(self, name: str, t_s: float) -> str:
        """The therapist's choice of another song of this session; returns what was done."""
        key = name.strip().lower()
        matches = [s for s in self.order if s.title.lower() == key or s.sha256.startswith(key)] or [
            s for s in self.order if key in s.title.lower()
        ]
        if len(matches) != 1:
            titles = ", ".join(repr(s.title) for s in self.order) or "none"
            raise UserInputError(f"no one song {name!r} in this session; its songs: {titles}")
        song = matches[0]
        problem = self._cannot_play(song)
        if problem:
            raise UserInputError(problem)
        if not self.wanted.has_music:
            self.wanted = CueMode.MUSIC
        if not self._decoded(song):  # it comes in once decoded (tick), at a phrase then
            self._awaiting = (song, "therapist", True)
            self._update_keep()
            return f"song {song.title!r} once it is decoded, at the next phrase then"
        self._awaiting = None
        at_s = self._queue(song, t_s, "therapist", "chosen by the therapist", at_phrase=True)
        if math.isfinite(at_s):
            return f"song {song.title!r} from {at_s:.1f} s, at the next phrase"
        return f"song {song.title!r} from the next beats (after {t_s:.1f} s)"

    def view(self) -> SongView:
        """What a screen shows of the music now."""
        playing = self.playing
        heard = playing is not None and playing.audible
        if self._previous is not None and self.engine.earliest_cue_s() <= self._boundary_t_s:
            playing, heard = self._previous, True  # the change is decided, not heard yet
        if playing is None or not heard:
            return SongView(self.mode)
        song = playing.song
        return SongView(
            self.mode,
            song.title,
            song.tempo_bpm,
            song_stretch_pct(song.tempo_bpm, playing.multiple, self._tempo_bpm),
            song.beat_confidence,
        )

    # --- internals -------------------------------------------------------------------------

    def _cannot_play(self, song: SongRecord) -> str:
        """Why ``song`` cannot play now ("" if it can, decoded or not yet)."""
        with self._lock:
            error = self._errors.get(song.sha256, "")
        if error:
            return error
        if common_multiple(song.tempo_bpm, [self._tempo_bpm]) is None:
            return stretch_refusal(song, self._tempo_bpm)
        return ""

    def _play_next(
        self,
        t_s: float,
        source: Source,
        reason: str,
        *,
        fall_back: bool = True,
        after_playing: bool = True,
    ) -> list[str]:  # the next song comes in at the next beat (through a crossfade if playing)
        """Queue the first song after the one playing (``after_playing``, else the first in
        order) that can play now, or await it if it is not decoded yet (it comes in from
        :meth:`tick`). Returns why each song passed over could not (each said once); if none
        can, the metronome plays on (recorded, unless not ``fall_back``)."""
        after = self.playing.song if self.playing is not None and after_playing else None
        start = self.order.index(after) + 1 if after in self.order else 0
        problems = []
        for song in self.order[start:] + self.order[:start]:
            if song is after:
                continue
            problem = self._cannot_play(song)
            if not problem:
                for passed in problems:
                    self._say_once(passed)
                if self._decoded(song):
                    self._awaiting = None
                    self._queue(song, t_s, source, reason)
                else:
                    self._awaiting = (song, source, False)
                    self._update_keep()
                return []
            problems.append(problem)
        problems = problems or ["no other song in this session"]
        if fall_back:
            many = f"none of its {len(problems)} songs fits {self._tempo_bpm:.1f} bpm"
            self._fall_back(t_s, problems[0] if len(problems) == 1 else many)
        return problems

    def _can_come_in(self) -> bool:
        """Music is wanted, the cue sounds, the metronome plays and no song is on its way."""
        return (
            self.wanted.has_music
            and self._cue_sounding
            and not self.mode.has_music
            and self._pending is None
            and self._awaiting is None
            and bool(self.order)
        )

    def _come_in(self, t_s: float, source: Source, reason: str) -> None:
        """The first song in order that fits the tempo now comes in from the next beats (or
        once decoded); nothing is said or recorded if none fits (that was said already). A
        song that ran to its end is not started again."""
        for song in self.order:
            if song.sha256 in self._played_out or self._cannot_play(song):
                continue
            if self._decoded(song):
                self._queue(song, t_s, source, reason)
            else:
                self._awaiting = (song, source, False)
                self._update_keep()
            return

    def _bring_awaited(self, now_s: float) -> None:
        """The song awaited is decoded (it comes in: at once, or at the playing song's next
        phrase) or cannot be read (the next that fits, else the metronome, said once)."""
        assert self._awaiting is not None
        song, source, at_phrase = self._awaiting
        with self._lock:
            error = self._errors.get(song.sha256, "")
            ready = song.sha256 in self._audio
        if not (error or ready):
            return
        self._awaiting = None
        if not self.wanted.has_music:
            return
        if error and self._crossfades():  # the song playing goes on
            self._say_once(error)
        elif error:
            self._play_next(now_s, source, "decoded", after_playing=False)
        elif self._cannot_play(song):  # the tempo moved while it was read
            self._come_in(now_s, source, "decoded")
        else:
            self._queue(song, now_s, source, "decoded", at_phrase=at_phrase)

    def _say_once(self, text: str) -> None:
        if text not in self._said:
            self._said.add(text)
            self.say(f"music: {text}")

    def _crossfades(self) -> bool:
        """Whether a song change now is a crossfade on the chain: the engine's music is on (heard
        or fading in), so the chain may not be replaced. Asked of the engine, not of this
        class's view of the song: a song that ran out during a pause is not audible here while
        the engine fades the music in again, and the chain learns of a change only when the
        render worker reaches its beat (replacing it then raised, and ended the session)."""
        return self.playing is not None and self._chain is not None and self.engine.music_on

    def _queue(
        self, song: SongRecord, t_s: float, source: Source, reason: str, *, at_phrase: bool = False
    ) -> float:
        """``song`` comes in: crossfaded at the playing song's next phrase not yet decided
        (``at_phrase``, else its next beat), or at once if no song is heard. Returns the
        boundary's expected session time (NaN if not a crossfade)."""
        self._pending = (song, source, reason)
        self._first_beat_t_s = math.nan
        self._stop_reason = self._stop_reason or "another song follows"
        playing = self.playing
        if playing is None or not self._crossfades():
            self._boundary_grid, self._stop_reason = None, ""
            self._set_pending(t_s)
            return math.nan
        boundary = playing.next_grid
        if at_phrase:
            phrase = next_phrase_grid(playing.phrases, playing.next_grid, playing.n_grid)
            boundary = phrase if phrase is not None else boundary
        self._boundary_grid = boundary
        return boundary_t_s(self._last_beat_t_s, boundary - playing.next_grid + 1, self._tempo_bpm)

    def _pending_is_set(self) -> bool:
        return (
            self._pending is not None
            and self._boundary_grid is None
            and (self.playing is not None and self.playing.song is self._pending[0])
        )

    def _renderer(self, song: SongRecord, multiple: float, *, chained: bool) -> BeatAlignedRenderer:
        """The song on the cue beats; ``chained``: it leads in from the song before it."""
        with self._lock:
            audio, first = self._audio[song.sha256], self._first_beat[song.sha256]
        rate = int(self.engine.sample_rate_hz)
        track = _track(song)
        kwargs: dict[str, Any] = {"start_beat": first}
        if chained:
            kwargs = {
                "start_beat": chained_start_beat(first, track.beats_s, track.downbeats_s),
                "fade_in_beats": 0,
                "lead_beats": LEAD_BEATS,
            }
        return BeatAlignedRenderer(
            audio,
            rate,
            track,
            gain_db=gain_to_target_db(song.loudness_lufs),
            multiple=multiple,
            **kwargs,
        )

    def _set_pending(self, t_s: float) -> None:
        """Give the pending song to the engine while no song is heard: beats from now on go to
        it, and the mode becomes music from its first beat (:meth:`_sound_pending`)."""
        assert self._pending is not None
        song = self._pending[0]
        multiple = common_multiple(song.tempo_bpm, [self._tempo_bpm])
        if multiple is None:  # the tempo moved while it waited
            self._pending = None
            self._fall_back(t_s, stretch_refusal(song, self._tempo_bpm))
            return
        renderer = self._renderer(song, multiple, chained=False)
        self._chain = SongChain(renderer)
        self.engine.set_music_source(self._chain)
        self.playing = _Playing.of(song, renderer, multiple)
        self._previous = None
        self._last_old_beat_t_s = self._last_beat_t_s
        self._first_beat_t_s = math.nan

    def _sound_pending(self) -> None:
        """The new song's first beat is the next to play: the mode becomes music from it."""
        assert self._pending is not None and self.playing is not None
        _, source, reason = self._pending
        self._pending = None
        t_s = self._first_beat_t_s
        self._switch(t_s, self.wanted, source, reason)
        if self._cue_sounding:
            self.playing.audible = True
            self._song(t_s, SongEventKind.START, self.playing, source, reason)

    def _change_now(self, t_s: float) -> None:
        """The beat at ``t_s`` is the boundary: the pending song takes over there, crossfaded
        (the old song's STOP and the new one's START at it; the cue stays music)."""
        assert self._pending is not None and self.playing is not None
        song, source, reason = self._pending
        old = self.playing
        self._pending, self._boundary_grid = None, None
        multiple = common_multiple(song.tempo_bpm, [self._tempo_bpm])
        if multiple is None:  # the tempo moved while it waited: the song playing goes on
            old.next_grid += 1
            self._stop_reason = ""
            self._say_once(stretch_refusal(song, self._tempo_bpm))
            return
        renderer = self._renderer(song, multiple, chained=True)
        rate = int(self.engine.sample_rate_hz)
        assert self._chain is not None
        self.engine.change_song_at(t_s, renderer, crossfade_frames(self._tempo_bpm, rate))
        self._stop_song(t_s, source, self._stop_reason or "another song follows")
        self._stop_reason = ""
        self.playing = _Playing.of(song, renderer, multiple)
        self.playing.next_grid = renderer.start_grid + 1  # the boundary is its start beat
        self._previous, self._boundary_t_s = old, t_s
        self._switch(t_s, self.wanted, source, reason)
        if self._cue_sounding:
            self.playing.audible = True
            self._song(t_s, SongEventKind.START, self.playing, source, reason)

    def _give_way(self, t_s: float, reason: str) -> None:
        """The song playing cannot go on: the next song that fits, else the metronome."""
        playing = self.playing
        assert playing is not None
        if playing.renderer.ended:
            self._played_out.add(playing.song.sha256)
        crossfade = self._crossfades()
        if not crossfade:
            self._stop_song(t_s, "system", reason)
        self._stop_reason = f"{reason}; another song follows"  # at the boundary beat
        if self._play_next(t_s, "system", f"after {playing.song.title!r}", fall_back=False):
            self._stop_reason = ""
            self._stop_song(t_s, "system", reason)
            others = "" if len(self.order) < 2 else f" fits {self._tempo_bpm:.1f} bpm"
            self._fall_back(t_s, f"{playing.song.title!r}: {reason}; no other song{others}")
        elif self._awaiting is not None:  # the next is still being decoded: the metronome meanwhile
            self._stop_reason = ""
            self._stop_song(t_s, "system", reason)
            title = self._awaiting[0].title
            self._fall_back(t_s, f"{playing.song.title!r}: {reason}; {title!r} is still decoding")

    def _fall_back(self, t_s: float, reason: str) -> None:
        """No song can play: the metronome plays on (recorded; the log says the record)."""
        self._switch(t_s, CueMode.METRONOME, "system", reason, force=True)

    def _stop_song(self, t_s: float, source: Source, reason: str) -> None:
        playing = self.playing
        if playing is not None and playing.audible:
            playing.audible = False
            self._song(t_s, SongEventKind.STOP, playing, source, reason)

    def _switch(
        self, t_s: float, mode: CueMode, source: Source, reason: str, *, force: bool = False
    ) -> None:
        """The engine's mode from the next beat not yet played, recorded (once per change)."""
        if mode is self.mode and not force:
            return
        if mode is not self.mode:
            self.engine.set_cue_mode(mode)
        self.mode = mode
        self.record(CueModeEvent(self._stamp(t_s), mode, source, reason))

    def _stamp(self, t_s: float) -> float:
        """A record's time: never before the previous one's. A song starts on its first beat,
        which may still be ahead when the therapist acts: what comes after it is said to take
        effect from there (it does: a switch takes effect at the next beat not yet played)."""
        self._last_t_s = max(t_s, self._last_t_s)
        return self._last_t_s

    def _song(
        self, t_s: float, kind: SongEventKind, playing: _Playing, source: Source, reason: str
    ) -> None:
        song = playing.song
        if kind is not SongEventKind.STOP or not math.isfinite(playing.tempo_bpm):
            playing.tempo_bpm = self._tempo_bpm  # a stop says the tempo it played at
        pct = song_stretch_pct(song.tempo_bpm, playing.multiple, playing.tempo_bpm)
        self.record(
            SongEvent(
                self._stamp(t_s),
                kind,
                song.sha256,
                song.title,
                song.artist,
                song.tempo_bpm,
                playing.tempo_bpm,
                pct,
                song.beat_confidence,
                source,
                reason,
            )
        )


def stretch_refusal(song: SongRecord, tempo_bpm: float) -> str:
    """One line: ``song`` cannot be stretched to ``tempo_bpm``."""
    try:
        stretch.check_stretch(song.tempo_bpm, tempo_bpm)
    except UserInputError as err:
        return f"{song.title!r} cannot play now: {err}"
    return ""


def _read_song(
    read: Callable[..., tuple[np.ndarray, Any]], song: SongRecord, path: Any, rate_hz: int
) -> tuple[np.ndarray, int, str]:
    """``(audio, first strong beat, "")`` of one song, or ``(empty, 0, why it cannot play)``:
    its start measured over the whole song here, in the decoder, not on the engine thread."""
    try:
        audio, _ = read(path, rate_hz)
        return audio, start_beat_index(audio, rate_hz, song.beats_s, song.downbeats_s), ""
    except UserInputError as err:
        return np.zeros(0, np.float32), 0, f"{song.title!r} cannot be played: {err}"
    except OSError as err:
        why = f"its file cannot be read ({err.strerror or err})"
        return np.zeros(0, np.float32), 0, f"{song.title!r} cannot be played: {why}"


def _track(song: SongRecord) -> BeatTrack:
    return BeatTrack(
        beats_s=song.beats_s,
        tempo_bpm=song.tempo_bpm,
        tempo_stability_pct=song.tempo_stability_pct,
        confidence=song.beat_confidence,
        usable=song.usable,
        reason=song.reason,
        tracker=song.tracker,
        downbeats_s=song.downbeats_s,
    )
