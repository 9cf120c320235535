"""Closing a recorder keeps every event put before it: none is left behind in its queue."""

from __future__ import annotations

from pathlib import Path

from ras.store import MarkerEvent, Recorder, Store


def test_an_event_put_as_the_recorder_closes_is_written_not_lost(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with Store(db) as store:
        store.add_patient("P1")
        session_id = store.begin_session("P1", {})
    recorder = Recorder(db, session_id)
    recorder.put(MarkerEvent(1.0, "before close"))
    writer = recorder._thread
    join = writer.join

    def join_then_a_late_put(*args: object, **kwargs: object) -> None:
        # a put() that passed its check just before close() set the flag lands after the
        # writer thread has taken its last look at the queue
        join(*args, **kwargs)
        recorder._queue.put(MarkerEvent(2.0, "raced in"))

    writer.join = join_then_a_late_put  # type: ignore[method-assign]
    stats = recorder.close()
    with Store(db) as store:
        notes = [m.note for m in store.markers(session_id)]
        status = store.get_session(session_id).status
    assert notes == ["before close", "raced in"]
    assert stats.events_written == 2 and stats.events_lost == 0 and status == "complete"
