"""Errors of the analysis package: one line saying what was wrong and what is allowed."""

from __future__ import annotations

__all__ = ["AnalysisInputError"]


class AnalysisInputError(ValueError):
    """Input the analysis cannot use (wrong units, columns, length, NaNs...).

    The message is one line: what was wrong and what is allowed.
    """
