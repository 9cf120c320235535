"""open_records closes the server connection it opened whenever it raises."""

from __future__ import annotations

import time

import psycopg
import pytest

from ras.clinic.records import open_records
from ras.errors import UserInputError


def ras_connections(url: str, *, settle_s: float = 10.0) -> int:
    """Connections named 'ras' (what ras opens) to the database of ``url``, other than this.

    A closed connection's server process leaves pg_stat_activity a moment after the client has
    gone: this waits up to ``settle_s`` for the count to reach 0 (an open one never does).
    """
    deadline = time.monotonic() + settle_s
    with psycopg.connect(url) as conn:
        while True:
            n = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ras'"
                " AND datname = current_database() AND pid != pg_backend_pid()"
            ).fetchone()[0]
            if n == 0 or time.monotonic() > deadline:
                return n
            time.sleep(0.05)


def test_an_unusable_laptop_file_is_one_line_and_no_connection_is_left_open(
    tmp_path, clinic_url, monkeypatch
) -> None:
    monkeypatch.setenv("RAS_SERVER", clinic_url)
    folder = tmp_path / "not-a-database"
    folder.mkdir()
    with pytest.raises(UserInputError, match="it is a directory") as raised:
        open_records(folder)
    # the traceback (kept by ``raised``) holds open_records' frame: the connection is alive
    # unless open_records closed it
    assert raised.traceback is not None
    assert ras_connections(clinic_url) == 0
