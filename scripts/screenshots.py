"""Screenshots of the GUI's pages, from simulated sessions, into docs/screenshots/.

Run it on a real X desktop of the size wanted, with a window manager (as docs/gui.md shows
them), once per size:

    xvfb-run -a -s "-screen 0 1366x768x24" sh -c \\
        'openbox & sleep 1; .venv/bin/python scripts/screenshots.py'

The window opens as ``ras gui`` opens it (maximised on a small screen) and each shot is the
whole screen, window frame included, named with the screen size: ``setup-1366x768.png`` (the
set-up page, the patient chosen), ``live-1366x768.png`` (mid-cue,
after a probe, a pause, a fall and a large jump) and ``disconnect-1366x768.png`` (the left sensor
unplugged); ``summary-1366x768.png`` (a complete session after two earlier ones, recorded a week
apart) and ``history-1366x768.png``. Without a display it runs offscreen at ``--size`` and grabs
the window only.

With ``--music`` the patient's library holds two synthetic songs (:data:`DEMO_SONGS`, beat-tracked
on import as ``ras music add`` does) and the sessions cue with music: the set-up page shows the
cue sound and the songs, the live page the song playing on its music line.

With ``--server URL`` (a PostgreSQL URL; without it no clinic server is used, whatever ``ras
config`` says) the GUI reads the history from that clinic server and pushes its session there:
the two earlier sessions are recorded on a second laptop file and pushed from it, as from
another room, so the history shows both laptops' sessions and which record it reads.

One function per page (:data:`PAGES`); another page's shots are one more function there.

Usage: python scripts/screenshots.py [--out docs/screenshots] [--speed 20] [--size WxH]
    [--pages setup live summary history] [--music] [--server URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if not os.environ.get("DISPLAY"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6 import QtWidgets

from gui.app import make_app, show_on_screen
from gui.main_window import MainWindow
from ras.clinic.records import sync
from ras.events import CueMode, MarkerKind
from ras.session.host import SessionHost
from ras.session.request import SessionRequest, SimulatedSensors, with_patient_side
from ras.session.settings import SessionSettings
from ras.store.store import Store

PATIENT = "P-017"
#: The demo songs of ``--music``: title -> (style, tempo bpm, seed); 84 bpm covers the
#: stroke patient's walk, 78 steps/min, to the 8 % jump of the live shot; 92 bpm its end.
DEMO_SONGS = {
    "Steady Eighty-Four (synthetic)": ("steady", 84.0, 1),
    "Steady Ninety-Two (synthetic)": ("steady", 92.0, 2),
}
DEMO_SONG_S = 200.0  # each song's length, s


@dataclass
class Shooter:
    """The running app, its main window and where the shots go."""

    app: QtWidgets.QApplication
    window: MainWindow
    out: Path
    size: str
    offscreen: bool
    shots: list[Path]
    music: bool = False
    server: str | None = None

    def wait(self, until: Callable[[], bool], timeout_s: float, what: str) -> None:
        """Run the event loop until ``until()`` or fail."""
        deadline = time.monotonic() + timeout_s
        while not until():
            if time.monotonic() > deadline:
                raise SystemExit(f"screenshots: timed out waiting for {what}")
            self.app.processEvents()
            time.sleep(0.01)

    def start_session(self, baseline_s: float, cued_s: float, probe_s: float) -> float:
        """Start a session of the patient from the set-up page with these phase lengths (s);
        returns the session time (s) the cued phase began at, once it has."""
        setup = self.window.setup
        setup.reload_patients(select=PATIENT)
        self.choose_sound()
        setup.baseline_s.setValue(baseline_s)
        setup.cued_s.setValue(cued_s)
        setup.probe_s.setValue(probe_s)
        setup.start_btn.click()
        self.wait(self.window.live.controls.plus.isEnabled, 120, "the cued phase")
        return self.window.live.series.now_s

    def choose_sound(self) -> None:
        """With ``--music``, music chosen on the set-up page (the songs automatic)."""
        if self.music:
            sound = self.window.setup.music.sound
            sound.setCurrentIndex(sound.findData(CueMode.MUSIC))

    def shot(self, name: str) -> Path:
        """Save ``name-WxH.png``: the whole screen on a display, else the window."""
        for _ in range(5):
            self.app.processEvents()
            time.sleep(0.05)
        path = self.out / f"{name}-{self.size}.png"
        screen = self.window.screen()
        pixmap = self.window.grab() if self.offscreen else screen.grabWindow(0)
        pixmap.save(str(path))
        self.shots.append(path)
        return path


def setup_page(s: Shooter) -> None:
    """The set-up page with the stroke patient chosen (the virtual patient walks as stored)."""
    s.window.setup.reload_patients(select=PATIENT)
    s.choose_sound()
    s.shot("setup")


def live_page(s: Shooter) -> None:
    """The live page mid-cue (after a probe, a pause, a fall, a large jump; with ``--music``, a
    switch to music + click), then with the left sensor unplugged."""
    w = s.window
    t_cued = s.start_session(60, 600, 60)
    live, controls = w.live, w.live.controls

    def after(seconds: float, what: str) -> None:
        s.wait(lambda: live.series.now_s > t_cued + seconds, 120, what)

    after(40, "cueing")
    controls.plus.click()
    after(70, "more cueing")
    controls.note.setText("at the turn")
    controls.events[MarkerKind.FREEZING].click()
    after(90, "more cueing")
    controls.cues_btn.click()  # a short uncued probe
    after(120, "the probe")
    controls.cues_btn.click()
    after(150, "more cueing")
    controls.pause_btn.click()
    after(165, "the pause")
    controls.pause_btn.click()
    after(200, "more cueing")
    controls.events[MarkerKind.FALL].click()
    controls.confirm_jump = lambda old, new: True  # the question, answered "yes"
    controls.pct.setValue(8.0)
    controls.plus_pct.click()
    if s.music:  # the click laid over the music, from the next beat
        after(225, "more music")
        controls.mode_btn.click()
    after(240, "more cueing")
    s.shot("live")
    live.sim_buttons["unplug_left"].click()
    s.wait(live.banner.isVisible, 60, "the disconnect warning")
    s.wait(lambda: "left sensor disconnected" in live.log.toPlainText(), 30, "the log line")
    after(260, "the unplugged stretch")
    s.shot("disconnect")
    live.sim_buttons["replug_left"].click()
    s.wait(live.banner.isHidden, 60, "the sensor to come back")
    w.controller.stop("screenshots taken")
    s.wait(lambda: w.current_page() is w.summary, 120, "the end of the session")


def add_demo_songs(db: str, folder: Path) -> None:
    """Synthesise :data:`DEMO_SONGS` into ``folder`` and add them to the patient's library
    (analysed on import, as ``ras music add`` does)."""
    import soundfile as sf

    from ras.music.library import MusicLibrary
    from ras.music.synth import synth_song

    with Store(db) as store:
        library = MusicLibrary(store)
        for title, (style, tempo_bpm, seed) in DEMO_SONGS.items():
            song = synth_song(style, tempo_bpm=tempo_bpm, duration_s=DEMO_SONG_S, seed=seed)
            path = folder / f"{style}-{tempo_bpm:g}.wav"
            sf.write(path, song.audio, song.sample_rate_hz)
            library.add(path, patient=PATIENT, title=title, artist="ras demo", liked=True)


def earlier_sessions(s: Shooter) -> None:
    """Two sessions of the patient, moved back one and two weeks (demo data: the history then
    spans dates as a weekly course would), with the patient's affected side as ras gui uses it.
    With a clinic server, recorded on another laptop's file and pushed from there."""
    db, speed = s.window.setup.db, s.window.setup.speed
    if s.server:
        db = str(Path(db).with_name("other-laptop.sqlite3"))
        with Store(db) as store:
            store.add_patient(PATIENT, diagnosis="stroke", affected_side="left")
    with Store(db) as store:
        before = {info.id for info in store.list_sessions(PATIENT)}
    for seed, cued_s in ((1, 120.0), (2, 150.0)):
        settings = SessionSettings(baseline_s=40, cued_s=cued_s, probe_s=40, plan="iso-ramp")
        sensors = with_patient_side(SimulatedSensors("stroke", seed=seed), "left")
        host = SessionHost(
            SessionRequest(PATIENT, settings, sensors, audio="none", speed=speed, db=db)
        )
        host.begin()
        host.run()
    with Store(db) as store:
        new = [info for info in store.list_sessions(PATIENT) if info.id not in before]
    with sqlite3.connect(db) as conn:
        for weeks_back, info in zip((2, 1), new, strict=True):
            t = dt.datetime.fromisoformat(info.started_utc.replace("Z", "+00:00"))
            earlier = (t - dt.timedelta(weeks=weeks_back)).strftime("%Y-%m-%dT%H:%M:%SZ")
            conn.execute("UPDATE sessions SET started_utc = ? WHERE id = ?", (earlier, info.id))
    if s.server:
        print(sync(db, s.server).text())


