"""Table layout of the recorded events, derived from the fields of their dataclasses.

A record of :mod:`ras.events` is stored in one table whose columns are its fields, in field
order and under the same names (after ``id`` and ``session_id``). The column's SQL type, its
NumPy dtype and the conversions both ways follow from the field's type:

============================  ========  =======  ====================================
field type                    SQL       dtype    NULL / missing
============================  ========  =======  ====================================
``float``                     REAL      f8       NaN is stored as NULL, read as NaN
``float | None``              REAL      f8       None <-> NULL; NaN in arrays
``int``                       INTEGER   i8       -
``int | None``                INTEGER   i8       None <-> NULL; -1 in arrays
``bool``                      INTEGER   ?        -
an ``IntEnum`` (``Side``)     INTEGER   i1       -
an ``Enum`` of strings        TEXT      -        -
``str``, ``Literal[...]``     TEXT      -        a Literal's other values are refused
============================  ========  =======  ====================================

So adding a field to a record is one edit there, plus a migration that adds its column
(``tests/store/test_store_tables.py`` checks the migrated tables against these declarations).
Arrays (:attr:`Table.dtype`) put ``t_s`` first, then the other fields in order.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from enum import Enum, IntEnum
from functools import cached_property
from typing import Any, Literal

import numpy as np

from ras.events import (
    ActionEvent,
    CueEvent,
    CueModeEvent,
    CueStateEvent,
    LinkEvent,
    MarkerEvent,
    SensorStatusEvent,
    SongEvent,
    StepEvent,
    TempoChangeEvent,
)

__all__ = ["TABLES", "Column", "Table"]


def _float_sql(x: Any) -> float | None:
    """Float for SQLite; NaN and None become NULL."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _nan_if_null(x: Any) -> float:
    return math.nan if x is None else float(x)


def _none_if_null(x: Any) -> float | None:
    return None if x is None else float(x)


def _int_or_none(x: Any) -> int | None:
    return None if x is None else int(x)


def _same(x: Any) -> Any:
    return x


@dataclass(frozen=True)
class Column:
    """One column of a record's table: the field it holds and how it is converted.

    ``missing`` is what stands for NULL in an array (and is read back as None where the field
    allows None); ``dtype`` is empty for text columns, which have no array form.
    """

    name: str
    sql_type: str
    dtype: str
    to_sql: Callable[[Any], Any]
    from_sql: Callable[[Any], Any]
    missing: Any = None
    optional: bool = False


def _column(name: str, hint: Any, where: str) -> Column:
    """The column of a field from its type hint (see the module's table)."""
    args = typing.get_args(hint)
    optional = isinstance(hint, types.UnionType) and type(None) in args
    base = next(a for a in args if a is not type(None)) if optional else hint
    if typing.get_origin(base) is Literal:
        choices = typing.get_args(base)

        def literal(x: Any) -> str:
            if x not in choices:
                raise ValueError(f"{where} {x!r} not one of {choices}")
            return str(x)

        return Column(name, "TEXT", "", literal, _same)
    if base is float:
        if optional:
            return Column(name, "REAL", "f8", _float_sql, _none_if_null, math.nan, True)
        return Column(name, "REAL", "f8", _float_sql, _nan_if_null, math.nan)
    if base is bool:
        return Column(name, "INTEGER", "?", lambda x: int(bool(x)), bool)
    if base is int:
        if optional:
            return Column(name, "INTEGER", "i8", _int_or_none, _same, -1, True)
        return Column(name, "INTEGER", "i8", int, _same)
    if isinstance(base, type) and issubclass(base, IntEnum):
        return Column(name, "INTEGER", "i1", int, base)
    if isinstance(base, type) and issubclass(base, Enum):
        return Column(name, "TEXT", "", lambda x: base(x).value, base)
    if base is str:
        return Column(name, "TEXT", "", str, _same)
    raise TypeError(f"{where}: no column type for {hint!r}")


@dataclass(frozen=True)
class Table:
    """Where one record type is stored, and its row and array forms."""

    name: str
    record: type
    columns: tuple[Column, ...]

    @classmethod
    def of(cls, name: str, record: type) -> Table:
        """The table ``name`` holding ``record``: one column per dataclass field."""
        hints = typing.get_type_hints(record)
        return cls(
            name,
            record,
            tuple(_column(f.name, hints[f.name], f"{name}.{f.name}") for f in fields(record)),
        )

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @cached_property
    def insert_sql(self) -> str:
        """``INSERT`` of one row (parameters: the session id, then :meth:`row`)."""
        names = ", ".join(("session_id", *self.column_names))
        marks = ",".join("?" * (len(self.columns) + 1))
        return f"INSERT INTO {self.name} ({names}) VALUES ({marks})"

    @cached_property
    def select_sql(self) -> str:
        """``SELECT`` of a session's rows in time order (parameter: the session id)."""
        names = ", ".join(self.column_names)
        return f"SELECT {names} FROM {self.name} WHERE session_id = ? ORDER BY t_s, id"

    @cached_property
    def array_columns(self) -> tuple[Column, ...]:
        """The columns of the array form: ``t_s`` first, then the others in field order."""
        return tuple(sorted(self.columns, key=lambda c: c.name != "t_s"))

    @cached_property
    def dtype(self) -> np.dtype:
        """Structured dtype of the array form (text columns have none)."""
        cols = self.array_columns
        bad = [c.name for c in cols if not c.dtype]
        if bad:
            raise TypeError(f"{self.name} has text columns {bad}: no array form")
        return np.dtype([(c.name, c.dtype) for c in cols])

    def row(self, event: Any) -> tuple[Any, ...]:
        """The SQL values of ``event``, in column order."""
        return tuple(c.to_sql(getattr(event, c.name)) for c in self.columns)

    def event(self, row: Sequence[Any]) -> Any:
        """A record from a row of :attr:`select_sql`."""
        return self.record(*(c.from_sql(v) for c, v in zip(self.columns, row, strict=True)))

    def array(self, rows: Sequence[Sequence[Any]]) -> np.ndarray:
        """Rows of :attr:`select_sql` as a structured array (NULL -> each column's missing)."""
        dtype = self.dtype
        order = [self.column_names.index(c.name) for c in self.array_columns]
        missing = [c.missing for c in self.array_columns]
        out = np.empty(len(rows), dtype=dtype)
        for i, r in enumerate(rows):
            out[i] = tuple(m if r[j] is None else r[j] for j, m in zip(order, missing, strict=True))
        return out

    def events(self, array: Iterable[Any]) -> list[Any]:
        """Records from the rows of an array of :attr:`dtype` (missing -> None where allowed)."""

        def value(c: Column, x: Any) -> Any:
            if c.optional and (x == c.missing or (c.dtype == "f8" and math.isnan(x))):
                return None
            return c.from_sql(x.item() if isinstance(x, np.generic) else x)

        return [self.record(**{c.name: value(c, r[c.name]) for c in self.columns}) for r in array]


#: Every record stored in a table of its own, by type.
TABLES: dict[type, Table] = {
    t.record: t
    for t in (
        Table.of("steps", StepEvent),
        Table.of("cues", CueEvent),
        Table.of("tempo_changes", TempoChangeEvent),
        Table.of("markers", MarkerEvent),
        Table.of("cue_states", CueStateEvent),
        Table.of("actions", ActionEvent),
        Table.of("link_events", LinkEvent),
        Table.of("sensor_status", SensorStatusEvent),
        Table.of("cue_modes", CueModeEvent),
        Table.of("song_events", SongEvent),
    )
}
