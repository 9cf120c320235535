"""A patient's music library: import songs once, analyse them once, keep the patient's flags.

Adding a file hashes its bytes (sha256); a recording already in the library (added before, or by
another patient) is not decoded or analysed again. A new one is decoded
(:mod:`ras.music.audio_file`), measured (:mod:`ras.music.loudness`), beat-tracked
(:func:`ras.music.beats.track_beats` unless another analyser is given), given a second
opinion by another tracker where one is installed (:mod:`ras.music.second_opinion`), copied
beside the database and stored (:mod:`ras.store.songs`). A song whose beat cannot be tracked with
confidence is kept but marked unusable with the tracker's reason; a song flagged *avoid*
(emotionally triggering) is never offered.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ras.errors import UserInputError
from ras.music.audio_file import check_audio_file, read_mono
from ras.music.loudness import SILENCE_LUFS, integrated_loudness_lufs, peak_dbfs
from ras.music.second_opinion import SecondOpinion, opinion_line
from ras.music.track import BeatTrack
from ras.store.songs import FLAGS, PatientSong, SongRecord, SongStore, file_sha256
from ras.store.store import Store, utc_now_iso
from ras.text import MAX_NAME_CHARS, check_text, terminal_safe

__all__ = ["Analyser", "MusicLibrary", "SecondOpinionMaker", "SongAdded", "check_title", "opinion"]

#: What analyses a song's beats: ``track_beats(*, audio, sample_rate_hz) -> BeatTrack``.
Analyser = Callable[..., BeatTrack]
#: What gives a second opinion on them: ``(*, audio, sample_rate_hz, primary) -> SecondOpinion``.
SecondOpinionMaker = Callable[..., SecondOpinion]


@dataclasses.dataclass(frozen=True, eq=False)
class SongAdded:
    """What :meth:`MusicLibrary.add` did.

    Attributes
    ----------
    song : PatientSong
        The song as the patient now has it.
    analysed : bool
        False when the recording was in the library already (its analysis was reused).
    new_for_patient : bool
        False when the patient had the song already (only flags or title changed).
    """

    song: PatientSong
    analysed: bool
    new_for_patient: bool


def check_title(what: str, text: str, *, required: bool) -> str:
    """A title or artist: plain one-line text of at most :data:`~ras.text.MAX_NAME_CHARS`,
    trimmed; UserInputError if it has control characters, is too long, or is required and
    empty."""
    text = check_text(what, text, MAX_NAME_CHARS).strip()
    if required and not text:
        raise UserInputError(f"{what} must not be empty; give the song's name")
    return text


def _default_analyser() -> Analyser:
    from ras.music.beats import track_beats  # librosa loads only when a song is analysed

    return track_beats


def opinion(song: SongRecord) -> str:
    """The second opinion on a song's beat in one line: the trackers disagree (both tempi),
    agree, or none was made."""
    return opinion_line(
        song.tracker,
        song.tempo_bpm,
        song.second_tracker,
        song.second_tempo_bpm,
        song.trackers_agree,
    )


def _title_from_file(path: Path, tag_title: str) -> str:
    """The tag's title, else the file's name, as one plain line that fits."""
    title = terminal_safe(tag_title or path.stem).strip() or path.name
    return title[:MAX_NAME_CHARS]


class MusicLibrary:
    """The music library of a store.

    Parameters
    ----------
    store : Store
        The open database (its folder holds the audio under ``music/``).
    analyse : callable, optional
        Beat tracker, ``analyse(*, audio, sample_rate_hz) -> BeatTrack``; default
        :func:`ras.music.beats.track_beats`.
    second_opinion : callable, optional
        ``(*, audio, sample_rate_hz, primary) -> SecondOpinion``; default: with the default
        tracker, :func:`ras.music.second_opinion.second_opinion` (essentia, if installed); with
        another analyser, none (the record says no second opinion was made).
    """

    def __init__(
        self,
        store: Store,
        analyse: Analyser | None = None,
        second_opinion: SecondOpinionMaker | None = None,
    ) -> None:
        self.store = store
        self._analyse = analyse
        self._second_opinion = second_opinion

    @property
    def _songs(self) -> SongStore:
        return self.store.songs

    def add(
        self,
        path: str | os.PathLike[str],
        *,
        patient: str,
        title: str | None = None,
        artist: str | None = None,
        **flags: bool,
    ) -> SongAdded:
        """Add the song file at ``path`` to the patient's library.

        ``flags`` are ``liked``, ``familiar``, ``avoid`` (those not given stay as they were, or
        off). ``title``/``artist`` name the recording for every patient who has it (default:
        the file's tags, else its name).

        Raises
        ------
        UserInputError
            Unknown patient, a file that is not a usable song (:mod:`ras.music.audio_file`),
            a silent file, bad title or flags.
        """
        source = Path(path)
        self.store.get_patient(patient)  # an unknown patient before any decoding
        title = None if title is None else check_title("the title", title, required=True)
        artist = None if artist is None else check_title("the artist", artist, required=False)
        _check_flags(flags)
        check_audio_file(source)  # format and length, before the bytes are hashed
        try:
            sha256 = file_sha256(source)
        except OSError as exc:
            raise UserInputError(f"cannot read {source}: {exc.strerror or exc}") from None
        known = self._songs.find(sha256)
        if known is None:
            record = self._analysed(source, sha256, title, artist)
        else:
            record = known
            self._songs.retitle(sha256, title=title, artist=artist)
        self._songs.keep_audio(source, sha256, record.extension)
        new = self._songs.add(record, patient, flags, utc_now_iso())
        return SongAdded(self._patient_song(patient, sha256), known is None, new)

    def _analysed(
        self, source: Path, sha256: str, title: str | None, artist: str | None
    ) -> SongRecord:
        """Decode, measure and beat-track a new recording."""
        audio, info = read_mono(source)
        loudness_lufs = integrated_loudness_lufs(audio, info.sample_rate_hz)
        if not loudness_lufs > SILENCE_LUFS:
            raise UserInputError(
                f"cannot use {source} as a song: it is silent (quieter than {SILENCE_LUFS:g}"
                " LUFS throughout)"
            )
        analyse = self._analyse or _default_analyser()
        t0 = time.perf_counter()
        track = analyse(audio=audio, sample_rate_hz=info.sample_rate_hz)
        second = self._second_opinion_maker()
        checked = (
            SecondOpinion()
            if second is None
            else second(audio=audio, sample_rate_hz=info.sample_rate_hz, primary=track)
        )
        analysis_s = time.perf_counter() - t0
        return SongRecord(
            sha256=sha256,
            extension=info.extension,
            title=title or _title_from_file(source, info.title),
            artist=artist if artist is not None else terminal_safe(info.artist)[:MAX_NAME_CHARS],
            duration_s=info.duration_s,
            sample_rate_hz=info.sample_rate_hz,
            channels=info.channels,
            tempo_bpm=float(track.tempo_bpm),
            tempo_stability_pct=float(track.tempo_stability_pct),
            beat_confidence=float(track.confidence),
            usable=bool(track.usable),
            reason=str(track.reason),
            tracker=str(track.tracker),
            loudness_lufs=loudness_lufs,
            peak_dbfs=peak_dbfs(audio),
            beats_s=np.asarray(track.beats_s, dtype=np.float64),
            downbeats_s=np.asarray(track.downbeats_s, dtype=np.float64),
            analysed_utc=utc_now_iso(),
            analysis_s=analysis_s,
            second_tracker=checked.tracker,
            second_tempo_bpm=float(checked.tempo_bpm),
            tracker_agreement=float(checked.agreement),
            trackers_agree=checked.agree,
        )

    def _second_opinion_maker(self) -> SecondOpinionMaker | None:
        if self._second_opinion is not None or self._analyse is not None:
            return self._second_opinion
        from ras.music.second_opinion import second_opinion

        return second_opinion

    def _patient_song(self, patient: str, sha256: str) -> PatientSong:
        return next(
            s
            for s in self._songs.of_patient(patient, include_avoided=True)
            if s.song.sha256 == sha256
        )

    def songs(self, patient: str, *, include_avoided: bool = False) -> list[PatientSong]:
        """The patient's songs by title; those to avoid only if ``include_avoided``."""
        return self._songs.of_patient(patient, include_avoided=include_avoided)

    def offered(self, patient: str) -> list[PatientSong]:
        """The songs a session may offer the patient: usable for cueing and not to avoid."""
        return [s for s in self.songs(patient) if s.song.usable]

    def everything(self) -> list[tuple[SongRecord, int]]:
        """Every song in the library, with how many patients have it."""
        return self._songs.everything()

    def find(self, song: str, *, patient: str | None = None) -> SongRecord:
        """The song named by title or hash prefix (the patient's songs if given)."""
        if patient is not None:
            self.store.get_patient(patient)
        return self._songs.resolve(song, patient)

    def set_flags(self, song: str, *, patient: str, **flags: bool) -> PatientSong:
        """Change the patient's flags on one of their songs (by title or hash prefix)."""
        _check_flags(flags)
        return self._songs.set_flags(patient, self.find(song, patient=patient), flags)

    def remove(self, song: str, *, patient: str) -> tuple[SongRecord, bool]:
        """Take a song (by title or hash prefix) from the patient's library.

        Returns
        -------
        (SongRecord, bool)
            The song, and whether it left the library (no patient has it now: its audio file
            is deleted).
        """
        record = self.find(song, patient=patient)
        return record, self._songs.remove(patient, record)

    def audio_path(self, song: SongRecord) -> Path:
        """Where the song's audio is kept (beside the database)."""
        return self._songs.audio_path(song)


def _check_flags(flags: dict[str, bool]) -> None:
    for name, value in flags.items():
        if name not in FLAGS:
            raise UserInputError(f"unknown song flag {name!r}; choose from: {', '.join(FLAGS)}")
        if not isinstance(value, bool):
            raise UserInputError(f"the song flag {name} is true or false, got {value!r}")
