"""The live view's redraw time with 60 minutes of data, and step delivery to the engine under it.

1. Redraw: a :class:`gui.live_view.LivePage` (1600 x 1000, offscreen) holding one hour of
   samples (3,600 per series, one per session second, as the live view keeps them), 60 plan and
   600 adaptive tempo changes, 40 actions and 20 markers; one frame = take a poll
   (``show_state``) and repaint the page. Target: >= 30 frames per second equivalent.
2. Step delivery: a real :class:`~ras.session.runner.SessionRunner` (engine thread) on a
   session bus, fed a step event every 20 ms; latency = the runner handing it to its cadence
   estimator minus the moment before ``publish``. The engine runs in a child process as the GUI
   runs it (gui/session_controller.py), with the GUI (a) idle, (b) as the app runs it (poll
   10 Hz, plots redrawn at 5 Hz) and (c) redrawing continuously (stress); and (d) in a thread of
   the GUI process, for contrast. Conditions are interleaved in rounds. Target: p99 added by
   the GUI as run <= 1 ms.

Usage: python benchmarks/gui_redraw.py [--seconds S] [--frames N] [--no-report]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import sys
import threading
import time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from PySide6 import QtWidgets

from gui.app import make_app
from gui.live_view import LivePage
from ras.bus import SessionBus
from ras.cadence import CadenceEstimator
from ras.events import MarkerEvent, PhaseEvent, StepEvent, TempoChangeEvent
from ras.protocol.messages import Side, StepKind
from ras.session.runner import SessionRunner
from ras.session.settings import SessionSettings
from ras.session.snapshot import ActionRecord, LiveSnapshot
from ras.session_clock import SessionClock

HOUR_S = 3600.0
STEP_EVERY_S = 0.02
ROUNDS = 4


def hour_of_records(rng: np.random.Generator) -> list[object]:
    """Phases, tempo changes (plan each minute, adaptive 10 a minute) and markers of an hour."""
    records: list[object] = [
        PhaseEvent(0.0, "baseline"),
        PhaseEvent(120.0, "cued"),
        PhaseEvent(HOUR_S - 120.0, "probe"),
    ]
    bpm = 90.0
    for t in np.arange(121.0, HOUR_S - 120.0, 6.0):
        minute = int(t) % 60 < 6
        new = bpm * 1.02 if minute else bpm + rng.normal(0, 0.3)
        records.append(TempoChangeEvent(float(t), bpm, new, "plan" if minute else "adaptive"))
        bpm = new
    records += [
        MarkerEvent(float(t), f"note {i}") for i, t in enumerate(np.linspace(200, 3400, 20))
    ]
    return records


def filled_page(rng: np.random.Generator) -> tuple[LivePage, LiveSnapshot]:
    """A live page holding one hour of data, and a poll to show on it."""
    page = LivePage()
    page.reset("P-bench", 120, HOUR_S - 240, 120, True, -18.0)
    t = np.arange(HOUR_S)
    cadence = 95 + 5 * np.sin(t / 300) + rng.normal(0, 1.5, t.size)
    left = 0.62 + rng.normal(0, 0.01, t.size)
    right = 0.66 + rng.normal(0, 0.01, t.size)
    si = 100 * (right - left) / (0.5 * (right + left))  # synthetic data for the benchmark only
    for i in range(t.size):
        page.series.sample(float(t[i]), cadence[i], left[i], right[i], si[i])
    actions = [ActionRecord(float(x), "cues off") for x in np.linspace(300, 3300, 40)]
    first = LiveSnapshot(state="running", t_s=HOUR_S, records=hour_of_records(rng), actions=actions)
    page.show_state(first)
    return page, LiveSnapshot(state="running", t_s=HOUR_S)


def measure_redraw(page: LivePage, poll: LiveSnapshot, frames: int, full: bool) -> np.ndarray:
    """Seconds per frame: a new sample, the poll shown, the page painted.

    ``full``: the whole page repainted (worst case); else what Qt repaints of its own accord
    (the plots and the labels that changed), as in the app.
    """
    app = QtWidgets.QApplication.instance()
    series = page.series
    times = []
    for _ in range(frames + 5):
        t0 = time.perf_counter()
        series.sample(series.now_s + 1.0, 95.0, 0.62, 0.66, 6.2)
        series.now_s += 1.0
        page.show_state(poll, redraw=True)
        if full:
            page.repaint()
        app.processEvents()
        times.append(time.perf_counter() - t0)
    return np.asarray(times[5:])


class TimedEstimator(CadenceEstimator):
    """The runner's cadence estimator, noting when each step reaches it (perf_counter)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[int, float] = {}

    def update(self, *, event: StepEvent) -> CadenceEstimator:
        self.arrived[event.seq] = time.perf_counter()
        return super().update(event=event)


