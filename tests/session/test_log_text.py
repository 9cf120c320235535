"""The live log's words for the music records: one wording for the GUI and ``ras run``."""

from __future__ import annotations

import pytest

from ras.events import CueMode, CueModeEvent, PhaseEvent, SongEvent, SongEventKind
from ras.session.log_text import log_text

SHA = "ab" * 32


@pytest.mark.parametrize(
    ("record", "line", "timed"),
    [
        (
            CueModeEvent(95.0, CueMode.METRONOME, "system", "no song fits the tempo"),
            "cue: the metronome plays on (no song fits the tempo)",
            "cue: the metronome plays on from 95.0 s (no song fits the tempo)",
        ),
        (
            CueModeEvent(20.0, CueMode.MUSIC, "plan", "chosen at the cue's start"),
            "cue: music (plan: chosen at the cue's start)",
            "cue: music from 20.0 s (plan: chosen at the cue's start)",
        ),
        (
            SongEvent(
                20.5,
                SongEventKind.START,
                SHA,
                "Walk",
                native_tempo_bpm=112.0,
                stretch_pct=1.84,
                reason="chosen at the cue's start",
            ),
            "song start: Walk (112 bpm, stretch +1.8 %; chosen at the cue's start)",
            "song start at 20.5 s: Walk (112 bpm, stretch +1.8 %; chosen at the cue's start)",
        ),
        (
            SongEvent(90.0, SongEventKind.STOP, SHA, "Walk", stretch_pct=2.0, reason="cues off"),
            "song stop: Walk (cues off)",
            "song stop at 90.0 s: Walk (cues off)",
        ),
    ],
)
def test_a_music_record_is_one_line_with_its_time_where_the_log_has_none(record, line, timed):
    assert log_text(record) == line == record.text()
    assert log_text(record, with_time=True) == timed == record.text(with_time=True)


@pytest.mark.parametrize(
    "record",
    [
        CueModeEvent(65.0, CueMode.MUSIC, "therapist"),  # the action's result says it
        SongEvent(70.0, SongEventKind.STRETCH, SHA, "Walk", stretch_pct=4.0),  # the tempo line
        PhaseEvent(0.0, "baseline", "start"),  # said by the session's notices
    ],
    ids=["therapist-switch", "stretch", "phase"],
)
def test_records_said_elsewhere_are_not_logged_again(record):
    assert log_text(record) == "" and log_text(record, with_time=True) == ""
