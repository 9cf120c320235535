"""`ras music add|list|remove|set`: a patient's songs for music cues.

``add`` imports song files (WAV, FLAC, OGG, MP3), each analysed once (beats, tempo, loudness);
``list`` shows a patient's songs (or the whole library); ``remove`` takes a song from a patient
(its audio goes when no patient has it any more); ``set`` changes the patient's flags on a song.
Songs are named by title or by the id ``list`` shows (the first hex digits of their hash).
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from ras.commands.options import DB_HELP
from ras.text import MAX_NAME_CHARS, terminal_safe
from ras.validate import nonempty_arg, pseudo_id_arg, text_arg

if TYPE_CHECKING:
    from ras.music.library import MusicLibrary
    from ras.store.songs import PatientSong, SongRecord

__all__ = ["COMMAND_NAMES", "add_parser", "run", "song_line", "usable_text"]

COMMAND_NAMES = ("music",)

#: The patient's flags on a song and what each means (the options of add and set).
_FLAG_HELP = {
    "liked": "the patient likes the song",
    "familiar": "the patient knows the song from before",
    "avoid": "emotionally triggering: the song is never offered",
}


def _common(parser: argparse.ArgumentParser, patient_help: str, required: bool = True) -> None:
    parser.add_argument("--db", type=nonempty_arg, metavar="PATH", help=DB_HELP)
    parser.add_argument(
        "--patient", type=pseudo_id_arg, metavar="ID", required=required, help=patient_help
    )


def _names(parser: argparse.ArgumentParser) -> None:
    for flag, what in (("--title", "title"), ("--artist", "artist")):
        parser.add_argument(
            flag,
            type=text_arg(MAX_NAME_CHARS),
            metavar="TEXT",
            help=f"the song's {what} (one line, at most {MAX_NAME_CHARS} characters)",
        )


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``ras music`` (argparse only; the work is imported in :func:`run`)."""
    music = sub.add_parser(
        "music",
        help="a patient's songs for music cues: add, list, remove, set",
        description="The patient's own songs, beat-tracked once on import. Songs are named by"
        " title or by the id `ras music list` shows.",
    )
    what = music.add_subparsers(dest="music_command", metavar="ACTION", parser_class=type(music))
    what.required = True

    add = what.add_parser(
        "add",
        help="add song files to a patient's library",
        description="Add WAV, FLAC, OGG or MP3 files (20 s to 15 min) to the patient's songs;"
        " each recording is analysed once (beats, tempo, loudness) and kept beside the"
        " database. A song whose beat cannot be tracked is kept, marked unusable with the"
        " reason.",
    )
    add.add_argument("files", nargs="+", metavar="FILE", help="song files")
    _common(add, "the patient whose songs these are")
    _names(add)
    for flag, text in _FLAG_HELP.items():
        add.add_argument(f"--{flag}", action="store_true", default=None, help=text)

    show = what.add_parser("list", help="list a patient's songs, or every song in the library")
    _common(show, "only this patient's songs (default: the whole library)", required=False)
    show.add_argument("--all", action="store_true", help="with --patient: also the songs to avoid")

    remove = what.add_parser(
        "remove", help="take a song from a patient's library (the audio goes with the last)"
    )
    remove.add_argument("song", metavar="SONG", help="title or id (see `ras music list`)")
    _common(remove, "the patient whose song it is")

    change = what.add_parser("set", help="change a patient's flags on a song, or its title")
    change.add_argument("song", metavar="SONG", help="title or id (see `ras music list`)")
    _common(change, "the patient whose song it is")
    _names(change)
    for flag, text in _FLAG_HELP.items():
        change.add_argument(
            f"--{flag}", action=argparse.BooleanOptionalAction, default=None, help=text
        )


def run(args: argparse.Namespace) -> int:
    """Do the action; UserInputError (exit 2, one line) for bad input."""
    from ras.music.library import MusicLibrary
    from ras.store.store import Store

    with Store(args.db) as store:
        library = MusicLibrary(store)
        if args.music_command == "add":
            return _add(library, args)
        if args.music_command == "list":
            return _list(library, args)
        if args.music_command == "remove":
            return _remove(library, args)
        return _set(library, args)


def _flags(args: argparse.Namespace) -> dict[str, bool]:
    return {k: getattr(args, k) for k in _FLAG_HELP if getattr(args, k) is not None}


def _add(library: MusicLibrary, args: argparse.Namespace) -> int:
    from ras.errors import UserInputError
    from ras.music.audio_file import check_audio_file
    from ras.music.library import opinion

    if args.title is not None and len(args.files) > 1:
        raise UserInputError(
            f"--title names one song; give one FILE with it (got {len(args.files)})"
        )
    library.store.get_patient(args.patient)
    for path in args.files:  # every file is checked before any is analysed
        check_audio_file(path)
    for path in args.files:
        added = library.add(
            path, patient=args.patient, title=args.title, artist=args.artist, **_flags(args)
        )
        song = added.song.song
        done = "added" if added.new_for_patient else "updated"
        how = "" if added.analysed else " (analysed before)"
        said = f"{done} {song.title!r} (id {song.short_id}) for patient {args.patient}{how}: "
        if song.usable:
            said += f"{_tempo(song)}, {_loudness(song)}"
        else:
            said += f"kept but unusable for cueing: {song.reason}"
        print(terminal_safe(said))
        if song.usable:  # the second tracker's word on the beat a session would cue with
            print(terminal_safe(f"  {opinion(song)}"))
    return 0


