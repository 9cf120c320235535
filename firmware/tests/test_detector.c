/* The detector against the rules of docs/gait-events.md on a synthetic walk with known events
 * (50-1000 Hz), disturbed as real sensors are (ringing, spikes, soft landings, a swing that never
 * lands), with both landmark options; and the input guards (bad values, stuck samples, time
 * stamps, rate changes): no crash, no event across a gap, a restart like a new detector. */
#include <math.h>
#include <string.h>

#include "ras_detector.h"
#include "unit.h"

#define STRIDE_S 1.1
#define PUSH_PEAK_PH 0.585 /* push-off peak of gyr_y: TO (push_off) */
#define SWING_PH 0.62      /* gyr_y falls through zero: TO (gyro_zero) */
#define LAND_PH 0.95       /* gyr_y rises through zero: the landing, IC (gyro_zero) */
#define CONTACT_S 0.02     /* the heel-strike impact follows the landing: IC (impact) */
#define N_STRIDES 27       /* in 30 s: landings at 1.045 + k * 1.1 s */

static uint32_t g_seed = 12345;

static double noise(double amp)
{
    g_seed = g_seed * 1664525u + 1013904223u;
    return amp * (((double)(g_seed >> 8) / 16777216.0) * 2.0 - 1.0);
}

static const double PI = 3.14159265358979;

/* Synthetic foot IMU at t s (foot frame): stance, push-off +400 deg/s, swing -350 deg/s with a
 * smooth forward swing of acc_x, zero rise at LAND_PH, then a +200 deg/s heel rocker, and a
 * heel-strike impact (acc_z +30 m/s^2, decaying in 15 ms) CONTACT_S after the zero rise. */
void synth_imu(double t, float acc[3], float gyr[3])
{
    double ph = fmod(t, STRIDE_S) / STRIDE_S, gy = 0.0, ax = 0.0, az = 9.81;
    double since_contact = fmod(t - LAND_PH * STRIDE_S - CONTACT_S + 10.0 * STRIDE_S, STRIDE_S);
    if (ph >= 0.55 && ph < SWING_PH) {
        gy = 400.0 * sin(PI * (ph - 0.55) / (SWING_PH - 0.55));
    } else if (ph >= SWING_PH && ph < LAND_PH) {
        gy = -350.0 * sin(PI * (ph - SWING_PH) / (LAND_PH - SWING_PH));
        ax = 3.0 * sin(2.0 * PI * (ph - SWING_PH) / (LAND_PH - SWING_PH));
    } else if (ph >= LAND_PH) {
        gy = 200.0 * sin(PI * (ph - LAND_PH) / (1.0 - LAND_PH));
    }
    if (t >= LAND_PH * STRIDE_S + CONTACT_S && since_contact < 0.2) {
        az += 30.0 * exp(-since_contact / 0.015);
    }
    gyr[0] = (float)(0.2 * gy + noise(1.0));
    gyr[1] = (float)(gy + noise(1.0));
    gyr[2] = (float)(0.1 * gy + noise(1.0));
    acc[0] = (float)(ax + noise(0.05));
    acc[1] = (float)noise(0.05);
    acc[2] = (float)(az + noise(0.05));
}

/* --- a run and its events --- */

typedef struct {
    int kind;
    double idx; /* index + frac */
    uint32_t index, detected, t_us;
    float frac;
} tev_t;

typedef struct {
    tev_t ev[600];
    int n, per_kind[5];
    int order_ok; /* MS before TO, MSW before IC within one sample */
} tlog_t;

static tlog_t g_log, g_ref;

/* changes one sample and its stamp; returns 0 to feed it, 1 to skip it (a lost sample), 2 to
 * feed it twice (a repeated sample) */
typedef int (*mangle_fn)(long i, double t, float acc[3], float gyr[3], uint32_t *t_us);

static int m_none(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    (void)i; (void)t; (void)acc; (void)gyr; (void)t_us;
    return 0;
}

static void log_events(tlog_t *log, const ras_det_event_t *ev, int m, uint32_t i)
{
    int k;
    for (k = 0; k < m; k++) {
        tev_t *e = &log->ev[log->n < 600 ? log->n : 599];
        CHECK(ev[k].kind >= 1 && ev[k].kind <= 4);
        CHECK(ev[k].frac >= 0.0f && ev[k].frac < 1.0f);
        CHECK(ev[k].detected_index == i);
        e->kind = ev[k].kind;
        e->index = ev[k].index;
        e->frac = ev[k].frac;
        e->idx = (double)ev[k].index + (double)ev[k].frac;
        e->detected = ev[k].detected_index;
        e->t_us = ev[k].t_us;
        log->per_kind[ev[k].kind]++;
        if (log->n < 600) {
            log->n++;
        }
    }
    if (m == 2) {
        log->order_ok &= (ev[0].kind == RAS_DET_MS && ev[1].kind == RAS_DET_TO) ||
                         (ev[0].kind == RAS_DET_MSW && ev[1].kind == RAS_DET_IC);
    }
}

