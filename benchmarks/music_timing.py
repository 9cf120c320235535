"""Music beats through a real PortAudio stream, and the music path's CPU, against the metronome.

Timing: a percussive song (:class:`ras.audio.music_track.DrumBassSource`, a drum hit on every
beat) plays in music mode into a PulseAudio null sink, recorded from its monitor (``parec``),
for ``--seconds`` with two tempo changes (100 -> 120 -> 90 bpm) and one song change mid-way
(a second drum-and-bass song on the same :class:`ras.music.song_chain.SongChain`, crossfaded
over 2 beats), idle and while another thread holds the GIL in 20 ms and 50 ms stretches.
Each drum hit is found in the recording to the sample; its error on the session clock = the
engine's recorded onset time minus the measured one (the recording's clock drift corrected from
parec's arrival times, one constant offset removed), as ``tests/audio/test_audio_loopback.py``
does for clicks.

CPU: the process's CPU time per second of session (the engine's callback, clock thread and, for
music, the render-ahead worker) while cues play through the sound card at 1.0x, 0.9x and 1.1x
the song's native tempo (100 bpm), for the metronome alone (the baseline, same run), the
drum-and-bass source and :class:`ras.music.renderer.BeatAlignedRenderer` on a synthesised song
that changes mid-run to a second one (both rendered through the crossfade). Beside each, the
longest a Python thread that sleeps 1 ms at a time waited beyond its sleep (what the audio
callback would wait for the GIL), against the metronome alone.

Usage: python benchmarks/music_timing.py [--seconds S] [--cpu-seconds S] [--write]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's tests
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cue_timing import HOLDS, with_hog

from ras.audio import CueEngine, Sound, make_backend
from ras.audio.loopback import (
    FS_HZ,
    ArrivalRecorder,
    recording_drift_ppm,
    start_null_sink,
)
from ras.audio.music_track import CueMode, DrumBassSource
from ras.music.song_chain import SongChain, crossfade_frames
from ras.session_clock import SessionClock
from tests.audio.test_music_loopback import LOOKAHEAD_S, beat_times_s, drum_onsets

NATIVE_BPM = 100.0
STRETCHES = (1.0, 0.9, 1.1)


@dataclass
class Timing:
    load: str
    beats: int
    found: int
    ioi_max_samples: int
    err_p99_ms: float
    err_max_ms: float
    underflows: int
    music_underruns: int
    longest_render_ms: float
    song_changes: int


@dataclass
class Cpu:
    source: str
    stretch: float
    cpu_pct: float
    worker_cpu_pct: float
    longest_render_ms: float
    music_underruns: int
    underflows: int
    song_changes: int
    longest_wait_ms: float


def run_timing(source_name: str, seconds: float, load: str) -> Timing:
    rec = ArrivalRecorder(source_name)
    while rec.samples < FS_HZ:
        time.sleep(0.05)
    clock = SessionClock()
    song = DrumBassSource(FS_HZ)
    chain = SongChain(song)
    engine = CueEngine(make_backend("default"), clock=clock)
    engine.set_music_source(chain)
    engine.set_cue_mode(CueMode.MUSIC)
    engine.start()
    stop, hog = with_hog(HOLDS[load])
    while not engine.clock_settled:  # a session's baseline walk gives it this time
        time.sleep(0.1)
    times_s = beat_times_s(engine.earliest_cue_s() + LOOKAHEAD_S, seconds)
    samples = []
    change = len(times_s) // 2  # mid-way through 120 bpm
    for k, t_s in enumerate(times_s):
        clock.sleep_until(t_s - LOOKAHEAD_S)
        if k == change:
            next_song = DrumBassSource(FS_HZ, bass_hz=110.0)
            engine.change_song_at(t_s, next_song, crossfade_frames(120.0, FS_HZ))
        samples.append(engine.schedule_cue(t_s, Sound(k % 2)))
    clock.sleep_until(times_s[-1] + 0.5)
    stop.set()
    engine.stop()
    time.sleep(0.3)
    x = rec.stop()
    if HOLDS[load]:
        hog.join()
    heard = len(samples) - 1  # the last beat's music needs a beat after it
    measured = drum_onsets(x, song.hit * engine.music.gain.level, heard)
    ioi_max = err_p99 = err_max = -1.0
    if len(measured) == heard:
        ioi_max = float(np.abs(np.diff(measured) - np.diff(samples[:heard])).max())
        recorded_s = np.array([o.t_s for o in engine.onsets[:heard]])
        drift_ppm = recording_drift_ppm(
            rec.arrivals, clock.to_perf_s(times_s[0]), clock.to_perf_s(times_s[-1])
        )
        diff_s = recorded_s - measured / FS_HZ * (1.0 + drift_ppm * 1e-6)
        err_ms = np.abs(diff_s - np.median(diff_s)) * 1e3
        err_p99, err_max = float(np.percentile(err_ms, 99)), float(err_ms.max())
    return Timing(
        load,
        heard,
        len(measured),
        int(ioi_max),
        err_p99,
        err_max,
        engine.underflows,
        engine.music_underruns,
        engine.music.max_render_s * 1e3,
        chain.changes_,
    )


def synth_renderer(seconds: float, seed: int, **kwargs):
    """A BeatAlignedRenderer on a synthesised steady song at :data:`NATIVE_BPM`."""
    from ras.music.renderer import BeatAlignedRenderer
    from ras.music.synth import synth_song
    from ras.music.track import BeatTrack

    song = synth_song("steady", tempo_bpm=NATIVE_BPM, duration_s=seconds * 1.2 + 20, seed=seed)
    track = BeatTrack(
        beats_s=song.beats_s,
        tempo_bpm=NATIVE_BPM,
        tempo_stability_pct=0.0,
        confidence=1.0,
        usable=True,
        reason="",
        tracker="synthetic (known beats)",
        downbeats_s=song.downbeats_s,
    )
    return BeatAlignedRenderer(song.audio, FS_HZ, track, **kwargs)


def make_source(name: str, seconds: float):
    """The music source ``name`` (None for the metronome alone)."""
    if name == "metronome":
        return None
    if name == "drum+bass":
        return SongChain(DrumBassSource(FS_HZ))
    return SongChain(synth_renderer(seconds, seed=0))


def next_source(name: str, seconds: float):
    """The song ``name`` changes to mid-run."""
    if name == "drum+bass":
        return DrumBassSource(FS_HZ, bass_hz=110.0)
    return synth_renderer(seconds, seed=1, start_beat=8, fade_in_beats=0, lead_beats=3)


class WaitProbe:
    """A Python thread sleeping 1 ms at a time: the longest it waited beyond its sleep, s
    (for the GIL, or for a core), as the audio callback's thread would."""

    def __init__(self) -> None:
        self.longest_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            t0 = time.perf_counter()
            time.sleep(0.001)
            self.longest_s = max(self.longest_s, time.perf_counter() - t0 - 0.001)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.longest_s


