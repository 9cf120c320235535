"""Which of the patient's songs a session plays, by the iso-principle.

Start where the patient is: the songs whose native tempo, or its half or double, is nearest the
baseline cadence come first; for an iso-ramp, a song that can be stretched (within
:data:`~ras.music.stretch.MAX_STRETCH_PCT`) over the whole ramp, from the baseline to the
target, is preferred to one that fits the start only (that one plays first, and a song that
fits the target takes over later). A song whose beat two trackers disagree on comes after all
the others (chosen by the session itself only when nothing else fits; the therapist may still
name it). Plain functions; each choice is explained in one line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ras.music import stretch
from ras.store.songs import SongRecord

__all__ = ["SongChoice", "choose_songs", "common_multiple", "explain", "multiple_name"]

#: How a song fits the session, best first.
FITS = ("ramp", "start", "target")


@dataclass(frozen=True)
class SongChoice:
    """One song as the session would play it.

    Attributes
    ----------
    song : SongRecord
    multiple : float
        Cue beats per song beat (0.5, 1 or 2; :func:`ras.music.stretch.tempo_multiple`).
    start_stretch_pct : float
        Stretch at the baseline cadence, % (+: played faster).
    fits : str
        ``ramp`` (the whole ramp within the limit), ``start`` (the baseline only) or ``target``
        (the ramp's target only: a song for later).
    why : str
        One line for the therapist.
    """

    song: SongRecord
    multiple: float
    start_stretch_pct: float
    fits: str
    why: str


def multiple_name(multiple: float) -> str:
    """``half``, ``double`` or ``""`` (its own tempo) for a multiple of cue beats per song beat."""
    return {0.5: "half", 2.0: "double"}.get(float(multiple), "")


def common_multiple(
    native_bpm: float, tempi_bpm: Sequence[float], max_pct: float = stretch.MAX_STRETCH_PCT
) -> float | None:
    """The multiple (0.5, 1, 2) at which a song at ``native_bpm`` can play at every tempo in
    ``tempi_bpm`` within ``max_pct`` %, the one nearest the first tempo; None if there is none."""
    ok = [
        m
        for m in stretch.MULTIPLES
        if all(abs(100.0 * (t / (native_bpm * m) - 1.0)) <= max_pct + 1e-9 for t in tempi_bpm)
    ]
    if not ok:
        return None
    return min(ok, key=lambda m: abs(math.log(tempi_bpm[0] / (native_bpm * m))))


def explain(title: str, native_bpm: float, cadence_spm: float, multiple: float) -> str:
    """``"Vibe Ace: 130 bpm, half 65 — 4 % from the baseline 68 steps/min"``."""
    played_bpm = native_bpm * multiple
    name = multiple_name(multiple)
    at = f", {name} {played_bpm:.0f}" if name else ""
    pct = abs(100.0 * (cadence_spm / played_bpm - 1.0))
    baseline = f"the baseline {cadence_spm:.0f} steps/min"
    return f"{title}: {native_bpm:.0f} bpm{at} — {pct:.0f} % from {baseline}"


def choose_songs(
    songs: Sequence[SongRecord],
    *,
    baseline_spm: float,
    target_bpm: float | None = None,
    max_pct: float = stretch.MAX_STRETCH_PCT,
) -> list[SongChoice]:
    """The songs to play, in order, by the iso-principle.

    Parameters
    ----------
    songs : sequence of SongRecord
        The songs on offer (usable, not to avoid).
    baseline_spm : float
        The baseline cadence, steps/min: the cue's first tempo.
    target_bpm : float, optional
        The iso-ramp's target, bpm (None: a fixed tempo).
    max_pct : float
        The stretch limit, %.

    Returns
    -------
    list of SongChoice
        Those that cover the ramp (or the fixed tempo), nearest the baseline first; then, for a
        ramp none covers, those that fit its start, then those that fit its target; songs the
        beat trackers disagree on after all of these, in the same order. Songs that fit
        neither are left out.
    """
    out: list[tuple[int, float, str, SongChoice]] = []
    for song in songs:
        native = float(song.tempo_bpm)
        if not (math.isfinite(native) and native > 0):
            continue
        ramp = [baseline_spm] if target_bpm is None else [baseline_spm, target_bpm]
        whole = common_multiple(native, ramp, max_pct)
        start = common_multiple(native, [baseline_spm], max_pct)
        later = None if target_bpm is None else common_multiple(native, [target_bpm], max_pct)
        if whole is not None:
            fits, m = "ramp", whole
        elif start is not None:
            fits, m = "start", start
        elif later is not None:
            fits, m = "target", later
        else:
            continue
        why = explain(song.title, native, baseline_spm, m)
        if target_bpm is not None:
            why += {
                "ramp": f"; covers the ramp to {target_bpm:.0f}",
                "start": f"; another song takes the ramp on to {target_bpm:.0f}",
                "target": f"; for the ramp's end at {target_bpm:.0f}",
            }[fits]
        disputed = song.trackers_agree is False
        if disputed:
            why += "; last: the beat trackers disagree on its beat"
        pct = 100.0 * (baseline_spm / (native * m) - 1.0)
        first_bpm = target_bpm if fits == "target" and target_bpm is not None else baseline_spm
        distance = abs(math.log(first_bpm / (native * m)))
        choice = SongChoice(song, m, pct, fits, why)
        out.append((disputed, FITS.index(fits), distance, song.title, choice))
    return [choice for *_, choice in sorted(out, key=lambda row: row[:4])]
