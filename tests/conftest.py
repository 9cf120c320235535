"""Shared test helpers and the per-folder markers of the whole suite.

Helpers are plain functions, imported as ``from tests.conftest import ...``:

- :func:`assert_one_line_error` checks a ``ras`` subprocess that refused its input;
- :func:`refused_in_process` runs ``ras.cli.main`` in this process and checks the same on capsys;
- :func:`require_data` is the gaitmap data check for tests (a one-line failure, never a skip);
- :func:`add_patient` and :func:`run_simulated` make a database with a patient and a simulated
  session in this process;
- :func:`record_walk` writes a session of regular steps straight to a store (no simulation).

Markers (registered in pyproject.toml) are set by folder in :func:`pytest_collection_modifyitems`
from :data:`FOLDER_MARKERS`, so ``make test-fast`` (``-m "not slow"``) and ``-m "not gui"`` work
for any folder, tests/system included; slow tests are also marked one by one.

``timing`` marks a test whose result depends on how soon the machine runs it: a real-time clock
(real audio, a real-time ``ras run``, QEMU, ptys answering within fractions of a second), or a
sped-up session whose assertion leaves at most a fraction of a second of real time (a margin of
``SPEED`` session seconds per real second): one that must end ``complete`` or have every beat
cued (each cue decided within the runner's 0.25 s real lookahead), or get CPU-heavy work done
within a phase. ``make test`` runs the others on 2 workers first, then these alone
(scripts/test.sh). A sped-up session asserting only on what was recorded stays on the workers.
"""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.datasets import MissingTestDataError, require_gaitmap

# A clinic server configured on this machine (ras config, $RAS_SERVER) must never receive the
# tests' sessions: none is used unless a test sets one (tests/clinic).
os.environ["RAS_SERVER"] = ""

#: The repository root (this checkout).
REPO_ROOT = Path(__file__).resolve().parents[1]
TESTS_DIR = REPO_ROOT / "tests"

