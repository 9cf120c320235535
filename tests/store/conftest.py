"""Shared fixtures of the store tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ras.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty store in a temporary directory, closed after the test."""
    s = Store(tmp_path / "s.db")
    yield s
    s.close()
