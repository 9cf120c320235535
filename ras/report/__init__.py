"""Session and progress reports: what goes in them (no Qt; rendering is in ``gui.report``).

``build_session_report(store, session_id)`` and ``build_progress_report(store, patient)`` return
a :class:`~ras.report.builder.Report`; ``Report.save(path, renderer=...)`` has the renderer the
front-end hands in (``gui.report.pdf.render_pdf``: Qt, A4 PDF) draw it. See docs/reports.md.
"""

from __future__ import annotations

from ras.report.builder import Renderer, Report

__all__ = ["Renderer", "Report"]
