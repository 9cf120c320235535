"""Real PortAudio stream into a PulseAudio null sink, recorded from its monitor.

Checks the accuracy specs only: every inter-onset interval equals the scheduled one within
1 sample, no missing or extra cues, recorded onset times (session clock) agree with the
measured ones within 1 ms after removing one constant offset; also while another thread holds
the GIL in 20 ms and 50 ms stretches.
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import numpy as np
import pytest

from ras.audio import CueEngine, Sound, make_backend
from ras.audio.loopback import (
    FS_HZ,
    ArrivalRecorder,
    detect_onsets,
    recording_drift_ppm,
    start_null_sink,
)
from ras.session_clock import SessionClock

# Cues for 10 s in `make test` (the suite's time budget); the spec's two minutes run in
# `make test-audio` (RAS_AUDIO_LOOPBACK_S=120), which runs only these tests.
DURATION_S = float(os.environ.get("RAS_AUDIO_LOOPBACK_S", "10"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def null_sink():
    if shutil.which("pulseaudio") is None:
        pytest.skip("PulseAudio not installed: apt install pulseaudio pulseaudio-utils")
    monitor = start_null_sink()
    if monitor is None:
        pytest.skip("PulseAudio cannot run here (try: sh scripts/pulse-null-sink.sh)")
    return monitor


def hold_gil(holds_s: tuple[float, ...], stop: threading.Event) -> None:
    """Busy-loop in pure Python (holding the GIL) in stretches of ``holds_s``, in turn."""
    k = 0
    while not stop.is_set():
        t_end = time.perf_counter() + holds_s[k % len(holds_s)]
        k += 1
        x = 0
        while time.perf_counter() < t_end:
            x += 1
        time.sleep(0.01)


def cue_times_s(t0_s: float, duration_s: float) -> list[float]:
    """100 bpm for the first half, then 120 bpm."""
    times, t = [], t0_s
    while t < t0_s + duration_s:
        times.append(t)
        t += 0.6 if t < t0_s + duration_s / 2 else 0.5
    return times


@pytest.mark.loopback
@pytest.mark.parametrize(
    "gil_holds_s",
    [
        pytest.param((), id="idle"),
        # under deliberate load: make test-audio (and benchmarks/cue_timing.py), not make test,
        # whose machine may already be loaded by other jobs
        pytest.param((0.020, 0.050), id="gil20and50ms", marks=pytest.mark.load),
    ],
)
def test_loopback_cues_are_sample_exact(null_sink, tmp_path, gil_holds_s):
    rec = ArrivalRecorder(null_sink)
    try:
        while rec.samples < FS_HZ:  # recorder running (and past its own start-up)
            time.sleep(0.05)
        clock = SessionClock()
        engine = CueEngine(make_backend("default"), clock=clock)
        engine.start()
        stop = threading.Event()
        hog = threading.Thread(target=hold_gil, args=(gil_holds_s, stop), daemon=True)
        if gil_holds_s:
            hog.start()
        # as in a session, whose uncued baseline comes first: the audio clock's drift is
        # measured before the first cue
        # (about 30 s; once, in a full run with the GIL held, over 60 s: 120 s is a hang guard)
        deadline_s = time.perf_counter() + 120.0
        while not engine.clock_settled and time.perf_counter() < deadline_s:
            time.sleep(0.1)
        assert engine.clock_settled, "the audio clock's drift was never measured"
        times_s = cue_times_s(engine.earliest_cue_s() + 0.5, DURATION_S)
        sounds = [Sound.LEFT if k % 2 == 0 else Sound.RIGHT for k in range(len(times_s))]
        samples = []
        for t_s, sound in zip(times_s, sounds, strict=True):
            clock.sleep_until(t_s - 1.0)  # schedule about a second ahead, as a session would
            samples.append(engine.schedule_cue(t_s, sound))
        clock.sleep_until(times_s[-1] + 0.5)
        stop.set()
        engine.stop()
        time.sleep(0.5)
    finally:
        x = rec.stop()
    if gil_holds_s:
        hog.join()
    templates = [
        engine.sounds.frames[s, : engine.sounds.lengths[s]].astype(np.float64) for s in Sound
    ]
    measured = detect_onsets(x, templates, [int(s) for s in sounds])

    assert engine.underflows == 0, f"{engine.underflows} underflows ({engine.resyncs} resyncs)"
    assert len(measured) == len(times_s), "missing or extra cues in the recording"
    assert len(engine.onsets) == len(times_s), "missing or extra recorded onsets"
    ioi_error = np.diff(measured) - np.diff(samples)
    assert np.abs(ioi_error).max() <= 1, f"IOI errors (samples): {ioi_error}"
    recorded_s = np.array([o.t_s for o in engine.onsets])
    # the recording's sample clock drifts against the host clock (the null sink's timer too):
    # measured from parec's arrival times, not from the engine, and corrected
    drift_ppm = recording_drift_ppm(
        rec.arrivals, clock.to_perf_s(times_s[0]), clock.to_perf_s(times_s[-1])
    )
    diff_s = recorded_s - measured / FS_HZ * (1.0 + drift_ppm * 1e-6)
    residual_s = diff_s - np.median(diff_s)
    trend_ppm = np.polyfit(recorded_s - recorded_s[0], residual_s, 1)[0] * 1e6
    print(
        f"residual trend {trend_ppm:.2f} ppm, first/last 10 mean (ms): "
        f"{residual_s[:10].mean() * 1e3:.3f} {residual_s[-10:].mean() * 1e3:.3f}, "
        f"SD {residual_s.std() * 1e3:.3f} ms"
    )
    print(
        f"holds {[h * 1e3 for h in gil_holds_s]} ms: {len(times_s)} cues, IOI error max "
        f"{np.abs(ioi_error).max()} samples, onset residual max "
        f"{np.abs(residual_s).max() * 1e3:.3f} ms, drift {engine.drift_ppm:.1f} ppm "
        f"(engine), {drift_ppm:.1f} ppm (recording)"
    )
    assert np.abs(residual_s).max() <= 1e-3
