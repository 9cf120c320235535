"""open_records closes the server connection it opened whenever it raises."""

from __future__ import annotations

import psycopg
import pytest

from ras.clinic.records import open_records
from ras.errors import UserInputError


def ras_connections(url: str) -> int:
    """Connections named 'ras' (what ras opens) to the database of ``url``, other than this."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ras'"
            " AND datname = current_database() AND pid != pg_backend_pid()"
        ).fetchone()[0]


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
