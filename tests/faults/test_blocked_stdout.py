"""A stdout and stderr that nobody reads for a whole session delay the text, never a cue.

`ras run` writes to pipes that are full before it starts (the pipe shrunk to one page and
filled), so its very first write would block; nobody reads them until the session is closed
in the database. Every beat of the fixed-tempo cued phase must still have its cue, on time,
through the wav backend (at 10x) and through a real sound output into a PulseAudio null sink
(in real time). Before the console queue, the engine thread printed the status line itself and
the first blocked write stopped the metronome for good.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import termios
import threading
import time

import numpy as np
import pytest

from ras.store.store import Store

RAS = [sys.executable, "-m", "ras"]
GUARD_S = 180.0  # hang guard only
F_SETPIPE_SZ = 1031
TEMPO_BPM = 100.0
IOI_S = 60.0 / TEMPO_BPM
#: A cue whose onset is further than this from its beat is late (s).
LATE_S = 0.005
# 22 s of session time held blocked (the pipes are full from the first status line on):
# baseline, cued phase at a fixed tempo, a short probe
CUED_S = 12.0
SESSION = ["--baseline", "8", "--cued", f"{CUED_S:g}", "--probe", "2"]
SESSION += ["--plan", "fixed", "--tempo", f"{TEMPO_BPM:g}"]


def full_pipe() -> tuple[int, int, int]:
    """``(read fd, write fd, bytes held)`` of a pipe of one page, already full; blocking."""
    r, w = os.pipe()
    try:
        size = fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
    except OSError:  # not Linux, or refused: the pipe keeps its size and is filled all the same
        size = 0
    os.set_blocking(w, False)
    held = 0
    try:
        while True:
            held += os.write(w, b"#" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(w, True)  # the child's writes must block, not fail
    assert held >= size
    return r, w, held


def unread_bytes(fd: int) -> int:
    count = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, count)
    return int.from_bytes(count, sys.byteorder)


def session_status(db: str) -> str | None:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5.0) as conn:
            row = conn.execute("SELECT status FROM sessions WHERE id = 1").fetchone()
    except sqlite3.Error:
        return None  # not made yet
    return None if row is None else str(row[0])


def run_blocked(tmp_path, audio: str, speed: float) -> tuple[int, str, str]:
    """Run the session with both output pipes full until it is closed in the database."""
    db = str(tmp_path / "ras.sqlite3")
    out_r, out_w, out_held = full_pipe()
    err_r, err_w, err_held = full_pipe()
    argv = [*RAS, "run", "--simulate", "healthy", "--audio", audio, "--speed", f"{speed:g}"]
    proc = subprocess.Popen(
        [*argv, *SESSION, "--db", db], stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w
    )
    os.close(out_w)
    os.close(err_w)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    readers = [
        threading.Thread(target=lambda fd=fd: _read_all(fd, chunks[fd]), daemon=True)
        for fd in (out_r, err_r)
    ]
    try:
        deadline = time.monotonic() + GUARD_S
        while session_status(db) in (None, "running"):
            assert proc.poll() is None, "ras run ended while its output was blocked"
            assert time.monotonic() < deadline, "the session did not end with stdout blocked"
            time.sleep(0.2)
        # the whole session ran with nothing read: both pipes are still exactly as filled
        assert unread_bytes(out_r) == out_held and unread_bytes(err_r) == err_held
        for reader in readers:
            reader.start()
        code = proc.wait(GUARD_S)
        for reader in readers:
            reader.join(GUARD_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(out_r)
        os.close(err_r)
    out = b"".join(chunks[out_r])[out_held:].decode()
    err = b"".join(chunks[err_r])[err_held:].decode()
    return code, out, err


def _read_all(fd: int, into: list[bytes]) -> None:
    while chunk := os.read(fd, 65536):
        into.append(chunk)


def assert_every_cue_on_time(db: str) -> None:
    with Store(db) as store:
        phases = {name: (start, end) for name, start, end in store.phases(1)}
        cues = store.cues(1)
    cued_start_s, cued_end_s = phases["cued"]
    assert cued_end_s is not None and cued_end_s - cued_start_s >= CUED_S - 1.0
    # every beat from the first has its cue: indices without a gap, from 0
    assert len(cues) >= CUED_S / IOI_S - 3
    assert cues["beat_index"].tolist() == list(range(len(cues)))
    # each on its beat: a fixed tempo puts beat k at the first beat + k intervals
    beat_s = cues["t_s"][0] + IOI_S * cues["beat_index"]
    late_s = np.abs(cues["t_s"] - beat_s)
    assert late_s.max() <= LATE_S, f"{(late_s > LATE_S).sum()} cues late, worst {late_s.max()}"
    assert cued_start_s < cues["t_s"][0] < cued_start_s + 2 * IOI_S + 1.0  # none missed first
    assert cued_end_s - cues["t_s"][-1] < IOI_S + LATE_S  # none missed last


def assert_complete_and_nothing_skipped(code: int, out: str, err: str) -> None:
    assert code == 0, (out[-500:], err[-500:])
    assert "session 1 complete" in out.splitlines()[-1]
    assert "skipped" not in out + err and "late" not in out.splitlines()[-1]
    assert " cued " in out  # status lines did come out, once someone read them


@pytest.mark.slow
@pytest.mark.timing  # ends 'complete': every cue decided within 0.25 s real
def test_blocked_stdout_delays_no_cue_wav(tmp_path):
    code, out, err = run_blocked(tmp_path, f"wav:{tmp_path / 'cues.wav'}", speed=10.0)
    assert_complete_and_nothing_skipped(code, out, err)
    assert_every_cue_on_time(str(tmp_path / "ras.sqlite3"))


@pytest.mark.slow
@pytest.mark.loopback
def test_blocked_stdout_delays_no_cue_through_a_sound_output(tmp_path):
    from ras.audio.loopback import start_null_sink

    if shutil.which("pulseaudio") is None:
        pytest.skip("PulseAudio not installed: apt install pulseaudio pulseaudio-utils")
    if start_null_sink() is None:
        pytest.skip("PulseAudio cannot run here (try: sh scripts/pulse-null-sink.sh)")
    code, out, err = run_blocked(tmp_path, "default", speed=1.0)
    assert_complete_and_nothing_skipped(code, out, err)
    assert_every_cue_on_time(str(tmp_path / "ras.sqlite3"))
