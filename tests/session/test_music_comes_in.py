"""Music comes into a live session when it can, and never makes the engine loop wait.

* A ramp that starts below every song: the metronome plays (said and recorded once), and the
  song comes in from the beats after the tempo change that reaches its range (the
  iso-principle: start with what fits, then bring the song in).
* A song still decoding at the cue's start: the cue starts on time with the metronome, the
  engine loop goes on (steps, status, beats), and the song comes in once it is decoded.
* However many songs a session offers, at most three are held decoded at once.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np
import pytest

import ras.session.music as session_music
from ras.events import CueMode, SongEventKind
from ras.music.audio_file import read_mono
from ras.results.session_data import load_session
from ras.session.actions import Mode
from ras.session.host import SessionHost
from ras.session.log_text import log_text
from ras.session.request import SessionRequest
from ras.session.runner import Phase
from ras.session.settings import SessionSettings
from ras.store import Store
from tests.music_checks import assert_every_beat_cued
from tests.session.test_music_session import add_song

SPEED = 10.0


def _db(tmp_path: Path, songs: list[tuple[str, float, float]]) -> Path:
    db = tmp_path / "db" / "ras.sqlite3"
    with Store(db) as store:
        store.add_patient("P-1")
        for title, tempo_bpm, duration_s in songs:
            add_song(store, tmp_path, title, tempo_bpm, duration_s=duration_s)
    return db


def _host(db: Path, settings: SessionSettings) -> SessionHost:
    request = SessionRequest(
        "P-1", settings=settings, audio="none", speed=SPEED, db=str(db), via="test"
    )
    return SessionHost(request, watch=True)


@pytest.mark.timing  # ends 'complete': every cue decided within 0.25 s real
def test_a_ramp_below_every_song_brings_the_song_in_once_the_tempo_reaches_it(tmp_path: Path):
    # 110 -> 121 bpm in 5 % steps (110, 115.5 about 20 s in, 121): 'Fast' fits from 115.2 bpm,
    # 'Faster' never (135-165 bpm, half 67.5-82.5): the cue starts on the metronome
    db = _db(tmp_path, [("Fast", 128.0, 90.0), ("Faster", 150.0, 90.0)])
    settings = SessionSettings(
        baseline_s=5.0,
        cued_s=32.0,
        probe_s=0.0,
        plan="iso-ramp",
        tempo_bpm=110.0,
        target_bpm=121.0,
        step_pct=5.0,
        cue_mode="music",
    )
    host = _host(db, settings)
    session_id = host.begin()
    log: list[str] = []  # the live log: notices and the records it says

    def tick(runner) -> None:
        snap = host.snapshot()
        log.extend(snap.messages + [log_text(r) for r in snap.records if log_text(r)])

    outcome = host.run(on_tick=tick)
    assert outcome.status == "complete", outcome
    with Store(db) as store:
        data = load_session(store, session_id)
    modes = [(m.mode, m.source, m.reason) for m in data.cue_modes]
    assert modes == [
        (CueMode.METRONOME, "system", modes[0][2]),
        (CueMode.MUSIC, "plan", "the tempo reached its range"),
    ]
    assert modes[0][2].startswith(
        "'Fast' cannot play now: a song at 128 bpm cannot be played at 110"
    )
    starts = [e for e in data.song_events if e.kind is SongEventKind.START]
    assert [(e.title, e.source, e.reason) for e in starts] == [
        ("Fast", "plan", "the tempo reached its range")
    ]
    # it comes in on the first beat after the step that reached its range, at that tempo
    reached = next(c for c in data.tempo_changes if c.new_bpm >= 0.9 * 128.0)
    assert starts[0].tempo_bpm == pytest.approx(reached.new_bpm)
    assert starts[0].t_s == data.cue_modes[1].t_s > reached.effective_t_s
    cue_t_s = np.sort(data.cues["t_s"])
    beats_between = np.sum((cue_t_s > reached.effective_t_s + 1e-6) & (cue_t_s < starts[0].t_s))
    ibi_s = 60.0 / reached.new_bpm
    assert beats_between <= math.ceil(session_music.MUSIC_LOOKAHEAD_S / ibi_s) + 1
    # said once: the metronome line, not each tempo step's passed-over songs again
    metronome = [line for line in log if line.startswith("cue: the metronome plays on")]
    assert len(metronome) == 1, log
    assert not [line for line in log if line.startswith("music:")], log
    assert_every_beat_cued(data)


@pytest.mark.timing  # ends 'complete': every cue decided within 0.25 s real
def test_a_song_still_decoding_never_holds_up_the_cue_and_comes_in_once_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    db = _db(tmp_path, [("Walk", 112.0, 90.0)])
    decoded = threading.Event()
    reads: list[str] = []

    def slow_read(path, sample_rate_hz):
        reads.append(Path(path).name)
        assert decoded.wait(60.0)  # the test lets it finish (a hang guard only)
        return read_mono(path, sample_rate_hz)

    monkeypatch.setattr(session_music, "read_mono", slow_read)
    settings = SessionSettings(
        baseline_s=5.0, cued_s=20.0, probe_s=0.0, plan="fixed", tempo_bpm=110.0, cue_mode="music"
    )
    host = _host(db, settings)
    session_id = host.begin()
    seen: dict[str, float] = {}
    blocked_ticks: list[tuple[float, float]] = []  # (session s, cadence) while it decodes

    def tick(runner) -> None:
        status = runner.status()
        seen["lookahead_s"] = runner.lookahead_s
        cued = status.phase is Phase.CUED
        if cued and not decoded.is_set():
            blocked_ticks.append((status.t_s, status.cadence_spm))
            if runner.summary.cues_played >= 8:  # the metronome has played a while
                seen["set_t_s"] = status.t_s
                decoded.set()

    try:
        outcome = host.run(on_tick=tick)
    finally:
        decoded.set()
    assert outcome.status == "complete", outcome
    assert len(reads) == 1
    with Store(db) as store:
        data = load_session(store, session_id)
    cued_t_s = next(t for phase, t, _ in data.phases if phase == "cued")
    cue_t_s = np.sort(data.cues["t_s"])
    # the cue started on time, on the metronome, while the song was still being read (waiting
    # for it would have put the first beat 10 s real, 200 s here, late) ...
    assert cue_t_s[0] - cued_t_s < seen["lookahead_s"] + 60.0 / 100.0
    assert np.sum(cue_t_s < seen["set_t_s"]) >= 8
    # ... and the engine loop went on meanwhile: steps counted, many passes of the loop
    assert len(blocked_ticks) >= 20
    assert np.isfinite([c for _, c in blocked_ticks[-5:]]).all()
    # the song comes in once decoded, from the plan's wish, said why
    assert [(m.mode, m.source, m.reason) for m in data.cue_modes] == [
        (CueMode.MUSIC, "plan", "decoded")
    ]
    start = data.song_events[0]
    assert (start.kind, start.title, start.reason) == (SongEventKind.START, "Walk", "decoded")
    assert start.t_s > seen["set_t_s"]
    assert_every_beat_cued(data)


@pytest.mark.timing  # four songs decoded and changed in turn within the 4 s (real) cued phase
def test_no_more_than_three_songs_are_held_decoded_however_many_the_session_offers(
    tmp_path: Path,
):
    # four songs at about one tempo; the therapist moves on to the next as each is heard (it
    # comes in at the playing song's next phrase): every song is decoded in its turn
    songs = [(f"Song {i}", 110.0 + i, 30.0) for i in range(4)]
    db = _db(tmp_path, songs)
    settings = SessionSettings(
        baseline_s=5.0,
        cued_s=40.0,
        probe_s=0.0,
        plan="fixed",
        tempo_bpm=111.0,
        cue_mode="music",
        music=tuple(title for title, *_ in songs),
    )
    host = _host(db, settings)
    session_id = host.begin()
    held: list[int] = []
    music: list[session_music.SessionMusic] = []
    asked: list[str] = []

    def tick(runner) -> None:
        music[:] = [runner.music]
        held.append(runner.music.decoded_count)
        title = host.snapshot().music.title
        if title and title not in asked and title != songs[-1][0]:
            asked.append(title)
            host.send(Mode(song=f"Song {int(title.split()[1]) + 1}"))

    outcome = host.run(on_tick=tick)
    assert outcome.status == "complete", outcome
    with Store(db) as store:
        data = load_session(store, session_id)
    played = [e.title for e in data.song_events if e.kind is SongEventKind.START]
    assert played == [title for title, *_ in songs]  # each decoded to be played
    assert music[0].decoded_peak <= session_music.KEEP_DECODED
    assert max(held) <= session_music.KEEP_DECODED
    assert_every_beat_cued(data)
