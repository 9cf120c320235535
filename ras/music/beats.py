"""Beat tracking: a song's beats, tempo, steadiness and whether it can cue walking.

Two maintained trackers from the package index, both with their models inside:

``"librosa"``
    ``librosa.beat.beat_track`` (Ellis 2007: onset strength, a global tempo estimate, dynamic
    programming), on the song resampled to 22,050 Hz. It has no confidence of its own.
``"essentia"``
    essentia's ``RhythmExtractor2013(method="multifeature")`` (Zapata et al. 2012: five onset
    features, a committee of trackers), on the song resampled to 44,100 Hz as it requires. Its
    confidence is the committee's agreement, 0–5.32.

madmom does not build here, and Beat This! needs PyTorch (hundreds of MB, gigabytes with GPU
support: far too heavy for a clinic laptop install), so neither is offered. Neither tracker
gives downbeats: :func:`estimate_downbeats` finds them where the chords and the kick mark the
bar clearly, else ``downbeats_s`` is empty.

Both trackers' beats are then moved onto the attacks they stand for (:func:`snap_to_onsets`)
and, where the drums show the beat is at twice or half the tracked rate, re-levelled
(:func:`choose_beat_level`).

**Confidence (0–1)**: essentia: its own confidence divided by 5.32 (its maximum; its authors
call below 1 very low, 1.5–3.5 good, over 3.5 excellent). librosa: the *pulse clarity* of the
song at the tracked beat (:func:`pulse_clarity`): the normalised autocorrelation of the
onset-strength envelope at the median beat interval minus its median over all intervals of
40–200 beats/min, clipped to 0–1 (near 1: the onsets repeat at the beat and at no other
interval; near 0: the beat interval is no more periodic than any other, as in a beatless pad).

**Usable for cueing**: the rule of :mod:`ras.music.usability`.

This module runs the trackers; each step after them is a module of its own, its names
importable from here too: :mod:`ras.music.attacks` (rise of the sound, band filters),
:mod:`ras.music.snap`, :mod:`ras.music.beat_level`, :mod:`ras.music.downbeats`,
:mod:`ras.music.periodicity` (pulse clarity) and :mod:`ras.music.usability`.
"""

from __future__ import annotations

from importlib import metadata
from types import ModuleType

import numpy as np

from ras.errors import UserInputError
from ras.music.attacks import attack_strength_db, band_pass
from ras.music.beat_level import backbeat_score, choose_beat_level
from ras.music.downbeats import estimate_downbeats
from ras.music.periodicity import pulse_clarity
from ras.music.snap import SNAP_LAG_WINDOW_S, SNAP_MIN_RISE_DB, SNAP_WINDOW_S, snap_to_onsets
from ras.music.track import BeatTrack
from ras.music.usability import (
    MAX_STABILITY_PCT,
    MIN_BEATS,
    MIN_CONFIDENCE,
    WALK_RANGE_SPM,
    judge_usable,
    tempo_and_stability,
)

__all__ = [
    "ANALYSIS_RATE_HZ",
    "DEFAULT_METHOD",
    "MAX_STABILITY_PCT",
    "METHODS",
    "MIN_BEATS",
    "MIN_CONFIDENCE",
    "MIN_DURATION_S",
    "SNAP_LAG_WINDOW_S",
    "SNAP_MIN_RISE_DB",
    "SNAP_WINDOW_S",
    "WALK_RANGE_SPM",
    "BeatTracker",
    "attack_strength_db",
    "backbeat_score",
    "band_pass",
    "choose_beat_level",
    "estimate_downbeats",
    "judge_usable",
    "pulse_clarity",
    "snap_to_onsets",
    "tempo_and_stability",
    "track_beats",
]

#: The trackers on offer.
METHODS: tuple[str, ...] = ("librosa", "essentia")
#: The tracker used unless another is asked for (chosen in benchmarks/beat_tracking.py).
DEFAULT_METHOD = "librosa"
#: A song shorter than this cannot show a steady beat, s.
MIN_DURATION_S = 6.0
#: librosa's tracker and everything after the trackers (snap, level, bars) run at this rate, Hz.
ANALYSIS_RATE_HZ = 22050
#: Version of what ras does after the tracker (snap, level, bars), named in ``BeatTrack.tracker``
#: so songs analysed before a change can be found and analysed again.
POSTPROCESS_VERSION = 2  # 2: a beat level is taken only where the onsets support it

