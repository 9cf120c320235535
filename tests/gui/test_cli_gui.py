"""`ras gui`: registered with the CLI, one-line errors when it cannot open."""

from __future__ import annotations

import importlib.util

from ras.cli import build_parser, main


def test_gui_is_a_ras_command():
    args = build_parser().parse_args(["gui", "--simulate", "stroke", "--audio", "none"])
    assert args.command == "gui" and args.simulate == "stroke"


def test_missing_pyside6_names_the_fix(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "PySide6" else real(name, *a)
    )
    assert main(["gui"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install 'ras[gui]'" in err


def test_no_display_is_a_one_line_error(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert main(["gui"]) == 2
    err = capsys.readouterr().err
    assert "no display" in err and "ras run" in err


def test_bad_options_are_refused(capsys):
    assert main(["gui", "--simulate", "zebra"]) == 2
    assert "unknown preset" in capsys.readouterr().err
    assert main(["gui", "--speed", "10"]) == 2
    assert "WAV file or no sound" in capsys.readouterr().err
