"""Clock sync on synthetic data: known offset, drift and delay distributions."""

import numpy as np
import pytest

from ras.clocksync import (
    ClockSync,
    best_per_window,
    lower_envelope_line,
    robust_line_fit,
    round_trip_sample,
)

OFFSET_S = 12.345  # session time at device time 0
DRIFT_PPM = 100.0  # device clock runs fast


def device_us_at(t_s, drift_ppm=DRIFT_PPM, offset_s=OFFSET_S):
    """True device time (us, float) at session time ``t_s``."""
    return (np.asarray(t_s) - offset_s) * (1 + drift_ppm * 1e-6) * 1e6


def session_s_at(device_us, drift_ppm=DRIFT_PPM, offset_s=OFFSET_S):
    return offset_s + np.asarray(device_us) * 1e-6 / (1 + drift_ppm * 1e-6)


def simulate(
    sync,
    rng,
    *,
    duration_s=600.0,
    ping_interval_s=1.0,
    fwd_base_s=0.4e-3,
    back_base_s=0.9e-3,
    jitter_s=1.0e-3,
    outlier_p=0.05,
    drift_ppm=DRIFT_PPM,
    frames_per_ping=5,
):
    """Drive ``sync`` with round trips and arrivals; return live mapping errors (s) after sync."""
    errors = []
    t = OFFSET_S + 1.0
    while t < OFFSET_S + duration_s:
        # frames from the device: stamped at send, arrive after a jittery delay
        for k in range(frames_per_ping):
            ts = t + k * ping_interval_s / frames_per_ping
            delay = back_base_s + rng.exponential(jitter_s)
            sync.add_arrival(int(device_us_at(ts, drift_ppm)), ts + delay)
        d1 = fwd_base_s + rng.exponential(jitter_s)
        d2 = back_base_s + rng.exponential(jitter_s)
        if rng.random() < outlier_p:
            d2 += rng.uniform(5e-3, 50e-3)  # e.g. the host was busy
        hold_s = rng.uniform(20e-6, 300e-6)
        t2 = int(device_us_at(t + d1, drift_ppm))
        t3 = int(device_us_at(t + d1 + hold_s, drift_ppm))
        sync.add_round_trip(t, t2, t3, t + d1 + hold_s + d2)
        if sync.is_synced:
            now = t + d1 + hold_s + d2
            errors.append(sync.to_session_s(int(device_us_at(now, drift_ppm))) - now)
        t += ping_interval_s
    return np.array(errors)


def test_round_trip_sample_is_exact_for_symmetric_delays():
    # device = session * 1e6 exactly; 1 ms each way, 0.2 ms hold
    t1 = 10.0
    t2 = round((t1 + 1e-3) * 1e6)
    t3 = t2 + 200
    t4 = t3 * 1e-6 + 1e-3
    dev_mid, ses_mid, rtt = round_trip_sample(t1, t2, t3, t4)
    assert ses_mid - dev_mid * 1e-6 == pytest.approx(0.0, abs=1e-9)
    assert rtt == pytest.approx(2e-3, abs=1e-9)


def test_best_per_window_keeps_the_fastest_of_each_window():
    dev = np.array([0, 1, 2, 10, 11, 12, 13], dtype=float)
    rtt = np.array([5, 1, 3, 9, 2, 8, 1], dtype=float)
    assert best_per_window(dev, rtt, window_us=10, keep=1).tolist() == [1, 6]
    assert best_per_window(dev, rtt, window_us=10, keep=2).tolist() == [1, 2, 4, 6]
    assert best_per_window(np.zeros(0), np.zeros(0), window_us=10, keep=2).size == 0


