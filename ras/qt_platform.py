"""Are the system libraries of Qt's xcb display plugin there? One line naming the Debian packages.

Qt's own answer to a missing library of its xcb platform plugin (the one that opens windows on
an X11 desktop) is a multi-line abort that names no package. ``ras gui`` asks the dynamic loader
first (``ldd`` on the plugin, no Qt loaded) and refuses in one line with the ``apt`` command.

The check is :func:`missing_packages_message` on ``ldd``'s text; the probing
(:func:`xcb_plugin_path`, :func:`ldd_text`) is kept thin around it. The libraries are those the
PySide6 wheel's plugin and Qt libraries link against directly: their Debian packages are listed
in ``scripts/debian-packages.txt`` (tests/gui/test_platform_check.py checks both against ``ldd``
and ``dpkg -S`` on the test machine).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from ras.errors import UserInputError

__all__ = [
    "DEBIAN_PACKAGE_OF",
    "check_xcb_plugin",
    "ldd_text",
    "missing_libraries",
    "missing_packages_message",
    "uses_xcb",
    "xcb_plugin_path",
]

#: The plugin inside the PySide6 package folder.
XCB_PLUGIN = Path("Qt", "plugins", "platforms", "libqxcb.so")

#: Shared library (soname) -> the Debian/Ubuntu package that ships it, for every system library
#: the PySide6 wheel's xcb plugin and the Qt libraries it loads link against directly.
DEBIAN_PACKAGE_OF: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    "libc.so.6": "libc6",
    "libm.so.6": "libc6",
    "libdl.so.2": "libc6",
    "libpthread.so.0": "libc6",
}

# "libxcb-icccm.so.4 => not found" (a library the loader cannot find)
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.MULTILINE)


def missing_libraries(ldd_output: str) -> list[str]:
    """The sonames ``ldd`` reports as ``not found``, in its order, each once.

    Parameters
    ----------
    ldd_output
        What ``ldd`` printed for one shared object.
    """
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def missing_packages_message(
    ldd_output: str, package_of: Mapping[str, str] = DEBIAN_PACKAGE_OF
) -> str | None:
    """One line naming the packages to install for the plugin's missing libraries, or None.

    A library that no package is known for is named itself.

    Parameters
    ----------
    ldd_output
        What ``ldd`` printed for the xcb plugin.
    package_of
        Soname -> Debian package.
    """
    missing = missing_libraries(ldd_output)
    if not missing:
        return None
    packages = list(dict.fromkeys(package_of[s] for s in missing if s in package_of))
    unknown = [s for s in missing if s not in package_of]
    needs = " ".join(packages + unknown)
    message = f"the Qt display plugin (xcb) needs {needs}"
    if packages:
        message += f" (install: sudo apt-get install -y {' '.join(packages)})"
    if unknown:
        message += "; find the package of each library with `apt-file search NAME`"
    return message


def uses_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will open its windows through the xcb plugin here.

    ``QT_QPA_PLATFORM`` decides when set (its first choice); otherwise Qt takes xcb on Linux
    unless a Wayland session is running.
    """
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen == "xcb"
    return not environ.get("WAYLAND_DISPLAY")


def xcb_plugin_path() -> Path | None:
    """The PySide6 wheel's xcb plugin, found without importing Qt; None if there is none."""
    spec = importlib.util.find_spec("PySide6")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / XCB_PLUGIN
        if path.is_file():
            return path
    return None


def ldd_text(path: Path) -> str:
    """What ``ldd`` prints for ``path``; empty where there is no ``ldd`` (not glibc)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return ""
    done = subprocess.run([ldd, str(path)], capture_output=True, text=True, timeout=30, check=False)
    return done.stdout


def check_xcb_plugin(environ: Mapping[str, str]) -> None:
    """Refuse in one line when Qt would use xcb and a library of its plugin is missing.

    Raises
    ------
    UserInputError
        Naming the Debian packages to install.
    """
    if not uses_xcb(environ):
        return
    plugin = xcb_plugin_path()
    if plugin is None:  # a PySide6 built another way: Qt reports for itself
        return
    message = missing_packages_message(ldd_text(plugin))
    if message is not None:
        raise UserInputError(message)
