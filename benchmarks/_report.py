"""Write benchmark figures into docs/benchmarks.md, one named section per benchmark."""

from __future__ import annotations

import datetime as dt
import platform
import re
from pathlib import Path

__all__ = ["BENCHMARKS_MD", "write_section"]

BENCHMARKS_MD = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

_INTRO = """# Benchmarks

Figures produced by the scripts in `benchmarks/`, each with the command that produced it. This
machine is shared and noisy, so compare ratios measured in the same run rather than absolute
figures from different runs.
"""


def write_section(name: str, body: str, command: str, path: Path = BENCHMARKS_MD) -> None:
    """Write or replace the section ``## name`` of ``path`` (created with an intro if missing).

    Parameters
    ----------
    name : str
        Section title; an existing section with this title is replaced, others are kept.
    body : str
        Markdown with the figures.
    command : str
        The exact command that produced them (recorded with the date and the machine).
    path : Path
        The markdown file, docs/benchmarks.md by default.
    """
    text = path.read_text() if path.exists() else _INTRO
    today = dt.date.today().isoformat()
    machine = (
        f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    )
    section = f"## {name}\n\nCommand: `{command}` (run {today}, {machine})\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