def run_cpu(name: str, stretch: float, seconds: float) -> Cpu:
    from ras.music.stretch import preload

    preload()  # as a session does while the songs decode, before the music plays
    clock = SessionClock()
    engine = CueEngine(make_backend("default"), clock=clock)
    source = make_source(name, seconds)
    if source is not None:
        engine.set_music_source(source)
        engine.set_cue_mode(CueMode.MUSIC_CLICK)
    engine.start()
    ibi_s = 60.0 / (NATIVE_BPM * stretch)
    t0 = engine.earliest_cue_s() + LOOKAHEAD_S
    times_s = t0 + ibi_s * np.arange(int(seconds / ibi_s))
    following = next_source(name, seconds) if source is not None else None  # made before
    time.sleep(1.0)
    probe = WaitProbe()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    worker0 = engine.music.worker_cpu_s
    change = len(times_s) // 2
    for k, t_s in enumerate(times_s):
        clock.sleep_until(float(t_s) - LOOKAHEAD_S)
        if source is not None and k == change:
            xf = crossfade_frames(NATIVE_BPM * stretch, FS_HZ)
            engine.change_song_at(float(t_s), following, xf)
        engine.schedule_cue(float(t_s), Sound(k % 2))
    clock.sleep_until(float(times_s[-1]))
    wall = time.perf_counter() - wall0
    cpu_pct = 100 * (time.process_time() - cpu0) / wall
    worker_pct = 100 * (engine.music.worker_cpu_s - worker0) / wall
    longest_wait_s = probe.stop()
    engine.stop()
    return Cpu(
        name,
        stretch,
        cpu_pct,
        worker_pct,
        engine.music.max_render_s * 1e3,
        engine.music_underruns,
        engine.underflows,
        source.changes_ if source is not None else 0,
        longest_wait_s * 1e3,
    )


