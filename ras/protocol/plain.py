"""Messages as plain JSON values and back (the test vectors of docs/protocol-vectors.json)."""

from __future__ import annotations

import dataclasses
from enum import IntEnum
from typing import Any, get_args

import numpy as np

from ras.protocol.messages import Message, MsgType, Side, StepKind

__all__ = ["MESSAGE_CLASSES", "message_fields", "message_from_fields"]

#: The message class of each type byte (every member of :data:`Message`).
MESSAGE_CLASSES: dict[MsgType, type[Message]] = {cls.msg_type: cls for cls in get_args(Message)}


def message_fields(message: Message) -> dict[str, Any]:
    """Plain JSON values of a message's fields (enums as ints, tuples as lists, IMU samples as
    nested lists of ints)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(message):
        value = getattr(message, f.name)
        if isinstance(value, IntEnum):
            value = int(value)
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, np.ndarray):
            value = value.astype(int).tolist()
        out[f.name] = value
    return out


def message_from_fields(msg_type: MsgType, fields: dict[str, Any]) -> Message:
    """The message of type ``msg_type`` with the plain values :func:`message_fields` gives."""
    kwargs = dict(fields)
    if "side" in kwargs:
        kwargs["side"] = Side(kwargs["side"])
    if "kind" in kwargs:
        kwargs["kind"] = StepKind(kwargs["kind"])
    if "firmware_version" in kwargs:
        kwargs["firmware_version"] = tuple(kwargs["firmware_version"])
    if "samples" in kwargs:
        kwargs["samples"] = np.array(kwargs["samples"], dtype=np.int16).reshape(-1, 6)
    return MESSAGE_CLASSES[msg_type](**kwargs)
