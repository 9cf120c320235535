"""Several sensor links (one per port), started and closed together."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ras.bus import SessionBus
from ras.link.serial_link import (
    DRAIN_MAX_REAL_S,
    DRAIN_QUIET_REAL_S,
    DrainResult,
    LinkStats,
    SensorLink,
)
from ras.session_clock import SessionClock

__all__ = ["LinkManager"]


class LinkManager:
    """Links to all sensors of a session.

    Parameters
    ----------
    urls : iterable of str
        One port path or pyserial URL per sensor.
    bus : SessionBus
        Where all links publish.
    clock : SessionClock
        The session clock.
    find_sensor : callable, optional
        Passed to every link (see :class:`SensorLink`).
    **link_kwargs
        Further keyword arguments for every :class:`SensorLink`.
    """

    def __init__(
        self,
        urls: Iterable[str],
        bus: SessionBus,
        clock: SessionClock,
        *,
        find_sensor: Callable[[int], str | None] | None = None,
        **link_kwargs: object,
    ) -> None:
        urls = list(urls)
        if len(set(urls)) != len(urls):
            raise ValueError(f"each port may be given once, got {urls}")
        self.links = [
            SensorLink(url, bus, clock, find_sensor=find_sensor, **link_kwargs) for url in urls
        ]

    def start(self) -> LinkManager:
        """Open every port and start its reader; if one fails, close the others and re-raise."""
        try:
            for link in self.links:
                link.start()
        except BaseException:
            self.close()
            raise
        return self

    def drain(
        self,
        until_t_s: float,
        *,
        quiet_s: float = DRAIN_QUIET_REAL_S,
        timeout_s: float = DRAIN_MAX_REAL_S,
    ) -> list[DrainResult]:
        """Wait until every sensor's data up to session time ``until_t_s`` is in (see
        :meth:`SensorLink.drain`); one result per link, in the order of ``urls``.

        The links' reader threads run side by side, so this takes about as long as the
        slowest one.
        """
        return [link.drain(until_t_s, quiet_s=quiet_s, timeout_s=timeout_s) for link in self.links]

    def close(self) -> None:
        """Close every link (joins their threads)."""
        for link in self.links:
            link.close()

    def stats(self) -> list[LinkStats]:
        """One snapshot per link, in the order of ``urls``."""
        return [link.stats() for link in self.links]

    def __enter__(self) -> LinkManager:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