def child(args: argparse.Namespace) -> None:
    kind, what, value = args.child
    if kind == "timing":
        sink = start_null_sink()
        if sink is None:
            raise SystemExit("music_timing: no null sink (sh scripts/pulse-null-sink.sh)")
        print(json.dumps(asdict(run_timing(sink, args.seconds, what))))
    else:
        start_null_sink()
        print(json.dumps(asdict(run_cpu(what, float(value), args.cpu_seconds))))


def in_child(args: argparse.Namespace, *child_args: str) -> dict:
    """Run one measurement in its own process (own CPU time, own PortAudio)."""
    cmd = [sys.executable, __file__, "--seconds", str(args.seconds)]
    cmd += ["--cpu-seconds", str(args.cpu_seconds), "--child", *child_args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="timing run, per load")
    parser.add_argument("--cpu-seconds", type=float, default=30.0, help="CPU run, per case")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    timings = [Timing(**in_child(args, "timing", load, "-")) for load in HOLDS]
    for t in timings:
        print(t, flush=True)
    cpus = [Cpu(**in_child(args, "cpu", "metronome", "1.0"))]
    for name in ("drum+bass", "renderer"):
        for stretch in STRETCHES:
            cpus.append(Cpu(**in_child(args, "cpu", name, str(stretch))))
            print(cpus[-1], flush=True)
    base = cpus[0].cpu_pct
    rows = [
        "| load | beats | hits found | IOI error max (samples) | error p99 ms | error max ms |"
        " underflows | music underruns | longest render ms | song changes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in timings:
        rows.append(
            f"| {t.load} | {t.beats} | {t.found} | {t.ioi_max_samples} | {t.err_p99_ms:.3f} | "
            f"{t.err_max_ms:.3f} | {t.underflows} | {t.music_underruns} | "
            f"{t.longest_render_ms:.2f} | {t.song_changes} |"
        )
    cpu_rows = [
        "| cue | tempo / native | process CPU % | music path % (minus metronome) | worker % |"
        " longest render ms | longest wait of a 1 ms sleeper ms | music underruns |"
        " underflows | song changes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for c in cpus:
        extra = "-" if c.source == "metronome" else f"{c.cpu_pct - base:.1f}"
        cpu_rows.append(
            f"| {c.source} | {c.stretch:g}x | {c.cpu_pct:.1f} | {extra} | "
            f"{c.worker_cpu_pct:.1f} | {c.longest_render_ms:.2f} | {c.longest_wait_ms:.1f} | "
            f"{c.music_underruns} | {c.underflows} | {c.song_changes} |"
        )
    body = "\n".join(
        [
            f"Timing: {args.seconds:g} s of beats in music mode (100 -> 120 -> 90 bpm), a "
            "drum-and-bass song rendered on the beats by the engine's render-ahead worker and, "
            "mid-way, a second one crossfaded in over 2 beats on the same SongChain, "
            "PortAudio -> PulseAudio null sink -> parec, each load in its own process, after "
            "the audio clock settled; beats handed over "
            f"{LOOKAHEAD_S:g} s ahead. Error = the engine's onset on the session clock minus "
            "the drum hit found in the recording (recording drift corrected, one constant "
            "offset removed).",
            "",
            *rows,
            "",
            f"CPU: {args.cpu_seconds:g} s of cues per case through the sound card (music+click "
            "mode; the metronome alone is the baseline, measured in the same run), per second "
            "of session, % of one core; the renderer plays a synthesised steady song at its "
            f"native {NATIVE_BPM:g} bpm times the factor and changes mid-run to a second "
            "synthesised song (both rendered through the crossfade). Worker % is the "
            "render-ahead thread's own CPU time; the longest render is the longest single call "
            "of the source (wall time: Rubber Band, through pedalboard, releases the GIL while "
            "it stretches); the longest wait is how long a Python thread sleeping 1 ms at a "
            "time waited beyond its sleep (the GIL or a busy core), the metronome alone being "
            "the baseline.",
            "",
            *cpu_rows,
        ]
    )
    print(body)
    if args.write:
        from _report import write_section

        write_section(
            "Music beats and the music path's CPU (null sink loopback)",
            body,
            f".venv/bin/python benchmarks/music_timing.py --seconds {args.seconds:g} "
            f"--cpu-seconds {args.cpu_seconds:g} --write",
        )


if __name__ == "__main__":
    main()
