"""Music cues in a live session: which song plays, on the engine thread, and what is recorded.

The songs (:mod:`ras.session.songs`) are decoded in a worker thread from the session's start
(:meth:`SessionMusic.prepare`), never on the engine loop's hot path nor in the audio callback.
At the start of the cue, the tempo now known, the first song that can be stretched to it is
given to the cue engine as a :class:`~ras.music.renderer.BeatAlignedRenderer` and the cue mode
set; the runner calls this class for every beat it hands over (:meth:`before_beat`), every tempo
change (:meth:`on_tempo`), every stop and start of the cue, and on each pass of its loop
(:meth:`tick`).

A song that cannot go on (it ended, or the tempo left its ±10 % range) gives way at the next
beat: the metronome takes over from the next beat not yet played (so no beat is ever without
a cue), and the next chosen song that fits the tempo comes in once the old one has faded out and
beats have been handed to it (the music fades in to end on its first beat). With none, the
metronome plays on, recorded as a :class:`~ras.events.CueModeEvent` from the ``system`` with the
reason. Every switch, song start, stop and stretch is recorded with its session time.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ras.errors import UserInputError
from ras.events import CueMode, CueModeEvent, SongEvent, SongEventKind
from ras.music import stretch
from ras.music.audio_file import read_mono
from ras.music.choice import choose_songs, common_multiple
from ras.music.loudness import gain_to_target_db
from ras.music.renderer import BeatAlignedRenderer
from ras.music.track import BeatTrack
from ras.session.songs import SessionSongs
from ras.store.songs import SongRecord

__all__ = ["DECODE_WAIT_S", "MUSIC_LOOKAHEAD_S", "SessionMusic", "SongView", "song_stretch_pct"]

#: Beats are decided at least this far ahead with music (session s): the music between two
#: beats is rendered once the second is known, plus the output latency (~0.26 s).
MUSIC_LOOKAHEAD_S = 2.0
#: How long the cue's start waits for the songs still decoding, real s.
DECODE_WAIT_S = 10.0
#: A song that stops fades out over this much of what is rendered, session s (the engine's
#: fade is 0.5 s): the next song is given to the engine after it, since its ring is rewound.
_FADE_OUT_S = 0.6

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
        ``read(path, sample_rate_hz) -> (audio, info)``; default
        :func:`ras.music.audio_file.read_mono`.
    """

    def __init__(
        self,
        songs: SessionSongs,
        mode: CueMode,
        engine: Any,
        *,
        record: Callable[[object], None],
        say: Callable[[str], None],
        read: Callable[..., tuple[np.ndarray, Any]] = read_mono,
    ) -> None:
        self.songs = songs
        self.wanted = mode  # the mode asked for (plan or therapist)
        self.mode = CueMode.METRONOME  # the mode playing
        self.engine = engine
        self.record = record
        self.say = say
        self._read = read
        self._audio: dict[str, np.ndarray] = {}
        self._errors: dict[str, str] = {}
        self._decoder: threading.Thread | None = None
        self.order: list[SongRecord] = list(songs.songs)
        self.playing: _Playing | None = None
        self._pending: tuple[SongRecord, Source, str] | None = None
        self._set_after_t_s = math.inf  # the pending song is given to the engine after this
        self._last_old_beat_t_s = -math.inf  # beats up to here went to the song before
        self._first_beat_t_s = math.nan  # the new song's first beat
        self._tempo_bpm = math.nan
        self._cue_sounding = False
        self._last_beat_t_s = -math.inf  # the last beat handed to the engine
        self._said: set[str] = set()  # problems said once
        self._last_t_s = -math.inf  # the latest record's time

    # --- decoding (worker) -------------------------------------------------------------------

    def prepare(self) -> None:
        """Start decoding the songs in a worker thread (at the session's start)."""
        if self._decoder is None and self.songs.songs:
            self._decoder = threading.Thread(target=self._decode, name="ras-music-decode")
            self._decoder.daemon = True
            self._decoder.start()

    def _decode(self) -> None:
        rate = int(self.engine.sample_rate_hz)
        for song, path in zip(self.songs.songs, self.songs.paths, strict=True):
            try:
                audio, _ = self._read(path, rate)
                self._audio[song.sha256] = audio
            except UserInputError as err:
                self._errors[song.sha256] = f"{song.title!r} cannot be played: {err}"
            except OSError as err:
                self._errors[song.sha256] = (
                    f"{song.title!r} cannot be played: its file cannot be read"
                    f" ({err.strerror or err})"
                )

    def _wait_decoded(self) -> None:
        if self._decoder is not None:
            self._decoder.join(DECODE_WAIT_S)

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
            self._wait_decoded()
            self._play_next(t_s, "plan", "chosen at the cue's start")

    def before_beat(self, t_s: float, tempo_bpm: float) -> None:
        """The beat at ``t_s`` (at ``tempo_bpm``) is being handed to the engine."""
        self._tempo_bpm = tempo_bpm
        if self._pending_is_set() and not math.isfinite(self._first_beat_t_s):
            self._first_beat_t_s = t_s
        self._last_beat_t_s = t_s

    def tick(self, now_s: float) -> None:
        """Each pass of the engine loop: a song that ended gives way, a pending song comes in."""
        playing = self.playing
        if playing is not None and self.mode.has_music and playing.renderer.ended:
            self._give_way(now_s, playing.renderer.end_reason or "the song ended")
        waiting = self._pending is not None and self._set_after_t_s != math.inf
        if waiting and self.engine.earliest_cue_s() >= self._set_after_t_s:
            self._set_pending(now_s)
        heard_next = math.isfinite(self._first_beat_t_s) and self._pending_is_set()
        if heard_next and self.engine.earliest_cue_s() > self._last_old_beat_t_s:
            self._sound_pending()

    def on_tempo(self, t_s: float, tempo_bpm: float, by_therapist: bool = False) -> None:
        """The cue tempo changes at the beat at ``t_s``: one stretch record, or the song gives
        way if the new tempo is beyond its range."""
        self._tempo_bpm = tempo_bpm
        playing = self.playing
        if playing is None or not self.mode.has_music or playing.renderer.ended:
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
            source: Source = "therapist" if by_therapist else "plan"
            self._song(t_s, SongEventKind.STRETCH, playing, source, "tempo change")

    def cue_stops(self, t_s: float, source: Source, reason: str) -> None:
        """The cue stops (cues off, pause, probe, the end): the song stops with it."""
        self._cue_sounding = False
        self._stop_song(t_s, source, reason)

    def cue_resumes(self, t_s: float, source: Source) -> None:
        """The cue starts again (cues on, resume): the song goes on where it stopped."""
        self._cue_sounding = True
        playing = self.playing
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
            self._pending, self._set_after_t_s = None, math.inf
            self._stop_song(t_s, "therapist", "metronome chosen")
            self._switch(t_s, mode, "therapist", "")
            return f"cue: metronome from the next beat ({t_s:.1f} s)"
        if not self.order:
            raise UserInputError(
                "music needs a song, and this session has none: add one to the patient's"
                " library before the session"
            )
        self.wanted = mode
        if self._pending is not None:
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
        self._wait_decoded()
        problem = self._cannot_play(song)
        if problem:
            raise UserInputError(problem)
        if not self.wanted.has_music:
            self.wanted = CueMode.MUSIC
        self._queue(song, t_s, "therapist", "chosen by the therapist")
        return f"song {song.title!r} from the next beats (after {t_s:.1f} s)"

    def view(self) -> SongView:
        """What a screen shows of the music now."""
        playing = self.playing
        if playing is None or not playing.audible:
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
        """Why ``song`` cannot play now ("" if it can)."""
        if song.sha256 in self._errors:
            return self._errors[song.sha256]
        if song.sha256 not in self._audio:
            return f"{song.title!r} is not ready yet (still being read)"
        if common_multiple(song.tempo_bpm, [self._tempo_bpm]) is None:
            return stretch_refusal(song, self._tempo_bpm)
        return ""

    def _play_next(
        self, t_s: float, source: Source, reason: str, *, fall_back: bool = True
    ) -> list[str]:
        """Queue the first song after the one playing that can play now. Returns why each song
        passed over could not (each said once); if none can, the metronome plays on (recorded,
        unless not ``fall_back``)."""
        after = self.playing.song if self.playing is not None else None
        start = self.order.index(after) + 1 if after in self.order else 0
        problems = []
        for song in self.order[start:] + self.order[:start]:
            if after is not None and song.sha256 == after.sha256:
                continue
            problem = self._cannot_play(song)
            if not problem:
                for passed in problems:
                    self._say_once(passed)
                self._queue(song, t_s, source, reason)
                return []
            problems.append(problem)
        problems = problems or ["no other song in this session"]
        if fall_back:
            many = f"none of its {len(problems)} songs fits {self._tempo_bpm:.1f} bpm"
            self._fall_back(t_s, problems[0] if len(problems) == 1 else many)
        return problems

    def _say_once(self, text: str) -> None:
        if text not in self._said:
            self._said.add(text)
            self.say(f"music: {text}")

    def _queue(self, song: SongRecord, t_s: float, source: Source, reason: str) -> None:
        """``song`` comes in once the music playing (if any) has faded out."""
        self._pending = (song, source, reason)
        self._first_beat_t_s = math.nan
        if self.playing is not None and self.mode.has_music:
            self._stop_song(t_s, source, "another song follows")
            self._switch(t_s, CueMode.METRONOME, "system", "the song changes")
            self._set_after_t_s = max(t_s, self.engine.earliest_cue_s()) + _FADE_OUT_S
        else:
            self._set_pending(t_s)

    def _pending_is_set(self) -> bool:
        return self._pending is not None and self._set_after_t_s == math.inf

    def _set_pending(self, t_s: float) -> None:
        """Give the pending song to the engine: beats from now on go to it."""
        assert self._pending is not None
        song = self._pending[0]
        multiple = common_multiple(song.tempo_bpm, [self._tempo_bpm])
        if multiple is None:  # the tempo moved while it waited
            self._pending, self._set_after_t_s = None, math.inf
            self._fall_back(t_s, stretch_refusal(song, self._tempo_bpm))
            return
        renderer = BeatAlignedRenderer(
            self._audio[song.sha256],
            int(self.engine.sample_rate_hz),
            _track(song),
            gain_db=gain_to_target_db(song.loudness_lufs),
            multiple=multiple,
        )
        self.engine.set_music_source(renderer)
        self.playing = _Playing(song, renderer, multiple)
        self._set_after_t_s = math.inf
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

    def _give_way(self, t_s: float, reason: str) -> None:
        """The song playing cannot go on: the next song that fits, else the metronome."""
        playing = self.playing
        assert playing is not None
        self._stop_song(t_s, "system", reason)
        if self._play_next(t_s, "system", f"after {playing.song.title!r}", fall_back=False):
            others = "" if len(self.order) < 2 else f" fits {self._tempo_bpm:.1f} bpm"
            self._fall_back(t_s, f"{playing.song.title!r}: {reason}; no other song{others}")

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
