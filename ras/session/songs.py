"""The songs a session may play, checked before anything is written.

:func:`session_songs` resolves the settings' song references (titles or hash prefixes) in the
patient's library, or takes the patient's offered songs when none are named, and refuses in
one line what can be known before the session: an unknown song, one the patient is to avoid,
one unusable for cueing (with the tracker's reason), or music with no song to play.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ras.errors import UserInputError
from ras.music.library import MusicLibrary
from ras.session.settings import SessionSettings
from ras.store.songs import SongRecord
from ras.store.store import Store

__all__ = ["SessionSongs", "session_songs"]


@dataclass(frozen=True)
class SessionSongs:
    """The songs of a session with where their audio is kept.

    Attributes
    ----------
    songs : tuple of SongRecord
        The songs named, in their order, or the patient's offered songs (the session orders
        those by the iso-principle once the baseline cadence is known).
    named : bool
        Whether the therapist named them (their order is kept).
    paths : tuple of Path
        Each song's audio file beside the database.
    """

    songs: tuple[SongRecord, ...] = ()
    named: bool = False
    paths: tuple[Path, ...] = ()


def session_songs(db: str | None, patient_id: str, settings: SessionSettings) -> SessionSongs:
    """The songs the session's settings ask for; empty if the cue is the metronome and no song
    is named.

    Raises
    ------
    UserInputError
        One line: an unknown or ambiguous song, one to avoid, one unusable, no song offered.
    """
    if not settings.mode.has_music and not settings.music:
        return SessionSongs()
    if not patient_id:
        raise UserInputError("music cues play the patient's own songs: choose the patient")
    with Store(db) as store:
        library = MusicLibrary(store)
        store.get_patient(patient_id)  # an unknown patient says so first
        if settings.music:
            flags = {p.song.sha256: p for p in library.songs(patient_id, include_avoided=True)}
            songs = []
            for ref in settings.music:
                song = library.find(ref, patient=patient_id)
                if flags[song.sha256].avoid:
                    raise UserInputError(
                        f"{song.title!r} is marked 'avoid' for patient {patient_id}: it is never"
                        " played (ras music set to change that)"
                    )
                if not song.usable:
                    raise UserInputError(
                        f"{song.title!r} cannot cue walking: {song.reason}; choose another song"
                    )
                songs.append(song)
        else:
            songs = [p.song for p in library.offered(patient_id)]
            if not songs:
                raise UserInputError(
                    f"patient {patient_id} has no song to play with music cues (none usable and"
                    " not to avoid); add one with 'ras music add', or cue with the metronome"
                )
        paths = tuple(library.audio_path(s) for s in songs)
    return SessionSongs(tuple(songs), bool(settings.music), paths)
