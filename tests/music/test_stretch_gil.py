"""The render-ahead worker's long call does not hold the GIL: Rubber Band releases it.

A segment's stretch (``ras.music.stretch.render_segment`` with Rubber Band through pedalboard)
takes 0.1-0.3 s of wall time in the worker; the audio callback is Python, so what matters is
whether another Python thread runs meanwhile. Counted here, not timed: a thread that sleeps
1 ms at a time wakes many times during one long stretch (with the GIL held throughout it could
not wake once), and the Python work around the stretch is bounded by the segment, not the song.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from ras.music import stretch
from ras.music.synth import synth_song

FS = 48000

# counts a 1 ms sleeper's wakes during a 0.1-0.3 s call: another busy process takes them
pytestmark = pytest.mark.timing


def test_another_python_thread_runs_while_a_segment_is_stretched():
    song = synth_song("steady", tempo_bpm=100.0, duration_s=20.0, sample_rate_hz=FS)
    stretch.preload()
    wakes = [0]
    running, done = threading.Event(), threading.Event()

    def sleeper() -> None:
        running.set()
        while not done.is_set():
            time.sleep(0.001)
            wakes[0] += 1

    thread = threading.Thread(target=sleeper, daemon=True)
    thread.start()
    running.wait()
    before = wakes[0]
    # one long segment: 4 s of song stretched by 5 % (a slow beat at 0.5x would be ~2 s)
    out = stretch.render_segment(
        song.audio,
        song_from_smp=FS * 1.0,
        song_to_smp=FS * 5.0,
        out_len=round(FS * 4.2),
        lead_len=240,
        sample_rate_hz=FS,
        stretcher=stretch.stretch_rubberband,
    )
    during = wakes[0] - before
    done.set()
    thread.join()
    assert out.shape == (240 + round(FS * 4.2),)
    assert np.abs(out).max() > 0
    assert during >= 10, f"the sleeper woke {during} times during the stretch"
