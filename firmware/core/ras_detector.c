#include "ras_detector.h"

#include "ras_time.h"

#define STUCK_S 0.5f      /* identical gyro samples for this long: a stuck sensor */
#define GAP_PERIODS 3.5f  /* a longer gap re-arms the detector */
#define EARLY_PERIODS 0.25f /* a time stamp closer than this to the last is dropped */
#define RATE_BLOCK 64u    /* samples per rate check */
#define RATE_TOL 0.1f     /* a period this far off nominal counts as off-rate */

static int finite_f(float x)
{
    return x == x && x - x == 0.0f; /* false for NaN and +-inf, no libm needed */
}

int32_t ras_det_round_half_even(float x)
{
    float fl, diff;
    int32_t n;
    if (!(x >= 0.0f)) { /* negative or NaN */
        return 0;
    }
    if (x > 1.0e9f) {
        return 1000000000;
    }
    fl = (float)(int32_t)x;
    diff = x - fl;
    n = (int32_t)fl;
    if (diff > 0.5f || (diff == 0.5f && (n & 1))) {
        n++;
    }
    return n;
}

const ras_det_stats_t *ras_det_stats(const ras_det_t *d)
{
    return &d->stats;
}

unsigned ras_det_state_bytes(void)
{
    return (unsigned)sizeof(ras_det_t);
}

void ras_det_default_config(ras_det_config_t *cfg, float sample_rate_hz)
{
    cfg->sample_rate_hz = sample_rate_hz;
    cfg->arm_dps = 50.0f;
    cfg->ms_window_s = 0.1f;
    cfg->max_swing_s = 1.5f;
    cfg->ic_refractory_s = 0.2f;
    cfg->min_swing_s = 0.0f; /* off: the Python detector has no such rule */
    cfg->gyr_range_dps = 0.0f;
}

static void reset_stance(ras_det_t *d)
{
    d->n_since_reset = 0;
    d->e_min = 3.0e38f; /* +inf */
    d->have_ms = 0;
    d->ms_end = 0;
    d->to_max = -3.0e38f;
    d->have_to = 0;
    d->to_i = 0;
}

/* W, MAX_SWING_N and the energy ring for a rate; the swing state starts afresh. */
static void set_rate(ras_det_t *d, float rate_hz)
{
    int32_t k;
    if (!(rate_hz >= RAS_DET_MIN_RATE_HZ)) { /* also NaN */
        rate_hz = RAS_DET_MIN_RATE_HZ;
    }
    if (rate_hz > RAS_DET_MAX_RATE_HZ) {
        rate_hz = RAS_DET_MAX_RATE_HZ;
    }
    d->rate_hz = rate_hz;
    d->period_us = 1.0e6f / rate_hz;
    d->w = ras_det_round_half_even(d->cfg.ms_window_s * rate_hz);
    if (d->w < 2) {
        d->w = 2;
    }
    if (d->w > RAS_DET_MAX_W) {
        d->w = RAS_DET_MAX_W;
    }
    d->max_swing_n = ras_det_round_half_even(d->cfg.max_swing_s * rate_hz);
    d->min_swing_n = ras_det_round_half_even(d->cfg.min_swing_s * rate_hz);
    d->refractory_n = ras_det_round_half_even(d->cfg.ic_refractory_s * rate_hz);
    d->ic_i = d->i - (uint32_t)d->refractory_n; /* as if the last IC were long ago */
    for (k = 0; k < RAS_DET_MAX_W; k++) {
        d->ring[k] = 0.0f;
    }
    d->ring_pos = 0;
    d->run_sum = 0.0f;
    d->prev_s = 0.0f;
    d->armed = 0;
    d->arm_i = 0;
    d->msw_min = 0.0f;
    d->msw_i = 0;
    reset_stance(d);
    d->stuck_n = (uint32_t)(STUCK_S * rate_hz);
    d->rate_n = d->rate_off_n = 0;
    d->rate_off_sum_us = 0.0f;
}

void ras_det_init(ras_det_t *d, const ras_det_config_t *cfg)
{
    d->cfg = *cfg;
    d->i = 0xFFFFFFFFu; /* i = -1 */
    d->started = 0;
    d->quiet = 0;
    d->prev_t_us = 0;
    d->jump_pending = 0;
    d->pending_t_us = 0;
    d->last_stamp_us = 0;
    d->prev_g[0] = d->prev_g[1] = d->prev_g[2] = 0.0f;
    d->same_n = 0;
    d->stats.samples = d->stats.non_finite = d->stats.saturated = d->stats.stuck = 0;
    d->stats.time_jumps = d->stats.dropped = d->stats.rate_changes = d->stats.resets = 0;
    d->stats.short_swings = 0;
    set_rate(d, cfg->sample_rate_hz);
}

