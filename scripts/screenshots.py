"""Screenshots of the GUI's main states, from a simulated session, into docs/screenshots/.

Runs offscreen (no display needed): set-up, live mid-session, the disconnect warning, the
summary and the patient history (three sessions). About a minute.

Usage: python scripts/screenshots.py [--out docs/screenshots] [--speed 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gui.app import make_app
from gui.main_window import MainWindow
from gui.session_controller import SessionController
from ras.session.request import SessionRequest, SimulatedSensors
from ras.session.settings import SessionSettings
from ras.store.store import Store

PATIENT = "P-017"


def wait(app, until: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the event loop until ``until()`` or fail."""
    deadline = time.monotonic() + timeout_s
    while not until():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def earlier_sessions(db: str, speed: float) -> None:
    """Two shorter sessions before the one on screen, so the history has a trend."""
    for seed, cued_s in ((1, 120.0), (2, 150.0)):
        settings = SessionSettings(baseline_s=40, cued_s=cued_s, probe_s=40, plan="iso-ramp")
        request = SessionRequest(
            PATIENT,
            settings,
            SimulatedSensors("stroke", seed=seed),
            audio="none",
            speed=speed,
            db=db,
            via="gui",
        )
        c = SessionController(request)
        c.start()
        c.wait(600)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--speed", type=float, default=20.0)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    db = os.path.join(tempfile.mkdtemp(prefix="ras-shots-"), "ras.sqlite3")
    with Store(db) as store:
        store.add_patient(PATIENT, diagnosis="stroke", affected_side="left")
    earlier_sessions(db, args.speed)
    app = make_app()
    w = MainWindow(db, speed=args.speed, simulate="stroke", audio="none")
    w.resize(1600, 1000)
    w.show()
    s = w.setup
    s.reload_patients(select=PATIENT)
    s.baseline_s.setValue(60)
    s.cued_s.setValue(360)
    s.probe_s.setValue(60)
    wait(app, lambda: True, 1, "set-up")
    app.processEvents()
    shots = {}

    def shot(name: str) -> None:
        for _ in range(5):
            app.processEvents()
        path = out / f"{name}.png"
        w.grab().save(str(path))
        shots[name] = path

    shot("setup")
    s.start_btn.click()
    live, controls = w.live, w.live.controls
    wait(app, controls.plus.isEnabled, 60, "the cued phase")
    t_cued = live.series.now_s
    wait(app, lambda: live.series.now_s > t_cued + 60, 60, "a minute of cueing")
    controls.plus.click()
    wait(app, lambda: live.series.now_s > t_cued + 90, 60, "more cueing")
    controls.note.setText("short freeze at the turn")
    controls.mark.click()
    wait(app, lambda: live.series.now_s > t_cued + 120, 60, "more cueing")
    controls.cues_btn.click()  # a short uncued probe
    wait(app, lambda: live.series.now_s > t_cued + 150, 60, "the probe")
    controls.cues_btn.click()
    wait(app, lambda: live.series.now_s > t_cued + 220, 60, "more cueing")
    shot("live")
    w.live.sim_buttons["unplug_left"].click()
    wait(app, live.banner.isVisible, 30, "the disconnect warning")
    wait(app, lambda: "disconnected" in live.log.toPlainText(), 10, "the log line")
    shot("disconnect")
    w.live.sim_buttons["replug_left"].click()
    wait(app, live.banner.isHidden, 60, "the sensor to come back")
    wait(app, lambda: w.current_page() is w.summary, 120, "the end of the session")
    shot("summary")
    w.summary.history_btn.click()
    shot("history")
    w.close()
    for name, path in shots.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