def delivery_worker(seconds: float, out: object) -> None:
    """An engine (SessionRunner thread) fed a step every 20 ms; puts the latencies (s) on out."""
    clock = SessionClock(speed=25.0)
    bus = SessionBus()
    runner = SessionRunner(SessionSettings(baseline_s=3600.0), clock=clock, bus=bus)
    est = TimedEstimator()
    runner.estimator = est

    ready = threading.Event()

    def tick(r: SessionRunner) -> None:  # what gui.session_engine does on the engine thread
        r.status()
        r.detail()
        ready.set()

    engine = threading.Thread(target=runner.run, kwargs={"on_tick": tick}, daemon=True)
    engine.start()
    ready.wait(30.0)  # the engine runs (imports done) before the first step
    time.sleep(0.5)
    published: dict[int, float] = {}
    next_t = time.perf_counter()
    end = next_t + seconds
    seq = 0
    while next_t < end:
        next_t += STEP_EVERY_S
        time.sleep(max(0.0, next_t - time.perf_counter()))
        side = Side.LEFT if seq % 2 == 0 else Side.RIGHT
        t_s = clock.now_s()
        event = StepEvent(1 + seq % 2, side, StepKind.INITIAL_CONTACT, t_s, 0, t_s, seq, seq)
        published[seq] = time.perf_counter()
        bus.publish(event)
        seq += 1
    time.sleep(0.1)
    runner.stop()
    engine.join()
    lat = [est.arrived[s] - published[s] for s in sorted(published) if s in est.arrived]
    out.put(lat[50:])  # type: ignore[attr-defined]


