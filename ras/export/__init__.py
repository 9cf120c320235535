"""Exports of a stored session: CSV, JSON and Motion-BIDS (see docs/exports.md).

Pseudonymous by default: the patient's name is written only with ``with_names=True``. Output
files are owner-only (0600), directories created here 0700. Exports of an interrupted session
work and say that it is incomplete.
"""

from __future__ import annotations

from ras.export.api import EXPORT_FORMATS, export_session

__all__ = ["EXPORT_FORMATS", "export_session"]