_ESSENTIA_RATE_HZ = 44100
_ESSENTIA_MAX_CONFIDENCE = 5.32
_HOP = 512


class BeatTracker:
    """Track a song's beats and judge whether it can cue walking (gaitmap style).

    Parameters
    ----------
    method : str
        One of :data:`METHODS`.
    min_confidence : float
        Lowest confidence (0–1) for a usable song.
    max_stability_pct : float
        Largest CV of the inter-beat intervals for a usable song, %.
    snap : bool
        Move the tracked beats onto their attacks (:func:`snap_to_onsets`): the trackers place
        beats on a grid of 11.6–23 ms frames, late by 10–30 ms, and a cue must fall on the
        audible attack.
    relevel : bool
        Halve or double the tracked beat where the kick and snare say the beat is at the other
        level (:func:`choose_beat_level`).
    downbeats : bool
        Estimate the bar starts (:func:`estimate_downbeats`); neither tracker gives them.

    Attributes
    ----------
    beat_track_ : BeatTrack
        The result of the last :meth:`track`.
    """

    def __init__(
        self,
        method: str = DEFAULT_METHOD,
        *,
        min_confidence: float = MIN_CONFIDENCE,
        max_stability_pct: float = MAX_STABILITY_PCT,
        snap: bool = True,
        relevel: bool = True,
        downbeats: bool = True,
    ) -> None:
        self.method = method
        self.snap = snap
        self.relevel = relevel
        self.downbeats = downbeats
        self.min_confidence = min_confidence
        self.max_stability_pct = max_stability_pct

    def track(self, *, audio: np.ndarray, sample_rate_hz: float) -> BeatTracker:
        """Track the beats of ``audio``: ``(n,)`` or ``(n, channels)`` samples."""
        if self.method not in METHODS:
            raise UserInputError(
                f"unknown beat tracker {self.method!r}: use one of {', '.join(METHODS)}"
            )
        import librosa

        mono = as_mono(audio, sample_rate_hz)
        # one analysis copy at 22,050 Hz: the kick, the snare band and 0.5 ms attack steps all
        # fit, and a 15-min song at 48 kHz is not copied in float64 at its own rate
        y = librosa.resample(mono, orig_sr=sample_rate_hz, target_sr=ANALYSIS_RATE_HZ)
        fs = ANALYSIS_RATE_HZ
        if self.method == "essentia":
            beats_s, confidence, name = _track_essentia(mono, sample_rate_hz)
        else:
            beats_s, confidence, name = _track_librosa(y)
        del mono
        if self.snap:
            beats_s = snap_to_onsets(audio=y, sample_rate_hz=fs, beats_s=beats_s)
        if self.relevel:
            beats_s = choose_beat_level(audio=y, sample_rate_hz=fs, beats_s=beats_s)
        downbeats_s = (
            estimate_downbeats(audio=y, sample_rate_hz=fs, beats_s=beats_s)
            if self.downbeats
            else np.zeros(0)
        )
        tempo_bpm, stability_pct = tempo_and_stability(beats_s)
        usable, reason = judge_usable(
            n_beats=beats_s.size,
            tempo_bpm=tempo_bpm,
            stability_pct=stability_pct,
            confidence=confidence,
            min_confidence=self.min_confidence,
            max_stability_pct=self.max_stability_pct,
        )
        self.beat_track_ = BeatTrack(
            beats_s=beats_s,
            tempo_bpm=tempo_bpm,
            tempo_stability_pct=stability_pct,
            confidence=confidence,
            usable=usable,
            reason=reason,
            tracker=name + self._postprocess_tag(),
            downbeats_s=downbeats_s,
        )
        return self

    def _postprocess_tag(self) -> str:
        steps = [n for n, on in (("snap", self.snap), ("level", self.relevel)) if on]
        steps += ["bars"] if self.downbeats else []
        return f", ras {'+'.join(steps)} v{POSTPROCESS_VERSION}" if steps else ""


