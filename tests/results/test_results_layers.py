"""ras.report and ras.export stand on ras.results and never import each other, nor gui."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _modules(package: str) -> list[str]:
    folder = ROOT / package.replace(".", "/")
    return [f"{package}.{p.stem}" for p in sorted(folder.glob("*.py")) if p.stem != "__init__"]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("ras.results", ("ras.report", "ras.export", "gui", "PySide6")),
        ("ras.report", ("ras.export", "gui", "PySide6")),
        ("ras.export", ("ras.report", "gui", "PySide6")),
    ],
)
def test_package_imports_nothing_above_or_beside_it(package: str, forbidden: tuple[str, ...]):
    code = (
        "import importlib, sys\n"
        f"for m in {_modules(package)!r}: importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules"
        f" if any(m == f or m.startswith(f + '.') for f in {forbidden!r})]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
