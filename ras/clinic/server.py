"""The connection to a clinic's PostgreSQL server, its schema, and its errors as one line.

The server's tables are rendered from the one schema declaration (:mod:`ras.store.declaration`)
and its version is kept in ``ras_schema``. A new (empty) database gets the current schema on
first use; an older one is brought up to date only when asked (``ras server --upgrade``), since
laptops with the older ras may still be using it; a newer one is refused until ras is upgraded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ras.clinic.config import server_label
from ras.errors import RasError
from ras.store.declaration import DECLARED_MIGRATIONS, create_sql, migration_sql
from ras.store.schema import SCHEMA_VERSION

__all__ = [
    "CONNECT_TIMEOUT_S",
    "SchemaMismatchError",
    "ServerConnection",
    "ServerError",
    "ServerUnavailableError",
    "connect_server",
    "ensure_schema",
    "server_schema_version",
]

CONNECT_TIMEOUT_S = 5
#: pg_advisory_xact_lock key of schema changes (two laptops creating one schema wait in turn).
_SCHEMA_LOCK = 0x7261_7301


class ServerError(RasError):
    """The clinic server cannot be used now; the message is one line."""


class ServerUnavailableError(ServerError):
    """The server cannot be reached or went away (sessions stay local, pushed later)."""


class SchemaMismatchError(ServerError):
    """The server's schema is of another version than this ras's."""


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ServerError(
            "a clinic server needs psycopg: pip install 'ras[server]' (or pip install"
            " 'psycopg[binary]')"
        ) from None
    return psycopg


_PREFIXES = re.compile(
    r'^(connection failed: )?(connection to server at "[^"]*"( \([^)]*\))?, port \d+ failed: )?'
    r"((FATAL|ERROR):\s+)?"
)


def _first_line(exc: BaseException) -> str:
    """libpq's message without its preamble (which server, which address: said already)."""
    text = str(exc).strip().splitlines()
    line = text[0].strip() if text else ""
    return _PREFIXES.sub("", line).strip() or type(exc).__name__


def describe_error(exc: BaseException, label: str) -> ServerError:
    """The one-line error for a psycopg error talking to server ``label``."""
    psycopg = _psycopg()
    text = str(exc)
    low = text.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        user = re.search(r'for user "([^"]*)"', text)
        who = f" of user {user.group(1)!r}" if user else ""
        return ServerError(
            f"clinic server {label} refused the credentials{who}: check the user in the URL and"
            " the password in ~/.pgpass or $PGPASSWORD"
        )
    if "does not exist" in low and "database" in low:
        return ServerError(f"clinic server {label}: {_first_line(exc)}; create it first")
    if "ssl" in low or "certificate" in low:
        return ServerError(f"clinic server {label}: TLS failed: {_first_line(exc)}")
    if isinstance(exc, psycopg.OperationalError):
        return ServerUnavailableError(f"clinic server {label} is unreachable: {_first_line(exc)}")
    return ServerError(f"clinic server {label}: {_first_line(exc)}")


class ServerConnection:
    """A psycopg connection that runs the store's SQL (``?`` parameters) on PostgreSQL.

    Errors from the server are raised as :class:`ServerError` (one line). Autocommit, except
    inside :meth:`transaction`.
    """

    def __init__(self, conn: Any, label: str) -> None:
        self.raw = conn
        self.label = label

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    @contextmanager
    def _said(self) -> Iterator[None]:
        """psycopg's errors as this server's one-line ServerError."""
        try:
            yield
        except _psycopg().Error as exc:
            raise describe_error(exc, self.label) from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._said():
            return self.raw.execute(self._sql(sql), tuple(params))

    @contextmanager
    def transaction(self) -> Iterator[ServerConnection]:
        """One transaction: committed at the end of the block, rolled back on an error."""
        with self._said(), self.raw.transaction():
            yield self

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Append ``rows`` to ``table`` through COPY (the fast path for big tables)."""
        with (
            self._said(),
            self.raw.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def close(self) -> None:
        self.raw.close()


def connect_server(url: str, *, timeout_s: float = CONNECT_TIMEOUT_S) -> ServerConnection:
    """Open a connection to the clinic server at ``url`` (ServerError, one line, if it fails)."""
    psycopg = _psycopg()
    label = server_label(url)
    try:
        conn = psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=max(1, round(timeout_s)),
            application_name="ras",
        )
    except psycopg.Error as exc:
        raise describe_error(exc, label) from None
    return ServerConnection(conn, label)


def server_schema_version(conn: ServerConnection) -> int | None:
    """The server's schema version; None if the database holds no ras schema yet."""
    if conn.execute("SELECT to_regclass('ras_schema')").fetchone()[0] is None:
        return None
    row = conn.execute("SELECT version FROM ras_schema").fetchone()
    return None if row is None else int(row[0])


def _check(version: int, label: str, upgrade: bool) -> None:
    if version > SCHEMA_VERSION:
        raise SchemaMismatchError(
            f"clinic server {label} has schema version {version}, newer than this ras"
            f" understands ({SCHEMA_VERSION}): upgrade ras on this laptop"
        )
    if version < SCHEMA_VERSION and not upgrade:
        raise SchemaMismatchError(
            f"clinic server {label} has schema version {version}, older than this ras's"
            f" ({SCHEMA_VERSION}): upgrade the server with `ras server --upgrade` once every"
            " laptop runs this ras"
        )


def ensure_schema(conn: ServerConnection, *, upgrade: bool = False) -> int:
    """Check the server's schema; create it in an empty database; migrate it if ``upgrade``.

    Returns the number of migrations applied (creating counts as none). SchemaMismatchError
    (one line) for a version this ras cannot use.
    """
    version = server_schema_version(conn)
    if version is not None:
        _check(version, conn.label, upgrade)
        if version == SCHEMA_VERSION:
            return 0
    applied = 0
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_LOCK,))
        version = server_schema_version(conn)  # another laptop may have been first
        if version is None:
            for statement in create_sql("postgresql"):
                conn.execute(statement)
            conn.execute("CREATE TABLE ras_schema (version BIGINT NOT NULL)")
            conn.execute("INSERT INTO ras_schema (version) VALUES (?)", (SCHEMA_VERSION,))
            return 0
        _check(version, conn.label, upgrade)
        for migration in DECLARED_MIGRATIONS:
            if migration.to_version > version:
                for statement in migration_sql(migration, "postgresql"):
                    conn.execute(statement)
                applied += 1
        conn.execute("UPDATE ras_schema SET version = ?", (SCHEMA_VERSION,))
    return applied
