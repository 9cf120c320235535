"""Music through a real PortAudio stream into a PulseAudio null sink, recorded from its monitor.

A percussive song (:class:`DrumBassSource`: a drum hit on every beat, a bass note between) is
rendered ahead by the engine's worker and mixed by its callback, music mode (no click), across
two tempo changes and one song change (to another drum-and-bass song on the same
:class:`~ras.music.song_chain.SongChain`, crossfaded over 2 beats). Checked here,
independently of the machine's load: every drum hit found in the recording lands where its beat
was scheduled (each inter-onset interval equals the scheduled one within 1 sample), through the
crossfade too, none missing or extra, no underflow, no music rendered late. The millisecond
figures on the session clock are in ``benchmarks/music_timing.py``.
"""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
from scipy import signal

from ras.audio import CueEngine, Sound, make_backend
from ras.audio.loopback import FS_HZ, ArrivalRecorder, detect_onsets
from ras.audio.music_track import CueMode, DrumBassSource
from ras.music.song_chain import SongChain, crossfade_frames
from ras.session_clock import SessionClock
from tests.audio.test_audio_loopback import hold_gil, null_sink  # noqa: F401 (the fixture)

# 12 s in `make test` (three tempos, ~25 drum hits); `make test-audio` plays 2 minutes
DURATION_S = float(os.environ.get("RAS_AUDIO_LOOPBACK_S", "12"))
#: Beats are handed over this far ahead: the music between two beats can be rendered only once
#: the second is decided, so the lead must cover a beat interval plus the output latency.
LOOKAHEAD_S = 1.5

pytestmark = pytest.mark.slow


def beat_times_s(t0_s: float, duration_s: float) -> list[float]:
    """100 bpm for the first third, 120 bpm for the second, 90 bpm for the last."""
    times, t = [], t0_s
    while t < t0_s + duration_s:
        times.append(t)
        part = int(3 * (t - t0_s) / duration_s)
        t += (0.6, 0.5, 60 / 90)[part]
    return times


def drum_onsets(x: np.ndarray, hit: np.ndarray, n: int) -> np.ndarray:
    """Onset samples of the drum hits: the bass filtered out (zero phase), then the hit found
    to the sample by correlation with the same filtered hit."""
    sos = signal.butter(4, 1500.0, "highpass", fs=FS_HZ, output="sos")
    x_hp = signal.sosfiltfilt(sos, x)
    hit_hp = signal.sosfiltfilt(sos, hit.astype(np.float64))
    return detect_onsets(x_hp, [hit_hp], [0] * n)


@pytest.mark.loopback
@pytest.mark.parametrize(
    "gil_holds_s",
    [
        pytest.param((), id="idle"),
        pytest.param((0.020, 0.050), id="gil20and50ms", marks=pytest.mark.load),
    ],
)
def test_loopback_music_beats_land_on_their_samples(null_sink, gil_holds_s):  # noqa: F811
    rec = ArrivalRecorder(null_sink)
    try:
        while rec.samples < FS_HZ:
            time.sleep(0.05)
        clock = SessionClock()
        source = DrumBassSource(FS_HZ)
        chain = SongChain(source)
        engine = CueEngine(make_backend("default"), clock=clock)
        engine.set_music_source(chain)
        engine.set_cue_mode(CueMode.MUSIC)
        engine.start()
        stop = threading.Event()
        hog = threading.Thread(target=hold_gil, args=(gil_holds_s, stop), daemon=True)
        if gil_holds_s:
            hog.start()
        times_s = beat_times_s(engine.earliest_cue_s() + LOOKAHEAD_S, DURATION_S)
        samples = []
        change = len(times_s) // 2  # the song changes at this beat, mid-way through 120 bpm
        for k, t_s in enumerate(times_s):
            clock.sleep_until(t_s - LOOKAHEAD_S)  # decided ahead, as a session's runner does
            if k == change:  # as the session does, just before the boundary beat
                next_song = DrumBassSource(FS_HZ, bass_hz=110.0)
                engine.change_song_at(t_s, next_song, crossfade_frames(120.0, FS_HZ))
            samples.append(engine.schedule_cue(t_s, Sound(k % 2)))
        clock.sleep_until(times_s[-1] - 0.3)  # the music up to the last beat is played
        starved_before_end = engine.music_starved
        clock.sleep_until(times_s[-1] + 0.5)
        stop.set()
        engine.stop()
        time.sleep(0.5)
    finally:
        x = rec.stop()
    if gil_holds_s:
        hog.join()
    # the last beat's hit waits for a beat after it that never comes: the others all sound
    measured = drum_onsets(x, source.hit * engine.music.gain.level, len(samples) - 1)

    assert engine.underflows == 0, f"{engine.underflows} underflows ({engine.resyncs} resyncs)"
    assert engine.music_underruns == 0, "the render-ahead worker fell behind"
    assert starved_before_end == 0, "music missing before a beat was decided"
    assert engine.music.errors == []
    assert chain.changes_ == 1 and chain.current is next_song
    assert len(measured) == len(samples) - 1, "missing or extra drum hits in the recording"
    assert [o.sample_index for o in engine.onsets] == samples  # the beats, logged as cues
    ioi_error = np.diff(measured) - np.diff(samples[:-1])
    print(
        f"holds {[h * 1e3 for h in gil_holds_s]} ms: {len(measured)} hits (song change at"
        f" beat {change}), IOI error max "
        f"{np.abs(ioi_error).max()} samples; worker: {engine.music.render_calls} renders, "
        f"longest {engine.music.max_render_s * 1e3:.2f} ms, CPU {engine.music.worker_cpu_s:.2f} s"
    )
    assert np.abs(ioi_error).max() <= 1, f"IOI errors (samples): {ioi_error}"
