/* The detector on synthetic gait, and on bad input: no crash, no false step burst. */
#include <math.h>
#include <string.h>

#include "ras_detector.h"
#include "ras_proto.h"
#include "unit.h"

#define STRIDE_S 1.1
#define IC_PHASE 0.95 /* IC at k * STRIDE_S + IC_PHASE * STRIDE_S */

static uint32_t g_seed = 12345;

static double noise(double amp)
{
    g_seed = g_seed * 1664525u + 1013904223u;
    return amp * (((double)(g_seed >> 8) / 16777216.0) * 2.0 - 1.0);
}

/* Foot gyro (deg/s) at time t (s): stance, push-off +400, swing -350, IC burst +200. */
void synth_gait(double t, float g[3])
{
    const double pi = 3.14159265358979;
    double ph = fmod(t, STRIDE_S) / STRIDE_S, gy = 0.0;
    if (ph >= 0.55 && ph < 0.62) {
        gy = 400.0 * sin(pi * (ph - 0.55) / 0.07);
    } else if (ph >= 0.62 && ph < IC_PHASE) {
        gy = -350.0 * sin(pi * (ph - 0.62) / (IC_PHASE - 0.62));
    } else if (ph >= IC_PHASE) {
        gy = 200.0 * sin(pi * (ph - IC_PHASE) / 0.05);
    }
    g[0] = (float)(0.2 * gy + noise(1.0));
    g[1] = (float)(gy + noise(1.0));
    g[2] = (float)(0.1 * gy + noise(1.0));
}

typedef struct {
    int n_ic, n_other;
    double ic_t[400];
    double last_emit_s, min_ic_gap_s;
} run_t;

/* ICs: event time from t_us (relative to t0_us); gaps between emissions at now_s */
static void collect(run_t *r, const ras_det_event_t *ev, int n, double now_s, uint32_t t0_us)
{
    int k;
    for (k = 0; k < n; k++) {
        if (ev[k].kind == RAS_KIND_INITIAL_CONTACT) {
            double t = (double)(uint32_t)(ev[k].t_us - t0_us) * 1e-6;
            if (r->n_ic > 0 && now_s - r->last_emit_s < r->min_ic_gap_s) {
                r->min_ic_gap_s = now_s - r->last_emit_s;
            }
            r->last_emit_s = now_s;
            if (r->n_ic < 400) {
                r->ic_t[r->n_ic++] = t;
            }
        } else {
            r->n_other++;
        }
    }
}

static void run_init(run_t *r)
{
    memset(r, 0, sizeof *r);
    r->min_ic_gap_s = 1e9;
}

/* ICs must sit on k * STRIDE_S + IC_PHASE * STRIDE_S within one sample; returns how many do */
static int ics_on_time(const run_t *r, double rate)
{
    int k, good = 0;
    for (k = 0; k < r->n_ic; k++) {
        double rel = fmod(r->ic_t[k], STRIDE_S) - IC_PHASE * STRIDE_S;
        if (fabs(rel) <= 1.0 / rate + 1e-6) {
            good++;
        }
    }
    return good;
}

static void test_clean(double rate, uint32_t t0_us)
{
    ras_det_t d;
    ras_det_config_t c;
    ras_det_event_t ev[RAS_DET_MAX_EVENTS];
    run_t r;
    long i, n = (long)(30.0 * rate);
    int kinds[5] = {0, 0, 0, 0, 0}, k;
    run_init(&r);
    ras_det_default_config(&c, (float)rate);
    ras_det_init(&d, &c);
    for (i = 0; i < n; i++) {
        float g[3];
        double t = (double)i / rate;
        int m;
        synth_gait(t, g);
        m = ras_det_update(&d, t0_us + (uint32_t)(t * 1e6 + 0.5), g, ev);
        CHECK(m >= 0 && m <= RAS_DET_MAX_EVENTS);
        for (k = 0; k < m; k++) {
            kinds[ev[k].kind]++;
        }
        collect(&r, ev, m, t, t0_us);
    }
    /* 27 strides in 30 s: every IC found, on time, one per stride */
    CHECK_MSG(r.n_ic == 27, "rate %.0f: %d ICs", rate, r.n_ic);
    CHECK_MSG(ics_on_time(&r, rate) == r.n_ic, "rate %.0f: ICs off time", rate);
    CHECK(kinds[RAS_KIND_MID_SWING] == 27);
    CHECK(kinds[RAS_KIND_TOE_OFF] >= 26 && kinds[RAS_KIND_MID_STANCE] >= 26);
    CHECK(d.stats.resets == 0 && d.stats.short_swings == 0 && d.stats.rate_changes == 0);
}

