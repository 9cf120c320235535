"""Session and progress reports: what goes in them (no Qt; rendering is in ``gui.report``).

``build_session_report(store, session_id)`` and ``build_progress_report(store, patient)`` return
a :class:`~ras.report.builder.Report`; ``Report.save(path)`` renders the A4 PDF. See
docs/reports.md.
"""

from __future__ import annotations

from ras.report.builder import Report

__all__ = ["Report"]
