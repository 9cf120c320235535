"""Real PortAudio stream into a PulseAudio null sink, recorded from its monitor.

Checks the accuracy specs only: every inter-onset interval equals the scheduled one within
1 sample, no missing or extra cues, recorded onset times (session clock) agree with the
measured ones within 1 ms after removing one constant offset; also while another thread holds
the GIL in 20 ms and 50 ms stretches.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from ras.audio import CueEngine, Sound, make_backend
from ras.session_clock import SessionClock

# The spec asks for 2 minutes; three runs of that take over 6 minutes, so the default is shorter.
# The spec: two minutes (RAS_AUDIO_LOOPBACK_S shortens it for quick local runs).
DURATION_S = float(os.environ.get("RAS_AUDIO_LOOPBACK_S", "120"))
FS_HZ = 48000
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pulse-null-sink.sh"
PAREC = ["parec", "--raw", "--format=s16le", f"--rate={FS_HZ}", "--channels=1"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def null_sink():
    if shutil.which("pulseaudio") is None:
        pytest.skip("PulseAudio not installed: apt install pulseaudio pulseaudio-utils")
    result = subprocess.run(["sh", str(SCRIPT)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"PulseAudio cannot run here: {result.stderr.strip()}")
    return "ras_null"


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


class ArrivalRecorder:
    """Runs parec and notes when each chunk arrives (``perf_counter``), for the drift estimate."""

    def __init__(self, source: str) -> None:
        self.proc = subprocess.Popen([*PAREC, "-d", source], stdout=subprocess.PIPE, bufsize=0)
        self.chunks: list[bytes] = []
        self.arrivals: list[tuple[int, float]] = []  # (samples received so far, perf_counter)
        self.samples = 0
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read(4096):
            now = time.perf_counter()
            self.chunks.append(chunk)
            self.samples += len(chunk) // 2
            self.arrivals.append((self.samples, now))

    def stop(self) -> np.ndarray:
        self.proc.terminate()
        self.proc.wait()
        self._thread.join()
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return np.frombuffer(b"".join(self.chunks), dtype="<i2").astype(np.float64)


def audio_drift_ppm(arrivals: list[tuple[int, float]], perf_lo_s: float, perf_hi_s: float) -> float:
    """Recording sample clock against ``perf_counter`` (ppm), independently of the engine.

    A sample arrives after it was captured, never before: the lower envelope of arrival time
    minus nominal sample time (the minimum in each 1 s bin) follows the capture clock; its slope,
    fitted between ``perf_lo_s`` and ``perf_hi_s`` (clear of stream start-up), is the drift.
    """
    n = np.array([a[0] for a in arrivals], dtype=np.float64)
    t = np.array([a[1] for a in arrivals])
    keep = (t >= perf_lo_s) & (t <= perf_hi_s)
    n, t = n[keep], t[keep]
    rel = t - n / FS_HZ
    bins = np.floor(t - perf_lo_s).astype(np.int64)
    idx = [np.flatnonzero(bins == b)[np.argmin(rel[bins == b])] for b in np.unique(bins)]
    x, y = n[idx] / FS_HZ, rel[idx]
    inlier = np.ones(len(x), dtype=bool)
    for _ in range(3):  # drop bins without an on-time chunk (all arrivals late)
        slope, icpt = np.polyfit(x[inlier], y[inlier], 1)
        inlier = y - (slope * x + icpt) <= 0.3e-3
    return float(slope * 1e6)


def detect_onsets(x: np.ndarray, templates: list[np.ndarray], order: list[int]) -> np.ndarray:
    """Onset samples: threshold, then the exact lag by correlation with the cue's template."""
    loud = np.flatnonzero(np.abs(x) > 200)
    if len(loud) == 0:
        return np.array([], dtype=np.int64)
    rough = loud[np.r_[True, np.diff(loud) > FS_HZ // 10]]
    onsets = []
    for k, r in enumerate(rough):
        tpl = templates[order[k] if k < len(order) else 0]
        lo = max(0, r - 400)
        seg = x[lo : r + len(tpl) + 400]
        corr = np.correlate(seg, tpl, mode="valid")
        onsets.append(lo + int(np.argmax(corr)))
    return np.array(onsets, dtype=np.int64)


@pytest.mark.loopback
@pytest.mark.parametrize("gil_holds_s", [(), (0.020, 0.050)], ids=["idle", "gil20and50ms"])
def test_loopback_cues_are_sample_exact(null_sink, tmp_path, gil_holds_s):
    rec = ArrivalRecorder(f"{null_sink}.monitor")
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
    drift_ppm = audio_drift_ppm(
        rec.arrivals, clock.to_perf_s(times_s[0]), clock.to_perf_s(times_s[-1])
    )
    diff_s = recorded_s - measured / FS_HZ * (1.0 + drift_ppm * 1e-6)
    residual_s = diff_s - np.median(diff_s)
    print(
        f"holds {[h * 1e3 for h in gil_holds_s]} ms: {len(times_s)} cues, IOI error max "
        f"{np.abs(ioi_error).max()} samples, onset residual max "
        f"{np.abs(residual_s).max() * 1e3:.3f} ms, drift {engine.drift_ppm:.1f} ppm "
        f"(engine), {drift_ppm:.1f} ppm (recording)"
    )
    assert np.abs(residual_s).max() <= 1e-3