/* Feed secs of the synthetic walk at rate (time stamps t0 + i / rate); log the events. */
static void run_walk(double rate, double secs, const ras_det_config_t *cfg, mangle_fn fn,
                     uint32_t t0, tlog_t *log, ras_det_t *d)
{
    ras_det_event_t ev[RAS_DET_MAX_EVENTS];
    long i, n = (long)(secs * rate);
    memset(log, 0, sizeof *log);
    log->order_ok = 1;
    g_seed = 12345;
    CHECK(ras_det_init(d, cfg) == 0);
    for (i = 0; i < n; i++) {
        float acc[3], gyr[3];
        double t = (double)i / rate;
        uint32_t t_us = t0 + (uint32_t)(t * 1e6 + 0.5);
        int m, what, k;
        synth_imu(t, acc, gyr);
        what = fn(i, t, acc, gyr, &t_us);
        for (k = 0; k < (what == 2 ? 2 : what == 1 ? 0 : 1); k++) {
            m = ras_det_update(d, t_us, acc, gyr, ev);
            CHECK(m >= 0 && m <= RAS_DET_MAX_EVENTS);
            log_events(log, ev, m, d->i);
        }
    }
}

static void config(ras_det_config_t *c, double rate)
{
    ras_det_default_config(c, rate);
    c->gyr_range_dps = 2000.0f;
    c->acc_range_mps2 = 16.0f * 9.80665f;
}

/* how many events of kind lie within tol s of k * STRIDE_S + offset_s for some k; times from
 * idx / rate, or from t_us (rate 0: time stamps started at 0) */
static int on_time(const tlog_t *log, int kind, double rate, double offset_s, double tol_s)
{
    int k, good = 0;
    for (k = 0; k < log->n; k++) {
        double rel, t;
        if (log->ev[k].kind != kind) {
            continue;
        }
        t = rate > 0.0 ? log->ev[k].idx / rate : (double)log->ev[k].t_us * 1e-6;
        rel = fmod(t - offset_s + 100.0 * STRIDE_S, STRIDE_S);
        if (rel > STRIDE_S / 2) {
            rel -= STRIDE_S;
        }
        good += fabs(rel) <= tol_s;
    }
    return good;
}

static int same_events(const tlog_t *a, const tlog_t *b, uint32_t shift)
{
    int k;
    if (a->n != b->n) {
        return 0;
    }
    for (k = 0; k < a->n; k++) {
        if (a->ev[k].kind != b->ev[k].kind || a->ev[k].index != b->ev[k].index + shift ||
            a->ev[k].frac != b->ev[k].frac || a->ev[k].detected != b->ev[k].detected + shift) {
            return 0;
        }
    }
    return 1;
}

/* --- settings --- */

static void test_round_and_counts(void)
{
    ras_det_config_t c;
    ras_det_counts_t n;
    CHECK(ras_det_round_half_even(20.48) == 20);
    CHECK(ras_det_round_half_even(307.2) == 307);
    CHECK(ras_det_round_half_even(2.5) == 2);
    CHECK(ras_det_round_half_even(3.5) == 4);
    CHECK(ras_det_round_half_even(0.4) == 0);
    CHECK(ras_det_round_half_even(-1.0) == 0);
    /* docs/gait-events.md: at 204.8 Hz W = 20, MIN_SWING_N = 25, MAX_SWING_N = 307,
     * MIN_LOCKOUT_N = 41, IMPACT_BEFORE_N = 6, IMPACT_AFTER_N = 31 */
    ras_det_default_config(&c, 204.8);
    ras_det_counts(&c, 204.8, &n);
    CHECK(n.w == 20 && n.min_swing_n == 25 && n.max_swing_n == 307 && n.min_lockout_n == 41);
    CHECK(n.impact_before_n == 6 && n.impact_after_n == 31 && n.max_stride_n == 614);
    CHECK(n.ring_j == 69); /* IMPACT_BEFORE_N + 2 IMPACT_AFTER_N + 1 */
    /* exact halves as Python computes them in double: 0.1 * 125 = 12.5 -> 12, 0.03 * 50 = 1.5
     * -> 2, 0.15 * 50 = 7.5 -> 8 (a float 0.1f * 125 would give 13) */
    ras_det_counts(&c, 125.0, &n);
    CHECK(n.w == 12 && n.impact_before_n == 4 && n.impact_after_n == 19);
    ras_det_counts(&c, 50.0, &n);
    CHECK(n.w == 5 && n.impact_before_n == 2 && n.impact_after_n == 8 && n.min_swing_n == 6);
    ras_det_counts(&c, 1000.0, &n);
    CHECK(n.w == RAS_DET_MAX_W && n.ring_j == RAS_DET_MAX_RING_J);
}

