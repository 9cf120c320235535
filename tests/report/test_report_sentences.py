"""Sentences the reports and exports print: the session's status line, the cue's tempo."""

from __future__ import annotations

from pathlib import Path

import pytest

from ras.results.session_data import load_session
from ras.store.store import Store
from tests.conftest import record_walk


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        ("complete", None, "session complete"),
        ("incomplete", "stopped by the therapist", "session INCOMPLETE: stopped by the therapist"),
        ("incomplete", None, "session INCOMPLETE: it was not closed normally"),
        ("degraded", "12 cues skipped", "session DEGRADED: ran to its end, 12 cues skipped"),
    ],
)
def test_the_status_note_gives_the_reason_the_session_ended(
    tmp_path: Path, status, reason, expected
):
    with Store(tmp_path / "s.sqlite3") as store:
        store.add_patient("P-S", diagnosis="stroke")
        sid = record_walk(store, "P-S", [("baseline", 0.0)], (0.5, 30.0), cadence_spm=100.0)
        store.end_session(sid, status=status, reason=reason)
        assert load_session(store, sid).status_note == expected


def test_a_cue_without_recorded_tempo_changes_is_said_at_the_tempo_its_beats_played(tmp_path: Path):
    # sessions written beat by beat (no tempo change recorded) once read "The cue tempo was  bpm"
    from ras.report.session import summary_paragraph
    from ras.results.outcomes import session_outcomes

    with Store(tmp_path / "c.sqlite3") as store:
        store.add_patient("P-C", diagnosis="stroke")
        phases = [("baseline", 0.0), ("cued", 30.0), ("probe", 90.0)]
        sid = record_walk(store, "P-C", phases, (0.5, 119.0), cadence_spm=96.0, end_t_s=120.0)
        data = load_session(store, sid)
        text = summary_paragraph(data, session_outcomes(data), [])
    assert not data.tempo_changes and len(data.cues) > 0
    assert "The cue tempo was 96.0 bpm" in text
