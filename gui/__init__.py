"""The therapist's live session screen (PySide6 + pyqtgraph); Qt is imported only in gui/.

Start it with ``ras gui`` (see docs/gui.md). The session itself runs off the GUI thread in
:mod:`gui.session_controller`; the screens read its snapshots on a timer and post commands.
"""