def summary_page(s: Shooter) -> None:
    """The summary of a complete session after two earlier ones: the cue turned off and paused,
    a fall marked and the left sensor unplugged on the way."""
    earlier_sessions(s)
    w = s.window
    if w.current_page() is w.summary:
        w.summary.new_btn.click()
    t_cued = s.start_session(40, 180, 40)
    live, controls = w.live, w.live.controls
    for after_s, button in (
        (20, controls.cues_btn),  # off ...
        (40, controls.cues_btn),  # ... and on
        (60, controls.pause_btn),
        (70, controls.pause_btn),
        (90, controls.events[MarkerKind.FALL]),
        (100, live.sim_buttons["unplug_left"]),
        (110, live.sim_buttons["replug_left"]),
    ):
        s.wait(lambda a=after_s: live.series.now_s > t_cued + a, 120, button.text())
        button.click()
    s.wait(lambda: w.current_page() is w.summary, 180, "the end of the session")
    s.wait(lambda: not w.summary.clinic.text().startswith("Sending"), 60, "the push")
    s.shot("summary")


def history_page(s: Shooter) -> None:
    """The patient's history: every session so far, local dates, dose and trends."""
    s.window.show_history(PATIENT)
    s.wait(lambda: not s.window.history.loading, 60, "the history to load")
    s.shot("history")


