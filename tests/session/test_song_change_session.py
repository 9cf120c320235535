"""Songs change in a live session without the metronome between them (issue 14, point 4).

A short song gives way before it runs out, at its last phrase that leaves it a beat after the
boundary, to the next song, crossfaded: the record is its STOP and the next one's START at
the same beat, and the cue's sound is music throughout (one CueModeEvent, the plan's).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ras.events import CueMode, SongEventKind
from ras.results.session_data import load_session
from ras.session.host import SessionHost
from ras.session.request import SessionRequest
from ras.session.settings import SessionSettings
from ras.store import Store
from tests.session.test_music_session import add_song


@pytest.mark.timing  # ends 'complete': every cue decided within 0.25 s real
def test_a_song_about_to_end_gives_way_at_its_last_phrase_crossfaded(tmp_path: Path):
    db = tmp_path / "db" / "ras.sqlite3"
    with Store(db) as store:
        store.add_patient("P-1")
        add_song(store, tmp_path, "Short", 106.0, duration_s=21.0)  # beats 0.5 s .. 20.9 s
        add_song(store, tmp_path, "Long", 112.0, duration_s=90.0)
    settings = SessionSettings(
        baseline_s=15.0,
        cued_s=40.0,
        probe_s=0.0,
        plan="fixed",
        cue_mode="music",
        music=("Short", "Long"),
    )
    request = SessionRequest(
        "P-1", settings=settings, audio="none", speed=10.0, db=str(db), via="test"
    )
    host = SessionHost(request, watch=True)
    session_id = host.begin()
    outcome = host.run()
    assert outcome.status == "complete", outcome
    with Store(db) as store:
        data = load_session(store, session_id)
    assert [(m.mode, m.source) for m in data.cue_modes] == [(CueMode.MUSIC, "plan")]
    events = [(e.kind, e.title) for e in data.song_events if e.kind is not SongEventKind.STRETCH]
    assert events == [
        (SongEventKind.START, "Short"),
        (SongEventKind.STOP, "Short"),
        (SongEventKind.START, "Long"),
        (SongEventKind.STOP, "Long"),
    ]
    changes = [e for e in data.song_events if e.kind is not SongEventKind.STRETCH]
    start, stop, next_start = (e.t_s for e in changes[:3])
    assert stop == next_start
    assert changes[1].reason == "its last phrase: another song follows"
    # at a phrase of Short (8 beats from its first: it has no downbeats), before its end
    onsets_s = np.sort(data.cues["t_s"])
    ibi_s = float(np.median(np.diff(onsets_s)))
    first = int(np.argmin(np.abs(onsets_s - start)))
    at = int(np.argmin(np.abs(onsets_s - stop)))
    assert abs(onsets_s[first] - start) < 0.1 * ibi_s and abs(onsets_s[at] - stop) < 0.1 * ibi_s
    assert (at - first) % 8 == 0
    n_song_beats = 37  # 0.5 s + k * 60/106 s within 21 s
    assert at - first + 1 < n_song_beats
    cues = np.sort(data.cues, order="t_s")
    assert np.array_equal(np.diff(cues["beat_index"]), np.ones(len(cues) - 1, dtype=np.int64))
