"""Qt's xcb display plugin: its libraries resolve, their packages are listed, a gap is one line.

The list in scripts/debian-packages.txt is checked against the loader, not guessed: every
library that the PySide6 wheel's xcb plugin (and each Qt library of the wheel it loads) links
against directly must come from a listed package or from the base system, so a missing line
fails here, on a machine where everything is installed. The base system is what every Debian
has: the essential and required packages and what they depend on.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from ras.qt_platform import (
    DEBIAN_PACKAGE_OF,
    missing_libraries,
    missing_packages_message,
    uses_xcb,
    xcb_plugin_path,
)
from tests.conftest import REPO_ROOT, assert_one_line_error

PACKAGE_LIST = REPO_ROOT / "scripts" / "debian-packages.txt"

LDD_TWO_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd5b1f2000)
\tlibQt6XcbQpa.so.6 => /opt/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f3ffef5b000)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f3ffef3c000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3ffd21e000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f3fff02b000)
"""


# --- the check, on ldd output written here -------------------------------------------------


def test_missing_libraries_are_the_not_found_lines_each_once():
    assert missing_libraries(LDD_TWO_MISSING) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]


def test_nothing_missing_is_no_message():
    complete = LDD_TWO_MISSING.replace("not found", "/lib/x86_64-linux-gnu/lib.so (0x1)")
    assert missing_libraries(complete) == []
    assert missing_packages_message(complete) is None


def test_missing_libraries_name_their_packages_and_the_apt_command_in_one_line():
    message = missing_packages_message(LDD_TWO_MISSING)
    assert message == (
        "the Qt display plugin (xcb) needs libxcb-icccm4 libxcb-keysyms1"
        " (install: sudo apt-get install -y libxcb-icccm4 libxcb-keysyms1)"
    )


def test_two_libraries_of_one_package_name_it_once():
    ldd = "\tlibglib-2.0.so.0 => not found\n\tlibgthread-2.0.so.0 => not found\n"
    assert missing_packages_message(ldd) == (
        "the Qt display plugin (xcb) needs libglib2.0-0"
        " (install: sudo apt-get install -y libglib2.0-0)"
    )


def test_a_library_of_no_known_package_is_named_itself():
    ldd = "\tlibxcb-icccm.so.4 => not found\n\tlibwhatever.so.7 => not found\n"
    assert missing_packages_message(ldd) == (
        "the Qt display plugin (xcb) needs libxcb-icccm4 libwhatever.so.7"
        " (install: sudo apt-get install -y libxcb-icccm4);"
        " find the package of each library with `apt-file search NAME`"
    )


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({"DISPLAY": ":0"}, "linux", True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb:display=:1;offscreen"}, "linux", True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"DISPLAY": ":0"}, "darwin", False),
    ],
)
def test_xcb_is_checked_only_where_qt_would_use_it(environ, platform, expected):
    assert uses_xcb(environ, platform) is expected


def test_ras_gui_refuses_in_one_line_when_the_loader_misses_a_library(tmp_path):
    """The real command, with an ``ldd`` on PATH that reports two libraries missing."""
    fake = tmp_path / "bin" / "ldd"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\ncat <<'END'\n{LDD_TWO_MISSING}END\n")
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(
        DISPLAY=":99", PATH=f"{fake.parent}{os.pathsep}{env['PATH']}", RAS_DB=str(tmp_path / "db")
    )
    proc = subprocess.run(
        [sys.executable, "-m", "ras", "gui", "--audio", "none"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    line = assert_one_line_error(
        proc, "libxcb-icccm4", "sudo apt-get install -y libxcb-icccm4 libxcb-keysyms1"
    )
    assert line.startswith("ras: error: the Qt display plugin")


# --- the real plugin on this machine -------------------------------------------------------


def ldd_map(path: Path) -> dict[str, Path | None]:
    """Soname -> the file the loader resolves it to (None: not found), for ``path``'s closure."""
    out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=True).stdout
    found: dict[str, Path | None] = {}
    for soname, target in re.findall(r"^\s*(\S+)\s+=>\s+(\S+)", out, re.MULTILINE):
        found[soname] = None if target == "not" else Path(os.path.normpath(target))
    return found


def needed(path: Path) -> list[str]:
    """The sonames ``path`` links against directly (``DT_NEEDED``, read by readelf)."""
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True)
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(\S+)\]", out.stdout)


