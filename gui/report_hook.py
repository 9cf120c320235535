"""The GUI's report exporters, by the names ``tests/gui/test_session_flow.py`` asks for.

The screens call :func:`gui.report.export_session_report` and
:func:`gui.report.export_progress_report` directly; nothing is looked up at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gui.report import export_progress_report, export_session_report

__all__ = ["find_progress_exporter", "find_report_exporter"]


def find_report_exporter() -> Callable[..., Path]:
    """``gui.report.export_session_report(db_path, session_id, pdf_path)``."""
    return export_session_report


def find_progress_exporter() -> Callable[..., Path]:
    """``gui.report.export_progress_report(db_path, patient, pdf_path)``."""
    return export_progress_report
