"""ras.session.signals: SIGTERM and SIGHUP end a session as Ctrl-C does."""

from __future__ import annotations

import os
import signal

import pytest

from ras.session.signals import SessionSignal, session_signals


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_raises_a_keyboard_interrupt_carrying_its_reason(signum):
    before = signal.getsignal(signum)
    with pytest.raises(KeyboardInterrupt) as caught, session_signals() as watch:
        os.kill(os.getpid(), signum)  # the handler runs at the next bytecode
        raise AssertionError("the signal did not interrupt")
    stop = caught.value
    assert isinstance(stop, SessionSignal)
    name = signal.Signals(signum).name
    assert stop.reason == f"ended by {name}" and stop.name == name
    assert stop.exit_code == 128 + signum == watch.exit_code
    assert signal.getsignal(signum) is before


def test_a_handled_signal_raises_nothing_and_later_ones_are_ignored():
    seen = []

    def stop(sig: SessionSignal) -> bool:
        seen.append(sig.name)
        return True

    with session_signals(on_signal=stop) as watch:
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGHUP)  # while ending: ignored
    assert seen == ["SIGTERM"]
    assert watch.exit_code == 143 and watch.reason == "ended by SIGTERM"