static void test_config_checks(void)
{
    ras_det_config_t c;
    ras_det_t d;
    ras_det_default_config(&c, 200.0);
    CHECK(ras_det_check_config(&c) == NULL);
    c.impact_after_s = 0.2; /* >= min_lockout_s */
    CHECK(ras_det_check_config(&c) != NULL);
    c.min_lockout_s = 0.25; /* now allowed by the model, but 0.03 + 2 x 0.2 s is too long a ring */
    CHECK(ras_det_check_config(&c) != NULL);
    c.impact_before_s = 0.0;
    c.impact_after_s = 0.165; /* 0 + 2 x 0.165 s: the ring's length at the max rate */
    CHECK(ras_det_check_config(&c) == NULL);
    ras_det_default_config(&c, 200.0);
    c.landing_dps = 101.0;
    CHECK(ras_det_check_config(&c) != NULL);
    ras_det_default_config(&c, 200.0);
    c.min_swing_s = 0.02; /* <= impact_before_s */
    CHECK(ras_det_check_config(&c) != NULL);
    ras_det_default_config(&c, 200.0);
    c.ic_landmark = 2;
    CHECK(ras_det_check_config(&c) != NULL);
    ras_det_default_config(&c, 200.0);
    c.lockout_stride_pct = 81;
    CHECK(ras_det_check_config(&c) != NULL);
    ras_det_default_config(&c, 20.0);
    CHECK(ras_det_check_config(&c) != NULL);
    c.sample_rate_hz = NAN;
    CHECK(ras_det_check_config(&c) != NULL);
    /* a refused config still gives a working detector: the defaults at the clamped rate */
    ras_det_default_config(&c, 200.0);
    c.arm_dps = 0.0;
    CHECK(ras_det_init(&d, &c) == -1);
    CHECK(d.cfg.arm_dps == 30.0 && d.cfg.landing_dps == 20.0 && d.n.w == 20);
}

/* --- the event model on a clean walk --- */

static void test_clean(double rate, uint32_t t0)
{
    ras_det_t d;
    ras_det_config_t c;
    double half = 0.5 / rate + 1e-6;
    int k;
    config(&c, rate);
    run_walk(rate, 30.0, &c, m_none, t0, &g_log, &d);
    /* one IC per stride, at the impact's onset: the middle of the sampling interval in which
     * the impact began, so within half a sample of the contact */
    CHECK_MSG(g_log.per_kind[RAS_DET_IC] == N_STRIDES, "rate %g: %d ICs", rate,
              g_log.per_kind[RAS_DET_IC]);
    CHECK_MSG(on_time(&g_log, RAS_DET_IC, rate, LAND_PH * STRIDE_S + CONTACT_S, half) ==
                  N_STRIDES, "rate %g: ICs off the impact", rate);
    CHECK(g_log.per_kind[RAS_DET_MSW] == N_STRIDES);
    /* MSW: the swing's gyro minimum (mid-swing phase), within a sample and the noise (the
     * sine's trough is flat to 1 deg/s over +-9 ms) */
    CHECK(on_time(&g_log, RAS_DET_MSW, rate, (SWING_PH + LAND_PH) / 2 * STRIDE_S,
                  1.5 / rate + 0.01) == N_STRIDES);
    /* TO at the push-off peak; MS in the quiet stance; one each per stance before a swing */
    CHECK(g_log.per_kind[RAS_DET_TO] == N_STRIDES && g_log.per_kind[RAS_DET_MS] == N_STRIDES);
    CHECK_MSG(on_time(&g_log, RAS_DET_TO, rate, PUSH_PEAK_PH * STRIDE_S, 0.012) == N_STRIDES,
              "rate %g: TOs off the push-off peak", rate);
    CHECK(on_time(&g_log, RAS_DET_MS, rate, 0.275 * STRIDE_S, 0.275 * STRIDE_S) == N_STRIDES);
    CHECK(g_log.order_ok);
    for (k = 0; k < g_log.n; k++) {
        const tev_t *e = &g_log.ev[k];
        /* event time = t0 + idx / rate (the stamps are exact here) */
        double t_s = (double)(uint32_t)(e->t_us - t0) * 1e-6;
        CHECK_MSG(fabs(t_s - e->idx / rate) < 2e-6 + 1e-7 * t_s, "t_us off by %g s",
                  t_s - e->idx / rate);
        if (e->kind == RAS_DET_IC) {
            /* emitted at the end of the impact window (IMPACT_AFTER_N after the landing) + 1
             * sample for the median; the landing is CONTACT_S before the impact */
            double lat = (double)(e->detected - e->index) - e->frac;
            double want = d.n.impact_after_n + 1 - CONTACT_S * rate;
            CHECK_MSG(fabs(lat - want) <= 1.5, "rate %g: IC latency %g samples, not %g", rate,
                      lat, want);
        }
    }
    CHECK(d.stats.resets == 0 && d.stats.gaps == 0 && d.stats.rate_changes == 0 &&
          d.stats.saturated == 0 && d.stats.dropped == 0);
}