def delivery(seconds: float, gui: str, page: LivePage, in_process: bool) -> np.ndarray:
    """Latencies (s) of an engine in a child process (or a thread) while the GUI does ``gui``.

    ``gui``: ``none`` (idle), ``app`` (poll at 10 Hz, plots redrawn at 5 Hz with a new sample
    each time: more than the app's 1 Hz at real speed) or ``stress`` (continuous redraws).
    """
    if in_process:
        out: object = queue.SimpleQueue()
        worker: object = threading.Thread(target=delivery_worker, args=(seconds, out))
    else:
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        worker = ctx.Process(target=delivery_worker, args=(seconds, out))
    worker.start()  # type: ignore[attr-defined]
    app = QtWidgets.QApplication.instance()
    series = page.series
    poll = LiveSnapshot(state="running", t_s=HOUR_S)
    polls = 0
    result = None
    while result is None:
        try:
            result = out.get(timeout=0.001 if gui == "stress" else 0.1)  # type: ignore[attr-defined]
            break
        except queue.Empty:
            pass
        if gui == "none":
            continue
        polls += 1
        redraw = gui == "stress" or polls % 2 == 0
        if redraw:
            series.sample(series.now_s + 1.0, 95.0, 0.62, 0.66, 6.2)
            series.now_s += 1.0
        page.show_state(poll, redraw=redraw)
        app.processEvents()
    worker.join()  # type: ignore[attr-defined]
    return np.asarray(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=24.0, help="per delivery condition")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args(argv)
    app = make_app()
    rng = np.random.default_rng(0)
    window = QtWidgets.QMainWindow()
    page, poll = filled_page(rng)
    window.setCentralWidget(page)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    app_rounds, full_rounds = [], []
    for _ in range(ROUNDS):  # interleaved, so load on the shared machine hits both alike
        app_rounds.append(measure_redraw(page, poll, args.frames // ROUNDS, full=False))
        full_rounds.append(measure_redraw(page, poll, args.frames // ROUNDS, full=True))
    frame_s, full_s = np.concatenate(app_rounds), np.concatenate(full_rounds)
    # conditions interleaved in rounds, so the shared machine's load hits them alike
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("none", "app", "stress", "thread")}
    for _ in range(ROUNDS):
        for key in parts:
            gui = "app" if key == "thread" else key
            part = delivery(args.seconds / ROUNDS, gui, page, in_process=key == "thread")
            parts[key].append(part)
    rows = {k: np.concatenate(v) for k, v in parts.items()}
    window.close()

    def stats(x: np.ndarray) -> tuple[float, float, float, int]:
        return (
            1e3 * float(np.median(x)),
            1e3 * float(np.percentile(x, 99)),
            1e3 * float(np.max(x)),
            int(x.size),
        )

    def frames(x: np.ndarray, rounds: list[np.ndarray]) -> str:
        med = 1e3 * float(np.median(x))
        p95 = 1e3 * float(np.percentile(x, 95))
        per_round = ", ".join(f"{1e3 * float(np.median(r)):.1f}" for r in rounds)
        return (
            f"median **{med:.1f} ms**, p95 {p95:.1f} ms = **{1e3 / med:.0f} frames/s**"
            f" (round medians {per_round} ms)"
        )

    fps = 1.0 / float(np.median(frame_s))
    base = stats(rows["none"])
    names = {
        "none": "engine in its process, GUI idle (baseline)",
        "app": "engine in its process, GUI as run (poll 10 Hz, plots 5 Hz)",
        "stress": "engine in its process, GUI redrawing continuously",
        "thread": "engine in a thread of the GUI process, GUI as run",
    }
    lines = [
        "Live view (1600 x 1000, offscreen) holding 60 min of data: 3,600 samples per series,"
        " 60 plan + ~530 adaptive tempo changes, 40 actions, 20 markers; each frame adds a"
        " sample, so the plots really redraw.",
        "",
        f"- frame as the app paints it (plots and changed labels): {frames(frame_s, app_rounds)}"
        f" equivalent (target >= 30: {'met' if fps >= 30 else 'NOT met'})",
        f"- whole page repainted (worst case): {frames(full_s, full_rounds)}",
        "",
        "Step delivery to the engine: a real SessionRunner thread fed a step every"
        f" {STEP_EVERY_S * 1e3:.0f} ms; latency = the step handed to its cadence estimator minus"
        f" just before publish; {args.seconds:g} s per row in {ROUNDS} interleaved rounds, same"
        " run. The GUI runs the engine in a child process (gui/session_controller.py).",
        "",
        "| engine / GUI | steps | median ms | p99 ms | max ms | p99 added vs baseline |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, name in names.items():
        med, p99, mx, n = stats(rows[key])
        added = "—" if key == "none" else f"{p99 - base[1]:+.3f} ms ({p99 / base[1]:.2f}x)"
        lines.append(f"| {name} | {n} | {med:.3f} | {p99:.3f} | {mx:.3f} | {added} |")
    added_app = stats(rows["app"])[1] - base[1]
    lines += [
        "",
        f"- target p99 added <= 1 ms with the GUI as run: "
        f"**{'met' if added_app <= 1.0 else 'NOT met'}** ({added_app:+.3f} ms).",
        "- The thread row is why the engine has its own process: Qt paints pyqtgraph scenes"
        " holding the GIL, for up to tens of ms, and a thread of the same process waits for"
        " it (see its max and other runs); how much shows at p99 depends on the load.",
        "- The continuous-redraw row is a stress case, not how the app runs: it keeps one of"
        " this shared machine's two cores busy, so the engine's process waits for a CPU.",
    ]
    body = "\n".join(lines)
    print(body)
    if not args.no_report:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _report import write_section

        command = "python benchmarks/gui_redraw.py"
        if args.seconds != 24.0:
            command += f" --seconds {args.seconds:g}"
        if args.frames != 60:
            command += f" --frames {args.frames}"
        write_section("GUI redraw and step delivery", body, ".venv/bin/" + command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