@cache
def debian_package(path: Path) -> str:
    """The installed package that owns ``path`` (tried as resolved and as given: usrmerge).

    A library renamed for 64-bit time (Debian 13, Ubuntu 24.04: libglib2.0-0t64) counts under
    its old name, by which apt-get installs it and scripts/debian-packages.txt lists it.
    """
    other = Path("/", *path.parts[2:]) if path.parts[1] == "usr" else Path("/usr", *path.parts[1:])
    for candidate in dict.fromkeys([path, path.resolve(), other]):
        done = subprocess.run(["dpkg", "-S", str(candidate)], capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.split(":")[0].split(",")[0].strip().removesuffix("t64")
    raise AssertionError(f"no Debian package owns {path}")


def listed_packages() -> set[str]:
    """The packages in scripts/debian-packages.txt, read as scripts/setup.sh reads them."""
    lines = (line.strip() for line in PACKAGE_LIST.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def base_packages() -> set[str]:
    """Installed essential and required packages and, recursively, what they depend on."""
    out = subprocess.run(
        [
            "dpkg-query",
            "-W",
            "-f",
            "${db:Status-Abbrev}\t${Package}\t${Essential}\t${Priority}"
            "\t${Pre-Depends}, ${Depends}\n",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [row.split("\t") for row in out.splitlines() if row.startswith("ii")]
    # package -> its dependencies, each a list of alternatives (versions, architectures dropped)
    depends = {
        package: [
            [re.split(r"[\s(:]", alt.strip())[0] for alt in group.split("|")]
            for group in deps.split(",")
            if group.strip()
        ]
        for _, package, _, _, deps in rows
    }
    todo = [row[1] for row in rows if row[2] == "yes" or row[3] == "required"]
    base: set[str] = set()
    while todo:
        package = todo.pop()
        if package in depends and package not in base:
            base.add(package)
            # of each dependency, the first alternative that is installed
            todo += [next((a for a in alts if a in depends), alts[0]) for alts in depends[package]]
    return base


@pytest.fixture(scope="module")
def plugin() -> Path:
    path = xcb_plugin_path()
    assert path is not None, "PySide6 has no Qt/plugins/platforms/libqxcb.so"
    return path


@pytest.fixture(scope="module")
def direct_system_libraries(plugin) -> dict[str, Path]:
    """Soname -> file of each system library that the plugin or a Qt library of the wheel it
    loads links against directly (the wheel's own libraries are not Debian's)."""
    resolved = ldd_map(plugin)
    wheel = plugin.parents[3]
    inside = [plugin] + [p for p in resolved.values() if p is not None and wheel in p.parents]
    wanted = {soname for lib in inside for soname in needed(lib)}
    return {
        soname: path
        for soname, path in resolved.items()
        if soname in wanted and path is not None and wheel not in path.parents
    }


def test_every_library_of_the_xcb_plugin_resolves(plugin):
    resolved = ldd_map(plugin)
    assert "libxcb-icccm.so.4" in resolved and "libQt6XcbQpa.so.6" in resolved
    assert [soname for soname, path in resolved.items() if path is None] == []


def test_each_library_qt_links_comes_from_a_listed_or_base_package(direct_system_libraries):
    assert shutil.which("dpkg-query"), "dpkg-query: this test reads a Debian/Ubuntu system"
    covered = listed_packages() | base_packages()
    owners = {soname: debian_package(path) for soname, path in direct_system_libraries.items()}
    assert {s: p for s, p in owners.items() if p not in covered} == {}


def test_the_package_table_of_the_one_line_check_is_the_one_dpkg_knows(direct_system_libraries):
    owners = {soname: debian_package(path) for soname, path in direct_system_libraries.items()}
    assert owners == {soname: DEBIAN_PACKAGE_OF.get(soname) for soname in owners}