def _list(library: MusicLibrary, args: argparse.Namespace) -> int:
    from ras.errors import UserInputError

    if args.patient is None:
        if args.all:
            raise UserInputError(
                "--all goes with --patient ID (the songs to avoid are a patient's)"
            )
        everything = library.everything()
        if not everything:
            print("no songs yet (add some with: ras music add FILE --patient ID)")
            return 0
        print(_header("patients"))
        for song, n_patients in everything:
            print(terminal_safe(song_line(song, str(n_patients))))
        return 0
    mine = library.songs(args.patient, include_avoided=args.all)
    if not mine:
        hidden = "" if args.all else " to offer (--all lists the songs to avoid too)"
        print(f"patient {args.patient} has no songs{hidden}")
        return 0
    print(_header("flags"))
    for entry in mine:
        print(terminal_safe(song_line(entry.song, _flag_text(entry))))
    return 0


def _remove(library: MusicLibrary, args: argparse.Namespace) -> int:
    song, gone = library.remove(args.song, patient=args.patient)
    after = (
        "its audio is deleted (no patient has it now)"
        if gone
        else "kept in the library for the other patients who have it"
    )
    print(
        terminal_safe(
            f"removed {song.title!r} (id {song.short_id}) from patient {args.patient}; {after}"
        )
    )
    return 0


def _set(library: MusicLibrary, args: argparse.Namespace) -> int:
    from ras.errors import UserInputError
    from ras.music.library import check_title

    flags = _flags(args)
    if not flags and args.title is None and args.artist is None:
        raise UserInputError(
            "give what to change: --liked/--no-liked, --familiar/--no-familiar,"
            " --avoid/--no-avoid, --title or --artist"
        )
    song = library.find(args.song, patient=args.patient)
    if args.title is not None or args.artist is not None:
        title = None if args.title is None else check_title("the title", args.title, required=True)
        artist = (
            None if args.artist is None else check_title("the artist", args.artist, required=False)
        )
        library.store.songs.retitle(song.sha256, title=title, artist=artist)
    entry = library.set_flags(song.sha256, patient=args.patient, **flags)
    print(
        terminal_safe(
            f"{entry.song.title!r} (id {entry.song.short_id}) for patient"
            f" {args.patient}: {_flag_text(entry)}"
        )
    )
    return 0


#: Width of the column after loudness (a patient's flags, or how many patients have the song).
_EXTRA_WIDTH = 24


def _header(extra: str) -> str:
    return (
        f"{'id':<8}  {'title':<28}  {'artist':<18}  {'tempo':>9}  {'varies':>6}  {'conf.':>5}"
        f"  {'loudness':>10}  {extra:<{_EXTRA_WIDTH}}  usable for cueing"
    )


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _number(value: float, fmt: str, unit: str) -> str:
    return "-" if not math.isfinite(value) else f"{value:{fmt}}{unit}"


def usable_text(song: SongRecord) -> str:
    """Usable or why not; a usable song the beat trackers disagree on is marked with both
    tempi, and one no second tracker checked says so."""
    if not song.usable:
        return f"no: {song.reason}"
    if song.trackers_agree is None:
        return "usable (no second opinion)"
    if not song.trackers_agree:
        first = song.tracker.split(" ", 1)[0]
        return (
            f"usable, but trackers disagree: {first} {song.tempo_bpm:.1f},"
            f" {song.second_tracker} {_number(song.second_tempo_bpm, '.1f', '')} bpm"
            " — listen first"
        )
    return "usable"


def song_line(song: SongRecord, extra: str = "") -> str:
    """One song as `ras music list` shows it: id, title, artist, tempo, stability (CV of the
    beat intervals), confidence, loudness, ``extra`` (flags), and usable or why not
    (:func:`usable_text`)."""
    usable = usable_text(song)
    return (
        f"{song.short_id:<8}  {_cut(song.title, 28):<28}  {_cut(song.artist, 18):<18}"
        f"  {_number(song.tempo_bpm, '.1f', ' bpm'):>9}"
        f"  {_number(song.tempo_stability_pct, '.1f', ' %'):>6}"
        f"  {_number(song.beat_confidence, '.2f', ''):>5}"
        f"  {_number(song.loudness_lufs, '.1f', ' LUFS'):>10}  {extra:<{_EXTRA_WIDTH}}  {usable}"
    )


def _flag_text(entry: PatientSong) -> str:
    on = [name for name in _FLAG_HELP if getattr(entry, name)]
    return ", ".join(on) if on else "-"


def _tempo(song: SongRecord) -> str:
    return (
        f"{song.tempo_bpm:.1f} bpm, tempo varies {song.tempo_stability_pct:.1f} %,"
        f" beat confidence {song.beat_confidence:.2f}"
    )


def _loudness(song: SongRecord) -> str:
    return f"{song.loudness_lufs:.1f} LUFS"
