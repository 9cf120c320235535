"""`make run` on a desktop: a real X server (Xvfb) with a window manager (openbox).

What a therapist does on a fresh Debian desktop: ``make run`` with a display opens ``ras gui``
through Qt's xcb plugin. The window must appear as a window the window manager manages, and
close as the title bar's close button closes it (``wmctrl -c`` asks the window manager, which
asks the window), with exit status 0. Set-up is not repeated here: ``make -o STAMP`` runs what
``make run`` runs after ``make setup``, which installed xvfb, openbox and wmctrl (they are in
scripts/debian-packages.txt).
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.gui, pytest.mark.slow]

#: Program -> the Debian package that has it (all in scripts/debian-packages.txt).
TOOLS = {"Xvfb": "xvfb", "openbox": "openbox", "wmctrl": "wmctrl", "make": "make"}
#: Guard for each wait: the window appears within a few seconds; this only ends a hung run.
GUARD_S = 45.0
TITLE = "RAS gait training"


def require_tool(name: str) -> str:
    """Path of ``name``; fails in one line naming the Debian package if it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} not found: install the Debian package {TOOLS[name]} (listed in"
            " scripts/debian-packages.txt; `make setup` installs it as root)",
            pytrace=False,
        )
    return path


def wait_for(check: Callable[[], str | None], what: str) -> str:
    """Poll ``check`` until it returns a non-empty string; fail after :data:`GUARD_S`."""
    deadline = time.monotonic() + GUARD_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"no {what} after {GUARD_S:.0f} s", pytrace=False)


def start_xvfb(log: Path, width_px: int, height_px: int) -> tuple[subprocess.Popen, str]:
    """Xvfb on a free display; returns it once it accepts clients, with the display name."""
    screen = ("-screen", "0", f"{width_px}x{height_px}x24")
    read_end, write_end = os.pipe()
    with log.open("w") as err:
        xvfb = subprocess.Popen(
            [require_tool("Xvfb"), "-displayfd", str(write_end), "-nolisten", "tcp", *screen],
            pass_fds=(write_end,),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    os.close(write_end)
    number = b""
    try:  # Xvfb writes its display number when it is ready, or closes the pipe on failure
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read_end], [], [], GUARD_S)
            chunk = os.read(read_end, 16) if ready else b""
            if not chunk:
                xvfb.kill()
                pytest.fail(f"Xvfb did not start: {log.read_text()[-500:]}", pytrace=False)
            number += chunk
    finally:
        os.close(read_end)
    return xvfb, f":{number.decode().strip()}"


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def desktop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """An X display of ``request.param`` (width, height) pixels with openbox managing it;
    yields the environment of a desktop session."""
    xvfb, display = start_xvfb(tmp_path / "xvfb.log", *request.param)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(
        DISPLAY=display,
        XDG_RUNTIME_DIR=str(runtime),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        RAS_DB=str(tmp_path / "ras.sqlite3"),
    )
    wm = subprocess.Popen(
        [require_tool("openbox")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(lambda: wmctrl(env, "-m"), "window manager on the display")
        yield env
    finally:
        stop(wm)
        stop(xvfb)


def wmctrl(env: dict[str, str], *args: str) -> str:
    """What ``wmctrl args`` prints on the display of ``env`` (empty if it failed)."""
    done = subprocess.run(
        [require_tool("wmctrl"), *args], env=env, capture_output=True, text=True, check=False
    )
    return done.stdout if done.returncode == 0 else ""


def ras_window(env: dict[str, str]) -> str | None:
    """The id of the managed window of ras (WM_CLASS ras.ras, its title), if there is one."""
    for line in wmctrl(env, "-l", "-x").splitlines():
        window_id, _desktop, wm_class, *_ = line.split()
        if wm_class == "ras.ras" and TITLE in line:
            return window_id
    return None


def window_size_px(env: dict[str, str], window_id: str) -> tuple[int, int]:
    """Width and height of a managed window (without its frame), as wmctrl reports them."""
    for line in wmctrl(env, "-l", "-G").splitlines():
        fields = line.split()
        if fields[0] == window_id:
            return int(fields[4]), int(fields[5])
    raise AssertionError(f"window {window_id} is not managed")


@pytest.mark.parametrize(
    ("desktop", "width_px", "heights_px"),
    [
        # the most common clinic laptop: maximised, the title bar takes some of the height
        ((1366, 768), 1366, range(700, 769)),
        # a desktop monitor: 1600x1000 fits
        ((1920, 1080), 1600, range(1000, 1001)),
    ],
    indirect=["desktop"],
    ids=["1366x768", "1920x1080"],
)
def test_make_run_opens_the_gui_on_a_desktop_with_a_window_manager(desktop, width_px, heights_px):
    """The window opens whole on the screen, then closes from the window manager."""
    venv = Path(sys.prefix)
    assert (venv / "bin" / "ras").is_file(), f"run the tests with {venv}/bin/python of make setup"
    run = subprocess.Popen(
        [require_tool("make"), "-o", f"{venv}/.ras-installed", "run", f"VENV={venv}"],
        cwd=REPO_ROOT,
        env=desktop,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # make, run.sh and ras gui: one group to end if the test fails
    )
    try:
        window = wait_for(lambda: ras_window(desktop) or _ended(run), "ras window")
        assert run.poll() is None, run.communicate()
        opened_w, opened_h = window_size_px(desktop, window)
        assert opened_w == width_px and opened_h in heights_px, (opened_w, opened_h)
        # closed as its title bar's close button closes it
        close = subprocess.run([require_tool("wmctrl"), "-i", "-c", window], env=desktop)
        assert close.returncode == 0
        out, err = run.communicate(timeout=GUARD_S)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == 0, err
    assert "scripts/run.sh" in out, out
    assert "Traceback" not in err and "qt.qpa" not in err, err
    assert ras_window(desktop) is None


def _ended(proc: subprocess.Popen) -> str | None:
    """A non-empty string once ``proc`` has exited (ends the wait; the test then fails)."""
    return "ended" if proc.poll() is not None else None
