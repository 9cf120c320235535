"""Side helpers: from a user's text, from a stored integer, and its lower-case label."""

from __future__ import annotations

import numpy as np
import pytest

from ras.errors import UserInputError
from ras.protocol.messages import Side


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("left", Side.LEFT),
        ("L", Side.LEFT),
        ("Right", Side.RIGHT),
        ("r", Side.RIGHT),
        ("none", Side.UNKNOWN),
        ("unknown", Side.UNKNOWN),
        (None, Side.UNKNOWN),
        (Side.RIGHT, Side.RIGHT),
    ],
)
def test_side_from_text(text: str | Side | None, side: Side) -> None:
    assert Side.from_text(text) is side


@pytest.mark.parametrize("text", ["middle", "", "both", 3])
def test_side_from_bad_text_is_one_line(text: object) -> None:
    with pytest.raises(UserInputError, match="affected side") as info:
        Side.from_text(text, "affected side")  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message and "left, right, none" in message


def test_side_label_and_stored_round_trip() -> None:
    assert [s.label for s in Side] == ["unknown", "left", "right"]
    assert all(Side.from_stored(np.int8(int(s))) is s for s in Side)
    assert all(Side.from_text(s.label) is s for s in Side)
    with pytest.raises(ValueError):
        Side.from_stored(7)
