"""The second opinion's arithmetic: tempi related by 1, 1/2 or 2; beats compared at one level;
the verdict and the line the therapist reads."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from ras.music.second_opinion import (
    agreement_f,
    beat_f_measure,
    compare,
    opinion_line,
    second_opinion,
    tempo_related,
)
from ras.music.synth import synth_song
from ras.music.track import BeatTrack


def _grid(tempo_bpm: float, n: int = 60, first_s: float = 0.5) -> np.ndarray:
    return first_s + 60.0 / tempo_bpm * np.arange(n)


def _track(beats_s: np.ndarray, tracker: str = "librosa 0.11.0 beat_track") -> BeatTrack:
    tempo_bpm = 60.0 / float(np.median(np.diff(beats_s)))
    return BeatTrack(beats_s, tempo_bpm, 1.0, 0.8, True, "", tracker)


@pytest.mark.parametrize(
    ("a_bpm", "b_bpm", "related"),
    [(117.5, 117.5, True), (100, 103.9, True), (100, 104.1, False), (100, 50.5, True),
     (100, 198, True), (117.5, 88.9, False), (100, float("nan"), False), (0, 100, False)],
)  # fmt: skip
def test_tempi_are_related_within_four_percent_of_one_half_or_double(
    a_bpm: float, b_bpm: float, related: bool
) -> None:
    assert tempo_related(a_bpm, b_bpm) is related


def test_beat_f_measure_matches_each_beat_once_within_70_ms() -> None:
    beats_s = _grid(100)
    assert beat_f_measure(beats_s, beats_s + 0.06) == 1.0
    assert beat_f_measure(beats_s, beats_s + 0.08) == 0.0
    assert beat_f_measure(beats_s, beats_s[::2]) == pytest.approx(2 * 30 / 90)
    assert beat_f_measure(beats_s, np.zeros(0)) == 0.0


def test_beats_at_twice_the_rate_are_compared_at_one_level() -> None:
    beats_s = _grid(90)
    doubled_s = _grid(180, n=120)
    assert agreement_f(beats_s, doubled_s) == pytest.approx(1.0)
    assert agreement_f(doubled_s, beats_s) == pytest.approx(1.0)
    assert agreement_f(beats_s, _grid(120)) < 0.5


def test_a_third_off_is_a_disagreement_and_a_half_is_not() -> None:
    ours = _track(_grid(117.5))
    third_off = compare(ours, _track(_grid(88.9), "essentia 2.1"))
    assert (third_off.tracker, third_off.agree) == ("essentia", False)
    assert third_off.tempo_bpm == pytest.approx(88.9)
    assert third_off.agreement < 0.8
    halved = compare(ours, _track(_grid(117.5)[::2]))
    assert halved.agree is True
    off_phase = compare(ours, _track(_grid(117.5) + 0.25))  # same tempo, on the off-beats
    assert off_phase.agree is False


def test_the_line_the_therapist_reads() -> None:
    said = opinion_line("librosa 0.11.0 beat_track, ras v2", 117.5, "essentia", 88.9, False)
    assert said == (
        "trackers disagree: librosa 117.5 bpm, essentia 88.9 bpm — listen before cueing with it"
    )
    assert opinion_line("librosa", 117.5, "essentia", 117.3, True) == (
        "second opinion: essentia agrees (117.3 bpm)"
    )
    assert opinion_line("librosa", 117.5, "", float("nan"), None).startswith(
        "second opinion not available"
    )
    assert "essentia no beat" in opinion_line("librosa", 100, "essentia", float("nan"), False)


def test_without_essentia_no_opinion_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "essentia", None)  # import essentia now fails
    song = synth_song("steady", tempo_bpm=100, duration_s=10)
    opinion = second_opinion(
        audio=song.audio, sample_rate_hz=song.sample_rate_hz, primary=_track(song.beats_s)
    )
    assert (opinion.tracker, opinion.agree) == ("", None)
    assert np.isnan(opinion.tempo_bpm)
    assert np.isnan(opinion.agreement)
