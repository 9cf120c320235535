"""SIGTERM and SIGHUP end `ras run` as Ctrl-C does: the summary printed, the session closed
`incomplete` with the signal as its reason, exit status 128 + N, no temporary folder left."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading

import pytest

from ras.store.store import Store

RAS = [sys.executable, "-m", "ras"]
RUN = ["run", "--simulate", "healthy", "--audio", "none", "--speed", "10"]
SESSION = ["--baseline", "10", "--cued", "120", "--probe", "10"]
GUARD_S = 60.0  # hang guard only


def lines_of(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["SIGTERM", "SIGHUP", "Ctrl-C"]
)
def test_a_signal_ends_the_session_with_its_summary_and_reason(tmp_path, signum, capsys):
    db = tmp_path / "ras.sqlite3"
    tmp = tmp_path / "tmp"  # the child's own temp folder, so "nothing left" is exact
    tmp.mkdir()
    proc = subprocess.Popen(
        [*RAS, *RUN, *SESSION, "--db", str(db)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
    )
    out: queue.Queue[str | None] = queue.Queue()
    err: list[str] = []
    readers = [
        threading.Thread(target=lines_of, args=(proc.stdout, out), daemon=True),
        threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True),
    ]
    with proc:
        for reader in readers:
            reader.start()
        try:
            seen = []
            # signalled in the cued phase, once the tempo has changed at least once
            while True:
                line = out.get(timeout=GUARD_S)
                assert line is not None, f"ended before the cued phase: {seen} {err}"
                seen.append(line)
                if " cued " in line and os.listdir(tmp) and _tempo_changed(db):
                    break
            assert len(os.listdir(tmp)) == 2  # one folder per virtual sensor while it runs
            proc.send_signal(signum)
            code = proc.wait(GUARD_S)
        finally:
            proc.kill()
            for reader in readers:
                reader.join(GUARD_S)
    while (line := out.get(timeout=GUARD_S)) is not None:
        seen.append(line)
    why = (
        "stopped with Ctrl-C"
        if signum == signal.SIGINT
        else f"ended by {signal.Signals(signum).name}"
    )
    assert code == 128 + signum, (seen[-3:], err)
    summary = seen[-1]
    assert summary.startswith("session 1 incomplete:") and f"({why})" in summary
    assert "Traceback" not in "".join(err)
    with Store(db) as store:
        info = store.get_session(1)
        changes = [c for c in store.tempo_changes(1) if c.old_bpm is not None]
    assert info.status == "incomplete"
    assert info.end_reason == why
    from ras.cli import main  # the history says why the session is incomplete

    assert main(["sessions", "--db", str(db)]) == 0
    assert f"incomplete {why}" in " ".join(capsys.readouterr().out.split())
    # the summary counts the tempo changes made, as stored (the start tempo is not a change)
    assert f" {len(changes)} tempo changes," in summary and changes
    assert "final tempo --" not in summary
    assert os.listdir(tmp) == []


def _tempo_changed(db) -> bool:
    with Store(db) as store:
        return any(c.old_bpm is not None for c in store.tempo_changes(1))
