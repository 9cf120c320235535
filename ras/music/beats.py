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

**Usable for cueing** when all hold, else ``usable=False`` with the first failing reason:
at least :data:`MIN_BEATS` beats; tempo stability (CV of the inter-beat intervals) at most
:data:`MAX_STABILITY_PCT`; confidence at least :data:`MIN_CONFIDENCE`; and the tempo, its half or
its double within :data:`WALK_RANGE_SPM` steps/min.
"""

from __future__ import annotations

from importlib import metadata

import numpy as np

from ras.errors import UserInputError
from ras.music.track import BeatTrack

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
#: Fewer tracked beats than this: no beat to cue with.
MIN_BEATS = 8
#: Lowest confidence (0–1) a song is cued with: essentia's "very low" below 1 of 5.32; for
#: librosa's pulse clarity, between the beatless songs (at most 0.09: synthetic pads and the
#: Hungarian Dance) and the steady real songs (0.31 and over) of benchmarks/beat_tracking.py.
MIN_CONFIDENCE = 0.2
#: Largest coefficient of variation of the inter-beat intervals a song is cued with, %.
MAX_STABILITY_PCT = 8.0
#: Cadences a walk can follow, steps/min (the tempo, its half or its double must be inside).
WALK_RANGE_SPM = (40.0, 200.0)

#: A tracker's steady lag is looked for this far from its beats, s.
SNAP_LAG_WINDOW_S = 0.06
#: A beat, its tracker's lag taken off, is moved onto the sharpest attack this close to it, s.
SNAP_WINDOW_S = 0.02
#: An attack: the power of the 2 ms after a point this much above the 10 ms before it, dB.
SNAP_MIN_RISE_DB = 6.0

#: A beat level other than the tracker's needs this backbeat score (0–1) ...
RELEVEL_MIN_SCORE = 0.6
#: ... and this much more than the tracker's level.
RELEVEL_MARGIN = 0.15

#: Bar starts are given only when their beats stand out by this much (SDs of the beat score).
DOWNBEAT_MIN_CONTRAST = 1.5

#: The kick's band and the snare's band (low edge 0: low-pass), Hz.
KICK_BAND_HZ = (0.0, 150.0)
SNARE_BAND_HZ = (1000.0, 5000.0)

_SNAP_STEP_S = 0.0005
_SNAP_BEFORE_S = 0.010
_SNAP_AFTER_S = 0.002
#: librosa's tracker and everything after the trackers (snap, level, bars) run at this rate, Hz.
ANALYSIS_RATE_HZ = 22050
#: Version of what ras does after the tracker (snap, level, bars), named in ``BeatTrack.tracker``
#: so songs analysed before a change can be found and analysed again.
POSTPROCESS_VERSION = 1

_ESSENTIA_RATE_HZ = 44100
_CHROMA_RATE_HZ = 11025
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


def attack_strength_db(audio: np.ndarray, sample_rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """How sharply the sound rises at each point: times, s, and rise, dB.

    The rise at ``t`` is the mean power in the 2 ms after ``t`` over the mean power in the 10 ms
    before it, in 0.5 ms steps; the short window after puts its peak on an attack's first
    milliseconds rather than anywhere in the 10 ms before it.
    """
    step = max(1, round(_SNAP_STEP_S * sample_rate_hz))
    n_blocks = audio.size // step
    blocks = audio[: n_blocks * step].reshape(n_blocks, step)
    cum = np.concatenate(
        ([0.0], np.cumsum(np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64)))
    )
    n_before = max(1, round(_SNAP_BEFORE_S * sample_rate_hz / step))
    n_after = max(1, round(_SNAP_AFTER_S * sample_rate_hz / step))
    k = np.arange(n_before, n_blocks - n_after + 1)
    after = (cum[k + n_after] - cum[k]) / n_after
    before = (cum[k] - cum[k - n_before]) / n_before
    floor = 1e-10 * max(float(cum[-1]) / max(n_blocks, 1), 1e-20)
    return k * step / sample_rate_hz, 10 * np.log10((after + floor) / (before + floor))


def _sharpest_attack(
    times_s: np.ndarray, rise_db: np.ndarray, beats_s: np.ndarray, window_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """For each beat, the time of the sharpest rise within ``window_s``, s, and that rise, dB."""
    block_s = float(times_s[1] - times_s[0])
    reach = round(window_s / block_s)
    centre = np.searchsorted(times_s, beats_s)
    idx = np.clip(centre[:, None] + np.arange(-reach, reach + 1)[None, :], 0, times_s.size - 1)
    best = idx[np.arange(beats_s.size), np.argmax(rise_db[idx], axis=1)]
    return times_s[best], rise_db[best]


def snap_to_onsets(
    *,
    audio: np.ndarray,
    sample_rate_hz: float,
    beats_s: np.ndarray,
    lag_window_s: float = SNAP_LAG_WINDOW_S,
    window_s: float = SNAP_WINDOW_S,
    min_rise_db: float = SNAP_MIN_RISE_DB,
) -> np.ndarray:
    """Move tracked beats onto the attacks they stand for, s.

    Two steps. The tracker's steady lag: the median distance from each beat to the sharpest
    attack (:func:`attack_strength_db` at least ``min_rise_db``) within ``lag_window_s``; every
    beat moves by it. Then each beat moves onto the sharpest attack within ``window_s`` of
    where it now is, if there is one: a fine correction of the trackers' 11.6–23 ms frame grid
    that cannot jump to a neighbouring off-beat note (swung eighths are 100 ms and more away).

    Parameters
    ----------
    audio : numpy.ndarray
        Mono samples.
    sample_rate_hz : float
        Sample rate, Hz.
    beats_s : numpy.ndarray
        Tracked beats, s.
    lag_window_s : float
        How far the tracker's steady lag is looked for, s.
    window_s : float
        How far a beat may then move on its own, s.
    min_rise_db : float
        Smallest rise that counts as an attack, dB.

    Returns
    -------
    numpy.ndarray
        The beats, s, increasing.
    """
    if beats_s.size == 0:
        return beats_s
    times_s, rise_db = attack_strength_db(audio, sample_rate_hz)
    if times_s.size < 2:
        return beats_s
    at_s, strength_db = _sharpest_attack(times_s, rise_db, beats_s, lag_window_s)
    found = strength_db >= min_rise_db
    lag_s = float(np.median(at_s[found] - beats_s[found])) if np.any(found) else 0.0
    shifted_s = beats_s + lag_s
    at_s, strength_db = _sharpest_attack(times_s, rise_db, shifted_s, window_s)
    out = np.where(strength_db >= min_rise_db, at_s, shifted_s)
    out = np.maximum.accumulate(out)
    keep = np.concatenate(([True], np.diff(out) > window_s))
    return out[keep]


def backbeat_score(kick: np.ndarray, snare: np.ndarray) -> float:
    """How clearly kick and snare take turns beat by beat, 0–1 (1: kick, snare, kick, snare).

    ``kick`` and ``snare`` are the attack strengths of the low and the snare band at each beat;
    each is scaled by its mean, and the score is ``|sum((-1)**i * d_i)| / sum(|d_i|)`` of their
    difference ``d``.
    """
    d = snare / (snare.mean() + 1e-9) - kick / (kick.mean() + 1e-9)
    total = float(np.sum(np.abs(d)))
    if d.size < MIN_BEATS or total <= 1e-6 * d.size:
        return 0.0
    return abs(float(np.sum((-1.0) ** np.arange(d.size) * d))) / total


def choose_beat_level(
    *, audio: np.ndarray, sample_rate_hz: float, beats_s: np.ndarray
) -> np.ndarray:
    """The tracked beats, halved or doubled where the drums say the beat is at the other level.

    Trackers often pick twice or half the beat (kick on the off-beats read as eighth-note beats;
    a fast song read at half speed). Where a song has drums, the beat is where kick and snare
    take turns (Goto 2001): the backbeat. Each of the tracked beats, every other one (two
    phases), and the tracked beats with their midpoints is scored with :func:`backbeat_score`;
    another level replaces the tracked one only when its score is at least
    :data:`RELEVEL_MIN_SCORE` and :data:`RELEVEL_MARGIN` above the tracked one's, and its tempo
    stays within 40–200 bpm. A song without clear drums keeps the tracker's level.
    """
    if beats_s.size < 2 * MIN_BEATS:
        return beats_s

    tempo_bpm = 60.0 / float(np.median(np.diff(beats_s)))
    candidates = {"as tracked": beats_s}
    if tempo_bpm / 2 >= WALK_RANGE_SPM[0]:
        candidates["half, even"] = beats_s[0::2]
        candidates["half, odd"] = beats_s[1::2]
    if tempo_bpm * 2 <= WALK_RANGE_SPM[1]:
        mids_s = (beats_s[:-1] + beats_s[1:]) / 2
        candidates["double"] = np.sort(np.concatenate((beats_s, mids_s)))
    rises = {
        name: attack_strength_db(band_pass(audio, sample_rate_hz, band_hz), sample_rate_hz)
        for name, band_hz in (("kick", KICK_BAND_HZ), ("snare", SNARE_BAND_HZ))
    }
    scores = {}
    for name, seq_s in candidates.items():
        kick = _rise_at(*rises["kick"], seq_s)
        snare = _rise_at(*rises["snare"], seq_s)
        scores[name] = backbeat_score(kick, snare)
    best = max(scores, key=scores.get)
    if (
        best != "as tracked"
        and scores[best] >= RELEVEL_MIN_SCORE
        and scores[best] >= scores["as tracked"] + RELEVEL_MARGIN
    ):
        return candidates[best]
    return beats_s


def estimate_downbeats(
    *, audio: np.ndarray, sample_rate_hz: float, beats_s: np.ndarray
) -> np.ndarray:
    """Bar starts among the beats, s, where the song marks them clearly; else empty.

    Each beat is scored by how much the harmony changes on it (cosine distance between the
    median chroma of the beat and of the beat before) plus half the kick-band attack on it,
    both as z-scores. For bars of 3 and of 4 beats and every phase, the contrast is the mean
    score of the beats at that phase minus that of the others; the best bar and phase are taken
    when their contrast is at least :data:`DOWNBEAT_MIN_CONTRAST`. One phase for the whole song:
    a missed or extra beat shifts every bar after it, so a song whose bars do not line up gives
    a low contrast and no downbeats.
    """
    if beats_s.size < 2 * MIN_BEATS:
        return np.zeros(0)
    import librosa

    # chords are below 5 kHz: chroma at 11,025 Hz, tuning taken as A440 (its estimate from
    # every spectral peak of the song cost more memory than the rest of the analysis)
    y = librosa.resample(audio, orig_sr=sample_rate_hz, target_sr=_CHROMA_RATE_HZ)
    hop = _HOP // 2
    chroma = librosa.feature.chroma_stft(
        y=y, sr=_CHROMA_RATE_HZ, hop_length=hop, n_fft=1024, tuning=0.0
    )
    del y
    frames = librosa.time_to_frames(beats_s, sr=_CHROMA_RATE_HZ, hop_length=hop)
    per_beat = librosa.util.sync(chroma, frames, aggregate=np.median)[:, 1 : 1 + beats_s.size]
    unit = per_beat / (np.linalg.norm(per_beat, axis=0, keepdims=True) + 1e-9)
    change = np.concatenate(([0.0], 1.0 - np.sum(unit[:, 1:] * unit[:, :-1], axis=0)))
    low = band_pass(audio, sample_rate_hz, KICK_BAND_HZ)
    kick = _rise_at(*attack_strength_db(low, sample_rate_hz), beats_s)
    score = _z(change[: beats_s.size]) + 0.5 * _z(kick)
    best = (-np.inf, 4, 0)
    for beats_per_bar in (3, 4):
        phase_of = np.arange(score.size) % beats_per_bar
        for phase in range(beats_per_bar):
            on = phase_of == phase
            contrast = float(score[on].mean() - score[~on].mean())
            best = max(best, (contrast, beats_per_bar, phase))
    contrast, beats_per_bar, phase = best
    if contrast < DOWNBEAT_MIN_CONTRAST:
        return np.zeros(0)
    return beats_s[phase::beats_per_bar].copy()


def _z(x: np.ndarray) -> np.ndarray:
    """``x`` as z-scores (zeros where it does not vary)."""
    sd = float(np.std(x))
    return (x - np.mean(x)) / sd if sd > 0 else np.zeros_like(x)


def band_pass(audio: np.ndarray, sample_rate_hz: float, band_hz: tuple[float, float]) -> np.ndarray:
    """``audio`` through a 4th-order Butterworth band (low edge 0: low-pass), float32.

    Filtered a few seconds at a time, the filter's state carried over, so a long song is never
    held in float64 whole.
    """
    from scipy import signal

    lo_hz, hi_hz = band_hz
    if lo_hz > 0:
        sos = signal.butter(4, (lo_hz, hi_hz), btype="bandpass", fs=sample_rate_hz, output="sos")
    else:
        sos = signal.butter(4, hi_hz, btype="lowpass", fs=sample_rate_hz, output="sos")
    out = np.empty(audio.size, np.float32)
    state = np.zeros((sos.shape[0], 2))
    chunk = 1 << 18
    for start in range(0, audio.size, chunk):
        out[start : start + chunk], state = signal.sosfilt(
            sos, audio[start : start + chunk], zi=state
        )
    return out


def _rise_at(times_s: np.ndarray, rise_db: np.ndarray, beats_s: np.ndarray) -> np.ndarray:
    """The largest rise within 15 ms of each beat, dB, 0 where the sound falls."""
    _, strength_db = _sharpest_attack(times_s, rise_db, beats_s, 0.015)
    return np.clip(strength_db, 0.0, None)


def tempo_and_stability(beats_s: np.ndarray) -> tuple[float, float]:
    """Tempo (60 / median inter-beat interval, bpm) and stability (CV of the intervals, %).

    Fewer than 3 beats: ``(nan, nan)``.
    """
    if beats_s.size < 3:
        return float("nan"), float("nan")
    ibis_s = np.diff(beats_s)
    tempo_bpm = 60.0 / float(np.median(ibis_s))
    stability_pct = 100.0 * float(np.std(ibis_s) / np.mean(ibis_s))
    return tempo_bpm, stability_pct


def pulse_clarity(onset_envelope: np.ndarray, lag_frames: float, frame_rate_hz: float) -> float:
    """How clearly an onset envelope repeats at the beat interval, 0–1.

    The envelope's normalised autocorrelation at ``lag_frames`` (interpolated) minus its median
    over every beat interval a walk can follow (:data:`WALK_RANGE_SPM`), clipped to 0–1: a
    beat stands out from the other intervals; a beatless song's best interval does not (its
    autocorrelation is about as high at any lag).
    """
    x = onset_envelope - np.mean(onset_envelope)
    energy = float(np.dot(x, x))
    if energy <= 0 or not np.isfinite(lag_frames) or lag_frames < 1 or lag_frames >= x.size - 2:
        return 0.0
    r = np.correlate(x, x, mode="full")[x.size - 1 :] / energy
    lo = int(np.floor(lag_frames))
    at_beat = float(np.interp(lag_frames, [lo, lo + 1], r[lo : lo + 2]))
    lags = np.arange(
        max(1, int(frame_rate_hz * 60 / WALK_RANGE_SPM[1])),
        min(x.size - 1, int(frame_rate_hz * 60 / WALK_RANGE_SPM[0]) + 1),
    )
    baseline = float(np.median(r[lags])) if lags.size else 0.0
    return float(np.clip(at_beat - baseline, 0.0, 1.0))


def judge_usable(
    *,
    n_beats: int,
    tempo_bpm: float,
    stability_pct: float,
    confidence: float,
    min_confidence: float = MIN_CONFIDENCE,
    max_stability_pct: float = MAX_STABILITY_PCT,
) -> tuple[bool, str]:
    """Whether a tracked song can cue walking, and why not in the therapist's words."""
    if n_beats < MIN_BEATS:
        return False, (
            f"no steady beat was found: only {n_beats} beats tracked "
            f"(at least {MIN_BEATS} are needed)"
        )
    if stability_pct > max_stability_pct:
        return False, (
            f"the beat is not steady enough to walk to: tempo varies {stability_pct:.0f} % "
            f"(at most {max_stability_pct:.0f} % can be cued)"
        )
    if confidence < min_confidence:
        return False, (
            f"the beat could not be found with confidence: confidence {confidence:.2f} "
            f"(at least {min_confidence:.2f} is needed)"
        )
    lo, hi = WALK_RANGE_SPM
    if not any(lo <= f * tempo_bpm <= hi for f in (1.0, 0.5, 2.0)):
        return False, (
            f"the tempo {tempo_bpm:.0f} bpm is outside what a walk can follow: it, its half or "
            f"its double must be within {lo:.0f}–{hi:.0f} steps/min"
        )
    return True, ""


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


def _track_essentia(mono: np.ndarray, sample_rate_hz: float) -> tuple[np.ndarray, float, str]:
    """essentia's multifeature tracker; confidence = its own / 5.32."""
    import essentia.standard as es
    import librosa

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
