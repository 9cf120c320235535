/* The live gait-event detector of docs/gait-events.md, ported from analysis/causal_events.py.
 *
 * Arithmetic, so that every comparison the model makes comes out as in the Python (float64):
 * - the inputs are float32; s (the median of three raw gyr_y values) is one of them, so the
 *   thresholds (-ARM_DPS, -LANDING_DPS, 0), the mid-swing minimum and the push-off peak compare
 *   the same values; thresholds are compared in double (a setting need not be a float);
 * - the gyro energy of a sample, its window sum and the running minimum are double, formed and
 *   updated in the Python's order (add the new minus the old, recomputed once per lap): the
 *   same bits, so that equal windows tie as they do there (int16 samples make exact ties; a
 *   float ring broke one in 150 000 events of the tests);
 * - J = |acc[p] - acc[p-1]|^2 is formed in double, kept as float; the largest J values are the
 *   largest of the same floats, the prominence test (x 4) is exact, the onset threshold (x 0.1)
 *   is formed in double;
 * - the crossing fractions (swing end, zero rise, zero fall) are divided in double, then rounded
 *   to float (< 1e-7 sample);
 * - counts and the lock-out are integers as in the Python (round half to even, then // 100).
 * Indices are u32 sample counts since init; differences are taken modulo 2^32 (wrap-safe). */
#include "ras_detector.h"

#include <math.h>

#include "ras_time.h"

#define STUCK_S 0.5f        /* identical gyro samples for this long: a stuck sensor */
#define LOST_PERIODS 1.5f   /* a longer step between stamps lost samples: restart */
#define GAP_PERIODS 3.5f    /* a longer one is a jump, confirmed by the next stamp */
#define EARLY_PERIODS 0.25f /* a time stamp closer than this to the last is dropped */
#define RATE_BLOCK 64u      /* samples per rate check */
#define RATE_TOL 0.1f       /* a period this far off nominal counts as off-rate */
#define STRIDE_HISTORY 3    /* lock-out: median of the foot's last three strides */
#define ONSET_SHARE 0.1     /* IMPACT_ONSET_SHARE */
#define PROMINENCE 4.0f     /* IMPACT_PROMINENCE */

enum { STANCE = 0, TENTATIVE = 1, SWING = 2, LANDING = 3 };
enum { HAVE_MS = 1, HAVE_TO = 2, HAVE_FALL = 4, HAVE_LAST_K = 8, HAVE_ZERO = 16 };

#define STR_(x) #x
#define STR(x) STR_(x)

static int finite_f(float x)
{
    return x == x && x - x == 0.0f; /* false for NaN and +-inf, no libm needed */
}