static void test_landmarks(double rate)
{
    ras_det_t d;
    ras_det_config_t c;
    int k;
    config(&c, rate);
    c.ic_landmark = RAS_DET_IC_GYRO_ZERO;
    c.to_landmark = RAS_DET_TO_GYRO_ZERO;
    run_walk(rate, 30.0, &c, m_none, 0, &g_log, &d);
    /* IC at the interpolated zero rise, TO at the zero fall after the push-off peak (linear
     * interpolation across the kink of the synthetic curve: within half a sample) */
    CHECK(g_log.per_kind[RAS_DET_IC] == N_STRIDES && g_log.per_kind[RAS_DET_TO] == N_STRIDES);
    CHECK_MSG(on_time(&g_log, RAS_DET_IC, rate, LAND_PH * STRIDE_S, 0.5 / rate + 0.001) ==
                  N_STRIDES, "rate %g: IC not at the zero rise", rate);
    CHECK_MSG(on_time(&g_log, RAS_DET_TO, rate, SWING_PH * STRIDE_S, 0.5 / rate + 0.001) ==
                  N_STRIDES, "rate %g: TO not at the zero fall", rate);
    for (k = 0; k < g_log.n; k++) {
        if (g_log.ev[k].kind == RAS_DET_IC) { /* at the landing, + 1 sample */
            CHECK(g_log.ev[k].detected - g_log.ev[k].index == 2u);
        }
    }
    CHECK(g_log.order_ok);
}

/* --- disturbances --- */

static double g_rate;

/* ringing after every IC: a decaying 12 Hz oscillation of gyr_y whose troughs reach -120 and
 * -70 deg/s 0.2-0.3 s after the contact (each lobe 40 ms: shorter than MIN_SWING) */
static int m_ringing(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    double dt = fmod(t - LAND_PH * STRIDE_S - CONTACT_S + 10.0 * STRIDE_S, STRIDE_S);
    (void)i; (void)acc; (void)t_us;
    if (t > LAND_PH * STRIDE_S && dt > 0.16 && dt < 0.36) {
        gyr[1] += (float)(-150.0 * exp(-(dt - 0.16) / 0.15) * sin(2.0 * PI * 12.0 * (dt - 0.16)));
    }
    return 0;
}

/* a second negative lobe as long as a short swing (0.15 s), 0.3 s after every landing from the
 * third stride on: inside the lock-out of 40 % of the running stride (0.44 s) */
static int m_late_lobe(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    double dt = fmod(t - LAND_PH * STRIDE_S + 10.0 * STRIDE_S, STRIDE_S);
    (void)i; (void)acc; (void)t_us;
    if (t > LAND_PH * STRIDE_S + 2.0 * STRIDE_S && dt > 0.3 && dt < 0.45) {
        gyr[1] = (float)(-120.0 * sin(PI * (dt - 0.3) / 0.15));
    }
    return 0;
}

/* one-sample glitches: gyr_y -189 deg/s just after the push-off peak (between +300 deg/s
 * neighbours), -400 deg/s on gyr_y in the stance, and one acc axis -30 m/s^2 in the stance.
 * (A positive gyr_y spike in the stance above the push-off peak would be taken for it: TO
 * (push_off) is the largest raw gyr_y, as in analysis/causal_events.py.) */
static int m_spikes(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    double ph = fmod(t, STRIDE_S) / STRIDE_S, step = 1.0 / g_rate / STRIDE_S;
    (void)i; (void)t_us;
    if (ph >= 0.595 && ph < 0.595 + step) {
        gyr[1] = -189.0f;
    }
    if (ph >= 0.2 && ph < 0.2 + step) {
        gyr[1] = -400.0f;
    }
    if (ph >= 0.35 && ph < 0.35 + step) {
        acc[1] = -30.0f;
    }
    return 0;
}

/* no impact on every other stride (soft landing); on every fourth, the impact is there but no
 * more than 4x the swing's own largest J (a knock in mid-swing): IC falls back to the landing */
static int m_soft(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    long stride = (long)floor(t / STRIDE_S);
    double ph = fmod(t, STRIDE_S) / STRIDE_S, step = 1.0 / g_rate / STRIDE_S;
    double dt = fmod(t - LAND_PH * STRIDE_S - CONTACT_S + 10.0 * STRIDE_S, STRIDE_S);
    (void)i; (void)gyr; (void)t_us;
    if (t > LAND_PH * STRIDE_S && dt < 0.2 && (long)floor((t - 0.3) / STRIDE_S) % 2 == 1) {
        acc[2] = (float)(9.81 + noise(0.05));
    }
    if (stride % 4 == 2 && ph >= 0.75 && ph < 0.75 + step) {
        acc[0] += 20.0f; /* J 400 in mid-swing against the impact's 900 */
    }
    return 0;
}

