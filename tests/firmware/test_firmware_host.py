"""The firmware's C unit tests (every core module, the shared protocol vectors), run on the host
with and without AddressSanitizer + UndefinedBehaviorSanitizer, through firmware/Makefile."""

from __future__ import annotations

import re

from tests.firmware.firmware_helpers import BUILD, make, require_data, require_tool, result_line

SUITES = ("proto", "time_ring", "sensor", "detector")


def _check_suites(out: str) -> None:
    for suite in SUITES:
        m = re.search(rf"^SUITE {suite} checks=(\d+) failures=(\d+)$", out, re.M)
        assert m, f"suite {suite} did not run:\n{out[-2000:]}"
        assert int(m.group(1)) > 0 and int(m.group(2)) == 0, m.group(0)


def test_c_unit_tests_pass():
    require_data()  # the replay of the real recording is part of the run
    out = make("test")
    res = result_line(out)
    assert res["failures"] == 0 and res["checks"] > 10_000
    _check_suites(out)
    assert re.search(r"^REPLAY events=\d{3}$", out, re.M), out[-2000:]


def test_c_unit_tests_pass_under_asan_and_ubsan():
    require_data()
    out = make("sanitize")
    binary = (BUILD / "asan" / "test_core").read_bytes()
    assert b"__asan_init" in binary and b"__ubsan_handle" in binary  # really instrumented
    res = result_line(out)
    assert res["failures"] == 0
    _check_suites(out)
    # the replay of the real recording gives the same bytes with and without sanitizers
    assert "SANITIZE replay identical" in out


def test_shared_library_for_ctypes_builds():
    make("libcore")


def test_board_port_compiles_against_the_core():
    # the XIAO nRF52840 Sense port, with stand-ins for the Arduino and IMU library headers:
    # the real board build needs its SDK (boards/xiao_nrf52840_sense/build.sh, docs/firmware.md)
    require_tool("g++")
    make("board-check")
