"""User-facing errors: one line that says what was wrong and what is allowed."""

from __future__ import annotations

__all__ = ["RasError", "UserInputError"]


class RasError(Exception):
    """An error to show the user as one line (no traceback)."""


class UserInputError(RasError, ValueError):
    """Bad input from the user: names what was wrong and what is allowed."""
