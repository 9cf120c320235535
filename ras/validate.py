"""Shared argument checks: one clear line saying what was wrong and what is allowed.

``check_*`` raise :class:`~ras.errors.UserInputError`; the ``*_arg`` callables are argparse
``type=`` checks, so a bad option is refused by argparse (one line naming it, exit 2) before
any work starts.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Iterable

from ras.errors import UserInputError
from ras.text import check_text

__all__ = [
    "MAX_SEED",
    "PSEUDO_ID",
    "SQLITE_MAX_INT",
    "check_choice",
    "check_pseudo_id",
    "check_range",
    "integer_arg",
    "nonempty_arg",
    "number_arg",
    "pseudo_id_arg",
    "record_id",
    "seed_arg",
    "text_arg",
]


def check_choice(name: str, value: str, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise naming the valid choices."""
    allowed = list(allowed)
    if value not in allowed:
        raise UserInputError(f"unknown {name} {value!r}; choose one of: {', '.join(allowed)}")
    return value


def check_range(name: str, value: float, low: float, high: float, unit: str = "") -> float:
    """Return ``value`` if ``low <= value <= high`` (and finite), else raise naming the range."""
    unit_txt = f" {unit}" if unit else ""
    if not isinstance(value, int | float) or not math.isfinite(value) or not low <= value <= high:
        raise UserInputError(
            f"{name} must be between {low:g} and {high:g}{unit_txt}, got {value!r}"
        )
    return value


# ---- argparse ``type=`` callables: the error is argparse's one line naming the option --------

#: Largest integer SQLite stores (ids of sessions and other records).
SQLITE_MAX_INT = 2**63 - 1
#: Seeds of the virtual patient: what numpy's generators and the sensors' id derivation accept.
MAX_SEED = 2**32 - 1
#: A pseudonymous patient id: letters, digits, '.', '_', '-' (1-64, starting with a letter/digit).
PSEUDO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _shown(text: str) -> str:
    """``text`` for an error line: quoted, escaped, and cut if long."""
    return repr(text if len(text) <= 40 else text[:40] + "...")


def integer_arg(low: int, high: int, unit: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number in ``low .. high``."""
    unit_txt = f" {unit}" if unit else ""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number between {low:,} and {high:,}{unit_txt}, got {_shown(text)}"
            )
        return value

    parse.__name__ = "integer"
    return parse


def number_arg(
    low: float, high: float, unit: str = "", *, low_open: bool = False
) -> Callable[[str], float]:
    """An argparse type: a finite number in ``low .. high`` (``low`` excluded if ``low_open``)."""
    unit_txt = f" {unit}" if unit else ""
    allowed = (
        f"greater than {low:g} and at most {high:g}{unit_txt}"
        if low_open
        else f"between {low:g} and {high:g}{unit_txt}"
    )

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = math.isfinite(value) and (low < value if low_open else low <= value) and value <= high
        if not ok:
            raise argparse.ArgumentTypeError(f"must be a number {allowed}, got {_shown(text)}")
        return value

    parse.__name__ = "number"
    return parse


def record_id(text: str) -> int:
    """An argparse type: a record id (a session's), 1 .. 2**63-1 as SQLite stores them."""
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= SQLITE_MAX_INT:
        raise argparse.ArgumentTypeError(
            f"must be an id from 1 to {SQLITE_MAX_INT} (see `ras sessions`), got {_shown(text)}"
        )
    return value


def seed_arg(text: str) -> int:
    """An argparse type: a seed of the virtual patient, 0 .. 2**32-1."""
    return integer_arg(0, MAX_SEED)(text)


def nonempty_arg(text: str) -> str:
    """An argparse type: a path or name that is not empty (``''`` is not the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    if "\x00" in text:
        raise argparse.ArgumentTypeError("must not contain a NUL character")
    return text


def text_arg(max_chars: int) -> Callable[[str], str]:
    """An argparse type: one line of plain text of at most ``max_chars`` characters."""

    def parse(text: str) -> str:
        try:
            return check_text("the text", text, max_chars)
        except UserInputError as err:
            raise argparse.ArgumentTypeError(str(err).removeprefix("the text ")) from None

    parse.__name__ = "text"
    return parse


def check_pseudo_id(pseudo_id: str) -> str:
    """Return ``pseudo_id`` (stripped) if it is a valid pseudonymous patient id, else raise."""
    pseudo_id = str(pseudo_id).strip()
    if not PSEUDO_ID.match(pseudo_id):
        raise UserInputError(
            f"patient id {_shown(pseudo_id)} is not valid; use 1-64 letters, digits, '.', '_' "
            "or '-' (a pseudonym, not the patient's name)"
        )
    return pseudo_id


def pseudo_id_arg(text: str) -> str:
    """An argparse type: a pseudonymous patient id."""
    try:
        return check_pseudo_id(text)
    except UserInputError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
