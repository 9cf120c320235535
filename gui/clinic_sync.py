"""At start: push what waits for the clinic server and fetch its patients, off the GUI thread.

A laptop opened in another room must offer the patients trained elsewhere: when a clinic server
is configured, the set-up page asks for one :func:`ras.clinic.records.sync` in the background
and fills its patient list again when it is done.
"""

from __future__ import annotations

import os

from PySide6 import QtCore

from gui.background import BackgroundJobs, JobResult
from ras.clinic.config import configured_server
from ras.clinic.records import SyncResult, sync
from ras.errors import RasError

__all__ = ["StartupSync"]


class StartupSync(QtCore.QObject):
    """One sync with the configured clinic server; :attr:`done` gives the line to show, whether
    it is a problem, and whether patients came down ('' and nothing when no server is set)."""

    done = QtCore.Signal(str, bool, bool)  # line, is a problem, patients were added

    def __init__(self, db: str | os.PathLike[str] | None, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.db = db
        self.jobs = BackgroundJobs("ras-clinic-sync", self)
        self.jobs.done.connect(self._done)
        self.running = False

    def start(self) -> bool:
        """Start the sync if a server is configured; False (nothing started) if none is."""
        try:
            url = configured_server()
        except RasError as exc:  # a config file that cannot be read: said, nothing started
            self.done.emit(str(exc), True, False)
            return False
        if url is None:
            return False
        self.running = True
        self.jobs.submit(lambda: sync(self.db, url))
        return True

    def _done(self, result: JobResult) -> None:
        self.running = False
        if result.error:
            self.done.emit(
                f"{result.error}; sessions stay on this laptop until it is back", True, False
            )
            return
        synced: SyncResult = result.value
        if synced.pushed or synced.patients_pulled or synced.failed:
            self.done.emit(synced.text(), bool(synced.failed), bool(synced.patients_pulled))