#: Folder under tests/ -> markers every test in it gets (the tools the folder needs, and ``timing``
#: as the module docstring says).
FOLDER_MARKERS: dict[str, tuple[str, ...]] = {
    "gui": ("gui",),
    # the real sound server, and the wav renderer at 50x, where a cue is due 4 ms after it is asked
    "audio": ("timing",),
    # QEMU streams its UART in real time (IC spacing within 10 ms); the builds share firmware/build
    "firmware": ("firmware", "timing"),
    # ptys and sockets to sensors answering in real time, with timeouts of 0.2-0.3 s
    "link": ("timing",),
    # every step and cue within 1 ms of its stored time on the LSL clock
    "lsl": ("timing",),
}
#: Test file (relative to tests/) -> markers each of its tests gets, for files whose folder has
#: other owners (tests/store); files elsewhere mark themselves.
FILE_MARKERS: dict[str, tuple[str, ...]] = {
    # kill -9 in real time: everything handed to the recorder 0.5 s before must be stored
    "store/test_store_crash.py": ("timing",),
}
#: A test marked with the key also gets the values (loopback tests need a sound server).
IMPLIED_MARKERS: dict[str, tuple[str, ...]] = {
    "loopback": ("audio", "slow", "timing"),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by the folder it is in and by the markers it already has."""
    for item in items:
        try:
            where = item.path.resolve().relative_to(TESTS_DIR)
        except ValueError:  # a test outside tests/ (none today)
            continue
        names = [*FOLDER_MARKERS.get(where.parts[0], ()), *FILE_MARKERS.get(where.as_posix(), ())]
        for own in {m.name for m in item.iter_markers()}:
            names += IMPLIED_MARKERS.get(own, ())
        for name in names:
            if item.get_closest_marker(name) is None:
                item.add_marker(name)


def _the_one_line(err: str, needles: Sequence[str]) -> str:
    """The only line of ``err``: no traceback, no raw control character, every needle in it."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "\x1b" not in err and "\x07" not in err, repr(err)
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    """Assert a ``ras`` process failed with one stderr line holding every needle; return it."""
    assert proc.returncode != 0, (proc.returncode, proc.stdout, proc.stderr)
    return _the_one_line(proc.stderr, needles)


def exit_status(argv: Sequence[str]) -> int | str | None:
    """``ras.cli.main(argv)``'s return value, or the code argparse exits with."""
    from ras.cli import main

    try:
        return main(list(argv))
    except SystemExit as exc:  # refused by the argument parser itself
        return exc.code


def refused_in_process(
    capsys: pytest.CaptureFixture[str], argv: Sequence[str], *needles: str, status: int = 2
) -> str:
    """Run ``ras argv`` in this process; assert ``status`` and one ``ras: error:`` line.

    Returns the line; each of ``needles`` must be in it.
    """
    got = exit_status(argv)
    out, err = capsys.readouterr()
    assert got == status, (got, out, err)
    line = _the_one_line(err, needles)
    assert line.startswith("ras: error:"), line
    return line


def require_data() -> Path:
    """The gaitmap example folder; fails the test (never skips) in one line if it is missing."""
    try:
        return require_gaitmap()
    except MissingTestDataError as exc:
        pytest.fail(str(exc), pytrace=False)


def add_patient(db: Path | str, patient_id: str, *options: str) -> None:
    """``ras patients --add patient_id options`` on ``db``, in this process."""
    from ras.cli import main

    assert main(["patients", "--db", str(db), "--add", patient_id, *options]) == 0


def run_simulated(
    db: Path | str,
    preset: str,
    *extra: str,
    speed: float = 25,
    seed: int = 7,
    commands: Sequence[str] = (),
) -> None:
    """A simulated ``ras run`` without sound on ``db``, in this process.

    ``extra`` are further ``ras run`` options (``--patient``, phase lengths, ``--imu-rate``...);
    ``commands`` the therapist's live commands, typed one a line (``"marker text"``...).
    """
    from ras.cli import main

    argv = ["run", "--simulate", preset, "--audio", "none", "--speed", f"{speed:g}"]
    argv += ["--seed", str(seed), "--db", str(db), *extra]
    typed = "".join(f"{c}\n" for c in commands)
    stdin, sys.stdin = sys.stdin, io.StringIO(typed)  # `ras run` reads live commands
    try:
        assert main(argv) == 0
    finally:
        sys.stdin = stdin


def record_walk(
    store: Any,
    patient_id: str,
    phases: Sequence[tuple[str, float]],
    steps_t_s: tuple[float, float],
    *,
    cadence_spm: float,
    end_t_s: float | None = None,
    stride_length_m: float | None = None,
    markers: Sequence[tuple[float, str]] = (),
) -> int:
    """A session of regular steps written straight to an open ``Store``; returns its id.

    Parameters
    ----------
    phases : sequence of (name, start_t_s)
        The phases in order (s).
    steps_t_s : (first, stop)
        Initial contacts from ``first`` (s), left foot first, one every 60 / ``cadence_spm`` s
        before ``stop``.
    cadence_spm : float
        Steps per minute; a ``"cued"`` phase also gets one beat per step at this tempo, from
        0.3 s after its start.
    end_t_s : float, optional
        The last phase and the session end here (s); None: the session is left running.
    stride_length_m : float, optional
        Given: every step carries it and a stride time of two steps.
    markers : sequence of (t_s, text)
        Therapist's markers.
    """
    from ras.events import CueEvent, MarkerEvent, PhaseEvent, StepEvent
    from ras.protocol.messages import Side, StepKind

    sid = int(store.begin_session(patient_id, {"plan": "fixed"}))
    step_s = 60.0 / cadence_spm
    events: list[object] = [PhaseEvent(t0, name) for name, t0 in phases]
    if end_t_s is not None:
        events.append(PhaseEvent(end_t_s, phases[-1][0], "end"))
    lengths = {}
    if stride_length_m is not None:
        lengths = {"stride_time_s": 2 * step_s, "stride_length_m": stride_length_m}
    for i, t in enumerate(np.arange(*steps_t_s, step_s)):
        side = Side.LEFT if i % 2 == 0 else Side.RIGHT
        events.append(
            StepEvent(
                1 + i % 2,
                side,
                StepKind.INITIAL_CONTACT,
                float(t),
                int(t * 1e6),
                float(t),
                i,
                i // 2,
                **lengths,
            )
        )
    starts = [t0 for _, t0 in phases] + [math.inf if end_t_s is None else end_t_s]
    for k, (name, t0) in enumerate(phases):
        if name == "cued":
            beats = np.arange(t0 + 0.3, starts[k + 1], step_s)
            events += [CueEvent(float(t), n, cadence_spm) for n, t in enumerate(beats)]
    events += [MarkerEvent(t, text) for t, text in markers]
    store.record(sid, events)
    if end_t_s is not None:
        store.end_session(sid)
    return sid


#: Songs of :func:`record_music`: (sha256, title, artist, native tempo bpm).
MUSIC_SONGS = (
    ("a1" * 32, "Walking Tune", "A. Band", 105.0),
    ("b2" * 32, "Second Song", "", 100.0),
)


def music_events(t0_s: float, scale: float = 1.0) -> list[Any]:
    """The cue-mode and song records of :func:`record_music` from ``t0_s`` (s), their offsets
    multiplied by ``scale`` (to fit a shorter cued phase)."""
    from ras.events import CueMode, CueModeEvent, SongEvent
    from ras.events import SongEventKind as K

    def song(dt: float, kind: K, tempo: float, source: Any, reason: str, which: int) -> SongEvent:
        sha, title, artist, native = MUSIC_SONGS[which]
        stretch_pct = (tempo / native - 1.0) * 100.0
        t_s = t0_s + dt * scale
        return SongEvent(
            t_s, kind, sha, title, artist, native, tempo, stretch_pct, 0.9, source, reason
        )

    return [
        CueModeEvent(t0_s, CueMode.MUSIC, "therapist", "set-up"),
        song(0.0, K.START, 100.0, "therapist", "chosen by the therapist", 0),
        song(10.0, K.STRETCH, 103.0, "system", "tempo change", 0),
        song(15.0, K.STRETCH, 108.0, "system", "tempo change", 0),
        song(20.0, K.STOP, 108.0, "system", "song ended", 0),
        song(20.0, K.START, 108.0, "system", "next in the playlist", 1),
        CueModeEvent(t0_s + 30.0 * scale, CueMode.MUSIC_CLICK, "therapist"),
        CueModeEvent(t0_s + 40.0 * scale, CueMode.METRONOME, "therapist"),
        song(40.0, K.STOP, 108.0, "therapist", "metronome chosen", 1),
    ]


def record_music(store: Any, session_id: int, t0_s: float) -> None:
    """Music records of a cued minute from ``t0_s`` (s) written straight to an open ``Store``.

    The cue starts at ``t0_s`` and stops 60 s later (plan). Music from the start with
    "Walking Tune" (native 105 bpm) at 100 bpm, stretched at +10 s (103 bpm) and +15 s
    (108 bpm); at +20 s it ends and "Second Song" (native 100 bpm) starts at 108 bpm; music +
    click from +30 s; back to the metronome at +40 s, the song stopped. So 30 s of music, 10 s
    of music + click, 20 s of metronome; 20 s of each song.
    """
    from ras.events import CueState, CueStateEvent

    start = CueStateEvent(t0_s, CueState.START, "plan", "cued phase starts")
    stop = CueStateEvent(t0_s + 60.0, CueState.STOP, "plan", "cued phase ends")
    store.record(session_id, [start, *music_events(t0_s), stop])