/* the swing never lands: gyr_y stays at -100 deg/s from the 10th swing on for 2 s */
static int m_no_landing(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    double start = 9.0 * STRIDE_S + SWING_PH * STRIDE_S + 0.05;
    (void)i; (void)acc; (void)t_us;
    if (t > start && t < start + 2.0) {
        gyr[1] = (float)(-100.0 + noise(1.0));
    }
    return 0;
}

/* a flat landing: after the swing gyr_y stalls at -5 deg/s for 0.3 s (an impact that rings the
 * gyro keeps it from rising through zero), then goes on */
static int m_no_zero(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    double dt = fmod(t - LAND_PH * STRIDE_S + 10.0 * STRIDE_S, STRIDE_S);
    (void)i; (void)acc; (void)t_us;
    if (dt < 0.3 && gyr[1] > -5.0f && t > LAND_PH * STRIDE_S) {
        gyr[1] = (float)(-5.0 + noise(1.0));
    }
    return 0;
}

static void test_flat_landing(double rate)
{
    ras_det_t d;
    ras_det_config_t c;
    int k, ok = 1;
    config(&c, rate);
    c.ic_landmark = RAS_DET_IC_GYRO_ZERO;
    run_walk(rate, 30.0, &c, m_no_zero, 0, &g_log, &d);
    /* no zero rise within IMPACT_AFTER_N of the swing's end: the end (gyr_y back above
     * -LANDING_DPS, 6.6 ms before the synthetic zero rise) stands in for it, emitted
     * IMPACT_AFTER_N after the end */
    CHECK_MSG(g_log.per_kind[RAS_DET_IC] == N_STRIDES, "flat %g Hz: %d ICs", rate,
              g_log.per_kind[RAS_DET_IC]);
    CHECK_MSG(on_time(&g_log, RAS_DET_IC, rate, LAND_PH * STRIDE_S - 0.0066, 0.5 / rate + 0.001)
                  == N_STRIDES, "flat %g Hz: ICs not at the swing's end", rate);
    for (k = 0; k < g_log.n; k++) {
        if (g_log.ev[k].kind == RAS_DET_IC) {
            int32_t lat = (int32_t)(g_log.ev[k].detected - g_log.ev[k].index);
            ok &= lat >= d.n.impact_after_n + 1 && lat <= d.n.impact_after_n + 3;
        }
    }
    CHECK(ok);
    /* the impact landmark is not moved by it: the window reaches to after the zero rise */
    config(&c, rate);
    run_walk(rate, 30.0, &c, m_no_zero, 0, &g_log, &d);
    CHECK(on_time(&g_log, RAS_DET_IC, rate, LAND_PH * STRIDE_S + CONTACT_S, 0.5 / rate + 1e-6) ==
          N_STRIDES);
}

/* Data that begin mid-swing (a recording, or a segment after a gap): that swing gives its IC but
 * no MS, TO or MSW; the next stance's MS comes after the IC. */
static void test_start_mid_swing(double rate)
{
    ras_det_t d;
    ras_det_config_t c;
    ras_det_event_t ev[RAS_DET_MAX_EVENTS];
    long i, n = (long)(10.0 * rate);
    double t0 = 0.8 * STRIDE_S; /* in the swing (0.62-0.95 of the stride) */
    int k, first_ic = -1;
    config(&c, rate);
    memset(&g_log, 0, sizeof g_log);
    g_seed = 12345;
    CHECK(ras_det_init(&d, &c) == 0);
    for (i = 0; i < n; i++) {
        float acc[3], gyr[3];
        double t = t0 + (double)i / rate;
        int m;
        synth_imu(t, acc, gyr);
        m = ras_det_update(&d, (uint32_t)((double)i * 1e6 / rate + 0.5), acc, gyr, ev);
        log_events(&g_log, ev, m, d.i);
    }
    for (k = 0; k < g_log.n && first_ic < 0; k++) {
        if (g_log.ev[k].kind == RAS_DET_IC) {
            first_ic = k;
        }
    }
    CHECK_MSG(first_ic == 0, "mid-swing start %g Hz: %d events before the first IC", rate,
              first_ic);
    /* that IC is the impact of the swing under way */
    CHECK(first_ic == 0 && fabs(g_log.ev[0].idx / rate + t0 - (LAND_PH * STRIDE_S + CONTACT_S)) <=
                               0.5 / rate + 1e-6);
    for (k = 1; k < g_log.n; k++) { /* then MS (after that IC), TO, MSW, IC, ... */
        CHECK(g_log.ev[k].kind != RAS_DET_MS || g_log.ev[k].idx > g_log.ev[0].idx);
    }
    CHECK(g_log.per_kind[RAS_DET_IC] == 9 && g_log.per_kind[RAS_DET_MSW] == 8);
}

