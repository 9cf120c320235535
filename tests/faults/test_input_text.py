"""ras.text: what is echoed to a terminal cannot drive it; what is stored has limits."""

from __future__ import annotations

import pytest

from ras.errors import UserInputError
from ras.tempo.commands import Marker, parse_command
from ras.text import MAX_NOTE_CHARS, check_text, terminal_safe


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]0;pwned\x07Smith", "Smith"),  # OSC window title, BEL-terminated
        ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink, ST-terminated
        ("a\x1b[31mred\x1b[0m b", "ared b"),  # CSI colour
        ("\x1b[2J\x1b[Hwiped", "wiped"),  # clear screen, cursor home
        ("\x9b2Jc1", "c1"),  # 8-bit CSI
        ("\x1bcreset", "reset"),  # ESC c: full reset
        ("bell\x07\x08\x7f", "bell"),  # BEL, BS, DEL
        ("x\ty\r\nz", "x y  z"),  # one line
        ("doc\u202ecod.exe", "doccod.exe"),  # bidi override
        ("Müller, 日本, 😀", "Müller, 日本, 😀"),  # text is kept
    ],
)
def test_terminal_safe_strips_what_a_terminal_would_act_on(raw, shown):
    assert terminal_safe(raw) == shown


def test_check_text_passes_plain_text_and_names_what_is_wrong():
    assert check_text("the note", "freezing at the turn", 100) == "freezing at the turn"
    with pytest.raises(UserInputError, match=r"^the note is 101 characters long; at most 100"):
        check_text("the note", "x" * 101, 100)
    with pytest.raises(UserInputError, match=r"U\+000A at position 4"):
        check_text("the note", "two\nlines", 100)


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("marker \x1b]0;pwned\x07", "control character (U+001B"),
        ("marker " + "m" * (MAX_NOTE_CHARS + 1), f"at most {MAX_NOTE_CHARS:,}"),
    ],
)
def test_a_marker_note_is_one_line_of_plain_text_of_limited_length(line, needle):
    with pytest.raises(UserInputError, match="marker note") as err:
        parse_command(line)
    assert needle in str(err.value) and "\x1b" not in str(err.value)
    with pytest.raises(UserInputError):
        Marker(line.removeprefix("marker "))
    assert parse_command("marker freezing at the turn") == Marker("freezing at the turn")


def test_an_unknown_long_command_is_not_echoed_whole():
    with pytest.raises(UserInputError) as err:
        parse_command("z" * 100_000)
    assert len(str(err.value)) < 300
