"""The one line on a session's state (report banner, exports, BIDS README) says why it ended."""

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