static void test_ringing(double rate)
{
    ras_det_t d;
    ras_det_config_t c;
    g_rate = rate;
    config(&c, rate);
    run_walk(rate, 30.0, &c, m_none, 0, &g_ref, &d);
    run_walk(rate, 30.0, &c, m_ringing, 0, &g_log, &d);
    /* the ringing arms (s < -50) but never lasts MIN_SWING_N: the ICs are the clean ones */
    CHECK_MSG(g_log.per_kind[RAS_DET_IC] == N_STRIDES, "ringing %g Hz: %d ICs", rate,
              g_log.per_kind[RAS_DET_IC]);
    CHECK(on_time(&g_log, RAS_DET_IC, rate, LAND_PH * STRIDE_S + CONTACT_S, 0.5 / rate + 1e-6) ==
          N_STRIDES);
    CHECK(g_log.per_kind[RAS_DET_MSW] == N_STRIDES && g_log.per_kind[RAS_DET_TO] == N_STRIDES);
}

static void test_lockout(double rate)
{
    ras_det_t d;
    ras_det_config_t c;
    config(&c, rate);
    run_walk(rate, 30.0, &c, m_late_lobe, 0, &g_log, &d);
    /* the lobe would be a swing (it outlasts MIN_SWING_N) but comes inside the lock-out */
    CHECK_MSG(g_log.per_kind[RAS_DET_IC] == N_STRIDES, "lock-out %g Hz: %d ICs", rate,
              g_log.per_kind[RAS_DET_IC]);
    CHECK(on_time(&g_log, RAS_DET_IC, rate, LAND_PH * STRIDE_S + CONTACT_S, 0.5 / rate + 1e-6) ==
          N_STRIDES);
    /* without the stride share (only MIN_LOCKOUT, 0.2 s) each lobe is taken for a swing: the
     * rule is what keeps them out */
    c.lockout_stride_pct = 0;
    run_walk(rate, 30.0, &c, m_late_lobe, 0, &g_log, &d);
    CHECK_MSG(g_log.per_kind[RAS_DET_IC] >= N_STRIDES + 20, "no stride lock-out: %d ICs",
              g_log.per_kind[RAS_DET_IC]);
}

static void test_spikes(double rate)
{
    ras_det_t d;
    ras_det_config_t c;
    int k, same = 1;
    g_rate = rate;
    config(&c, rate);
    run_walk(rate, 30.0, &c, m_none, 0, &g_ref, &d);
    run_walk(rate, 30.0, &c, m_spikes, 0, &g_log, &d);
    /* the median removes a one-sample gyro spike; an acc spike in the stance is no impact: the
     * ICs, MSWs and TOs are exactly the clean ones */
    CHECK(g_log.per_kind[RAS_DET_IC] == N_STRIDES && g_log.per_kind[RAS_DET_TO] == N_STRIDES);
    for (k = 0; k < g_log.n && k < g_ref.n; k++) {
        if (g_log.ev[k].kind != RAS_DET_MS) {
            same &= g_log.ev[k].kind == g_ref.ev[k].kind && g_log.ev[k].idx == g_ref.ev[k].idx;
        }
    }
    CHECK_MSG(same && g_log.n == g_ref.n, "spikes %g Hz changed the events", rate);
}

static void test_soft_landing(double rate)
{
    ras_det_t d;
    ras_det_config_t c;
    int at_zero, at_impact;
    g_rate = rate;
    config(&c, rate);
    run_walk(rate, 30.0, &c, m_soft, 0, &g_log, &d);
    CHECK(g_log.per_kind[RAS_DET_IC] == N_STRIDES);
    at_zero = on_time(&g_log, RAS_DET_IC, rate, LAND_PH * STRIDE_S, 0.25 / rate + 0.001);
    at_impact = on_time(&g_log, RAS_DET_IC, rate, LAND_PH * STRIDE_S + CONTACT_S,
                        0.5 / rate + 1e-6);
    /* the odd landings have no impact (13), the swings of strides 2, 6, ..., 26 a knock (7):
     * those fall back to the zero rise; the other 7 are impact onsets */
    CHECK_MSG(at_zero == 20 && at_impact == 7, "%g Hz: %d at the zero rise, %d at impacts",
              rate, at_zero, at_impact);
}

static void test_swing_drop(double rate)
{
    ras_det_t d;
    ras_det_config_t c;
    config(&c, rate);
    run_walk(rate, 30.0, &c, m_no_landing, 0, &g_log, &d);
    /* the swing of stride 10 never lands: dropped after MAX_SWING_N (no MSW, no IC); s must
     * rise above -ARM_DPS before the next arming; the next strides are found again */
    CHECK_MSG(g_log.per_kind[RAS_DET_IC] == N_STRIDES - 2, "drop: %d ICs",
              g_log.per_kind[RAS_DET_IC]);
    CHECK(g_log.per_kind[RAS_DET_MSW] == N_STRIDES - 2);
    CHECK(on_time(&g_log, RAS_DET_IC, rate, LAND_PH * STRIDE_S + CONTACT_S, 0.5 / rate + 1e-6) ==
          N_STRIDES - 2);
}

