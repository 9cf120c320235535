"""The progress of a batch on stderr: one line redrawn on a terminal, plain lines otherwise.

On a terminal: ``[12/100] 12 % walk.csv  ETA 0:34`` redrawn in place (``\\r``), the ETA from the
mean time per finished recording; otherwise (a log file, a pipe) one line per finished
recording, ``[12/100] site-a/p01/walk.csv ok``, so a log keeps each.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress", "eta_text"]


def eta_text(elapsed_s: float, done: int, total: int) -> str:
    """Remaining time as ``H:MM:SS`` or ``M:SS`` from the mean time per finished item."""
    if done <= 0:
        return "?"
    left_s = round(elapsed_s / done * (total - done))
    h, rest = divmod(left_s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Tells how far a batch of ``total`` recordings is.

    Parameters
    ----------
    total : int
        Recordings in the batch.
    stream : text stream, optional
        Where (default stderr); redrawn in place when it is a terminal.
    """

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = sys.stderr if stream is None else stream
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self._start_s = time.monotonic()
        self._width = 0

    def finished(self, name: str, status: str) -> None:
        """One more recording ``name`` finished with ``status`` (``ok`` or ``failed``)."""
        from ras.text import terminal_safe

        self.done += 1
        head = f"[{self.done}/{self.total}]"
        if not self.tty:
            self.stream.write(terminal_safe(f"{head} {name} {status}") + "\n")
            self.stream.flush()
            return
        pct = 100 * self.done // max(1, self.total)
        eta = eta_text(time.monotonic() - self._start_s, self.done, self.total)
        line = terminal_safe(f"{head} {pct} % {name}  ETA {eta}")[:200]
        pad = " " * max(0, self._width - len(line))
        self._width = len(line)
        self.stream.write(f"\r{line}{pad}")
        self.stream.flush()

    def say(self, text: str) -> None:
        """A line of its own (a failure, a warning) that the progress line does not overwrite."""
        from ras.text import terminal_safe

        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.stream.write(terminal_safe(text) + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the redrawn line (a terminal only)."""
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0
