/* Causal gait-event detector for one foot-mounted IMU: the C port of docs/gait-events.md
 * (analysis/causal_events.py), same algorithm and parameters, plus guards for bad input
 * (non-finite, stuck samples, time-stamp jumps, sample-rate changes; optionally swings shorter
 * than min_swing_s) that never act on clean gait data. No heap; fixed-size state (RAS_DET_MAX_W floats). */
#ifndef RAS_DETECTOR_H
#define RAS_DETECTOR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RAS_DET_MAX_W 100     /* W = max(2, round(0.1 s * fs)) <= 100 at 1000 Hz */
#define RAS_DET_MAX_EVENTS 4  /* most events one sample can emit (MS+TO or MSW+IC) */
#define RAS_DET_MIN_RATE_HZ 50.0f
#define RAS_DET_MAX_RATE_HZ 1000.0f

typedef struct {
    float sample_rate_hz; /* nominal IMU rate, 50..1000 */
    float arm_dps;        /* ARM_DPS = 50 */
    float ms_window_s;    /* 0.1 */
    float max_swing_s;    /* 1.5 */
    float ic_refractory_s; /* 0.2: no arming this soon after an IC */
    float min_swing_s;    /* 0 (off); e.g. 0.08: a zero rise sooner after arming is noise */
    float gyr_range_dps;  /* full scale, for the saturation count (0: unknown) */
} ras_det_config_t;

typedef struct {
    uint8_t kind;     /* enum ras_step_kind: 1 IC, 2 TO, 3 MSW, 4 MS */
    uint32_t t_us;    /* device time of the event */
    uint32_t index;   /* sample index of the event (integer part) since init */
    float frac;       /* fractional part: event at index + frac */
    uint32_t detected_index; /* sample at which it was emitted */
} ras_det_event_t;

typedef struct {
    uint32_t samples;      /* samples fed */
    uint32_t non_finite;   /* samples with a NaN/inf gyro value: skipped, detector re-armed */
    uint32_t saturated;    /* samples with a gyro value at full scale (counted only) */
    uint32_t stuck;        /* samples of a run of identical gyro values (>= 0.5 s): ignored */
    uint32_t time_jumps;   /* gaps > 3.5 periods or back steps, confirmed by the next stamp */
    uint32_t dropped;      /* duplicate, too-early or lone outlier time stamps: ignored */
    uint32_t rate_changes; /* re-initialised at a new measured rate */
    uint32_t short_swings; /* zero rise too soon after arming: dropped, MS/TO quiet */
    uint32_t resets;       /* fault resets (any of the above that re-armed) */
} ras_det_stats_t;

typedef struct {
    ras_det_config_t cfg;
    float rate_hz;    /* current rate (nominal, or measured after a change) */
    float period_us;
    int32_t w;
    int32_t max_swing_n;
    int32_t min_swing_n;
    int32_t refractory_n;
    uint32_t ic_i; /* sample of the last IC */
    float ring[RAS_DET_MAX_W];
    int32_t ring_pos;
    float run_sum;
    uint32_t i; /* index of the current sample */
    float prev_s;
    uint8_t armed;
    uint8_t quiet; /* after a fault reset: no MS/TO until the next IC */
    uint8_t started;
    uint32_t arm_i;
    float msw_min;
    uint32_t msw_i;
    uint32_t n_since_reset;
    float e_min;
    int32_t have_ms;
    uint32_t ms_end;
    float to_max;
    int32_t have_to;
    uint32_t to_i;
    /* input guards */
    uint32_t prev_t_us;
    uint8_t jump_pending;
    uint32_t pending_t_us;
    uint32_t last_stamp_us;
    float prev_g[3];
    uint32_t same_n;
    uint32_t stuck_n;
    uint32_t rate_n, rate_off_n;
    float rate_off_sum_us;
    ras_det_stats_t stats;
} ras_det_t;

/* Defaults of docs/gait-events.md at the given rate. */
void ras_det_default_config(ras_det_config_t *cfg, float sample_rate_hz);
/* Rates outside 50..1000 Hz are clamped. */
void ras_det_init(ras_det_t *d, const ras_det_config_t *cfg);
/* One sample at device time t_us: gyr in deg/s, foot frame (x fwd, y left, z up). Writes up to
 * RAS_DET_MAX_EVENTS events to ev, in the order MS, TO or MSW, IC; returns how many. */
int ras_det_update(ras_det_t *d, uint32_t t_us, const float gyr[3], ras_det_event_t *ev);
/* Bad-input counters. */
const ras_det_stats_t *ras_det_stats(const ras_det_t *d);
/* sizeof(ras_det_t), for callers that allocate the state themselves (ctypes). */
unsigned ras_det_state_bytes(void);
/* Python's round() (half to even), for W and MAX_SWING_N. */
int32_t ras_det_round_half_even(float x);

#ifdef __cplusplus
}
#endif

#endif