/* Generic bad-input run: `fn` may change the sample and its time stamp. */
typedef void (*mangle_fn)(long i, double rate, float g[3], uint32_t *t_us);

static void run_mangled(double rate, double secs, mangle_fn fn, run_t *r, ras_det_t *d)
{
    ras_det_config_t c;
    ras_det_event_t ev[RAS_DET_MAX_EVENTS];
    long i, n = (long)(secs * rate);
    run_init(r);
    ras_det_default_config(&c, (float)rate);
    c.gyr_range_dps = 2000.0f;
    ras_det_init(d, &c);
    for (i = 0; i < n; i++) {
        float g[3];
        double t = (double)i / rate;
        uint32_t t_us = (uint32_t)(t * 1e6 + 0.5);
        int m;
        synth_gait(t, g);
        fn(i, rate, g, &t_us);
        m = ras_det_update(d, t_us, g, ev);
        CHECK(m >= 0 && m <= RAS_DET_MAX_EVENTS);
        collect(r, ev, m, t, 0u);
    }
}

static void m_nan(long i, double rate, float g[3], uint32_t *t)
{
    double s = (double)i / rate;
    (void)t;
    if ((s > 5.0 && s < 5.3) || i % 97 == 0) { /* a burst and scattered NaNs */
        g[1] = NAN;
    }
    if (s > 12.0 && s < 12.2) {
        g[0] = INFINITY;
        g[2] = -INFINITY;
    }
}

static void m_saturate(long i, double rate, float g[3], uint32_t *t)
{
    (void)i; (void)rate; (void)t;
    /* a +-250 dps gyro clips push-off and swing */
    g[1] = g[1] > 250.0f ? 250.0f : (g[1] < -250.0f ? -250.0f : g[1]);
}

static void m_rail(long i, double rate, float g[3], uint32_t *t)
{
    double s = (double)i / rate;
    (void)t;
    if (s > 6.0 && s < 16.0) { /* a fault pins every axis at negative full scale */
        g[0] = g[1] = g[2] = -2000.0f;
    }
}

static void m_stuck(long i, double rate, float g[3], uint32_t *t)
{
    double s = (double)i / rate;
    (void)t;
    if (s > 6.0 && s < 16.0) { /* the bus returns the same (swing-like) sample for 10 s */
        g[0] = 12.5f;
        g[1] = -180.0f;
        g[2] = 3.0f;
    }
}

static void m_jumps(long i, double rate, float g[3], uint32_t *t)
{
    double s = (double)i / rate;
    (void)g;
    if (s > 5.0) {
        *t += 10000000u; /* +10 s forward jump */
    }
    if (s > 10.0) {
        *t -= 3000000u; /* 3 s back */
    }
    if (s > 15.0 && i % 5 == 0) {
        *t -= 1000u; /* jitter, some stamps out of order */
    }
    if (s > 20.0 && i % 7 == 0) {
        *t = 0x12345678u; /* garbage stamps */
    }
    (void)rate;
}

static void m_wrap(long i, double rate, float g[3], uint32_t *t)
{
    (void)i; (void)rate; (void)g;
    *t += 0xFFFFFFFFu - 10000000u; /* wraps 10 s in */
}

static void m_lost(long i, double rate, float g[3], uint32_t *t)
{
    (void)g; (void)t; (void)rate;
    (void)i;
}

static void test_bad_input(void)
{
    ras_det_t d;
    run_t r, clean;
    double rate = 200.0;
    run_mangled(rate, 30.0, m_lost, &clean, &d); /* reference: 27 ICs */
    CHECK(clean.n_ic == 27);

    run_mangled(rate, 30.0, m_nan, &r, &d);
    CHECK(d.stats.non_finite > 0 && d.stats.resets > 0);
    CHECK_MSG(r.n_ic <= 27 && r.n_ic >= 18, "NaN: %d ICs", r.n_ic);
    CHECK_MSG(r.min_ic_gap_s > 0.9, "NaN: IC gap %.3f s", r.min_ic_gap_s);
    CHECK(ics_on_time(&r, rate) == r.n_ic);

    run_mangled(rate, 30.0, m_saturate, &r, &d);
    CHECK_MSG(r.n_ic == 27 && ics_on_time(&r, rate) == 27, "saturated: %d ICs", r.n_ic);

    run_mangled(rate, 30.0, m_rail, &r, &d);
    CHECK(d.stats.saturated > 0 && d.stats.stuck > 0);
    CHECK_MSG(r.n_ic <= 27 && r.n_ic >= 15 && r.min_ic_gap_s > 0.9, "rail: %d ICs gap %.3f",
              r.n_ic, r.min_ic_gap_s);
    CHECK(ics_on_time(&r, rate) == r.n_ic);
    CHECK_MSG(r.n_other <= 3 * r.n_ic + 4, "rail: %d other events", r.n_other);

    run_mangled(rate, 30.0, m_stuck, &r, &d);
    CHECK(d.stats.stuck > 0);
    CHECK_MSG(r.n_ic <= 27 && r.n_ic >= 15 && r.min_ic_gap_s > 0.9, "stuck: %d ICs", r.n_ic);

    run_mangled(rate, 30.0, m_jumps, &r, &d);
    CHECK(d.stats.time_jumps >= 2 && d.stats.dropped > 0);
    CHECK_MSG(r.n_ic <= 27 && r.min_ic_gap_s > 0.5, "jumps: %d ICs gap %.3f", r.n_ic,
              r.min_ic_gap_s);

    run_mangled(rate, 30.0, m_wrap, &r, &d);
    CHECK_MSG(r.n_ic == 27 && d.stats.resets == 0, "wrap: %d ICs", r.n_ic);
}