def test_robust_line_fit_ignores_outliers_and_respects_fixed_slope():
    rng = np.random.default_rng(1)
    x = np.linspace(-100, 100, 201)
    y = 2.0 + 1.0001 * x + rng.normal(0, 1e-5, x.size)
    y[::10] += 0.05  # 10 % gross outliers
    fit = robust_line_fit(x, y)
    assert fit.slope == pytest.approx(1.0001, abs=1e-7)
    assert fit.intercept == pytest.approx(2.0, abs=1e-5)
    assert fit.residual < 3e-5
    assert not fit.inliers[::10].any()
    fixed = robust_line_fit(x, y - 0.0001 * x, slope=1.0)
    assert fixed.slope == 1.0
    assert fixed.intercept == pytest.approx(2.0, abs=1e-5)


def test_lower_envelope_lies_below_all_points_and_finds_the_true_line():
    rng = np.random.default_rng(2)
    x = np.sort(rng.uniform(-300, 300, 2000))
    y = 5.0 + 0.9999 * x + 2e-3 + rng.exponential(3e-3, x.size)
    a, b = lower_envelope_line(x, y)
    assert np.all(a + b * x <= y + 1e-12)
    assert (b - 0.9999) * 1e6 == pytest.approx(0.0, abs=2.0)  # ppm
    assert a - 5.0 == pytest.approx(2e-3, abs=0.2e-3)  # biased by the smallest delay only
    assert lower_envelope_line(np.array([1.0]), np.array([2.0])) is None
    assert lower_envelope_line(np.array([1.0, 1.0]), np.array([2.0, 3.0])) is None


def test_clock_sync_tracks_100_ppm_drift_well_below_1_ms_over_10_minutes():
    sync = ClockSync()
    errors = simulate(sync, np.random.default_rng(3))
    # from the tenth round trip on, within 1 ms
    assert np.max(np.abs(errors[10:])) < 1e-3
    # after a minute: the asymmetry of the fixed delays (0.9 vs 0.4 ms) biases by 0.25 ms,
    # the jitter is filtered out
    assert np.max(np.abs(errors[60:] - 0.25e-3)) < 0.2e-3
    assert sync.drift_ppm == pytest.approx(DRIFT_PPM, abs=3.0)
    assert sync.is_synced and sync.n_samples > 100
    assert 0 < sync.residual_s < 0.5e-3
    assert sync.error_bound_s >= abs(errors[-1])


def test_clock_sync_with_symmetric_delays_is_accurate_to_tens_of_microseconds():
    sync = ClockSync()
    errors = simulate(sync, np.random.default_rng(4), fwd_base_s=0.5e-3, back_base_s=0.5e-3)
    assert np.max(np.abs(errors[60:])) < 0.2e-3
    assert abs(np.mean(errors[60:])) < 50e-6


def test_clock_sync_survives_heavy_jitter_and_many_outliers():
    sync = ClockSync()
    # exponential jitter of 5 ms each way, 30 % of replies delayed by a further 5-50 ms
    # (far worse than a serial link): degrades gracefully, bias stays near the 0.25 ms asymmetry
    errors = simulate(sync, np.random.default_rng(5), jitter_s=5e-3, outlier_p=0.3)
    assert np.max(np.abs(errors[60:])) < 1.5e-3
    assert abs(np.mean(errors[60:]) - 0.25e-3) < 0.25e-3
    assert sync.drift_ppm == pytest.approx(DRIFT_PPM, abs=10.0)


def test_before_any_round_trip_the_arrival_envelope_maps_device_time():
    sync = ClockSync()
    assert np.isnan(sync.to_session_s(0))
    sync.add_arrival(1_000_000, 5.0)
    assert not sync.is_synced
    assert sync.to_session_s(1_000_000) == pytest.approx(5.0)
    assert sync.to_session_s(500_000) == pytest.approx(4.5)
    assert np.isnan(sync.error_bound_s)
    # a long run of late arrivals: drift comes from the lower envelope
    rng = np.random.default_rng(6)
    sync.reset()
    t = np.arange(20.0, 200.0, 0.05)
    for ts in t:
        sync.add_arrival(int(device_us_at(ts)), ts + 1e-3 + rng.exponential(2e-3))
    assert sync.drift_ppm == pytest.approx(DRIFT_PPM, abs=5.0)
    err = sync.to_session_s(int(device_us_at(199.0))) - 199.0
    assert 0 <= err < 1.5e-3  # late by about the smallest delay


