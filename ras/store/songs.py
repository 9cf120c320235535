"""The music library's storage: song metadata in the database, the audio beside it.

A song is known by the sha256 of its file's bytes. Its audio is copied once into
``<database folder>/music/<sha256>.<extension>`` (folder 0700, file 0600: what a patient listens
to is health data too); the ``songs`` table keeps what it is and its analysis (schema v6; a
second tracker's opinion, v8), and ``patient_songs`` whose it is, with the patient's flags.
When no patient has a song any more, its row and its audio file go.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import math
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ras.errors import UserInputError
from ras.store.paths import DIR_MODE, FILE_MODE, owner_only_umask

__all__ = [
    "FLAGS",
    "MUSIC_DIR_NAME",
    "PatientSong",
    "SongRecord",
    "SongStore",
    "beats_from_blob",
    "beats_to_blob",
    "file_sha256",
]

#: Folder beside the database that holds the songs' audio.
MUSIC_DIR_NAME = "music"
#: A patient's flags on a song: liked, familiar (known from before), avoid (emotionally
#: triggering: never offered).
FLAGS = ("liked", "familiar", "avoid")
#: Fewest hex digits of a hash that name a song.
MIN_HASH_PREFIX = 4
_HEX = re.compile(r"^[0-9a-f]+$")
_CHUNK = 1 << 20


@dataclasses.dataclass(frozen=True, eq=False)
class SongRecord:
    """One recording as stored: what it is and its analysis on import.

    Attributes
    ----------
    sha256 : str
        Hex digest of the file's bytes (its identity).
    extension : str
        ``wav``, ``flac``, ``ogg`` or ``mp3`` (from the content).
    duration_s : float
    sample_rate_hz, channels : int
        The file's own.
    tempo_bpm, tempo_stability_pct, beat_confidence, usable, reason, tracker
        As :class:`ras.music.track.BeatTrack` gives them (stability: CV of the beat
        intervals, %; confidence 0-1; reason: why not usable, ``""`` if usable).
    loudness_lufs : float
        BS.1770 integrated loudness of the mono mix, LUFS.
    peak_dbfs : float
        Sample peak of the mono mix, dBFS.
    beats_s, downbeats_s : numpy.ndarray
        Beat and bar-start times in the song, s (float64).
    analysed_utc : str
        When it was analysed; ``analysis_s`` how long that took, s.
    second_tracker : str
        The tracker asked for a second opinion on import (``""``: none was made; schema v8).
    second_tempo_bpm : float
        Its tempo, beats/min (NaN when none was made).
    tracker_agreement : float
        F-measure of its beats against the default's at one level, 0–1 (NaN when none).
    trackers_agree : bool or None
        Whether the two trackers agree (None: not checked); see
        :mod:`ras.music.second_opinion`.
    """

    sha256: str
    extension: str
    title: str
    artist: str
    duration_s: float
    sample_rate_hz: int
    channels: int
    tempo_bpm: float
    tempo_stability_pct: float
    beat_confidence: float
    usable: bool
    reason: str
    tracker: str
    loudness_lufs: float
    peak_dbfs: float
    beats_s: np.ndarray
    downbeats_s: np.ndarray
    analysed_utc: str
    analysis_s: float
    second_tracker: str = ""
    second_tempo_bpm: float = math.nan
    tracker_agreement: float = math.nan
    trackers_agree: bool | None = None

    @property
    def short_id(self) -> str:
        """The first 8 hex digits of the hash: how lists and commands name the song."""
        return self.sha256[:8]


@dataclasses.dataclass(frozen=True, eq=False)
class PatientSong:
    """A song in one patient's library, with the patient's flags."""

    song: SongRecord
    patient_id: str
    liked: bool
    familiar: bool
    avoid: bool
    added_utc: str


#: The songs table's columns, in the order of :class:`SongRecord`'s fields.
_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SongRecord))
_SELECT = ", ".join(f"s.{c}" for c in _COLUMNS)
_BLOBS = ("beats_s", "downbeats_s")
#: Numbers a tracker may leave undefined (NaN: too few beats), stored as NULL.
_MAYBE_NAN = (
    "tempo_bpm",
    "tempo_stability_pct",
    "beat_confidence",
    "second_tempo_bpm",
    "tracker_agreement",
)


def beats_to_blob(times_s: np.ndarray) -> bytes:
    """Times, s, as the stored blob (float64 little-endian)."""
    return np.ascontiguousarray(times_s, dtype="<f8").tobytes()


def beats_from_blob(blob: bytes) -> np.ndarray:
    """Times, s, from a stored blob."""
    return np.frombuffer(blob, dtype="<f8").astype(np.float64)


def _song_from_row(row: tuple[Any, ...]) -> SongRecord:
    values = dict(zip(_COLUMNS, row, strict=True))
    values["usable"] = bool(values["usable"])
    agree = values["trackers_agree"]
    values["trackers_agree"] = None if agree is None else bool(agree)
    for name in _BLOBS:
        values[name] = beats_from_blob(values[name])
    for name in _MAYBE_NAN:
        values[name] = math.nan if values[name] is None else float(values[name])
    return SongRecord(**values)


def _song_params(song: SongRecord) -> tuple[Any, ...]:
    values = dataclasses.asdict(song)
    for name in _BLOBS:
        values[name] = beats_to_blob(getattr(song, name))
    values["usable"] = int(song.usable)
    values["trackers_agree"] = None if song.trackers_agree is None else int(song.trackers_agree)
    for name in _MAYBE_NAN:  # NULL, not NaN, for a number nobody measured
        if not math.isfinite(values[name]):
            values[name] = None
    return tuple(values[c] for c in _COLUMNS)


def _hash_stream(src: BinaryIO, sink: BinaryIO | None = None) -> str:
    digest = hashlib.sha256()
    while chunk := src.read(_CHUNK):
        digest.update(chunk)
        if sink is not None:
            sink.write(chunk)
    return digest.hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file's bytes."""
    with open(path, "rb") as f:
        return _hash_stream(f)


