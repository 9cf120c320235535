"""A real PostgreSQL server for the clinic tests (one per test run; a database per test)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.clinic.pg_server import PgServer

_names = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server = PgServer()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def clinic_url(pg_server: PgServer) -> str:
    """The URL of a new, empty database on the test server."""
    return pg_server.create_database(f"clinic_{next(_names)}")