def test_reset_forgets_everything():
    sync = ClockSync()
    simulate(sync, np.random.default_rng(7), duration_s=30.0)
    assert sync.is_synced
    sync.reset()
    assert not sync.is_synced and sync.n_samples == 0
    assert np.isnan(sync.to_session_s(0)) and np.isnan(sync.residual_s)


def test_to_session_s_accepts_arrays():
    sync = ClockSync()
    simulate(sync, np.random.default_rng(8), duration_s=60.0)
    dev = np.array([int(device_us_at(50.0)), int(device_us_at(60.0))])
    assert np.allclose(sync.to_session_s(dev), [50.0, 60.0], atol=1e-3)


def test_a_round_trip_slower_than_its_windows_best_does_not_refit():
    """The reader thread refits on each PONG only when the kept set of round trips changes."""
    sync = ClockSync(window_s=5.0, keep_per_window=3)
    t = OFFSET_S + 1.0
    for _ in range(10):  # one fast trip per second: synced
        t2 = int(device_us_at(t + 0.4e-3))
        sync.add_round_trip(t, t2, t2 + 50, t + 1.0e-3)
        t += 1.0
    assert sync.is_synced
    fitted = (sync.intercept_s, sync.slope, sync.pivot_us)
    window_start_s = OFFSET_S + 5.0 * np.ceil((t - OFFSET_S) / 5.0)
    t = window_start_s + 0.1
    for _ in range(3):  # three fast trips fill a new window's kept set: each one refits
        t2 = int(device_us_at(t + 0.4e-3))
        sync.add_round_trip(t, t2, t2 + 50, t + 1.0e-3)
        t += 0.2
    refitted = (sync.intercept_s, sync.slope, sync.pivot_us)
    assert refitted != fitted
    n_fits = sync.n_fits
    t2 = int(device_us_at(t + 5e-3))  # slow trip (10 ms) in the same window: not kept
    sync.add_round_trip(t, t2, t2 + 50, t + 10e-3)
    assert sync.n_fits == n_fits
    assert (sync.intercept_s, sync.slope, sync.pivot_us) == refitted
    assert sync.n_round_trips == 14  # it is still in the history
    t += 0.2
    t2 = int(device_us_at(t + 0.1e-3))  # faster than all in its window: kept, refits
    sync.add_round_trip(t, t2, t2 + 50, t + 0.3e-3)
    assert sync.n_fits == n_fits + 1
    assert (sync.intercept_s, sync.slope, sync.pivot_us) != refitted


def test_the_error_bound_of_an_event_grows_with_its_distance_from_the_round_trips():
    # eight round trips within 0.4 s, then events up to 10 s later: the 100 ppm drift is not
    # measured yet (the prior holds the slope near 1), so the mapping error grows with the
    # distance, and the bound of each event must grow with it
    sync = ClockSync()
    rng = np.random.default_rng(7)
    for k in range(8):
        t1 = OFFSET_S + 1.0 + 0.05 * k
        d1, d2 = 0.2e-3 + rng.exponential(0.05e-3), 0.2e-3 + rng.exponential(0.05e-3)
        t2 = int(device_us_at(t1 + d1))
        sync.add_round_trip(t1, t2, t2 + 50, t1 + d1 + 50e-6 + d2)
    assert sync.is_synced
    later_s = OFFSET_S + 1.2 + np.array([0.0, 1.0, 3.0, 10.0])
    events_us = device_us_at(later_s)
    errors_s = np.abs(sync.to_session_s(events_us) - later_s)
    bounds_s = np.array([sync.error_bound_at(float(d)) for d in events_us])
    assert np.all(errors_s <= bounds_s)
    assert np.all(np.diff(bounds_s) > 0)
    # the error 10 s away is the drift's (about 1 ms), beyond the bound at the round trips
    assert errors_s[-1] > sync.error_bound_s
    assert np.isnan(ClockSync().error_bound_at(0.0))