class SongStore:
    """The songs of one database (use through :attr:`ras.store.Store.songs`).

    Parameters
    ----------
    conn : sqlite3.Connection
        The store's autocommit connection.
    db_path : Path
        The database file; the audio lives in its folder's ``music/``.
    patient_rowid : callable
        Pseudonymous id -> patients.id (UserInputError naming the known ids if unknown).
    """

    def __init__(
        self, conn: sqlite3.Connection, db_path: Path, patient_rowid: Callable[[str], int]
    ) -> None:
        self._conn = conn
        self.music_dir = Path(db_path).parent / MUSIC_DIR_NAME
        self._patient_rowid = patient_rowid

    # ---- audio files ----------------------------------------------------------------------

    def audio_path(self, song: SongRecord) -> Path:
        """Where the song's audio is kept."""
        return self.music_dir / f"{song.sha256}.{song.extension}"

    def keep_audio(self, source: str | os.PathLike[str], sha256: str, extension: str) -> Path:
        """Copy ``source`` into the music folder as ``<sha256>.<extension>`` (owner-only,
        atomically); nothing is copied if it is there already.

        Raises
        ------
        UserInputError
            The file changed since it was hashed, or the folder cannot be written.
        """
        target = self.music_dir / f"{sha256}.{extension}"
        if target.is_file():
            return target
        try:
            with owner_only_umask():
                self.music_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
                os.chmod(self.music_dir, DIR_MODE)
                fd, tmp = tempfile.mkstemp(dir=self.music_dir, suffix=".part")  # 0600
            try:
                with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
                    copied = _hash_stream(src, dst)
                    dst.flush()
                    os.fsync(dst.fileno())
                if copied != sha256:
                    raise UserInputError(
                        f"{source} changed while it was being added; add it again when it is"
                        " complete"
                    )
                os.chmod(tmp, FILE_MODE)
                os.replace(tmp, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        except OSError as exc:
            raise UserInputError(
                f"cannot keep a copy of {source} in {self.music_dir}: {exc.strerror or exc}"
            ) from None
        return target

    def _drop_audio(self, song: SongRecord) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.audio_path(song).unlink()

    # ---- songs ----------------------------------------------------------------------------

    def find(self, sha256: str) -> SongRecord | None:
        """The song with this exact hash, or None."""
        row = self._conn.execute(
            f"SELECT {_SELECT} FROM songs s WHERE s.sha256 = ?", (sha256,)
        ).fetchone()
        return None if row is None else _song_from_row(row)

    def add(
        self, song: SongRecord, patient_id: str, flags: dict[str, bool], added_utc: str
    ) -> bool:
        """Store ``song`` (unless its hash is stored already) and give it to the patient with
        ``flags`` (names of :data:`FLAGS`; those not given stay as they were, or off).

        Returns
        -------
        bool
            True if the patient did not have the song before.
        """
        rowid = self._patient_rowid(patient_id)
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.execute(
                f"INSERT OR IGNORE INTO songs ({', '.join(_COLUMNS)})"
                f" VALUES ({', '.join('?' * len(_COLUMNS))})",
                _song_params(song),
            )
            song_id = self._song_rowid(song.sha256)
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO patient_songs (patient_id, song_id, added_utc)"
                " VALUES (?, ?, ?)",
                (rowid, song_id, added_utc),
            )
            new = cur.rowcount == 1
            self._set(rowid, song_id, flags)
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        return new

    def retitle(self, sha256: str, *, title: str | None, artist: str | None) -> None:
        """Change the song's title and/or artist (None: keep)."""
        changes = {k: v for k, v in {"title": title, "artist": artist}.items() if v is not None}
        if changes:
            self._conn.execute(
                f"UPDATE songs SET {', '.join(f'{k} = ?' for k in changes)} WHERE sha256 = ?",
                (*changes.values(), sha256),
            )

    def _song_rowid(self, sha256: str) -> int:
        return int(
            self._conn.execute("SELECT id FROM songs WHERE sha256 = ?", (sha256,)).fetchone()[0]
        )

    def _set(self, patient_rowid: int, song_id: int, flags: dict[str, bool]) -> None:
        for name in flags:
            if name not in FLAGS:
                raise KeyError(name)
        if flags:
            self._conn.execute(
                f"UPDATE patient_songs SET {', '.join(f'{k} = ?' for k in flags)}"
                " WHERE patient_id = ? AND song_id = ?",
                (*(int(bool(v)) for v in flags.values()), patient_rowid, song_id),
            )

    # ---- a patient's songs ----------------------------------------------------------------

    def of_patient(self, patient_id: str, *, include_avoided: bool = False) -> list[PatientSong]:
        """The patient's songs by title; those to avoid only if ``include_avoided``."""
        rowid = self._patient_rowid(patient_id)
        where = "" if include_avoided else " AND p.avoid = 0"
        rows = self._conn.execute(
            f"SELECT {_SELECT}, p.liked, p.familiar, p.avoid, p.added_utc FROM songs s"
            f" JOIN patient_songs p ON p.song_id = s.id WHERE p.patient_id = ?{where}"
            " ORDER BY lower(s.title), s.sha256",
            (rowid,),
        ).fetchall()
        n = len(_COLUMNS)
        return [
            PatientSong(
                _song_from_row(r[:n]),
                patient_id,
                bool(r[n]),
                bool(r[n + 1]),
                bool(r[n + 2]),
                r[n + 3],
            )
            for r in rows
        ]

    def everything(self) -> list[tuple[SongRecord, int]]:
        """Every song in the library by title, with how many patients have it."""
        rows = self._conn.execute(
            f"SELECT {_SELECT}, (SELECT count(*) FROM patient_songs p WHERE p.song_id = s.id)"
            " FROM songs s ORDER BY lower(s.title), s.sha256"
        ).fetchall()
        return [(_song_from_row(r[:-1]), int(r[-1])) for r in rows]

    def set_flags(self, patient_id: str, song: SongRecord, flags: dict[str, bool]) -> PatientSong:
        """Change the patient's flags on a song they have; returns it as now stored."""
        rowid = self._patient_rowid(patient_id)
        self._set(rowid, self._song_rowid(song.sha256), flags)
        return next(
            s
            for s in self.of_patient(patient_id, include_avoided=True)
            if s.song.sha256 == song.sha256
        )

    def remove(self, patient_id: str, song: SongRecord) -> bool:
        """Take the song from the patient; when no patient has it any more its row and audio
        file go too. Returns True if the song left the library."""
        rowid = self._patient_rowid(patient_id)
        song_id = self._song_rowid(song.sha256)
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.execute(
                "DELETE FROM patient_songs WHERE patient_id = ? AND song_id = ?", (rowid, song_id)
            )
            gone = (
                self._conn.execute(
                    "DELETE FROM songs WHERE id = ? AND NOT EXISTS"
                    " (SELECT 1 FROM patient_songs WHERE song_id = ?)",
                    (song_id, song_id),
                ).rowcount
                == 1
            )
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        if gone:
            self._drop_audio(song)
        return gone

    def resolve(self, text: str, patient_id: str | None = None) -> SongRecord:
        """The song named by ``text``: its title, else a hash prefix of at least 4 hex digits,
        else a part of one title (case ignored); among the patient's songs if ``patient_id`` is
        given.

        Raises
        ------
        UserInputError
            No song or more than one matches (the matches are named).
        """
        if patient_id is None:
            pool = [s for s, _ in self.everything()]
            whose = "in the music library"
        else:
            pool = [p.song for p in self.of_patient(patient_id, include_avoided=True)]
            whose = f"of patient {patient_id}"
        key = text.strip().lower()
        matches = [s for s in pool if s.title.lower() == key]
        if not matches and len(key) >= MIN_HASH_PREFIX and _HEX.match(key):
            matches = [s for s in pool if s.sha256.startswith(key)]
        if not matches and key:
            matches = [s for s in pool if key in s.title.lower()]
        if len(matches) == 1:
            return matches[0]
        if matches:
            named = ", ".join(f"{s.short_id} {s.title!r}" for s in matches[:5])
            raise UserInputError(
                f"{text!r} names {len(matches)} songs {whose} ({named}); give the song's id"
            )
        known = ", ".join(f"{s.short_id} {s.title!r}" for s in pool[:5])
        known = f"known: {known}, ..." if len(pool) > 5 else f"known: {known}"
        raise UserInputError(
            f"no song {text!r} {whose} (give a title, part of one, or an id of at least"
            f" {MIN_HASH_PREFIX} hex digits; {known if pool else 'none yet: ras music add'})"
        )
