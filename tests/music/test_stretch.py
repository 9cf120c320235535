"""Time-stretch arithmetic (ras/music/stretch.py) on a short synthetic song with known beats."""

from __future__ import annotations

import numpy as np
import pytest

from ras.errors import UserInputError
from ras.music import stretch
from ras.music.synth import synth_song

FS = 48000


@pytest.fixture(scope="module")
def song():
    return synth_song("steady", tempo_bpm=100.0, duration_s=4.0, sample_rate_hz=FS)


def _segment(song, k: int, length_ratio: float, name: str = "rubberband", lead: int = 240):
    b = song.beats_s * FS
    out_len = round((b[k + 1] - b[k]) * length_ratio)
    seg = stretch.render_segment(
        song.audio,
        song_from_smp=b[k],
        song_to_smp=b[k + 1],
        out_len=out_len,
        lead_len=lead,
        sample_rate_hz=FS,
        stretcher=stretch.STRETCHERS[name],
    )
    return seg, out_len


@pytest.mark.parametrize("length_ratio", [1 / 1.1, 1.0, 1 / 0.9])
def test_segment_has_its_length_and_the_beat_on_its_first_sample(song, length_ratio):
    b = np.round(song.beats_s * FS)
    seg, out_len = _segment(song, 2, length_ratio)
    assert seg.shape == (240 + out_len,)
    assert seg.dtype == np.float32
    # the detector's own offset on the song itself is the reference: the rendering must match it
    ref = stretch.hit_onsets_smp(song.audio, b[2:3], FS)[0] - b[2]
    got = stretch.hit_onsets_smp(seg, np.array([240]), FS)[0] - 240
    assert got == ref


@pytest.mark.parametrize("name", ["rubberband", "phase_vocoder"])
def test_stretchers_that_keep_pitch_keep_the_bass_fundamental(song, name):
    src = song.audio[: FS * 2]
    before_hz = stretch.dominant_hz(src, FS)
    after = stretch.STRETCHERS[name](src, 1 / 0.9, FS)
    assert after.size == pytest.approx(src.size / 0.9, abs=512)
    assert stretch.dominant_hz(after, FS) == pytest.approx(before_hz, rel=0.01)


def test_naive_resampling_moves_the_pitch_with_the_tempo(song):
    src = song.audio[: FS * 2]
    after = stretch.stretch_resample(src, 1 / 0.9, FS)
    assert after.size == round(src.size / 0.9)
    assert stretch.dominant_hz(after, FS) == pytest.approx(
        0.9 * stretch.dominant_hz(src, FS), rel=0.01
    )


def test_off_beat_hits_follow_the_linear_time_map(song):
    # the hi-hat on the "and" (half way between beats) lands half way between the output beats;
    # the stretched body is placed by the stretcher, measured within 3 ms (benchmarks: p99)
    b = song.beats_s * FS
    seg, out_len = _segment(song, 2, 1 / 0.9, lead=0)
    mid_song = 0.5 * (b[2] + b[3])
    ref = stretch.hit_onsets_smp(song.audio, np.array([mid_song]), FS)[0] - mid_song
    mid_out = stretch.map_song_to_output(np.array([mid_song]), b[2:4], np.array([0.0, out_len]))
    got = stretch.hit_onsets_smp(seg, mid_out, FS)[0] - mid_out[0]
    assert abs(got - ref) <= 0.003 * FS


def test_segment_body_is_continuous_with_its_recorded_attack(song):
    # no step at the join of the recorded attack and the stretched body: the largest sample
    # difference there is no larger than the song's own largest one
    seg, _ = _segment(song, 1, 1 / 0.9, lead=0)
    at = round(stretch.ATTACK_S * FS)
    join = seg[at - 300 : at + 300]
    assert np.max(np.abs(np.diff(join))) <= np.max(np.abs(np.diff(song.audio)))


def test_time_map_is_linear_between_beats_and_at_the_end_ratios_beyond():
    song_b = np.array([100.0, 200.0, 400.0])
    out_b = np.array([1000.0, 1110.0, 1310.0])
    got = stretch.map_song_to_output(np.array([100.0, 150.0, 300.0, 500.0, 50.0]), song_b, out_b)
    assert got.tolist() == pytest.approx([1000.0, 1055.0, 1210.0, 1410.0, 945.0])


def test_crossfade_gains_sum_to_one():
    w = stretch.crossfade_in(240)
    assert w.shape == (240,)
    assert w[0] < 0.001
    assert w[-1] > 0.999
    assert np.all(np.diff(w) > 0)
    assert np.allclose(w + (1 - w), 1.0)
    assert np.allclose(w + w[::-1], 1.0)


@pytest.mark.parametrize(
    ("native_bpm", "target_bpm", "multiple", "pct"),
    [
        (100.0, 100.0, 1.0, 0.0),
        (100.0, 110.0, 1.0, 10.0),
        (100.0, 90.0, 1.0, -10.0),
        (60.0, 120.0, 2.0, 0.0),
        (200.0, 95.0, 0.5, -5.0),
        (55.0, 105.0, 2.0, 100 * (105 / 110 - 1)),
    ],
)
def test_tempo_multiple_and_stretch_pct(native_bpm, target_bpm, multiple, pct):
    assert stretch.tempo_multiple(native_bpm, target_bpm) == multiple
    assert stretch.stretch_pct(native_bpm, target_bpm) == pytest.approx(pct)
    assert stretch.stretch_ratio_ok(native_bpm, target_bpm)
    assert stretch.check_stretch(native_bpm, target_bpm) == multiple


@pytest.mark.parametrize(
    ("native_bpm", "target_bpm"), [(100.0, 111.0), (100.0, 89.0), (80.0, 120.0)]
)
def test_beyond_ten_percent_is_refused_in_one_line(native_bpm, target_bpm):
    assert not stretch.stretch_ratio_ok(native_bpm, target_bpm)
    with pytest.raises(UserInputError) as err:
        stretch.check_stretch(native_bpm, target_bpm)
    message = str(err.value)
    assert "\n" not in message
    assert f"{target_bpm:.0f} bpm" in message
    assert "±10 %" in message


def test_bad_tempo_is_refused_in_one_line():
    with pytest.raises(UserInputError, match="not a positive number"):
        stretch.tempo_multiple(0.0, 100.0)


def test_cue_grid_for_half_native_and_double():
    beats = np.arange(8) * 0.5 + 1.0
    assert stretch.cue_grid_s(beats, 1.0).tolist() == beats.tolist()
    assert stretch.cue_grid_s(beats, 2.0).tolist() == pytest.approx(np.arange(15) * 0.25 + 1.0)
    assert stretch.cue_grid_s(beats, 0.5).tolist() == beats[0::2].tolist()
    # the half holding the downbeats
    assert stretch.cue_grid_s(beats, 0.5, downbeats_s=beats[1::4]).tolist() == beats[1::2].tolist()
