"""SIGTERM and SIGHUP end a running session as Ctrl-C does.

By default either signal kills the process at once: no summary, the session row left
``running`` until the next start, the virtual sensors' temporary folders left behind. While
:func:`session_signals` is active they raise :class:`SessionSignal` on the main thread instead:
a ``KeyboardInterrupt`` (so every path that handles Ctrl-C — stop the runner, stop the cues,
close the recorder, remove temporary folders — handles them too) that carries the signal's
name, the session's end reason and the exit status the process should end with (128 + the
signal number, as a shell reports a process killed by it). A caller whose session can stop
by itself (``SessionRunner.stop(reason)``) passes ``on_signal`` and nothing is raised: the
session ends as when it is stopped, with the signal's reason.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

__all__ = ["SESSION_SIGNALS", "STOP_SIGNALS", "SessionSignal", "SignalWatch", "session_signals"]

#: The signals that end a session cleanly.
SESSION_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGHUP)
#: The same with Ctrl-C, for a front end that stops gracefully on it too (``on_signal``): a
#: KeyboardInterrupt raised at an arbitrary point can leave a lock held and hang the clean-up.
STOP_SIGNALS: tuple[signal.Signals, ...] = (*SESSION_SIGNALS, signal.SIGINT)


class SessionSignal(KeyboardInterrupt):
    """The process was asked to stop by a signal.

    Attributes
    ----------
    signum : int
        The signal's number.
    name : str
        Its name (``SIGTERM``).
    reason : str
        The session's end reason (``ended by SIGTERM``).
    exit_code : int
        128 + ``signum``.
    """

    def __init__(self, signum: int) -> None:
        self.signum = int(signum)
        self.name = signal.Signals(signum).name
        self.reason = "stopped with Ctrl-C" if signum == signal.SIGINT else f"ended by {self.name}"
        self.exit_code = 128 + self.signum
        super().__init__(self.reason)


class SignalWatch:
    """What :func:`session_signals` saw: the first signal received (None if none).

    Parameters
    ----------
    on_signal : callable, optional
        Called on the main thread with the :class:`SessionSignal`; if it returns True the
        signal was dealt with (the session is stopping) and nothing is raised.
    """

    def __init__(self, on_signal: Callable[[SessionSignal], bool] | None = None) -> None:
        self.on_signal = on_signal
        self.received: SessionSignal | None = None

    @property
    def exit_code(self) -> int | None:
        """128 + the signal's number, or None if no signal came."""
        return None if self.received is None else self.received.exit_code

    @property
    def reason(self) -> str:
        """``ended by SIGTERM`` (empty if no signal came)."""
        return "" if self.received is None else self.received.reason

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is not None:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt  # a second Ctrl-C: the user insists, stop now
            return  # already ending: let the clean-up finish
        self.received = SessionSignal(signum)
        if self.on_signal is not None and self.on_signal(self.received):
            return
        raise self.received


@contextlib.contextmanager
def session_signals(
    signals: tuple[int, ...] = SESSION_SIGNALS,
    on_signal: Callable[[SessionSignal], bool] | None = None,
) -> Iterator[SignalWatch]:
    """While the block runs, ``signals`` raise :class:`SessionSignal` on the main thread.

    The first one raises (unless ``on_signal`` returns True: see :class:`SignalWatch`); later
    ones are ignored so the clean-up it started can finish. The
    previous handlers come back on exit. Outside the main thread (where Python cannot install
    handlers) this does nothing but yield the watch.
    """
    watch = SignalWatch(on_signal)
    if threading.current_thread() is not threading.main_thread():
        yield watch
        return
    old = {}
    try:
        for signum in signals:
            old[signum] = signal.signal(signum, watch._handle)
        yield watch
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)
