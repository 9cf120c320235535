"""Terminal output that never stalls the session: a bounded queue drained by a printer thread.

A write to a pipe nobody reads, a terminal paused with Ctrl-S or a pager blocks until someone
reads. Printed from the engine thread, that stopped the metronome (issue 16: no cue for 105 s of
session time). So the engine thread only puts text on a bounded queue (:class:`Console`), and
a daemon thread writes it out; when the terminal does not keep up, status lines are dropped
(and counted) first, then the oldest messages. Logging goes the same way
(:func:`queued_logging`): a stdlib ``QueueHandler`` that drops instead of blocking, and a
``QueueListener`` thread that writes to stderr.

Everything shown passes through :func:`ras.text.terminal_safe`, so text that came from outside
(marker notes, diagnoses) cannot drive the terminal.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import queue
import sys
import threading
from collections import deque
from collections.abc import Iterator
from typing import TextIO

from ras.text import terminal_safe

__all__ = ["DEFAULT_MAX_QUEUED", "Console", "queued_logging"]

#: Lines held for a terminal that does not read before the oldest are dropped.
DEFAULT_MAX_QUEUED = 256


class Console:
    """Status and message lines for a terminal, written by a daemon thread.

    :meth:`line` and :meth:`status` return at once whatever the terminal does.

    Parameters
    ----------
    status_out : TextIO, optional
        Where status lines go (default: ``sys.stdout`` at construction).
    line_out : TextIO, optional
        Where message lines go (default: ``sys.stderr`` at construction).
    max_queued : int
        Lines held at most; when full a new status line is dropped, a new message line
        replaces the oldest status line held (else the oldest message).

    Attributes
    ----------
    status_dropped : int
        Status lines never shown because the terminal did not keep up.
    lines_dropped : int
        Message lines never shown for the same reason.
    """

    def __init__(
        self,
        status_out: TextIO | None = None,
        line_out: TextIO | None = None,
        max_queued: int = DEFAULT_MAX_QUEUED,
    ) -> None:
        if max_queued < 1:
            raise ValueError(f"max_queued must be at least 1, got {max_queued}")
        self.status_out = sys.stdout if status_out is None else status_out
        self.line_out = sys.stderr if line_out is None else line_out
        self.max_queued = max_queued
        self.status_dropped = 0
        self.lines_dropped = 0
        self._held: deque[tuple[bool, str]] = deque()  # (is_status, text)
        self._cond = threading.Condition()
        self._closing = False
        self._closed = False
        self._broken: set[int] = set()  # ids of streams that failed: not written again
        self._thread = threading.Thread(target=self._print, name="ras-console", daemon=True)
        self._thread.start()

    # --- any thread -------------------------------------------------------------------------

    def line(self, text: str) -> None:
        """Queue a message line (never blocks)."""
        self._put(False, text)

    def status(self, text: str) -> None:
        """Queue a status line (never blocks; dropped if the terminal is behind)."""
        self._put(True, text)

    def close(self, timeout_s: float = 2.0) -> bool:
        """Write out what is queued (waiting at most ``timeout_s`` real seconds) and stop.

        Afterwards :meth:`line` and :meth:`status` write directly. Returns True if everything
        queued was written.
        """
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout_s)
        with self._cond:
            self._closed = True
            flushed = not self._held and not self._thread.is_alive()
            self._held.clear()
        return flushed

    def __enter__(self) -> Console:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ----------------------------------------------------------------------------

    def _put(self, is_status: bool, text: str) -> None:
        text = terminal_safe(text)
        with self._cond:
            if self._closed:
                direct = True
            else:
                direct = False
                if len(self._held) >= self.max_queued:
                    if is_status:
                        self.status_dropped += 1
                        return
                    self._drop_one()
                self._held.append((is_status, text))
                self._cond.notify()
        if direct:
            self._write(is_status, text)

    def _drop_one(self) -> None:
        """Make room for a message: the oldest status line goes, else the oldest message."""
        for k, (is_status, _) in enumerate(self._held):
            if is_status:
                del self._held[k]
                self.status_dropped += 1
                return
        self._held.popleft()
        self.lines_dropped += 1

    def _print(self) -> None:
        while True:
            with self._cond:
                while not self._held and not self._closing:
                    self._cond.wait()
                if not self._held:
                    return
                is_status, text = self._held.popleft()
            self._write(is_status, text)

    def _write(self, is_status: bool, text: str) -> None:
        stream = self.status_out if is_status else self.line_out
        if id(stream) in self._broken:
            return
        try:
            stream.write(text + "\n")
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or file: the session goes on without it
            self._broken.add(id(stream))


class _DroppingQueueHandler(logging.handlers.QueueHandler):
    """A QueueHandler whose queue is bounded: a record that does not fit is counted, not
    waited for."""

    def __init__(self, q: queue.Queue[logging.LogRecord]) -> None:
        super().__init__(q)
        self.dropped = 0

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1


@contextlib.contextmanager
def queued_logging(
    stream: TextIO | None = None,
    max_records: int = 1000,
    level: int = logging.WARNING,
    close_timeout_s: float = 2.0,
) -> Iterator[logging.handlers.QueueHandler]:
    """Route logging through a bounded queue to ``stream`` (default: ``sys.stderr``).

    While the block runs, the root logger's handlers are replaced by one ``QueueHandler`` that
    never blocks (a record that does not fit is counted in its ``dropped``); a daemon thread
    writes the records. On exit what is queued is written (waiting at most
    ``close_timeout_s`` real seconds for a stream that does not take it) and the old handlers
    come back.
    """
    q: queue.Queue[logging.LogRecord | None] = queue.Queue(max_records)
    handler = _DroppingQueueHandler(q)  # type: ignore[arg-type]
    out = logging.StreamHandler(sys.stderr if stream is None else stream)
    out.setFormatter(logging.Formatter("ras: %(levelname)s: %(name)s: %(message)s"))

    def listen() -> None:
        while (record := q.get()) is not None:
            out.handle(record)

    listener = threading.Thread(target=listen, name="ras-log", daemon=True)
    root = logging.getLogger()
    old_handlers, old_level = root.handlers[:], root.level
    root.handlers = [handler]
    root.setLevel(level)
    listener.start()
    try:
        yield handler
    finally:
        root.handlers = old_handlers
        root.setLevel(old_level)
        with contextlib.suppress(queue.Full):
            q.put(None, timeout=close_timeout_s)
        listener.join(close_timeout_s)
