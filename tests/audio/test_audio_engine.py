"""Engine without hardware: wav rendering at exact samples, clock map, underflow re-sync."""

from __future__ import annotations

import wave
from collections import deque

import numpy as np
import pytest

from ras.audio import CueEngine, LateCueError, Sound, make_backend
from ras.audio.clockmap import ClockMap, envelope_drift_ppm, fits_agree
from ras.session_clock import SessionClock

FS_HZ = 48000


def test_wav_backend_renders_cues_at_exact_samples(tmp_path):
    path = tmp_path / "cues.wav"
    clock = SessionClock(speed=50.0)
    engine = CueEngine(make_backend(f"wav:{path}"), clock=clock, block_frames=1024)
    engine.start()
    times_s = [engine.earliest_cue_s() + 0.2 + 0.6 * k for k in range(10)]
    samples = [engine.schedule_cue(t, Sound(k % 2)) for k, t in enumerate(times_s)]
    engine.stop()
    assert samples == [round(t * FS_HZ) for t in times_s]
    assert path.stat().st_mode & 0o077 == 0  # session output is owner-only
    with wave.open(str(path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    for k, s in enumerate(samples):
        sound = engine.sounds.frames[k % 2, : engine.sounds.lengths[k % 2]]
        expected = np.round(sound * engine.gain.level * 32767.0)
        assert np.abs(pcm[s : s + len(sound), 0] - expected).max() <= 1  # exact sample
        assert not pcm[s - 50 : s].any()
    assert [o.sample_index for o in engine.onsets] == samples
    np.testing.assert_allclose([o.t_s for o in engine.onsets], times_s, atol=0.5 / FS_HZ)
    assert engine.underflows == 0


def test_late_cue_is_refused():
    engine = CueEngine(make_backend("none"), clock=SessionClock(speed=10.0))
    engine.start()
    with pytest.raises(LateCueError):
        engine.schedule_cue(engine.clock.now_s())
    engine.stop()


def test_clock_map_rejects_outliers_and_fits_drift():
    rng = np.random.default_rng(1)
    cmap = ClockMap(FS_HZ, window=1024)
    drift_ppm = 8.0
    for k in range(1000):
        n = k * 4096
        t_s = 3.0 + n / FS_HZ * (1 + drift_ppm * 1e-6) + rng.uniform(-1e-3, 1e-3)
        if k % 50 == 7:
            t_s -= 0.08  # collapsed DAC time
        cmap.add(n, t_s)
    cmap.fit()
    assert cmap.drift_ppm == pytest.approx(drift_ppm, abs=2.0)
    n = 999 * 4096
    assert cmap.time_of(n) == pytest.approx(3.0 + n / FS_HZ * (1 + 8e-6), abs=2e-4)
    assert cmap.rejected >= 19


class FakeStream:
    """A device whose DAC plays sample n at perf time 100 + n / fs, 2 blocks after the call."""

    def __init__(self, callback, block_frames):
        self.callback = callback
        self.block_frames = block_frames
        self.device_sample = 0
        self.now = 0.0

    @property
    def time(self):
        return self.now

    def pulse(self, underflow_frames: int = 0):
        """One callback; ``underflow_frames`` of silence were inserted by the device before it."""
        self.device_sample += underflow_frames
        dac = 100.0 + self.device_sample / FS_HZ
        self.now = dac - 2 * self.block_frames / FS_HZ
        out = np.zeros((self.block_frames, 2), np.float32)
        self.callback(
            out, dac if not underflow_frames else self.now, self.now, underflow_frames > 0
        )
        self.device_sample += self.block_frames
        return out

    def start(self):
        pass

    def stop(self):
        pass

    def close(self):
        pass


class FakeBackend:
    name = "fake"
    offline = False

    def open(self, sample_rate_hz, block_frames, channels, callback, clock):
        self.stream = FakeStream(callback, block_frames)
        for _ in range(10):
            self.stream.pulse()
        return self.stream


def test_underflow_resyncs_the_sample_counter():
    backend = FakeBackend()
    clock = SessionClock(start_perf_s=100.0)
    engine = CueEngine(backend, clock=clock, block_frames=1024, clock_period_s=0.01)
    engine._measure_offset = lambda: None  # fake stream time == perf time
    engine.start()
    stream = backend.stream
    for _ in range(20):
        stream.pulse()
    engine._update()
    t_cue_s = (stream.device_sample + 30 * 1024 + 17) / FS_HZ
    engine.schedule_cue(t_cue_s)
    stream.pulse(underflow_frames=3000)  # the device fell 3000 samples behind our counter
    audio = [stream.pulse() for _ in range(40)]
    engine._update()
    assert engine.underflows == 1
    assert engine.resyncs == 1
    # the cue still starts at the device sample for its session time
    start_device = stream.device_sample - 40 * 1024
    rendered = np.concatenate(audio)[:, 0]
    onset = start_device + np.flatnonzero(rendered)[0] - 1
    assert onset == round(t_cue_s * FS_HZ)
    engine._stream = None


def test_envelope_drift_ignores_late_callbacks():
    """Callbacks are only ever late: the earliest ones per bin follow the device clock."""
    rng = np.random.default_rng(4)
    drift_ppm = -16.0
    n = np.arange(2000) * 4096
    t_device_s = 5.0 + n / FS_HZ * (1 + drift_ppm * 1e-6)
    late_s = rng.exponential(0.004, len(n)) * (rng.random(len(n)) < 0.7)
    late_s[rng.random(len(n)) < 0.05] += 0.05  # GIL holds
    calls = list(zip(n.tolist(), (t_device_s + late_s).tolist(), strict=True))
    got = envelope_drift_ppm(calls, FS_HZ)
    assert got == pytest.approx(drift_ppm, abs=1.0)
    # too short a stretch: no estimate rather than a wrong one
    assert envelope_drift_ppm(calls[:10], FS_HZ) is None


def test_clock_map_waits_for_the_stream_to_settle():
    """While a stream starts its latency grows; the first fit uses only agreeing points."""
    cmap = ClockMap(FS_HZ)
    for k in range(30):
        n = k * 4096
        latency_s = min(0.170, 0.010 * k)  # grows, then settles at 170 ms
        cmap.add(n, 1.0 + n / FS_HZ + latency_s)
        if k < 24:
            assert not cmap.ready, f"fitted at point {k} before the latency settled"
    assert cmap.ready
    assert cmap.time_of(0) == pytest.approx(1.170, abs=1e-6)


def test_fits_agree_needs_the_whole_span_and_agreement():
    sps = 1.0 / FS_HZ
    span = 10 * FS_HZ
    # 10 s of fits 1 s apart, all on one line: agree once they cover the span
    line = deque((k * FS_HZ, 2.0 + k, sps) for k in range(10))
    assert not fits_agree(line, span, 0.25e-3)  # 9 s covered
    line.append((10 * FS_HZ, 12.0, sps))
    assert fits_agree(line, span, 0.25e-3)
    # an intercept that still creeps (0.1 ms per second) does not agree within 0.25 ms
    creep = deque((k * FS_HZ, 2.0 + k + 1e-4 * k, sps) for k in range(11))
    assert not fits_agree(creep, span, 0.25e-3)
    # old fits beyond the span are dropped, so a creep that has stopped is forgotten
    creep.extend((k * FS_HZ, 2.0 + k + 1e-3, sps) for k in range(11, 22))
    assert fits_agree(creep, span, 0.25e-3)
    assert creep[0][0] >= creep[-1][0] - span - FS_HZ


def test_clock_map_settles_only_once_its_intercept_stops_moving():
    """The drift is measured after about 16 s; settled waits until the fits also agree."""
    cmap = ClockMap(FS_HZ, stable_span_s=10.0)
    drift_ppm = -16.0
    block = 4096
    settled_at_s = None
    for k in range(int(60 * FS_HZ / block)):
        n = k * block
        x_s = n / FS_HZ
        t_s = 1.0 + x_s * (1 + drift_ppm * 1e-6)
        creep_s = 1e-3 * min(x_s, 30.0) / 30.0  # latency creeps by 1 ms over 30 s, then stays
        cmap.add(n, t_s + 0.1 + creep_s)  # DAC time
        cmap.add_callback(n, t_s)  # callback: on time
        if k % 8 == 0:
            cmap.fit()
        if cmap.settled and settled_at_s is None:
            settled_at_s = x_s
            # once settled, the map plays where the DAC really is
            assert cmap.time_of(n) == pytest.approx(t_s + 0.1 + creep_s, abs=0.3e-3)
    assert cmap.drift_measured
    assert settled_at_s is not None and settled_at_s > 30.0
    assert cmap.drift_ppm == pytest.approx(drift_ppm, abs=1.0)
