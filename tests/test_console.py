"""ras.console: lines reach their streams in order, and nothing waits for a terminal that
does not read."""

from __future__ import annotations

import io
import logging
import threading

from ras.console import Console, queued_logging

GUARD_S = 60.0  # a hang guard only: calls that never return fail the test instead of hanging it


class BlockedStream(io.StringIO):
    """A stream whose writes wait until :attr:`release` is set, like a pipe nobody reads."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.writing = threading.Event()

    def write(self, text: str) -> int:
        self.writing.set()
        self.release.wait()
        return super().write(text)


def call_in_thread(fn) -> None:
    worker = threading.Thread(target=fn, daemon=True)
    worker.start()
    worker.join(GUARD_S)
    assert not worker.is_alive(), "the call blocked on a stream that does not read"


def test_lines_go_to_their_streams_in_order():
    out, err = io.StringIO(), io.StringIO()
    console = Console(status_out=out, line_out=err)
    for k in range(5):
        console.status(f"status {k}")
        console.line(f"message {k}")
    assert console.close(timeout_s=GUARD_S)
    assert out.getvalue().splitlines() == [f"status {k}" for k in range(5)]
    assert err.getvalue().splitlines() == [f"message {k}" for k in range(5)]
    console.line("after close")  # written directly once closed
    assert err.getvalue().splitlines()[-1] == "after close"


def test_a_blocked_stream_blocks_no_caller_and_the_newest_messages_are_kept():
    out = BlockedStream()
    err = io.StringIO()
    console = Console(status_out=out, line_out=out, max_queued=10)
    n = 200

    def flood() -> None:
        for k in range(n):
            console.status(f"status {k}")
            console.line(f"message {k}")

    call_in_thread(flood)
    assert out.writing.wait(GUARD_S)  # the printer took a line and is stuck in its write
    held = console.status_dropped + console.lines_dropped
    assert console.status_dropped > 0 and held > 0
    out.release.set()
    assert console.close(timeout_s=GUARD_S)
    lines = out.getvalue().splitlines()
    # what was shown and what was dropped add up; the last messages are among those shown
    assert len(lines) + console.status_dropped + console.lines_dropped == 2 * n
    assert lines[-1] == f"message {n - 1}"
    assert [x for x in lines if x.startswith("message")][-5:] == [
        f"message {k}" for k in range(n - 5, n)
    ]
    assert err.getvalue() == ""


def test_terminal_control_sequences_are_not_passed_on():
    out = io.StringIO()
    console = Console(status_out=out, line_out=out)
    console.line("marker at 3.0 s: \x1b]0;owned\x07hello\x1b[2Jworld\nnext")
    console.close(timeout_s=GUARD_S)
    text = out.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert text == "marker at 3.0 s: helloworld next\n"


class BrokenStream(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_broken_stream_is_left_alone():
    console = Console(status_out=BrokenStream(), line_out=BrokenStream())
    console.status("one")
    console.line("two")
    assert console.close(timeout_s=GUARD_S)


def test_logging_goes_through_a_bounded_queue():
    out = BlockedStream()
    log = logging.getLogger("ras.test_console")
    with queued_logging(stream=out, max_records=5, close_timeout_s=0.1) as handler:

        def flood() -> None:
            for k in range(50):
                log.warning("warning %d", k)

        call_in_thread(flood)
        assert handler.dropped > 0
    out.release.set()
    root = logging.getLogger()
    assert handler not in root.handlers