/* The IMU runs at another rate than configured: re-initialised once, events still right. */
static void test_rate_change(double nominal, double actual)
{
    ras_det_t d;
    ras_det_config_t c;
    ras_det_event_t ev[RAS_DET_MAX_EVENTS];
    run_t r;
    long i, n = (long)(30.0 * actual);
    run_init(&r);
    ras_det_default_config(&c, (float)nominal);
    ras_det_init(&d, &c);
    for (i = 0; i < n; i++) {
        float g[3];
        double t = (double)i / actual;
        synth_gait(t, g);
        collect(&r, ev, ras_det_update(&d, (uint32_t)(t * 1e6 + 0.5), g, ev), t, 0u);
    }
    CHECK_MSG(d.stats.rate_changes == 1, "%g->%g Hz: %u rate changes", nominal, actual,
              (unsigned)d.stats.rate_changes);
    CHECK_MSG(fabs(d.rate_hz - actual) < 0.02 * actual, "measured %g Hz", (double)d.rate_hz);
    CHECK_MSG(r.n_ic >= 25 && r.n_ic <= 27 && r.min_ic_gap_s > 0.9, "%g->%g Hz: %d ICs",
              nominal, actual, r.n_ic);
    CHECK(ics_on_time(&r, actual) == r.n_ic);
}

/* white noise at full scale for 60 s */
static void noise_run(float min_swing_s, run_t *r)
{
    ras_det_t d;
    ras_det_config_t c;
    ras_det_event_t ev[RAS_DET_MAX_EVENTS];
    long i;
    run_init(r);
    ras_det_default_config(&c, 200.0f);
    c.min_swing_s = min_swing_s;
    ras_det_init(&d, &c);
    for (i = 0; i < 12000; i++) {
        float g[3];
        g[0] = (float)noise(2000.0);
        g[1] = (float)noise(2000.0);
        g[2] = (float)noise(2000.0);
        collect(r, ev, ras_det_update(&d, (uint32_t)(i * 5000), g, ev), (double)i / 200.0, 0u);
    }
}

static void test_noise(void)
{
    run_t r;
    /* the spec's refractory time (0.2 s after an IC) bounds the rate of false ICs */
    noise_run(0.0f, &r);
    CHECK_MSG(r.min_ic_gap_s >= 0.2 - 1e-9, "noise: IC gap %.3f s", r.min_ic_gap_s);
    /* with the optional short-swing guard, noise gives (almost) no events at all */
    noise_run(0.08f, &r);
    CHECK_MSG(r.n_ic <= 2 && r.n_other <= 4, "noise, guard: %d ICs, %d others", r.n_ic,
              r.n_other);
}

static void test_round(void)
{
    CHECK(ras_det_round_half_even(20.48f) == 20);
    CHECK(ras_det_round_half_even(307.2f) == 307);
    CHECK(ras_det_round_half_even(2.5f) == 2);
    CHECK(ras_det_round_half_even(3.5f) == 4);
    CHECK(ras_det_round_half_even(0.4f) == 0);
}

void test_detector_all(void)
{
    test_round();
    test_clean(200.0, 0);
    test_clean(102.4, 0);
    test_clean(400.0, 0);
    test_clean(1000.0, 0);
    test_clean(50.0, 0);
    test_clean(200.0, 0xFFFFFFFFu - 3000000u); /* wraps 3 s in */
    test_bad_input();
    test_rate_change(200.0, 400.0);
    test_rate_change(200.0, 100.0);
    test_rate_change(100.0, 400.0);
    test_rate_change(400.0, 50.0);
    test_noise();
}