#: Each page's shots, in the order they are taken (later pages may start from the summary).
PAGES: dict[str, Callable[[Shooter], None]] = {
    "setup": setup_page,
    "live": live_page,
    "summary": summary_page,
    "history": history_page,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--speed", type=float, default=20.0)
    parser.add_argument("--size", default="1366x768", help="offscreen only: the window size")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--music", action="store_true", help="cue with the demo songs")
    parser.add_argument(
        "--server",
        metavar="URL",
        help="a clinic server (PostgreSQL URL) to push to and read the history from",
    )
    args = parser.parse_args(argv)
    os.environ["RAS_SERVER"] = args.server or ""  # never the user's own clinic server
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="ras-shots-"))
    db = str(folder / "ras.sqlite3")
    with Store(db) as store:
        store.add_patient(PATIENT, diagnosis="stroke", affected_side="left")
    if args.music:
        add_demo_songs(db, folder)
    app = make_app()
    w = MainWindow(db, speed=args.speed, simulate="stroke", audio="none")
    offscreen = app.platformName() == "offscreen"
    if offscreen:
        width_px, height_px = (int(v) for v in args.size.split("x"))
        w.resize(width_px, height_px)
        w.show()
        size = args.size
    else:
        show_on_screen(w)
        screen = w.screen().geometry()
        size = f"{screen.width()}x{screen.height()}"
    shooter = Shooter(app, w, out, size, offscreen, [], music=args.music, server=args.server)
    shooter.wait(lambda: True, 1, "the window")
    for name in args.pages:
        PAGES[name](shooter)
    w.close()
    for path in shooter.shots:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