/* a - b for u32 sample indices (wrap-safe while |a - b| < 2^31) */
static int32_t since(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

int32_t ras_det_round_half_even(double x)
{
    double fl, diff;
    int32_t n;
    if (!(x >= 0.0)) { /* negative or NaN */
        return 0;
    }
    if (x > 1.0e9) {
        return 1000000000;
    }
    n = (int32_t)x;
    fl = (double)n;
    diff = x - fl;
    if (diff > 0.5 || (diff == 0.5 && (n & 1))) {
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

void ras_det_default_config(ras_det_config_t *cfg, double sample_rate_hz)
{
    cfg->sample_rate_hz = sample_rate_hz;
    cfg->arm_dps = 30.0;
    cfg->landing_dps = 20.0;
    cfg->ms_window_s = 0.1;
    cfg->min_swing_s = 0.12;
    cfg->max_swing_s = 1.5;
    cfg->min_lockout_s = 0.2;
    cfg->max_stride_s = 3.0;
    cfg->impact_before_s = 0.03;
    cfg->impact_after_s = 0.15;
    cfg->lockout_stride_pct = 40;
    cfg->ic_landmark = RAS_DET_IC_IMPACT;
    cfg->to_landmark = RAS_DET_TO_PUSH_OFF;
    cfg->gyr_range_dps = 0.0f;
    cfg->acc_range_mps2 = 0.0f;
}

void ras_det_counts(const ras_det_config_t *cfg, double rate_hz, ras_det_counts_t *out)
{
    out->w = ras_det_round_half_even(cfg->ms_window_s * rate_hz);
    if (out->w < 2) {
        out->w = 2;
    }
    out->min_swing_n = ras_det_round_half_even(cfg->min_swing_s * rate_hz);
    if (out->min_swing_n < 1) {
        out->min_swing_n = 1;
    }
    out->max_swing_n = ras_det_round_half_even(cfg->max_swing_s * rate_hz);
    out->min_lockout_n = ras_det_round_half_even(cfg->min_lockout_s * rate_hz);
    out->max_stride_n = ras_det_round_half_even(cfg->max_stride_s * rate_hz);
    out->impact_before_n = ras_det_round_half_even(cfg->impact_before_s * rate_hz);
    out->impact_after_n = ras_det_round_half_even(cfg->impact_after_s * rate_hz);
    out->ring_j = out->impact_before_n + 2 * out->impact_after_n + 1;
}

static int in_range(double x, double lo, double hi)
{
    return x >= lo && x <= hi; /* false for NaN */
}

const char *ras_det_check_config(const ras_det_config_t *c)
{
    ras_det_counts_t n;
    if (!in_range(c->sample_rate_hz, RAS_DET_MIN_RATE_HZ, RAS_DET_MAX_RATE_HZ)) {
        return "sample_rate_hz is not allowed; use 50-" STR(RAS_DET_MAX_RATE_HZ)
               " Hz (this build's RAS_DET_MAX_RATE_HZ)";
    }
    if (!in_range(c->arm_dps, 1.0, 1000.0)) {
        return "arm_dps is not allowed; use 1-1000 deg/s";
    }
    if (!in_range(c->landing_dps, 0.0, 100.0)) {
        return "landing_dps is not allowed; use 0-100 deg/s";
    }
    if (!in_range(c->ms_window_s, 0.01, 0.1)) {
        return "ms_window_s is not allowed; use 0.01-0.1 s";
    }
    if (!in_range(c->min_swing_s, 0.02, 0.5)) {
        return "min_swing_s is not allowed; use 0.02-0.5 s";
    }
    if (!in_range(c->max_swing_s, 0.5, 5.0)) {
        return "max_swing_s is not allowed; use 0.5-5 s";
    }
    if (!in_range(c->min_lockout_s, 0.05, 1.0)) {
        return "min_lockout_s is not allowed; use 0.05-1 s";
    }
    if (c->lockout_stride_pct < 0 || c->lockout_stride_pct > 80) {
        return "lockout_stride_pct is not allowed; use 0-80 %";
    }
    if (!in_range(c->max_stride_s, 1.0, 10.0)) {
        return "max_stride_s is not allowed; use 1-10 s";
    }
    if (!in_range(c->impact_before_s, 0.0, 0.1)) {
        return "impact_before_s is not allowed; use 0-0.1 s";
    }
    if (!in_range(c->impact_after_s, 0.0, 0.3)) {
        return "impact_after_s is not allowed; use 0-0.3 s";
    }
    if (c->ic_landmark > RAS_DET_IC_GYRO_ZERO) {
        return "ic_landmark is not allowed; use impact (0) or gyro_zero (1)";
    }
    if (c->to_landmark > RAS_DET_TO_GYRO_ZERO) {
        return "to_landmark is not allowed; use push_off (0) or gyro_zero (1)";
    }
    if (!(c->min_lockout_s > c->impact_after_s)) {
        return "min_lockout_s must exceed impact_after_s";
    }
    if (!(c->impact_before_s < c->min_swing_s && c->min_swing_s < c->max_swing_s)) {
        return "settings must satisfy impact_before_s < min_swing_s < max_swing_s";
    }
    /* the rate guard may switch to any rate up to the maximum: the rings must hold it there */
    ras_det_counts(c, RAS_DET_MAX_RATE_HZ, &n);
    if (n.ring_j > RAS_DET_MAX_RING_J) {
        return "impact_before_s + 2 * impact_after_s is too long for the C port; use at most "
               "0.33 s";
    }
    return (const char *)0;
}

/* A new detector from the next input sample on (analysis state as at construction). */
static void restart(ras_det_t *d)
{
    int32_t k;
    d->started = 0;
    d->state = STANCE;
    d->fell = 1; /* a start mid-swing may arm (without MS, TO or MSW) */
    d->flags = 0;
    d->run_sum = 0.0;
    d->e_min = INFINITY;
    d->ring_pos = 0;
    d->jpos = 0;
    d->s_prev = 0.0f;
    d->arm_i = d->msw_i = d->end_j = d->zero_j = d->zero_i = d->w1 = 0;
    d->msw_min = d->end_frac = d->zero_frac = d->peak_j = d->swing_j = 0.0f;
    d->n_since_reset = 0;
    d->ms_end = d->to_i = d->to_fall_i = d->last_k = 0;
    d->to_max = -INFINITY;
    d->to_fall_frac = 0.0f;
    d->n_hist = 0;
    d->hist[0] = d->hist[1] = d->hist[2] = 0;
    d->earliest = 0; /* set to the first input sample by feed() */
    for (k = 0; k < RAS_DET_MAX_W; k++) {
        d->ring[k] = 0.0;
    }
    for (k = 0; k < RAS_DET_MAX_RING_J; k++) {
        d->jring[k] = 0.0f;
    }
}

/* Counts, period and the stuck length for a rate; the analysis starts afresh. */
static void set_rate(ras_det_t *d, double rate_hz)
{
    if (!(rate_hz >= RAS_DET_MIN_RATE_HZ)) { /* also NaN */
        rate_hz = RAS_DET_MIN_RATE_HZ;
    }
    if (rate_hz > RAS_DET_MAX_RATE_HZ) {
        rate_hz = RAS_DET_MAX_RATE_HZ;
    }
    d->rate_hz = rate_hz;
    d->period_us = (float)(1.0e6 / rate_hz);
    ras_det_counts(&d->cfg, rate_hz, &d->n);
    d->stuck_n = (uint32_t)(STUCK_S * (float)rate_hz);
    d->rate_n = d->rate_off_n = 0;
    d->rate_off_sum_us = 0.0f;
    restart(d);
}

int ras_det_init(ras_det_t *d, const ras_det_config_t *cfg)
{
    int rc = 0;
    d->cfg = *cfg;
    if (ras_det_check_config(cfg) != (const char *)0) {
        ras_det_default_config(&d->cfg, cfg->sample_rate_hz);
        d->cfg.gyr_range_dps = cfg->gyr_range_dps;
        d->cfg.acc_range_mps2 = cfg->acc_range_mps2;
        rc = -1;
    }
    d->i = 0xFFFFFFFFu; /* i = -1 */
    d->ever_started = 0;
    d->jump_pending = 0;
    d->prev_t_us = d->pending_t_us = d->last_stamp_us = 0;
    d->prev_g[0] = d->prev_g[1] = d->prev_g[2] = 0.0f;
    d->same_n = 0;
    d->stats.samples = d->stats.non_finite = d->stats.saturated = d->stats.stuck = 0;
    d->stats.gaps = d->stats.time_jumps = d->stats.dropped = d->stats.rate_changes = 0;
    d->stats.resets = 0;
    set_rate(d, d->cfg.sample_rate_hz);
    return rc;
}

/* --- the event model --- */

static void emit(ras_det_t *d, ras_det_event_t *ev, int *n, uint8_t kind, uint32_t index,
                 float frac, uint32_t t_us)
{
    ras_det_event_t *e;
    float back_us;
    if (*n >= RAS_DET_MAX_EVENTS) {
        return; /* cannot happen: one sample emits MS + TO or MSW + IC */
    }
    if (frac >= 1.0f) { /* keep 0 <= frac < 1 */
        index++;
        frac -= 1.0f;
    }
    e = &ev[(*n)++];
    /* t(index + frac), counted back from the current sample at the nominal period */
    back_us = ((float)(d->i - index) - frac) * d->period_us;
    if (back_us > 2.0e9f) { /* an MS after more than half an hour of standing */
        back_us = 2.0e9f;
    }
    e->kind = kind;
    e->index = index;
    e->frac = frac;
    e->detected_index = d->i;
    e->t_us = t_us - (uint32_t)(back_us + 0.5f);
}

static void reset_stance(ras_det_t *d)
{
    d->n_since_reset = 0;
    d->e_min = INFINITY;
    d->flags &= (uint8_t)~(HAVE_MS | HAVE_TO | HAVE_FALL);
    d->to_max = -INFINITY;
}

/* J of sample k (p - RING_J < k <= p) */
static float j_at(const ras_det_t *d, uint32_t p, uint32_t k)
{
    int32_t slot = d->jpos - since(p, k);
    if (slot < 0) {
        slot += d->n.ring_j;
    }
    return d->jring[slot];
}

/* Mid-swing minimum, and the swing's largest J up to before the impact window. */
static void track_swing(ras_det_t *d, uint32_t p, float s)
{
    if (s < d->msw_min) {
        d->msw_min = s;
        d->msw_i = p;
    }
    if (since(p, d->arm_i) >= d->n.impact_before_n) {
        float v = j_at(d, p, p - (uint32_t)d->n.impact_before_n);
        if (v > d->swing_j) {
            d->swing_j = v;
        }
    }
}

/* The IC at index + frac; the running stride and the lock-out move on (k: its sample). */
static void initial_contact(ras_det_t *d, ras_det_event_t *ev, int *n, uint32_t index, float frac,
                            uint32_t k, uint32_t t_us)
{
    int32_t ref = 0, a, b, c;
    uint32_t lock;
    emit(d, ev, n, RAS_DET_IC, index, frac, t_us);
    if ((d->flags & HAVE_LAST_K) && since(k, d->last_k) <= d->n.max_stride_n) {
        if (d->n_hist == STRIDE_HISTORY) {
            d->hist[0] = d->hist[1];
            d->hist[1] = d->hist[2];
            d->n_hist--;
        }
        d->hist[d->n_hist++] = since(k, d->last_k);
    } else {
        d->n_hist = 0;
    }
    d->last_k = k;
    d->flags |= HAVE_LAST_K;
    /* running stride: median of three, the shorter of two, none: 0 */
    if (d->n_hist == 1) {
        ref = d->hist[0];
    } else if (d->n_hist == 2) {
        ref = d->hist[0] < d->hist[1] ? d->hist[0] : d->hist[1];
    } else if (d->n_hist == 3) {
        a = d->hist[0];
        b = d->hist[1];
        c = d->hist[2];
        ref = a > b ? (b > c ? b : (a < c ? a : c)) : (a > c ? a : (b < c ? b : c));
    }
    lock = (uint32_t)(ref * d->cfg.lockout_stride_pct / 100);
    if (lock < (uint32_t)d->n.min_lockout_n) {
        lock = (uint32_t)d->n.min_lockout_n;
    }
    d->earliest = d->zero_j + lock;
    d->state = STANCE;
    reset_stance(d); /* the next stance's MS and TO come after this IC */
}

/* End of the impact window: the impact's onset, or the landing if it has none. */
static void impact(ras_det_t *d, uint32_t p, ras_det_event_t *ev, int *n, uint32_t t_us)
{
    float peak = d->peak_j;
    if (peak > 0.0f && peak >= PROMINENCE * d->swing_j) {
        double thr = ONSET_SHARE * (double)peak;
        uint32_t k = d->end_j - (uint32_t)d->n.impact_before_n;
        while ((double)j_at(d, p, k) < thr && k != p) { /* the peak itself ends it */
            k++;
        }
        initial_contact(d, ev, n, k - 1u, 0.5f, k, t_us); /* IC = k - 0.5 */
        return;
    }
    initial_contact(d, ev, n, d->zero_i, d->zero_frac, d->zero_j, t_us);
}

/* After the swing's end: the zero rise (or, IMPACT_AFTER_N after the end, the end standing in
 * for it), then the IC at once (gyro_zero) or at the end of the impact window. */
static void landing(ras_det_t *d, uint32_t p, float s, ras_det_event_t *ev, int *n, uint32_t t_us)
{
    if (!(d->flags & HAVE_ZERO)) {
        if (s >= 0.0f) { /* the zero rise */
            d->zero_j = p;
            d->zero_i = p - 1u;
            d->zero_frac = (float)(-(double)d->s_prev / ((double)s - (double)d->s_prev));
        } else if (since(p, d->end_j) >= d->n.impact_after_n) { /* none soon: the end */
            d->zero_j = p;
            d->zero_i = d->end_j - 1u;
            d->zero_frac = d->end_frac;
        } else {
            return;
        }
        d->flags |= HAVE_ZERO;
        if (d->cfg.ic_landmark != RAS_DET_IC_IMPACT) {
            initial_contact(d, ev, n, d->zero_i, d->zero_frac, d->zero_j, t_us);
            return;
        }
        d->w1 = d->zero_j + (uint32_t)d->n.impact_after_n;
    }
    if (p == d->w1) {
        impact(d, p, ev, n, t_us);
    }
}

/* MS and TO of the stance that the confirmed swing ends. */
static void stance_events(ras_det_t *d, ras_det_event_t *ev, int *n, uint32_t t_us)
{
    if (d->flags & HAVE_MS) { /* centre of the window: ms_end - (W - 1) / 2 */
        uint32_t half2 = (uint32_t)(d->n.w - 1);
        emit(d, ev, n, RAS_DET_MS, d->ms_end - (half2 + 1u) / 2u, (half2 & 1u) ? 0.5f : 0.0f,
             t_us);
    }
    if (d->flags & HAVE_TO) {
        if (d->cfg.to_landmark == RAS_DET_TO_GYRO_ZERO) {
            if (d->flags & HAVE_FALL) {
                emit(d, ev, n, RAS_DET_TO, d->to_fall_i - 1u, d->to_fall_frac, t_us);
            }
        } else {
            emit(d, ev, n, RAS_DET_TO, d->to_i, 0.0f, t_us);
        }
    }
}

/* Analyse sample p: median s, raw gyr_y raw_s; its gyr and acc are g1 and a1 (a2: of p - 1). */
static int analyse(ras_det_t *d, uint32_t p, float s, float raw_s, uint32_t t_us,
                   ras_det_event_t *ev)
{
    int n = 0;
    uint8_t state = d->state;
    double en, dx, dy, dz;
    float j;
    /* 1. gyro energy of the last W samples (sum recomputed once per lap: no drift) */
    en = (double)d->g1[0] * (double)d->g1[0] + (double)d->g1[1] * (double)d->g1[1] +
         (double)d->g1[2] * (double)d->g1[2];
    d->run_sum += en - d->ring[d->ring_pos];
    d->ring[d->ring_pos] = en;
    if (++d->ring_pos == d->n.w) {
        int32_t k;
        double sum = 0.0;
        d->ring_pos = 0;
        for (k = 0; k < d->n.w; k++) {
            sum += d->ring[k];
        }
        d->run_sum = sum;
    }
    /* 2. J of this sample */
    dx = (double)d->a1[0] - (double)d->a2[0];
    dy = (double)d->a1[1] - (double)d->a2[1];
    dz = (double)d->a1[2] - (double)d->a2[2];
    j = p == d->p0 ? 0.0f : (float)(dx * dx + dy * dy + dz * dz);
    if (++d->jpos == d->n.ring_j) {
        d->jpos = 0;
    }
    d->jring[d->jpos] = j;
    /* 3. stance trackers (everywhere but in a confirmed swing): least energy, then push-off */
    if (state != SWING) {
        if (d->n_since_reset < (uint32_t)d->n.w) {
            d->n_since_reset++;
        }
        if (d->n_since_reset >= (uint32_t)d->n.w && d->run_sum < d->e_min) {
            d->e_min = d->run_sum;
            d->ms_end = p;
            d->flags = (uint8_t)((d->flags | HAVE_MS) & ~(HAVE_TO | HAVE_FALL));
            d->to_max = -INFINITY;
        } else if (raw_s > d->to_max) { /* the push-off peak on the raw gyr_y */
            d->to_max = raw_s;
            d->to_i = p;
            d->flags = (uint8_t)((d->flags | HAVE_TO) & ~HAVE_FALL);
        } else if (!(d->flags & HAVE_FALL) && (d->flags & HAVE_TO) && d->s_prev >= 0.0f &&
                   s < 0.0f) {
            d->to_fall_i = p;
            d->to_fall_frac =
                (float)((double)d->s_prev / ((double)d->s_prev - (double)s));
            d->flags |= HAVE_FALL;
        }
    }
    /* 4. the swing's state machine */
    if (state == STANCE) {
        if ((double)s >= -d->cfg.arm_dps) {
            d->fell = 1;
        } else if (d->fell && since(p, d->earliest) >= 0) {
            d->state = TENTATIVE;
            d->arm_i = d->msw_i = p;
            d->msw_min = s;
            /* the swing's own J runs from the arming sample to the impact window's start */
            d->swing_j = d->n.impact_before_n == 0 ? j_at(d, p, p) : 0.0f;
        }
    } else if (state == TENTATIVE) {
        if ((double)s >= -d->cfg.landing_dps) { /* too short a negative lobe: not a swing */
            d->state = STANCE;
            d->fell = 1;
        } else {
            track_swing(d, p, s);
            if (since(p, d->arm_i) >= d->n.min_swing_n) { /* a real swing: the stance is over */
                if (d->arm_i != d->p0) { /* (armed at the first sample: no stance was seen) */
                    stance_events(d, ev, &n, t_us);
                }
                d->state = SWING;
            }
        }
    } else if (state == SWING) {
        if ((double)s >= -d->cfg.landing_dps) { /* the swing's end: back above -LANDING_DPS */
            d->end_j = p;
            d->end_frac = (float)((-d->cfg.landing_dps - (double)d->s_prev) /
                                  ((double)s - (double)d->s_prev));
            if (d->arm_i != d->p0) {
                emit(d, ev, &n, RAS_DET_MSW, d->msw_i, 0.0f, t_us);
            }
            d->fell = 1;
            d->flags &= (uint8_t)~HAVE_ZERO;
            d->state = LANDING;
            if (d->cfg.ic_landmark == RAS_DET_IC_IMPACT) {
                uint32_t k;
                d->peak_j = 0.0f;
                for (k = p - (uint32_t)d->n.impact_before_n; k != p + 1u; k++) {
                    float v = j_at(d, p, k);
                    if (v > d->peak_j) {
                        d->peak_j = v;
                    }
                }
            }
            landing(d, p, s, ev, &n, t_us);
        } else if (since(p, d->arm_i) >= d->n.max_swing_n) { /* no end: drop the swing */
            d->state = STANCE;
            d->fell = 0;
            reset_stance(d);
        } else {
            track_swing(d, p, s);
        }
    } else { /* LANDING: wait for the zero rise; the impact window */
        if (d->cfg.ic_landmark == RAS_DET_IC_IMPACT && j > d->peak_j) {
            d->peak_j = j;
        }
        landing(d, p, s, ev, &n, t_us);
    }
    d->s_prev = s;
    return n;
}

/* One input sample of the current (re)start: the median needs the next, so p = i - 1. */
static int feed(ras_det_t *d, uint32_t t_us, const float acc[3], const float gyr[3],
                ras_det_event_t *ev)
{
    int n = 0, k;
    if (!d->started) { /* the first sample repeats itself */
        d->started = 1;
        d->p0 = d->i;
        d->earliest = d->i;
        d->gy2 = d->gy1 = gyr[1];
    } else {
        float a = d->gy2, b = d->gy1, c = gyr[1];
        float lo = a < b ? a : b, hi = a < b ? b : a;
        float s = hi < c ? hi : c; /* median of three: max(min(a, b), min(max(a, b), c)) */
        if (lo > s) {
            s = lo;
        }
        n = analyse(d, d->i - 1u, s, b, t_us, ev);
        d->gy2 = d->gy1;
        d->gy1 = gyr[1];
    }
    for (k = 0; k < 3; k++) {
        d->g1[k] = gyr[k];
        d->a2[k] = d->i == d->p0 ? acc[k] : d->a1[k];
        d->a1[k] = acc[k];
    }
    return n;
}

/* --- input guards --- */

/* A restart for bad input: a new detector from the next sample on. */
static void fault_restart(ras_det_t *d)
{
    restart(d);
    d->stats.resets++;
}

/* Sample-rate check: most periods of a block of RATE_BLOCK off nominal -> restart there. */
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
            double rate = 1.0e6 / ((double)d->rate_off_sum_us / (double)d->rate_off_n);
            d->stats.rate_changes++;
            set_rate(d, rate);
            d->stats.resets++;
        }
        d->rate_n = d->rate_off_n = 0;
        d->rate_off_sum_us = 0.0f;
    }
}