/* Bad input: forget the current swing and stance; MS/TO stay quiet until the next IC. */
static void fault_reset(ras_det_t *d)
{
    int32_t k;
    for (k = 0; k < RAS_DET_MAX_W; k++) {
        d->ring[k] = 0.0f;
    }
    d->ring_pos = 0;
    d->run_sum = 0.0f;
    d->prev_s = 0.0f;
    d->armed = 0;
    reset_stance(d);
    d->quiet = 1;
    d->stats.resets++;
}

static void emit(ras_det_t *d, ras_det_event_t *ev, int *n, uint8_t kind, uint32_t index,
                 float frac, uint32_t t_us)
{
    ras_det_event_t *e = &ev[(*n)++];
    /* t(sample index) + frac periods, counted back from the current sample's time */
    float back_us = ((float)(d->i - index) - frac) * d->period_us;
    if (back_us > 2.0e9f) { /* an MS after more than half an hour of standing */
        back_us = 2.0e9f;
    }
    e->kind = kind;
    e->index = index;
    e->frac = frac;
    e->detected_index = d->i;
    e->t_us = t_us - (uint32_t)(back_us + 0.5f);
}

/* Sample-rate check: most periods of a block of RATE_BLOCK off nominal -> re-init there. */
static void check_rate(ras_det_t *d, int32_t dt)
{
    float p = d->period_us, off = (float)dt - p;
    if (dt <= 0 || dt > 1000000) {
        return;
    }
    d->rate_n++;
    if (off > RATE_TOL * p || off < -RATE_TOL * p) {
        d->rate_off_n++;
        d->rate_off_sum_us += (float)dt;
    }
    if (d->rate_n >= RATE_BLOCK) {
        if (d->rate_off_n * 4u >= RATE_BLOCK * 3u) {
            float rate = 1.0e6f / (d->rate_off_sum_us / (float)d->rate_off_n);
            d->stats.rate_changes++;
            set_rate(d, rate);
            fault_reset(d);
        }
        d->rate_n = d->rate_off_n = 0;
        d->rate_off_sum_us = 0.0f;
    }
}

static int normal_dt(const ras_det_t *d, int32_t dt)
{
    return (float)dt >= EARLY_PERIODS * d->period_us && (float)dt <= GAP_PERIODS * d->period_us;
}

/* Time-stamp checks; returns 0 to use the sample, 1 to drop it. A stamp far off the last one
 * is held back one sample: if the next stamp follows it, the clock really jumped (re-arm);
 * if the next follows the old stamps, it was a lone outlier (dropped). */
static int check_time(ras_det_t *d, uint32_t t_us)
{
    int32_t dt;
    if (!d->started) {
        d->started = 1;
        d->prev_t_us = d->last_stamp_us = t_us;
        return 0;
    }
    check_rate(d, ras_time_diff(t_us, d->last_stamp_us)); /* stamp to stamp, used or not */
    d->last_stamp_us = t_us;
    dt = ras_time_diff(t_us, d->prev_t_us);
    if (normal_dt(d, dt)) {
        d->jump_pending = 0;
        if ((float)dt > 1.5f * d->period_us) { /* samples lost: keep the index in step */
            d->i += (uint32_t)((float)dt / d->period_us + 0.5f) - 1u;
        }
    } else if (dt >= 0 && (float)dt < EARLY_PERIODS * d->period_us) {
        d->stats.dropped++; /* duplicate or too early */
        return 1;
    } else if (d->jump_pending && normal_dt(d, ras_time_diff(t_us, d->pending_t_us))) {
        d->jump_pending = 0; /* the clock jumped: start again from here */
        d->stats.time_jumps++;
        fault_reset(d);
    } else {
        d->jump_pending = 1;
        d->pending_t_us = t_us;
        d->stats.dropped++;
        return 1;
    }
    d->prev_t_us = t_us;
    return 0;
}

