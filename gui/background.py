"""Jobs off the GUI thread: one worker thread, jobs in order, each result back as a Qt signal.

Reading a clinic server can take seconds (a connect timeout of 5 s when it does not answer);
the GUI thread hands such reads to a :class:`BackgroundJobs` and keeps painting. The jobs of
one :class:`BackgroundJobs` run in the one thread it started, in the order given, so what one
job opens (an SQLite connection may be used only by the thread that opened it) the next can use.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore

from ras.errors import RasError

__all__ = ["BackgroundJobs", "JobResult", "one_line"]


def one_line(exc: BaseException) -> str:
    """An error as the one line a page shows: ras's own message, else its kind and first line."""
    lines = str(exc).strip().splitlines()
    text = lines[0].strip() if lines else ""
    if isinstance(exc, RasError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass(frozen=True)
class JobResult:
    """What one job gave: its number, its value, or the error as one line ('' if none)."""

    job: int
    value: Any = None
    error: str = ""


class BackgroundJobs(QtCore.QObject):
    """Runs jobs one after another in one daemon thread; :attr:`done` brings each result to
    the thread that owns this object (the GUI thread), through Qt's event queue.

    A job that raises gives a :class:`JobResult` with the error as one line: nothing escapes
    the thread. After :meth:`stop`, the next :meth:`submit` starts a new thread.

    Parameters
    ----------
    name : str
        The worker thread's name.
    """

    done = QtCore.Signal(object)  # JobResult

    def __init__(self, name: str, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._ids = itertools.count(1)
        self._queue: queue.SimpleQueue[tuple[int, Callable[[], Any]] | None] | None = None

    def submit(self, job: Callable[[], Any]) -> int:
        """Run ``job()`` in the worker thread after the jobs before it; returns its number."""
        number = next(self._ids)
        if self._queue is None:
            self._queue = queue.SimpleQueue()
            threading.Thread(
                target=self._work, args=(self._queue,), name=self.name, daemon=True
            ).start()
        self._queue.put((number, job))
        return number

    def stop(self, last: Callable[[], Any] | None = None) -> None:
        """Run ``last`` (if given) after the jobs submitted, then end the thread."""
        if self._queue is None:
            return
        if last is not None:
            self._queue.put((0, last))
        self._queue.put(None)
        self._queue = None

    def _work(self, jobs: queue.SimpleQueue[tuple[int, Callable[[], Any]] | None]) -> None:
        owner_gone = False
        while (item := jobs.get()) is not None:
            number, job = item
            try:
                result = JobResult(number, job())
            except Exception as exc:  # shown as one line by whoever submitted the job
                result = JobResult(number, error=one_line(exc))
            if number == 0 or owner_gone:  # stop()'s last job, or nobody left to tell
                continue
            try:
                self.done.emit(result)
            except RuntimeError:  # the page that owned this object is gone; stop() may follow
                owner_gone = True