static int normal_dt(const ras_det_t *d, int32_t dt)
{
    return (float)dt >= EARLY_PERIODS * d->period_us && (float)dt <= GAP_PERIODS * d->period_us;
}

/* Time-stamp checks; returns 0 to use the sample, 1 to drop it, 2 to use it after the held one.
 * A stamp far off the last one is held back one sample (its data too): if the next stamp follows
 * it, the clock jumped or samples were lost (restart from the held sample); if the next follows
 * the old stamps, it was a lone outlier (dropped). */
static int check_time(ras_det_t *d, uint32_t t_us)
{
    int32_t dt;
    if (!d->ever_started) {
        d->ever_started = 1;
        d->prev_t_us = d->last_stamp_us = t_us;
        return 0;
    }
    check_rate(d, ras_time_diff(t_us, d->last_stamp_us)); /* stamp to stamp, used or not */
    d->last_stamp_us = t_us;
    dt = ras_time_diff(t_us, d->prev_t_us);
    if (normal_dt(d, dt)) {
        if (d->jump_pending) { /* the held sample's stamp was a lone outlier: dropped */
            d->jump_pending = 0;
            d->stats.dropped++;
        }
        if ((float)dt > LOST_PERIODS * d->period_us) { /* samples lost: restart after them */
            d->i += (uint32_t)((float)dt / d->period_us + 0.5f) - 1u;
            d->stats.gaps++;
            fault_restart(d);
        }
    } else if (dt >= 0 && (float)dt < EARLY_PERIODS * d->period_us) {
        return 1; /* duplicate or too early: dropped */
    } else if (d->jump_pending && normal_dt(d, ras_time_diff(t_us, d->pending_t_us))) {
        int32_t gap = ras_time_diff(d->pending_t_us, d->prev_t_us);
        d->jump_pending = 0; /* samples were lost, or the clock jumped: restart there */
        if (gap > 0 && gap <= 60000000) { /* lost samples: keep the index in time */
            d->i += (uint32_t)((float)gap / d->period_us + 0.5f) - 1u;
            d->stats.gaps++;
        } else {
            d->stats.time_jumps++;
        }
        fault_restart(d);
        d->prev_t_us = t_us;
        return 2;
    } else {
        d->jump_pending = 1;
        d->pending_t_us = t_us;
        return 1;
    }
    d->prev_t_us = t_us;
    return 0;
}

