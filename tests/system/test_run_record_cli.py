"""Issue 13's scripted session through `ras run` itself: the therapist types cues off and on, pause
and resume, a fall, a large tempo jump and pulls the virtual left sensor's cable; each is said
with its time in the live log (stdout), stored with that time, and in the PDF report."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ras.events import CueState, LinkState, MarkerKind
from ras.store.store import Store
from tests.report.report_helpers import pdf_text, requires_poppler

RAS = [sys.executable, "-m", "ras"]
GUARD_S = 120.0  # hang guard only
SPEED = 10.0
#: Typed one after another, 0.5 s (5 session s) apart, once the cued phase has begun.
SCRIPT = [
    "off",
    "on",
    "pause",
    "resume",
    "fall lost balance",
    "set 130",
    "unplug left",
    "plug left",
]


def _type_script(db: Path) -> list[str]:
    """Run the session, typing SCRIPT into its stdin in the cued phase; its output lines."""
    argv = [*RAS, "run", "--simulate", "healthy", "--audio", "none", "--speed", f"{SPEED:g}"]
    argv += ["--baseline", "15", "--cued", "60", "--probe", "5", "--plan", "fixed"]
    argv += ["--tempo", "100", "--db", str(db)]
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    assert proc.stdin is not None and proc.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(ln.rstrip() for ln in proc.stdout))
    reader.start()
    try:
        deadline = time.monotonic() + GUARD_S
        while not any(ln.startswith("cue start at") for ln in list(lines)):
            assert proc.poll() is None and time.monotonic() < deadline, lines
            time.sleep(0.05)
        for command in SCRIPT:
            proc.stdin.write(command + "\n")
            proc.stdin.flush()
            time.sleep(5.0 / SPEED)
        proc.stdin.close()
        assert proc.wait(GUARD_S) == 0, lines
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(GUARD_S)
        proc.stdout.close()
    return lines


def _at_s(lines: list[str], pattern: str) -> float:
    """The session time (s) the first line matching ``pattern`` (with an ``at|from T s``) says."""
    for line in lines:
        found = re.search(pattern + r".*?\b(?:at|from) (\d+\.\d) s", line)
        if found:
            return float(found.group(1))
    raise AssertionError(f"no line {pattern!r} with a time in:\n" + "\n".join(lines))


@pytest.fixture(scope="module")
def typed(tmp_path_factory) -> tuple[Path, list[str]]:
    db = tmp_path_factory.mktemp("typed") / "ras.sqlite3"
    return db, _type_script(db)


@pytest.mark.slow
def test_each_typed_change_is_in_the_live_log_with_the_time_it_is_stored_at(typed):
    db, lines = typed
    with Store(db) as store:
        states = {s.state: s.t_s for s in store.cue_states(1) if s.source == "therapist"}
        [fall] = [m for m in store.markers(1) if m.kind == MarkerKind.FALL]
        [change] = [c for c in store.tempo_changes(1) if c.source == "therapist"]
        links = store.link_events(1)
    for state in (CueState.OFF, CueState.ON, CueState.PAUSE, CueState.RESUME):
        assert _at_s(lines, f"^cue {state.value} ") == pytest.approx(states[state], abs=0.05)
    assert _at_s(lines, "^marker ") == pytest.approx(fall.t_s, abs=0.05)
    assert any(ln.endswith(": fall: lost balance") for ln in lines)
    # the jump is said as such, with the beat it takes effect from
    jump = next(ln for ln in lines if ln.startswith("tempo 100.0 -> 130.0 bpm"))
    assert "large jump: +30.0 %" in jump
    assert _at_s(lines, r"^tempo 100\.0 -> 130\.0") == pytest.approx(change.effective_t_s, abs=0.05)
    unplug_s = _at_s(lines, "^left sensor unplugged")
    lost = [e for e in links if e.state == LinkState.DISCONNECTED and e.t_s >= unplug_s]
    assert lost and _at_s(lines, "^left sensor disconnected") == pytest.approx(
        lost[0].t_s, abs=0.05
    )
    back = [e for e in links if e.state == LinkState.CONNECTED and e.t_s > lost[0].t_s]
    assert back and _at_s(lines, "^left sensor connected") == pytest.approx(back[0].t_s, abs=0.05)


@requires_poppler
@pytest.mark.slow
def test_the_typed_session_report_lists_each_change_at_its_time(typed, tmp_path):
    db, _ = typed
    pdf = tmp_path / "typed.pdf"
    done = subprocess.run(
        [*RAS, "report", "1", "--pdf", str(pdf), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=GUARD_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text = pdf_text(pdf)
    with Store(db) as store:
        states = [s for s in store.cue_states(1) if s.source == "therapist"]
        [fall] = [m for m in store.markers(1) if m.kind == MarkerKind.FALL]

    def mm_ss(t_s: float) -> str:
        return f"{int(t_s) // 60:02d}:{int(t_s) % 60:02d}"

    what = {"off": "cue off", "on": "cue on", "pause": "cue paused", "resume": "cue resumed"}
    for state in states:
        assert re.search(rf"{mm_ss(state.t_s)}\s+{what[state.state.value]}", text), state
    assert re.search(rf"{mm_ss(fall.t_s)}\s+fall", text)
    assert "large jump" in text and "unplug left sensor" in text and "left sensor lost" in text
