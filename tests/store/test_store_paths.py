"""Where the database goes, owner-only permissions, and unusable paths."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ras.errors import UserInputError
from ras.store import Store
from ras.store.paths import DB_FILE_NAME, resolve_db_path


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAS_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_default_path_is_in_xdg_data_home(tmp_path: Path) -> None:
    assert resolve_db_path() == tmp_path / "xdg" / "ras" / DB_FILE_NAME


def test_default_path_falls_back_to_local_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_DATA_HOME")
    assert resolve_db_path() == Path.home() / ".local" / "share" / "ras" / DB_FILE_NAME


def test_ras_db_env_overrides_default_and_argument_overrides_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_db = tmp_path / "env" / "sessions.db"
    monkeypatch.setenv("RAS_DB", str(env_db))
    with Store() as store:
        store.add_patient("P1")
    assert env_db.is_file()
    assert not (tmp_path / "xdg").exists()
    explicit = tmp_path / "explicit.db"
    with Store(explicit) as store:
        assert store.path == explicit
        assert store.list_patients() == []
    with Store() as store:
        assert [p.pseudo_id for p in store.list_patients()] == ["P1"]


def test_created_dir_is_0700_and_db_files_are_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a permissive umask must not loosen the files
    try:
        with Store() as store:
            store.add_patient("P1")
            db = store.path
            assert db == tmp_path / "xdg" / "ras" / DB_FILE_NAME
            assert _mode(db.parent) == 0o700
            side_files = [Path(f"{db}-wal"), Path(f"{db}-shm")]
            assert all(p.exists() for p in side_files)
            for p in (db, *side_files):
                assert _mode(p) == 0o600, p
    finally:
        os.umask(old)


def test_nested_missing_dirs_created_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "a" / "b" / "s.db"
    with Store(db):
        pass
    assert _mode(tmp_path / "a") == 0o700
    assert _mode(tmp_path / "a" / "b") == 0o700
    assert _mode(db) == 0o600


def test_existing_db_with_loose_mode_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with Store(db):
        pass
    os.chmod(db, 0o644)
    with Store(db):
        pass
    assert _mode(db) == 0o600


def test_parent_is_a_file_is_user_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    bad = blocker / "s.db"
    with pytest.raises(UserInputError) as err:
        Store(bad)
    msg = str(err.value)
    assert str(bad) in msg and "\n" not in msg
    assert "not a directory" in msg


def test_path_is_a_directory_is_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="is a directory") as err:
        Store(tmp_path)
    assert str(tmp_path) in str(err.value)


def test_ras_db_unusable_is_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("RAS_DB", str(blocker / "deeper" / "s.db"))
    with pytest.raises(UserInputError, match="cannot create directory"):
        Store()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only directories")
def test_read_only_directory_is_user_error(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o500)
    try:
        with pytest.raises(UserInputError, match="not writable") as err:
            Store(ro / "s.db")
        assert str(ro / "s.db") in str(err.value)
    finally:
        os.chmod(ro, 0o700)


def test_not_a_database_is_user_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UserInputError, match="not a database") as err:
        Store(junk)
    assert str(junk) in str(err.value) and "\n" not in str(err.value)