static int at_full_scale(const float *v, float range)
{
    float lim = 0.999f * range;
    int k;
    if (!(range > 0.0f)) {
        return 0;
    }
    for (k = 0; k < 3; k++) {
        if (v[k] >= lim || v[k] <= -lim) {
            return 1;
        }
    }
    return 0;
}

int ras_det_update(ras_det_t *d, uint32_t t_us, const float acc[3], const float gyr[3],
                   ras_det_event_t *ev)
{
    int k;
    d->stats.samples++;
    for (k = 0; k < 3; k++) {
        if (!finite_f(acc[k]) || !finite_f(gyr[k])) {
            d->stats.non_finite++;
            if (d->started) { /* once per run of bad samples */
                fault_restart(d);
            }
            if (d->ever_started) { /* its slot in time passes: no gap after a NaN run */
                d->i++;
                d->prev_t_us = d->last_stamp_us = t_us;
            }
            return 0;
        }
    }
    if (at_full_scale(gyr, d->cfg.gyr_range_dps) || at_full_scale(acc, d->cfg.acc_range_mps2)) {
        d->stats.saturated++;
    }
    /* stuck: the same three gyro values for STUCK_S; real sensors always show some noise */
    if (gyr[0] == d->prev_g[0] && gyr[1] == d->prev_g[1] && gyr[2] == d->prev_g[2]) {
        if (++d->same_n >= d->stuck_n) {
            d->stats.stuck++;
            if (d->same_n == d->stuck_n) {
                fault_restart(d);
            }
            d->i++;
            d->prev_t_us = d->last_stamp_us = t_us;
            return 0;
        }
    } else {
        d->same_n = 0;
    }
    d->prev_g[0] = gyr[0];
    d->prev_g[1] = gyr[1];
    d->prev_g[2] = gyr[2];
    switch (check_time(d, t_us)) {
    case 1: /* dropped, or held: kept for a restart */
        if (d->jump_pending && d->pending_t_us == t_us) {
            for (k = 0; k < 3; k++) {
                d->pend_acc[k] = acc[k];
                d->pend_gyr[k] = gyr[k];
            }
        } else {
            d->stats.dropped++;
        }
        return 0;
    case 2: /* a new detector from the held sample on (its first sample makes no event) */
        d->i++;
        (void)feed(d, d->pending_t_us, d->pend_acc, d->pend_gyr, ev);
        break;
    default:
        break;
    }
    d->i++;
    return feed(d, t_us, acc, gyr, ev);
}