/* --- input guards --- */

static long g_cut_from, g_cut_to; /* samples skipped (lost) */

static int m_lost(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    (void)t; (void)acc; (void)gyr; (void)t_us;
    return i >= g_cut_from && i < g_cut_to;
}

static int m_from(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    (void)t; (void)acc; (void)gyr; (void)t_us;
    return i < g_cut_to;
}

static int m_nan(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    (void)t; (void)t_us;
    if (i >= g_cut_from && i < g_cut_to) {
        if (i % 2) {
            gyr[1] = NAN;
        } else {
            acc[0] = INFINITY;
        }
    }
    return 0;
}

/* Samples lost, or NaN: the detector restarts, so the events after the gap are exactly those of
 * a new detector started at the first sample after it (index shifted); none spans the gap. */
static void test_restart_like_new(double rate, mangle_fn fn, long from, long to, int stat)
{
    ras_det_t d, d2;
    ras_det_config_t c;
    uint32_t gap_end = (uint32_t)to;
    tlog_t *after = &g_ref;
    int k, first_after = -1;
    config(&c, rate);
    g_cut_from = from;
    g_cut_to = to;
    run_walk(rate, 30.0, &c, fn, 0, &g_log, &d);
    CHECK(d.stats.resets == 1);
    CHECK(stat == 0 ? d.stats.gaps == 1 : d.stats.non_finite == (uint32_t)(to - from));
    run_walk(rate, 30.0, &c, m_from, 0, after, &d2); /* new detector from sample `to` */
    for (k = 0; k < g_log.n; k++) {
        if (g_log.ev[k].detected >= gap_end) {
            first_after = k;
            break;
        }
    }
    CHECK(first_after >= 0);
    if (first_after >= 0) {
        tlog_t tail;
        memset(&tail, 0, sizeof tail);
        tail.n = g_log.n - first_after;
        memcpy(tail.ev, g_log.ev + first_after, (size_t)tail.n * sizeof(tev_t));
        for (k = 0; k < tail.n; k++) {
            CHECK(tail.ev[k].idx >= (double)gap_end); /* nothing from before the gap */
        }
        /* d2 counted its samples from 0 at sample `to`; the restarted one kept counting */
        CHECK_MSG(same_events(&tail, after, gap_end), "%g Hz: events after the gap differ", rate);
    }
}

static int m_saturate(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    (void)i; (void)t; (void)t_us;
    /* a +-250 dps gyro clips push-off and swing; a +-2 g accelerometer clips the impact */
    gyr[1] = gyr[1] > 250.0f ? 250.0f : (gyr[1] < -250.0f ? -250.0f : gyr[1]);
    acc[2] = acc[2] > 19.6f ? 19.6f : acc[2];
    return 0;
}

static int m_stuck(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    (void)i; (void)acc; (void)t_us;
    if (t > 6.0 && t < 16.0) { /* the bus returns the same (swing-like) sample for 10 s */
        gyr[0] = 12.5f;
        gyr[1] = -180.0f;
        gyr[2] = 3.0f;
    }
    return 0;
}

static int m_jumps(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    (void)acc; (void)gyr;
    if (t > 5.0) {
        *t_us += 10000000u; /* +10 s forward jump */
    }
    if (t > 10.0) {
        *t_us -= 3000000u; /* 3 s back */
    }
    if (t > 15.0 && i % 5 == 0) {
        *t_us -= 1000u; /* jitter, some stamps out of order */
    }
    if (t > 20.0 && i % 7 == 0) {
        *t_us = 0x12345678u; /* garbage stamps */
    }
    return 0;
}

static int m_duplicates(long i, double t, float acc[3], float gyr[3], uint32_t *t_us)
{
    (void)t; (void)acc; (void)gyr; (void)t_us;
    return i % 50 == 7 ? 2 : 0; /* the same sample twice: the repeat is dropped */
}

