"""The main window: set-up -> live session -> summary, and the patient history."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gui.history_view import HistoryPage
from gui.live_view import LivePage
from gui.session_controller import SessionController
from gui.setup_view import SetupPage
from gui.summary_view import SummaryPage
from gui.widgets import guard_wheel
from ras.errors import RasError
from ras.session.request import SessionRequest, SimulatedSensors
from ras.session.songs import session_songs
from ras.store.songs import SongRecord

__all__ = ["MainWindow"]

CLOSE_QUESTION = (
    "A session is running. End it and close?\n\n"
    "Everything recorded so far is kept (the session is saved as incomplete)."
)
END_QUESTION = "End the session now? Everything recorded so far is kept."


def _session_songs(request: SessionRequest) -> tuple[SongRecord, ...]:
    """The songs the session may play (none without music), for the live page's song menu."""
    try:
        return session_songs(request.db, request.patient_id, request.settings).songs
    except RasError:  # the session itself refuses it in one line when it starts
        return ()


class MainWindow(QtWidgets.QMainWindow):
    """Pages in a stack; polls the running session on a timer (the engine runs elsewhere).

    Parameters
    ----------
    db : str or None
        Database file.
    speed : float
        Simulated seconds per real second for virtual patients (with wav/none audio).
    simulate, audio : str
        Set-up defaults.
    poll_ms : int
        Poll interval; plots redraw every ``redraw_every`` polls.
    """

    def __init__(
        self,
        db: str | None = None,
        *,
        speed: float = 1.0,
        simulate: str | None = "healthy",
        audio: str = "default",
        poll_ms: int = 100,
        redraw_every: int = 2,
    ) -> None:
        super().__init__()
        self.setWindowTitle("ras — RAS gait training")
        self.controller: SessionController | None = None
        self.redraw_every = redraw_every
        self._polls = 0
        self.setup = SetupPage(db, speed=speed, simulate=simulate, audio=audio)
        self.live = LivePage()
        self.summary = SummaryPage()
        self.history = HistoryPage(db)
        self.stack = QtWidgets.QStackedWidget()
        self._scroll: dict[QtWidgets.QWidget, QtWidgets.QScrollArea] = {}
        for page in (self.setup, self.live, self.summary, self.history):
            if page is self.live:  # the live view never scrolls: it is read at a glance
                self.stack.addWidget(page)
                continue
            # the others scroll on small screens (e.g. 1366 x 768) instead of being cut off
            area = QtWidgets.QScrollArea(widgetResizable=True)
            area.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
            area.setWidget(page)
            self._scroll[page] = area
            self.stack.addWidget(area)
        self.setCentralWidget(self.stack)
        guard_wheel(self)  # no field of any page changes under a wheel it did not ask for
        self.timer = QtCore.QTimer(self, interval=poll_ms)
        self.timer.timeout.connect(self._poll)
        self._history_return: QtWidgets.QWidget = self.setup
        self.setup.start_requested.connect(self.start_session)
        self.setup.history_requested.connect(self.show_history)
        self.summary.history_requested.connect(self.show_history)
        self.summary.new_session.connect(self._new_session)
        self.history.back.connect(lambda: self.show_page(self._history_return))
        c = self.live.controls
        c.action.connect(
            lambda action, label: self.controller and self.controller.send(action, label)
        )
        c.end_session.connect(self.end_session)
        for key, button in self.live.sim_buttons.items():
            what, side = key.split("_")
            button.clicked.connect(lambda _=False, on=what == "replug", s=side: self._plug(s, on))

    def show_page(self, page: QtWidgets.QWidget) -> None:
        """Show one of the pages (setup, live, summary, history)."""
        self.stack.setCurrentWidget(self._scroll.get(page, page))

    def current_page(self) -> QtWidgets.QWidget:
        """The page shown."""
        shown = self.stack.currentWidget()
        return shown.widget() if isinstance(shown, QtWidgets.QScrollArea) else shown

    # --- session ------------------------------------------------------------------------

    def start_session(self, request: SessionRequest) -> None:
        """Start a session and show the live screen."""
        s = request.settings
        self.live.reset(
            request.patient_id,
            s.baseline_s,
            s.cued_s,
            s.probe_s,
            isinstance(request.sensors, SimulatedSensors),
            request.level_dbfs,
        )
        self.live.song_menu.set_songs(_session_songs(request))
        self.controller = SessionController(request)
        self.controller.start()
        self._polls = 0
        self.show_page(self.live)
        self.timer.start()

    def _poll(self) -> None:
        c = self.controller
        if c is None:
            return
        done = c.wait(0) if not c.running else False
        self._polls += 1
        self.live.show_state(c.poll(), redraw=done or self._polls % self.redraw_every == 0)
        if done:
            self.timer.stop()
            self._finished(c)

    def _finished(self, c: SessionController) -> None:
        # a session that never started is not kept (ras.session.live): back to set-up
        if (c.state == "failed" and not c.started) or c.error_is_audio:
            self.setup.error.setText(
                ("Sound problem: " if c.error_is_audio else "Could not start: ") + c.error
            )
            self.setup.reload_patients()
            self.show_page(self.setup)
            return
        self.summary.show_session(c, self.live.series)
        self.show_page(self.summary)

    def end_session(self) -> None:
        """Ask, then end the running session (its data is kept)."""
        c = self.controller
        if c is None or not c.running:
            return
        answer = QtWidgets.QMessageBox.question(self, "End session", END_QUESTION)
        if answer == QtWidgets.QMessageBox.StandardButton.Yes:
            c.stop()

    def _plug(self, side: str, connected: bool) -> None:
        c = self.controller
        if c is not None:
            c.plug(side, connected)

    def _new_session(self) -> None:
        self.setup.reload_patients()
        self.show_page(self.setup)

    def show_history(self, patient_id: str) -> None:
        """Show a patient's history (the current patient if given)."""
        self._history_return = self.current_page()
        self.history.show_patient(patient_id)
        self.show_page(self.history)

    # --- closing ------------------------------------------------------------------------

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt API)
        c = self.controller
        if c is not None and c.running:
            answer = QtWidgets.QMessageBox.question(self, "Close ras", CLOSE_QUESTION)
            if answer != QtWidgets.QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            c.stop()
            c.wait(30.0)  # the recorder finishes and the session is closed in the store
            self.timer.stop()
        self.history.close_record()  # its connection to a clinic server, if one is open
        event.accept()
