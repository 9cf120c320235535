"""Song choice by the iso-principle: plain functions on song records."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ras.music.choice import choose_songs, common_multiple, explain, multiple_name
from ras.store.songs import SongRecord


def song(title: str, tempo_bpm: float) -> SongRecord:
    return SongRecord(
        sha256=title.encode().hex().ljust(64, "0")[:64],
        extension="wav",
        title=title,
        artist="",
        duration_s=120.0,
        sample_rate_hz=48000,
        channels=1,
        tempo_bpm=tempo_bpm,
        tempo_stability_pct=1.0,
        beat_confidence=0.5,
        usable=True,
        reason="",
        tracker="test",
        loudness_lufs=-23.0,
        peak_dbfs=-6.0,
        beats_s=np.arange(0.5, 100.0, 60.0 / tempo_bpm),
        downbeats_s=np.zeros(0),
        analysed_utc="2026-01-01T00:00:00Z",
        analysis_s=0.1,
    )


def test_the_brief_s_example_line():
    assert explain("Vibe Ace", 130.0, 68.0, 0.5) == (
        "Vibe Ace: 130 bpm, half 65 — 5 % from the baseline 68 steps/min"
    )
    assert explain("Walk", 100.0, 98.0, 1.0) == "Walk: 100 bpm — 2 % from the baseline 98 steps/min"
    assert (multiple_name(0.5), multiple_name(1.0), multiple_name(2.0)) == ("half", "", "double")


def test_common_multiple_covers_every_tempo_or_none():
    assert common_multiple(100.0, [95.0, 105.0]) == 1.0
    assert common_multiple(130.0, [68.0]) == 0.5
    assert common_multiple(55.0, [108.0]) == 2.0
    assert common_multiple(100.0, [92.0, 115.0]) is None  # +15 % at the end
    assert common_multiple(100.0, [80.0]) is None


def test_fixed_tempo_orders_by_distance_from_the_baseline_and_leaves_out_what_does_not_fit():
    songs = [song("Far", 80.0), song("Near", 101.0), song("Half", 205.0), song("Out", 130.0)]
    chosen = choose_songs(songs, baseline_spm=100.0)
    assert [c.song.title for c in chosen] == [
        "Near",
        "Half",
    ]  # Far (-20 %) and Out (+30 %) left out
    assert [c.multiple for c in chosen] == [1.0, 0.5]
    assert chosen[0].fits == "ramp"
    assert chosen[0].start_stretch_pct == pytest.approx(100 * (100 / 101 - 1))
    assert chosen[1].why == "Half: 205 bpm, half 102 — 2 % from the baseline 100 steps/min"


def test_a_song_covering_the_ramp_comes_before_a_nearer_one_that_fits_its_start_only():
    songs = [song("Start only", 99.0), song("Whole ramp", 104.0), song("End", 118.0)]
    chosen = choose_songs(songs, baseline_spm=100.0, target_bpm=112.0)
    assert [(c.song.title, c.fits) for c in chosen] == [
        ("Whole ramp", "ramp"),
        ("Start only", "start"),
        ("End", "target"),
    ]
    assert chosen[0].why.endswith("; covers the ramp to 112")
    assert chosen[1].why.endswith("; another song takes the ramp on to 112")
    assert chosen[2].why.endswith("; for the ramp's end at 112")


def test_no_song_fits_gives_an_empty_choice():
    assert choose_songs([song("Slow", 60.0)], baseline_spm=90.0) == []
    assert choose_songs([], baseline_spm=90.0) == []


def test_a_song_the_trackers_disagree_on_comes_after_every_other_that_fits():
    disputed = dataclasses.replace(song("Disputed", 100.0), trackers_agree=False)
    unchecked = song("Unchecked", 104.0)  # no second opinion made: not held against it
    agreed = dataclasses.replace(song("Agreed", 107.0), trackers_agree=True)
    chosen = choose_songs([disputed, agreed, unchecked], baseline_spm=100.0)
    assert [c.song.title for c in chosen] == ["Unchecked", "Agreed", "Disputed"]
    assert chosen[-1].why.endswith("; last: the beat trackers disagree on its beat")
    alone = choose_songs([disputed], baseline_spm=100.0)  # still chosen when nothing else fits
    assert [c.song.title for c in alone] == ["Disputed"]
