"""analysis.peaks gives scipy.signal.find_peaks' peaks and prominences (distance, prominence)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import find_peaks as scipy_find_peaks

from analysis.peaks import find_peaks, local_maxima


def _signals() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(15)
    t = np.arange(3000) / 100.0
    smooth = np.convolve(rng.normal(size=3100), np.ones(25) / 25, mode="same")[:3000]
    return {
        "noise": rng.normal(size=2000),
        "smooth noise": smooth,
        "rounded (plateaus and ties)": np.round(smooth * 4) / 4,
        "integers 0-3 (many plateaus)": rng.integers(0, 4, size=1500).astype(float),
        "equal sine peaks": np.sin(2 * np.pi * 1.1 * t),
        "walk-like humps": np.abs(np.sin(np.pi * t)) ** 3 * (1 + 0.3 * np.sin(0.2 * t))
        + 0.05 * rng.normal(size=t.size),
        "rising then flat": np.concatenate([np.arange(50.0), np.full(30, 49.0), [10.0, 60.0]]),
    }


@pytest.mark.parametrize("name", list(_signals()))
@pytest.mark.parametrize(
    ("prominence", "distance"), [(None, None), (0.0, None), (0.5, None), (None, 7), (0.3, 50.5)]
)
def test_same_peaks_and_prominences_as_scipy(name: str, prominence, distance) -> None:  # type: ignore[no-untyped-def]
    x = _signals()[name]
    want, want_props = scipy_find_peaks(x, prominence=prominence, distance=distance)
    got, props = find_peaks(x, prominence=prominence, distance=distance)
    np.testing.assert_array_equal(got, want)
    if prominence is not None:
        np.testing.assert_allclose(props["prominences"], want_props["prominences"], rtol=0, atol=0)


def test_a_flat_top_is_one_peak_at_its_middle() -> None:
    x = np.array([0.0, 1.0, 2.0, 2.0, 2.0, 2.0, 1.0, 3.0, 3.0])
    np.testing.assert_array_equal(local_maxima(x), [3])
    np.testing.assert_array_equal(local_maxima(np.array([1.0, 1.0])), np.empty(0))
