"""The records a live log shows, in one wording for every front-end.

The session's music records (:class:`~ras.events.CueModeEvent`, :class:`~ras.events.SongEvent`)
are said from the records themselves, at their time, so the log and the stored record cannot
disagree. Not shown: a stretch change (the tempo line shows it) and the therapist's own switch of
the cue's sound (the action's result says it).
"""

from __future__ import annotations

from ras.events import CueModeEvent, SongEvent, SongEventKind

__all__ = ["log_text"]


def log_text(record: object, *, with_time: bool = False) -> str:
    """The live log's line for ``record``; "" for a record the log does not show.

    Parameters
    ----------
    record : object
        Any session record.
    with_time : bool
        Say when (for a log whose lines carry no time of their own, e.g. ``ras run``).
    """
    if isinstance(record, CueModeEvent) and record.source != "therapist":
        return record.text(with_time=with_time)
    if isinstance(record, SongEvent) and record.kind is not SongEventKind.STRETCH:
        return record.text(with_time=with_time)
    return ""
