"""Find the session-report exporter of ``gui.report`` at run time (another feature builds it)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

__all__ = ["EXPORTER_NAMES", "NOT_AVAILABLE", "find_progress_exporter", "find_report_exporter"]

#: Accepted names of ``gui.report``'s exporter, called as ``fn(db_path, session_id, pdf_path)``.
EXPORTER_NAMES = ("export_session_report", "export_report", "save_session_report")
NOT_AVAILABLE = (
    "Report export is not available in this version yet (the report feature, gui.report, "
    "is not installed). The session is saved; export it later from the history screen."
)


def _find(names: tuple[str, ...]) -> Callable[..., object] | None:
    try:
        module = importlib.import_module("gui.report")
    except ImportError:
        return None
    for name in names:
        fn = getattr(module, name, None)
        if callable(fn):
            return fn
    return None


def find_report_exporter() -> Callable[[str, int, str], object] | None:
    """``gui.report``'s session exporter, or None if that module or function is not there."""
    return _find(EXPORTER_NAMES)


def find_progress_exporter() -> Callable[[str, str, str], object] | None:
    """``gui.report.export_progress_report(db_path, patient, pdf_path)``, or None."""
    return _find(("export_progress_report",))
