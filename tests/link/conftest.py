"""Fixtures of the link tests: a bus and fake sensors on ptys (closed after each test)."""

from __future__ import annotations

import pytest

from ras.bus import SessionBus
from ras.session_clock import SessionClock
from tests.link.link_fakes import FakeSensor


@pytest.fixture
def bus() -> SessionBus:
    return SessionBus()


@pytest.fixture
def make_sensor():
    sensors: list[FakeSensor] = []

    def make(clock: SessionClock, **kwargs) -> FakeSensor:
        sensor = FakeSensor(clock, **kwargs)
        sensors.append(sensor)
        return sensor

    yield make
    for sensor in sensors:
        if sensor._master >= 0:
            sensor.unplug()
