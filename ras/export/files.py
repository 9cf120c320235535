"""Moved to :mod:`ras.results.files`; kept for ``ras.audio.backends`` until it imports there."""

from __future__ import annotations

from ras.results.files import check_target

__all__ = ["check_target"]
