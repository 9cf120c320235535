"""Small shared pieces: validators, session clock, bus, the phase and record vocabulary."""

import math
import threading

import pytest

from ras.bus import SessionBus
from ras.errors import UserInputError
from ras.events import PHASE_NAMES, Phase, PhaseEvent, TempoChangeEvent
from ras.session_clock import SessionClock
from ras.validate import check_choice, check_range


def test_check_choice_and_range_say_what_is_allowed():
    assert check_choice("preset", "a", ["a", "b"]) == "a"
    with pytest.raises(UserInputError, match="choose one of: a, b"):
        check_choice("preset", "c", ["a", "b"])
    assert check_range("tempo", 100, 40, 200, "bpm") == 100
    with pytest.raises(UserInputError, match="between 40 and 200 bpm"):
        check_range("tempo", 300, 40, 200, "bpm")
    with pytest.raises(UserInputError):
        check_range("tempo", float("nan"), 40, 200, "bpm")


def test_session_clock_speed_scales_time():
    clock = SessionClock(speed=10.0, start_perf_s=100.0)
    assert clock.from_perf_s(101.0) == pytest.approx(10.0)
    assert clock.to_perf_s(10.0) == pytest.approx(101.0)
    with pytest.raises(ValueError):
        SessionClock(speed=0)


def test_bus_delivers_every_event_once_in_one_order_to_every_subscriber():
    bus = SessionBus()
    a = bus.subscribe("a")
    b = bus.subscribe("b", accept=lambda e: e % 2 == 0)
    n_threads, n_each = 4, 500

    def produce(k: int) -> None:
        for i in range(n_each):
            bus.publish(k * n_each + i)

    threads = [threading.Thread(target=produce, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got_a = a.drain()
    got_b = b.drain()
    assert sorted(got_a) == list(range(n_threads * n_each))
    assert got_b == [e for e in got_a if e % 2 == 0]  # same global order, filtered
    assert a.get(timeout_s=0.01) is None


def test_phase_names_compare_as_the_stored_strings_and_know_their_order():
    assert PHASE_NAMES == ("baseline", "cued", "probe")
    assert Phase.BASELINE == "baseline" and Phase("probe") is Phase.PROBE
    assert [p.next for p in Phase] == [Phase.CUED, Phase.PROBE, None]
    assert [p.is_cued for p in Phase] == [False, True, False]
    assert PhaseEvent(0.0, "cued") == PhaseEvent(0.0, Phase.CUED)
    with pytest.raises(ValueError):
        Phase("warmup")


def test_tempo_change_keeps_its_effective_beat_nan_when_not_said():
    assert math.isnan(TempoChangeEvent(1.0, None, 100.0, "plan").effective_t_s)
    change = TempoChangeEvent(1.0, 100.0, 104.0, "therapist", "+4", effective_t_s=1.6)
    assert change.effective_t_s == 1.6
