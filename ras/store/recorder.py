"""Writes a session's events to the database on its own thread, committing several times a second.

Producers call :meth:`Recorder.put` (or attach it to the session bus); it never blocks. The
writer thread batches events and commits every ``commit_interval_s`` (at most 0.5 s), so a
crash or ``kill -9`` of the process loses at most the last half second of events.

Nothing is lost silently: an event skipped as unwritable, a batch given up after its retries,
a put after :meth:`Recorder.close` or past the queue's bound (:data:`MAX_QUEUED`) is counted in
``events_lost``. A full disk (SQLite's SQLITE_FULL, or ENOSPC) stops the writing at once: what
was committed stays, the database is never left half-written (SQLite rolls the batch back),
and every later event is counted as lost, not retried; :attr:`RecorderStats.disk_full` and
``first_lost_t_s`` (session time of the first event not saved) say so while the session runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import math
import os
import queue
import socket
import sqlite3
import threading
import time
import traceback
from collections import deque
from typing import Any

from ras.bus import SessionBus
from ras.errors import RasError, UserInputError
from ras.store import rows
from ras.store.schema import connect
from ras.store.store import utc_now_iso
from ras.validate import check_range

__all__ = ["Recorder", "RecorderStats"]

MAX_COMMIT_INTERVAL_S = 0.5
MAX_BATCH = 5000  # commit early if this many events are waiting
MAX_RETRIES = 20  # database busy / I/O errors before a batch is given up
HEARTBEAT_S = 5.0  # how often the session row says its recorder is alive (s)
#: Most events waiting to be written; more are counted as lost (put never blocks). Two feet at
#: 1 kHz of IMU chunks plus steps is far below this, even with the disk stalled for minutes.
MAX_QUEUED = 2_000_000
#: Room kept beside the database while a session records (bytes), given back on a full disk
#: so the session can still be closed with its reason (the final update needs a few pages).
RESERVE_BYTES = 128 * 1024
_STOP = object()


@dataclasses.dataclass(frozen=True)
class RecorderStats:
    """What a recorder did: rows written, events skipped, errors (with the last message).

    ``events_lost`` counts every event given to the recorder that is not in the database
    (``ignored`` ones are of types that are not recorded, on purpose). ``disk_full``: the disk
    filled and recording stopped; ``first_lost_t_s``: session time (s) of the first event lost,
    NaN if none.
    """

    events_written: int
    commits: int
    ignored: int
    errors: int
    events_lost: int
    last_error: str | None
    disk_full: bool = False
    first_lost_t_s: float = math.nan

    @property
    def failed(self) -> bool:
        """True if anything given to the recorder is not saved."""
        return self.events_lost > 0 or self.disk_full


def is_disk_full(exc: BaseException) -> bool:
    """True if ``exc`` says the disk (or the database's file system) is full."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return code == sqlite3.SQLITE_FULL or "database or disk is full" in str(exc)
    return False


def _event_t_s(event: Any) -> float:
    """An event's session time (s), NaN if it has none."""
    t_s = getattr(event, "t_s", getattr(event, "first_t_s", math.nan))
    try:
        return float(t_s)
    except (TypeError, ValueError):
        return math.nan


class Recorder:
    """Record one session's events into the database from a dedicated writer thread.

    Parameters
    ----------
    store_path : str or Path or None
        Database file (as for :class:`~ras.store.store.Store`).
    session_id : int
        A 'running' session (from :meth:`Store.begin_session`).
    commit_interval_s : float
        Longest time an event waits before being committed (0.01 ... 0.5 s).

    Notes
    -----
    Errors never stop the writer: a bad event is counted and skipped; a failed commit is
    retried, then its events are counted as lost; a full disk stops the writing (the events
    from then on are counted as lost). See :attr:`stats`, :meth:`health` and :meth:`check`.
    """

    def __init__(self, store_path: Any, session_id: int, commit_interval_s: float = 0.25) -> None:
        check_range("commit interval", commit_interval_s, 0.01, MAX_COMMIT_INTERVAL_S, "s")
        self.commit_interval_s = float(commit_interval_s)
        self.session_id = int(session_id)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False  # no more events taken
        self._ended = False  # session row ended, connection closed
        self._events_written = 0
        self._commits = 0
        self._ignored = 0
        self._errors = 0
        self._events_lost = 0
        self._disk_full = False
        self._first_lost_t_s = math.nan
        self._error_log: deque[str] = deque(maxlen=20)
        self._fatal: BaseException | None = None
        # Opened here so a bad path or session fails in the caller; used only by the thread.
        self._conn, self.path = connect(store_path, check_same_thread=False)
        try:
            row = self._conn.execute(
                "SELECT status FROM sessions WHERE id = ?", (self.session_id,)
            ).fetchone()
            if row is None:
                raise UserInputError(f"no session {session_id} in {self.path}")
            if row[0] != "running":
                raise UserInputError(f"session {session_id} is already {row[0]}; start a new one")
            # Claim the session for this process (mark_interrupted checks this pid, and the
            # heartbeat from other hosts).
            self._conn.execute(
                "UPDATE sessions SET writer_pid = ?, writer_host = ?, heartbeat_utc = ?"
                " WHERE id = ?",
                (os.getpid(), socket.gethostname(), utc_now_iso(), self.session_id),
            )
            self._next_beat_t = time.monotonic() + HEARTBEAT_S
        except BaseException:
            self._conn.close()
            raise
        self._reserve = _make_reserve(self.path)
        self._thread = threading.Thread(
            target=self._run, name=f"ras-recorder-{session_id}", daemon=True
        )
        self._thread.start()

    # ---- producer side --------------------------------------------------------------------

    def put(self, event: Any) -> None:
        """Queue an event for writing (never blocks). Events after :meth:`close`, or beyond
        :data:`MAX_QUEUED` waiting, are dropped and counted as lost."""
        if self._closed or self._queue.qsize() >= MAX_QUEUED:
            self._lose([event])
            return
        self._queue.put(event)

    def attach(self, bus: SessionBus) -> None:
        """Record every event published on ``bus`` (a fast, non-blocking bus listener)."""
        bus.add_listener(self.put)

    # ---- health ---------------------------------------------------------------------------

    @property
    def stats(self) -> RecorderStats:
        with self._lock:
            return RecorderStats(
                self._events_written,
                self._commits,
                self._ignored,
                self._errors,
                self._events_lost,
                self._error_log[-1] if self._error_log else None,
                self._disk_full,
                self._first_lost_t_s,
            )

    def health(self) -> RecorderStats:
        """The counters now (cheap; any thread): watch ``failed`` / ``disk_full`` live."""
        return self.stats

    @property
    def error_messages(self) -> list[str]:
        """The last (up to 20) error messages, oldest first."""
        with self._lock:
            return list(self._error_log)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def check(self) -> None:
        """Raise :class:`RasError` if the writer thread has stopped before :meth:`close`."""
        if not self._closed and not self._thread.is_alive():
            raise RasError(f"session recorder stopped: {self._fatal!r}; data is not being saved")

    # ---- shutdown -------------------------------------------------------------------------

    def drain(self) -> RecorderStats:
        """Stop taking events, write everything queued and stop the writer thread; the session
        row is left as it is (:meth:`close` ends it). Returns the final counters."""
        if self._closed:
            return self.stats
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join()
        # a put() that passed its check just before the flag was set may land after the
        # writer's last look: write it here rather than lose it
        late = self._take_waiting() if self._fatal is None else []
        if late and (self._disk_full or not self._write(late)):
            self._lose(late)
        return self.stats

    def close(
        self, status: str = "complete", notes: str | None = None, reason: str | None = None
    ) -> RecorderStats:
        """Write everything queued (:meth:`drain`), mark the session ended (``status``, with
        ``reason`` if given) and close the database."""
        if self._ended:
            return self.stats
        self._ended = True
        try:
            self.drain()
            self._end_session_row(status, notes, reason)
        finally:
            self._conn.close()
            _drop_reserve(self._reserve)
        if self._fatal is not None:
            raise RasError(f"session recorder failed: {self._fatal!r}") from self._fatal
        return self.stats

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close("complete" if exc_type is None else "incomplete")

    # ---- writer thread --------------------------------------------------------------------

    def _end_session_row(self, status: str, notes: str | None, reason: str | None) -> None:
        """Mark the session ended; on a full disk, make room by checkpointing and retry."""
        sql = (
            "UPDATE sessions SET status = ?, ended_utc = ?, notes = COALESCE(?, notes),"
            " end_reason = COALESCE(?, end_reason) WHERE id = ?"
        )
        args = (status, utc_now_iso(), notes, reason, self.session_id)
        try:
            self._conn.execute(sql, args)
            return
        except sqlite3.Error as exc:
            if not is_disk_full(exc):
                raise
            self._note_error("ending the session row", exc)
        # The room kept since the start is given back: the few pages of the update fit in it.
        _drop_reserve(self._reserve)
        self._reserve = None
        try:
            self._conn.execute(sql, args)
            return
        except sqlite3.Error as exc:
            self._note_error("ending the session row with the reserve freed", exc)
        # A checkpoint moves the log into the database file; the log then restarts from its
        # beginning, in space it already holds.
        try:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.execute(sql, args)
        except sqlite3.Error as exc:  # left 'running': the next opener marks it incomplete
            self._note_error("ending the session row after a checkpoint", exc)

    def _lose(self, events: list[Any]) -> None:
        """Count events that will not be in the database (and the first one's time)."""
        if not events:
            return
        t_s = min((_event_t_s(e) for e in events), default=math.nan)
        with self._lock:
            self._events_lost += len(events)
            if math.isfinite(t_s) and not t_s >= self._first_lost_t_s:
                self._first_lost_t_s = t_s

    def _note_error(self, what: str, exc: BaseException) -> None:
        with self._lock:
            self._errors += 1
            self._error_log.append(f"{what}: {type(exc).__name__}: {exc}")

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as exc:  # never die silently: keep it for check()/close()
            self._fatal = exc
            self._note_error("writer thread stopped", exc)
            traceback.print_exc()

    def _loop(self) -> None:
        pending: list[Any] = []
        retries = 0
        stopping = False
        next_commit_t = time.monotonic() + self.commit_interval_s
        while True:
            timeout_s = next_commit_t - time.monotonic()
            if not stopping and timeout_s > 0 and len(pending) < MAX_BATCH:
                try:
                    item = self._queue.get(timeout=timeout_s)
                    while True:  # take everything already waiting
                        if item is _STOP:
                            stopping = True
                            break
                        pending.append(item)
                        if len(pending) >= MAX_BATCH:
                            break
                        item = self._queue.get_nowait()
                except queue.Empty:
                    pass
                if not stopping and time.monotonic() < next_commit_t and len(pending) < MAX_BATCH:
                    continue
            if pending and self._disk_full:
                self._lose(pending)  # recording has stopped: counted, never retried
                pending = []
            elif pending:
                if self._write(pending):
                    pending = []
                    retries = 0
                elif self._disk_full:
                    self._lose(pending)
                    pending = []
                    retries = 0
                else:
                    retries += 1
                    if stopping:
                        time.sleep(self.commit_interval_s)
                    if retries > MAX_RETRIES:
                        self._lose(pending)
                        pending = []
                        retries = 0
            next_commit_t = time.monotonic() + self.commit_interval_s
            self._beat()
            if stopping and not pending:
                # Collect anything put() raced in before close() set the flag: written (and
                # retried) like the rest, never dropped.
                pending = self._take_waiting()
                if pending:
                    continue
                return

    def _take_waiting(self) -> list[Any]:
        """Everything waiting in the queue now (without the stop mark)."""
        waiting = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return waiting
            if item is not _STOP:
                waiting.append(item)

    def _beat(self) -> None:
        """Every ``HEARTBEAT_S``: say in the session row that its recorder is alive."""
        now = time.monotonic()
        if now < self._next_beat_t or self._disk_full:
            return
        self._next_beat_t = now + HEARTBEAT_S
        try:
            self._conn.execute(
                "UPDATE sessions SET heartbeat_utc = ? WHERE id = ?",
                (utc_now_iso(), self.session_id),
            )
        except sqlite3.Error as exc:  # the events matter, the heartbeat can wait
            self._note_error("heartbeat failed", exc)

    def _write(self, events: list[Any]) -> bool:
        """Write and commit one batch; False (batch kept) if the database refused the commit."""
        conn = self._conn
        written = ignored = 0
        skipped: list[Any] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for event in events:
                try:
                    if rows.write_event(conn, self.session_id, event):
                        written += 1
                    else:
                        ignored += 1
                except (ValueError, TypeError, sqlite3.IntegrityError, sqlite3.InterfaceError) as e:
                    self._note_error(f"skipped {type(event).__name__}", e)
                    skipped.append(event)
            conn.execute("COMMIT")
        except (sqlite3.Error, OSError) as exc:
            self._note_error("commit failed", exc)
            if is_disk_full(exc):
                # where the loss starts is known together with the flag, so whoever sees
                # disk_full also sees the time (the events are counted lost by the caller)
                t_s = min((_event_t_s(e) for e in events), default=math.nan)
                with self._lock:
                    if math.isfinite(t_s) and not t_s >= self._first_lost_t_s:
                        self._first_lost_t_s = t_s
                    self._disk_full = True
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error as exc2:
                    self._note_error("rollback failed", exc2)
            return False
        self._lose(skipped)
        with self._lock:
            self._events_written += written
            self._ignored += ignored
            self._commits += 1
        return True


def _make_reserve(db_path: Any) -> str | None:
    """Keep :data:`RESERVE_BYTES` of disk beside the database (an owner-only file of real
    blocks, named after this process); None if there is no room even for that. Reserves of
    processes that are gone (``kill -9``) are removed first."""
    base = f"{db_path}.reserve-"
    folder = os.path.dirname(base) or "."
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if path.startswith(base) and not _pid_alive(path[len(base) :]):
            _drop_reserve(path)
    path = f"{base}{os.getpid()}"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    except OSError:
        return None
    try:
        os.write(fd, bytes(RESERVE_BYTES))  # written, not sparse: the blocks are taken now
        os.fsync(fd)
    except OSError:
        os.close(fd)
        _drop_reserve(path)
        return None
    os.close(fd)
    return path


def _drop_reserve(path: str | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _pid_alive(text: str) -> bool:
    """Whether the process of a reserve's name still runs (unknown names are kept)."""
    try:
        pid = int(text)
    except ValueError:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