static void test_guards(void)
{
    ras_det_t d;
    ras_det_config_t c;
    double rate = 200.0;
    int min_gap_ok = 1, k;
    double last = -1e9;
    g_rate = rate;
    config(&c, rate);

    c.gyr_range_dps = 250.0f;
    c.acc_range_mps2 = 19.6f;
    run_walk(rate, 30.0, &c, m_saturate, 0, &g_log, &d);
    CHECK(d.stats.saturated > 0 && d.stats.resets == 0);
    config(&c, rate);
    CHECK_MSG(g_log.per_kind[RAS_DET_IC] == N_STRIDES, "saturated: %d ICs",
              g_log.per_kind[RAS_DET_IC]);

    run_walk(rate, 30.0, &c, m_stuck, 0, &g_log, &d);
    CHECK(d.stats.stuck > 0 && d.stats.resets == 1);
    CHECK_MSG(g_log.per_kind[RAS_DET_IC] >= 15 && g_log.per_kind[RAS_DET_IC] <= 19,
              "stuck: %d ICs", g_log.per_kind[RAS_DET_IC]);
    for (k = 0; k < g_log.n; k++) {
        if (g_log.ev[k].kind == RAS_DET_IC) {
            double t = g_log.ev[k].idx / rate;
            min_gap_ok &= t - last > 0.9 && (t < 6.0 || t > 16.0);
            last = t;
        }
    }
    CHECK(min_gap_ok);

    run_walk(rate, 30.0, &c, m_jumps, 0, &g_log, &d);
    CHECK(d.stats.time_jumps >= 1 && d.stats.gaps >= 1 && d.stats.dropped > 0);
    CHECK_MSG(g_log.per_kind[RAS_DET_IC] <= N_STRIDES && g_log.per_kind[RAS_DET_IC] >= 10,
              "jumps: %d ICs", g_log.per_kind[RAS_DET_IC]);

    run_walk(rate, 30.0, &c, m_none, 0, &g_ref, &d);
    run_walk(rate, 30.0, &c, m_duplicates, 0, &g_log, &d);
    CHECK(d.stats.dropped == 120 && d.stats.resets == 0);
    CHECK(same_events(&g_log, &g_ref, 0)); /* as if they never came */

    /* 1 and 2 lost samples, and a run of NaN / inf: restarts like a new detector */
    test_restart_like_new(rate, m_lost, 2001, 2002, 0);
    test_restart_like_new(rate, m_lost, 3000, 3002, 0);
    test_restart_like_new(102.4, m_lost, 1500, 1502, 0);
    test_restart_like_new(rate, m_nan, 4000, 4100, 1);
}

/* The IMU runs at another rate than configured: restarted there after one block of RATE_BLOCK
 * samples (a slower rate looks like lost samples until then), event times right. */
static void test_rate_change(double nominal, double actual)
{
    ras_det_t d;
    ras_det_config_t c;
    config(&c, nominal);
    run_walk(actual, 30.0, &c, m_none, 0, &g_log, &d);
    CHECK_MSG(d.stats.rate_changes == 1, "%g->%g Hz: %u rate changes", nominal, actual,
              (unsigned)d.stats.rate_changes);
    CHECK_MSG(fabs(d.rate_hz - actual) < 0.02 * actual, "measured %g Hz", d.rate_hz);
    CHECK_MSG(g_log.per_kind[RAS_DET_IC] >= 25 && g_log.per_kind[RAS_DET_IC] <= N_STRIDES,
              "%g->%g Hz: %d ICs", nominal, actual, g_log.per_kind[RAS_DET_IC]);
    CHECK(on_time(&g_log, RAS_DET_IC, 0.0, LAND_PH * STRIDE_S + CONTACT_S, 0.5 / actual + 1e-4) ==
          g_log.per_kind[RAS_DET_IC]);
}

/* Full-scale white noise for 60 s: s never stays below zero for MIN_SWING_N samples. */
static void test_noise(void)
{
    ras_det_t d;
    ras_det_config_t c;
    ras_det_event_t ev[RAS_DET_MAX_EVENTS];
    long i;
    int n = 0;
    config(&c, 200.0);
    CHECK(ras_det_init(&d, &c) == 0);
    for (i = 0; i < 12000; i++) {
        float a[3], g[3];
        int k;
        for (k = 0; k < 3; k++) {
            g[k] = (float)noise(2000.0);
            a[k] = (float)noise(150.0);
        }
        n += ras_det_update(&d, (uint32_t)(i * 5000), a, g, ev);
    }
    CHECK_MSG(n == 0, "noise: %d events", n);
}

void test_detector_all(void)
{
    static const double rates[] = {50.0, 100.0, 102.4, 128.0, 200.0, 204.8, 409.6, 1000.0};
    size_t k;
    test_round_and_counts();
    test_config_checks();
    for (k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        test_clean(rates[k], 0);
        test_landmarks(rates[k]);
    }
    test_clean(200.0, 0xFFFFFFFFu - 3000000u); /* wraps 3 s in */
    test_ringing(100.0);
    test_ringing(204.8);
    test_lockout(100.0);
    test_lockout(1000.0);
    test_spikes(100.0);
    test_spikes(204.8);
    test_soft_landing(102.4);
    test_soft_landing(409.6);
    test_swing_drop(128.0);
    test_flat_landing(100.0);
    test_flat_landing(409.6);
    test_start_mid_swing(102.4);
    test_start_mid_swing(1000.0);
    test_guards();
    test_rate_change(200.0, 400.0);
    test_rate_change(200.0, 100.0);
    test_rate_change(100.0, 400.0);
    test_rate_change(400.0, 50.0);
    test_noise();
}