def track_beats(
    *, audio: np.ndarray, sample_rate_hz: float, method: str = DEFAULT_METHOD
) -> BeatTrack:
    """Track a song's beats with ``method`` (see :class:`BeatTracker`)."""
    return BeatTracker(method).track(audio=audio, sample_rate_hz=sample_rate_hz).beat_track_


def as_mono(audio: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """Check a song's samples and mix them to mono float32.

    ``audio`` is ``(n,)`` or ``(n, channels)`` as soundfile reads it (``(channels, n)`` with
    at most 8 channels is also taken). Raises :class:`UserInputError` for an empty, non-finite,
    silent or too short song, or a bad sample rate.
    """
    if not (np.isfinite(sample_rate_hz) and 8000 <= sample_rate_hz <= 384000):
        raise UserInputError(f"sample rate {sample_rate_hz} Hz is outside 8000–384000 Hz")
    x = np.asarray(audio)
    if x.size == 0:
        raise UserInputError("the song has no samples")
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise UserInputError(f"the song's samples are {x.dtype}, not real numbers")
    if x.ndim == 2 and x.shape[0] <= 8 < x.shape[1]:
        x = x.T
    if x.ndim == 2:
        x = x.mean(axis=1)
    elif x.ndim != 1:
        raise UserInputError(
            f"the song has {x.ndim} dimensions: give (samples,) or (samples, channels)"
        )
    x = x.astype(np.float32, copy=False)
    if not np.isfinite(np.sum(x, dtype=np.float64)):
        raise UserInputError("the song has samples that are not numbers (NaN or infinite)")
    duration_s = x.size / sample_rate_hz
    if duration_s < MIN_DURATION_S:
        raise UserInputError(
            f"the song is {duration_s:.1f} s long: "
            f"beat tracking needs at least {MIN_DURATION_S:g} s"
        )
    if not np.any(x):
        raise UserInputError("the song is silent: there is no beat to track")
    return x


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def _track_librosa(y: np.ndarray) -> tuple[np.ndarray, float, str]:
    """librosa's dynamic-programming tracker on ``y`` at :data:`ANALYSIS_RATE_HZ`; confidence =
    pulse clarity at the beat interval."""
    import librosa

    envelope = librosa.onset.onset_strength(y=y, sr=ANALYSIS_RATE_HZ, hop_length=_HOP)
    _, frames = librosa.beat.beat_track(
        onset_envelope=envelope, sr=ANALYSIS_RATE_HZ, hop_length=_HOP, trim=True
    )
    beats_s = librosa.frames_to_time(frames, sr=ANALYSIS_RATE_HZ, hop_length=_HOP)
    beats_s = np.asarray(beats_s, dtype=float)
    confidence = 0.0
    if beats_s.size >= 3:
        lag_frames = float(np.median(np.diff(frames)))
        confidence = pulse_clarity(envelope, lag_frames, ANALYSIS_RATE_HZ / _HOP)
    return beats_s, confidence, f"librosa {_version('librosa')} beat_track"


def essentia_standard() -> ModuleType:
    """``essentia.standard``, its INFO log off (it says on import that no classifier models are
    configured, on stderr, where a command's output must stay clean). ImportError without it."""
    import essentia

    essentia.log.infoActive = False
    import essentia.standard

    return essentia.standard


def _track_essentia(mono: np.ndarray, sample_rate_hz: float) -> tuple[np.ndarray, float, str]:
    """essentia's multifeature tracker; confidence = its own / 5.32."""
    import librosa

    es = essentia_standard()

    y = mono
    if sample_rate_hz != _ESSENTIA_RATE_HZ:
        y = librosa.resample(mono, orig_sr=sample_rate_hz, target_sr=_ESSENTIA_RATE_HZ)
    extractor = es.RhythmExtractor2013(method="multifeature")
    _, ticks, confidence, _, _ = extractor(np.ascontiguousarray(y, dtype=np.float32))
    beats_s = np.asarray(ticks, dtype=float)
    confidence_01 = float(np.clip(confidence / _ESSENTIA_MAX_CONFIDENCE, 0.0, 1.0))
    return (
        beats_s,
        confidence_01,
        f"essentia {_version('essentia')} RhythmExtractor2013 multifeature",
    )
