"""The session bus: one ordered stream of events; each consumer reads its own queue.

Publishing never blocks and never waits for a consumer. Events get a global order number at
publish time; every subscriber sees events in that order.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["SessionBus", "Subscription", "drain_queue"]


def drain_queue(q: queue.SimpleQueue[Any]) -> list[Any]:
    """Everything waiting in ``q`` now, in order, without blocking (one consumer's side)."""
    out = []
    while True:
        try:
            out.append(q.get_nowait())
        except queue.Empty:
            return out


class Subscription:
    """One consumer's view of the bus: a FIFO of ``(order, event)`` pairs."""

    def __init__(self, name: str, accept: Callable[[Any], bool] | None) -> None:
        self.name = name
        self.accept = accept
        self._queue: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()

    def get(self, timeout_s: float | None = None) -> Any | None:
        """Next event, or None when none came within ``timeout_s``."""
        try:
            return self._queue.get(timeout=timeout_s)[1]
        except queue.Empty:
            return None

    def drain(self) -> list[Any]:
        """All events waiting now, in order, without blocking."""
        return [event for _, event in drain_queue(self._queue)]

    def _put(self, item: tuple[int, Any]) -> None:
        self._queue.put(item)


class SessionBus:
    """Fan-out of events from producers (reader threads, engine) to consumers."""

    def __init__(self) -> None:
        self._subs: tuple[Subscription, ...] = ()
        self._order = itertools.count()
        self._lock = threading.Lock()  # only to keep order numbers and fan-out in step
        self._listeners: tuple[Callable[[Any], None], ...] = ()

    def subscribe(self, name: str, accept: Callable[[Any], bool] | None = None) -> Subscription:
        """New consumer queue; ``accept`` filters which events it receives."""
        sub = Subscription(name, accept)
        with self._lock:
            self._subs = (*self._subs, sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs = tuple(s for s in self._subs if s is not sub)

    def add_listener(self, fn: Callable[[Any], None]) -> None:
        """Call ``fn(event)`` on the publishing thread. Must be fast and must not block."""
        with self._lock:
            self._listeners = (*self._listeners, fn)

    def publish(self, event: Any) -> None:
        """Send ``event`` to every subscriber (never blocks on consumers)."""
        with self._lock:
            item = (next(self._order), event)
            for sub in self._subs:
                if sub.accept is None or sub.accept(event):
                    sub._put(item)
            listeners = self._listeners
        for fn in listeners:
            fn(event)
