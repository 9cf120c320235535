"""The layer order, read from the source with ``ast`` (no import-linter needed).

firmware (C, no Python) -> ras -> analysis, gui on top: :data:`RULES` is the one table of what a
layer must not import. An import counts wherever it is (module level, inside a function, under
``TYPE_CHECKING``) and so does a module named by a string, as ``importlib.import_module`` gets it.
Within ras, no two subpackages may import each other, directly or round a longer cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

#: The Python layers (top-level packages of the repository).
PACKAGES = ("analysis", "ras", "gui")


@dataclass(frozen=True)
class Rule:
    """Modules under ``layer`` import nothing under any of ``forbidden``, except ``allowed``."""

    layer: str
    forbidden: tuple[str, ...]
    why: str
    allowed: tuple[str, ...] = ()


#: The layer order, one row per rule. ``ras gui`` and ``ras report`` are front-ends, beside gui/
#: at the top: the first starts the GUI, the second hands the report the Qt PDF renderer (the
#: report itself is built without Qt); nothing else in ras may reach up.
RULES: tuple[Rule, ...] = (
    Rule(
        "analysis", ("ras", "gui", "PySide6", "pyqtgraph"), "gait science: arrays in, numbers out"
    ),
    Rule(
        "ras",
        ("gui", "PySide6", "pyqtgraph"),
        "the engine runs without a screen",
        allowed=("ras.commands.gui", "ras.commands.report"),
    ),
    Rule(
        "ras",
        ("sounddevice",),
        "the sound card is reached through one adapter",
        allowed=("ras.audio.sd_backend",),
    ),
)


def module_name(path: Path) -> str:
    """Dotted name of a repository source file (``ras/audio/mixer.py`` -> ras.audio.mixer)."""
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def sources() -> dict[str, Path]:
    """Module name -> file, for every .py file of the Python layers."""
    return {module_name(p): p for pkg in PACKAGES for p in sorted((REPO_ROOT / pkg).rglob("*.py"))}


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes of a module and its classes and functions."""
    out = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            out.add(id(first.value))
    return out


def _resolve(name: str, package: str, level: int) -> str:
    if level == 0:
        return name
    base = package.split(".")[: len(package.split(".")) - level + 1]
    return ".".join([*base, name] if name else base)


@cache
def imports_of(module: str) -> tuple[tuple[str, int], ...]:
    """(imported module, line) of every import in the repository's ``module``."""
    path = sources()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package, set(sources()))


def imports_in(text: str, package: str, known: set[str]) -> tuple[tuple[str, int], ...]:
    """(imported module, line) of every import in source ``text``, strings naming a module too.

    ``package`` resolves relative imports; ``known`` are the module names of the repository.
    A string counts if it is the dotted name of a known module (or one followed by attributes,
    ``gui.report.pdf.render_pdf``), outside docstrings.
    """
    tree = ast.parse(text)
    docs = _docstrings(tree)
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", package, node.level)
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.append((sub if sub in known else base, node.lineno))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and node.value.split(".")[0] in (*PACKAGES, "PySide6", "pyqtgraph", "sounddevice")
        ):
            name = node.value
            while name and name not in known and "." in name:
                name = name.rpartition(".")[0]
            if name in known and name != node.value.split(".")[0]:
                out.append((name, node.lineno))
    return tuple(out)


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def violations(rule: Rule) -> Iterator[tuple[str, str, int]]:
    """(importer, imported, line) of every import that breaks ``rule``."""
    for module in sources():
        if not _under(module, rule.layer) or any(_under(module, a) for a in rule.allowed):
            continue
        for imported, line in imports_of(module):
            if any(_under(imported, f) for f in rule.forbidden):
                yield module, imported, line


def _rule_id(rule: Rule) -> str:
    return f"{rule.layer}-not-{'-'.join(rule.forbidden)}"


@pytest.mark.parametrize("rule", RULES, ids=[_rule_id(r) for r in RULES])
def test_a_layer_imports_nothing_above_it(rule: Rule) -> None:
    found = [
        f"{sources()[m].relative_to(REPO_ROOT)}:{line} imports {i}"
        for m, i, line in violations(rule)
    ]
    assert not found, (
        f"{rule.layer} must not import {', '.join(rule.forbidden)} ({rule.why}):\n"
        + ("\n".join(found))
    )


def subpackage_of(module: str) -> str | None:
    """The ras subpackage (``ras.audio``) or top-level module (``ras.cli``) ``module`` is in."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "ras" and len(parts) > 1 else None


def ras_graph() -> dict[str, set[str]]:
    """Subpackage -> the other subpackages of ras it imports."""
    graph: dict[str, set[str]] = {}
    for module in sources():
        src = subpackage_of(module)
        if src is None:
            continue
        targets = graph.setdefault(src, set())
        for imported, _ in imports_of(module):
            dst = subpackage_of(imported)
            if dst is not None and dst != src and dst in {subpackage_of(m) for m in sources()}:
                targets.add(dst)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_ras_subpackages() -> None:
    graph = ras_graph()
    found = cycles(graph)
    detail = [
        " <-> ".join(c) + ": " + "; ".join(f"{a} -> {sorted(graph[a] & set(c))}" for a in c)
        for c in found
    ]
    assert not found, "import cycles in ras:\n" + "\n".join(detail)


def test_the_checker_sees_imports_in_functions_and_strings() -> None:
    """The scan is only as good as what it sees: imports in functions, relative, and strings."""
    text = (
        '"""gui.app in a docstring is no import."""\n'
        "import os\n"
        "def f():\n"
        "    from gui.app import main\n"
        "    from . import mixer\n"
        "    return importlib.import_module('gui.report.pdf'), ('ras.cli',)\n"
    )
    known = {"gui.app", "gui.report.pdf", "ras.cli", "ras.audio.mixer"}
    assert imports_in(text, "ras.audio", known) == (
        ("os", 2),
        ("gui.app", 4),
        ("ras.audio.mixer", 5),
        ("gui.report.pdf", 6),
        ("ras.cli", 6),
    )
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