int ras_det_update(ras_det_t *d, uint32_t t_us, const float gyr[3], ras_det_event_t *ev)
{
    int n = 0, k;
    float gx = gyr[0], gy = gyr[1], gz = gyr[2], s, en, sum;
    uint32_t prev_t = d->prev_t_us;
    d->stats.samples++;
    if (!finite_f(gx) || !finite_f(gy) || !finite_f(gz)) {
        d->stats.non_finite++;
        if (!d->quiet || d->armed) {
            fault_reset(d);
        }
        if (d->started) { /* its time stamp still counts: no gap after a NaN run */
            d->prev_t_us = d->last_stamp_us = t_us;
        }
        return 0;
    }
    if (d->cfg.gyr_range_dps > 0.0f) {
        float lim = 0.999f * d->cfg.gyr_range_dps;
        if (gx >= lim || gx <= -lim || gy >= lim || gy <= -lim || gz >= lim || gz <= -lim) {
            d->stats.saturated++;
        }
    }
    /* stuck: the same three values for STUCK_S; real sensors always show some noise */
    if (gx == d->prev_g[0] && gy == d->prev_g[1] && gz == d->prev_g[2]) {
        if (++d->same_n >= d->stuck_n) {
            d->stats.stuck++;
            if (d->same_n == d->stuck_n) {
                fault_reset(d);
            }
            d->prev_t_us = d->last_stamp_us = t_us;
            return 0;
        }
    } else {
        d->same_n = 0;
    }
    d->prev_g[0] = gx;
    d->prev_g[1] = gy;
    d->prev_g[2] = gz;
    if (check_time(d, t_us)) {
        return 0;
    }

    /* --- docs/gait-events.md, per-sample step --- */
    d->i++;
    s = gy;
    en = gx * gx + gy * gy + gz * gz;
    d->ring[d->ring_pos] = en;
    if (++d->ring_pos == d->w) {
        d->ring_pos = 0;
    }
    /* the window sum is recomputed every sample (W adds): no float drift at all */
    sum = 0.0f;
    for (k = 0; k < d->w; k++) {
        sum += d->ring[k];
    }
    d->run_sum = sum;
    d->n_since_reset++;
    if (d->armed) {
        if (d->prev_s < 0.0f && s >= 0.0f &&
            (int32_t)(d->i - d->arm_i) < d->min_swing_n) { /* optional: too short a swing */
            d->stats.short_swings++;
            d->armed = 0;
            d->quiet = 1;
            reset_stance(d);
        } else if (d->prev_s < 0.0f && s >= 0.0f) { /* zero rise: the foot lands */
            float frac = -d->prev_s / (s - d->prev_s);
            emit(d, ev, &n, 3, d->msw_i, 0.0f, t_us);
            /* IC between the previous and this sample, on their real time stamps */
            emit(d, ev, &n, 1, d->i - 1u, frac, t_us);
            ev[n - 1].t_us = prev_t + (uint32_t)(frac * (float)(t_us - prev_t) + 0.5f);
            d->armed = 0;
            d->ic_i = d->i;
            d->quiet = 0;
            reset_stance(d);
        } else if ((int32_t)(d->i - d->arm_i) >= d->max_swing_n) { /* timeout: no events */
            d->armed = 0;
            reset_stance(d);
        } else if (s < d->msw_min) {
            d->msw_min = s;
            d->msw_i = d->i;
        }
    } else {
        if ((int32_t)d->n_since_reset >= d->w && d->run_sum < d->e_min) {
            d->e_min = d->run_sum;
            d->have_ms = 1;
            d->ms_end = d->i;
            d->to_max = -3.0e38f;
            d->have_to = 0;
        } else if (s > d->to_max) {
            d->to_max = s;
            d->have_to = 1;
            d->to_i = d->i;
        }
        /* the swing starts: s falls through -ARM_DPS, not within REFRACTORY_N of an IC */
        if (s < -d->cfg.arm_dps && d->prev_s >= -d->cfg.arm_dps &&
            (int32_t)(d->i - d->ic_i) >= d->refractory_n) {
            if (!d->quiet) {
                if (d->have_ms) {
                    /* centre of the window: ms_end - (W - 1) / 2 */
                    uint32_t half2 = (uint32_t)(d->w - 1);
                    uint32_t idx = d->ms_end - (half2 + 1u) / 2u;
                    emit(d, ev, &n, 4, idx, (half2 & 1u) ? 0.5f : 0.0f, t_us);
                }
                if (d->have_to) {
                    emit(d, ev, &n, 2, d->to_i, 0.0f, t_us);
                }
            }
            d->armed = 1;
            d->arm_i = d->i;
            d->msw_min = s;
            d->msw_i = d->i;
        }
    }
    d->prev_s = s;
    return n;
}
