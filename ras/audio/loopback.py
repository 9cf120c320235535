"""Measure what an audio output really played: record a PulseAudio null sink's monitor.

Used by the loopback tests and the cue-timing benchmark: a real PortAudio stream plays into a
null sink (``scripts/pulse-null-sink.sh``), ``parec`` records the sink's monitor, and the cue
onsets are found in the recording to the sample. The recording's own sample clock drifts
against the host clock; :func:`recording_drift_ppm` measures it from when the chunks arrive.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np

__all__ = [
    "FS_HZ",
    "ArrivalRecorder",
    "detect_onsets",
    "recording_drift_ppm",
    "start_null_sink",
]

FS_HZ = 48000
NULL_SINK = "ras_null"
_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pulse-null-sink.sh"
_PAREC = ["parec", "--raw", "--format=s16le", f"--rate={FS_HZ}", "--channels=1"]


def start_null_sink() -> str | None:
    """Start PulseAudio with the null sink as default; None and a reason printed if impossible.

    Returns
    -------
    str or None
        The monitor source to record (``ras_null.monitor``), or None.
    """
    if shutil.which("pulseaudio") is None or not _SCRIPT.exists():
        return None
    result = subprocess.run(["sh", str(_SCRIPT)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return None
    return f"{NULL_SINK}.monitor"


class ArrivalRecorder:
    """Runs ``parec`` on a source and notes when each chunk arrives (``perf_counter``, s)."""

    def __init__(self, source: str) -> None:
        import time

        self._perf = time.perf_counter
        self.proc = subprocess.Popen([*_PAREC, "-d", source], stdout=subprocess.PIPE, bufsize=0)
        self.chunks: list[bytes] = []
        self.arrivals: list[tuple[int, float]] = []  # (samples received so far, perf s)
        self.samples = 0
        self._thread = threading.Thread(target=self._read, name="ras-parec", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read(4096):
            now = self._perf()
            self.chunks.append(chunk)
            self.samples += len(chunk) // 2
            self.arrivals.append((self.samples, now))

    def stop(self) -> np.ndarray:
        """Stop recording; the whole recording as float samples (int16 scale)."""
        self.proc.terminate()
        self.proc.wait()
        self._thread.join()
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return np.frombuffer(b"".join(self.chunks), dtype="<i2").astype(np.float64)


def recording_drift_ppm(
    arrivals: list[tuple[int, float]], perf_lo_s: float, perf_hi_s: float
) -> float:
    """The recording's sample clock against ``perf_counter`` (ppm), independently of ras.

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
    slope = 0.0
    for _ in range(3):  # drop bins without an on-time chunk (all arrivals late)
        slope, icpt = np.polyfit(x[inlier], y[inlier], 1)
        inlier = y - (slope * x + icpt) <= 0.3e-3
    return float(slope * 1e6)


def detect_onsets(
    x: np.ndarray,
    templates: list[np.ndarray],
    order: list[int],
    threshold: float = 200.0,
    min_gap_samples: int = FS_HZ // 10,
) -> np.ndarray:
    """Onset samples of clicks: threshold, then the exact lag by correlation with the template.

    Parameters
    ----------
    x : ndarray
        The recording (int16 scale).
    templates : list of ndarray
        One waveform per sound id, at the recording's scale or not (correlation).
    order : list of int
        Sound id of each expected click, in order (beyond it: template 0).
    """
    loud = np.flatnonzero(np.abs(x) > threshold)
    if len(loud) == 0:
        return np.array([], dtype=np.int64)
    rough = loud[np.r_[True, np.diff(loud) > min_gap_samples]]
    onsets = []
    for k, r in enumerate(rough):
        tpl = templates[order[k] if k < len(order) else 0]
        lo = max(0, r - 400)
        seg = x[lo : r + len(tpl) + 400]
        corr = np.correlate(seg, tpl, mode="valid")
        onsets.append(lo + int(np.argmax(corr)))
    return np.array(onsets, dtype=np.int64)
