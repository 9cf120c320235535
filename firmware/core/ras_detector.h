/* Causal gait-event detector for one foot-mounted IMU: the C port of docs/gait-events.md
 * ("The live detector, sample by sample"; analysis/causal_events.py), event for event: the same
 * settings, signals, states (STANCE, TENTATIVE, SWING, LANDING: the swing's end at
 * -LANDING_DPS, then the zero rise and the impact window), rules and emission order.
 *
 * Input per sample: acc (m/s^2) and gyr (deg/s) in the foot frame (x forward, y left, z up).
 * The analysis runs one sample behind the input (centred 3-sample median of gyr_y); events carry
 * the sample index (integer part + fraction) and the input sample at which they were emitted.
 *
 * Plus guards for bad input (non-finite values, stuck samples, time-stamp gaps and jumps,
 * duplicates, a sample rate other than configured; saturation is counted) that never act on
 * clean data; each restart behaves like a new detector, so no event spans a gap.
 *
 * No heap; fixed-size state (ras_det_t). Arithmetic: float32 state, except the gyro energy
 * (per sample and summed) and the impact's jerk^2, which are formed in double from the float32
 * inputs exactly as the Python reference forms them (see ras_detector.c). */
#ifndef RAS_DETECTOR_H
#define RAS_DETECTOR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The highest rate this build supports, Hz (an integer): the rings are sized for it. 1000 unless
 * the build defines less (a board whose IMU runs slower: the QEMU image and the XIAO port build
 * with 500, which saves 0.9 KB of RAM). Every translation unit of a build must see the same. */
#ifndef RAS_DET_MAX_RATE_HZ
#define RAS_DET_MAX_RATE_HZ 1000
#endif
#define RAS_DET_MIN_RATE_HZ 50
/* W = max(2, round(ms_window_s * fs)) <= ceil(0.1 s * max rate) (ms_window_s <= 0.1 s) */
#define RAS_DET_MAX_W ((RAS_DET_MAX_RATE_HZ + 9) / 10)
/* RING_J = IMPACT_BEFORE_N + 2 * IMPACT_AFTER_N + 1 at the max rate with the default 0.03 s and
 * 0.15 s: 331 at 1000 Hz. The C port refuses settings whose ring would be longer
 * (ras_det_check_config). */
#define RAS_DET_MAX_RING_J \
    ((3 * RAS_DET_MAX_RATE_HZ + 99) / 100 + 2 * ((15 * RAS_DET_MAX_RATE_HZ + 99) / 100) + 1)
/* Most events one sample can emit: MS + TO (confirmation) or MSW + IC (landing). */
#define RAS_DET_MAX_EVENTS 2

/* Event kinds, numbered as STEP kind in docs/protocol.md. */
enum ras_det_kind { RAS_DET_IC = 1, RAS_DET_TO = 2, RAS_DET_MSW = 3, RAS_DET_MS = 4 };
/* Where IC and TO are placed (docs/gait-events.md, "Which landmark"). */
enum ras_det_ic_landmark { RAS_DET_IC_IMPACT = 0, RAS_DET_IC_GYRO_ZERO = 1 };
enum ras_det_to_landmark { RAS_DET_TO_PUSH_OFF = 0, RAS_DET_TO_GYRO_ZERO = 1 };

/* Settings: the names and units of analysis.gait_events.EventSettings (seconds, deg/s, %). Double,
 * so the counts come out exactly as Python's round(setting * fs). */
typedef struct {
    double sample_rate_hz;      /* nominal IMU rate, 50..1000 */
    double arm_dps;             /* 30 */
    double landing_dps;         /* 20: the swing ends where s rises back above -landing_dps */
    double ms_window_s;         /* 0.1 */
    double min_swing_s;         /* 0.12 */
    double max_swing_s;         /* 1.5 */
    double min_lockout_s;       /* 0.2 */
    double max_stride_s;        /* 3.0 */
    double impact_before_s;     /* 0.03 */
    double impact_after_s;      /* 0.15 */
    int32_t lockout_stride_pct; /* 40 */
    uint8_t ic_landmark;        /* enum ras_det_ic_landmark: impact */
    uint8_t to_landmark;        /* enum ras_det_to_landmark: push_off */
    float gyr_range_dps;        /* gyro full scale, only for the saturation count (0: unknown) */
    float acc_range_mps2;       /* acc full scale, likewise */
} ras_det_config_t;

/* The settings in samples at one rate (analysis.gait_events.EventCounts). */
typedef struct {
    int32_t w;
    int32_t min_swing_n;
    int32_t max_swing_n;
    int32_t min_lockout_n;
    int32_t max_stride_n;
    int32_t impact_before_n;
    int32_t impact_after_n;
    int32_t ring_j; /* impact_before_n + 2 * impact_after_n + 1 */
} ras_det_counts_t;

typedef struct {
    uint8_t kind;            /* enum ras_det_kind */
    uint32_t t_us;           /* device time of the event */
    uint32_t index;          /* integer part of the event's sample index since init */
    float frac;              /* fractional part, 0 <= frac < 1: event at index + frac */
    uint32_t detected_index; /* input sample at which it was emitted */
} ras_det_event_t;

typedef struct {
    uint32_t samples;      /* samples fed */
    uint32_t non_finite;   /* samples with a NaN/inf value: skipped, detector restarted */
    uint32_t saturated;    /* samples with a value at full scale (counted only) */
    uint32_t stuck;        /* samples of a run of identical gyro values (>= 0.5 s): ignored */
    uint32_t gaps;         /* samples lost (a step of 1.5 periods to 60 s): restarted */
    uint32_t time_jumps;   /* the clock jumped (back, or over 60 s), confirmed by the next
                              stamp: restarted */
    uint32_t dropped;      /* duplicate, too-early or lone outlier time stamps: ignored */
    uint32_t rate_changes; /* restarted at a new measured rate */
    uint32_t resets;       /* restarts for any of the above */
} ras_det_stats_t;

typedef struct {
    ras_det_config_t cfg;
    ras_det_counts_t n;
    double rate_hz;  /* current rate (nominal, or measured after a change) */
    float period_us; /* 1e6 / rate_hz */
    /* --- input: sample i arrives, sample p = i - 1 is analysed --- */
    uint32_t i;         /* index of the last input sample since init (lost samples counted) */
    uint32_t p0;        /* index of the first input sample since the last (re)start */
    uint8_t started;    /* an input sample since the last (re)start */
    uint8_t state;      /* STANCE, TENTATIVE, SWING, LANDING */
    uint8_t fell;       /* s has been at or above -ARM_DPS since a swing was dropped */
    uint8_t flags;      /* have MS, TO, TO zero fall, last IC, zero rise */
    float gy2, gy1;     /* raw gyr_y of samples p - 1 and p */
    float g1[3];        /* gyr of p */
    float a1[3], a2[3]; /* acc of p and p - 1 */
    /* --- analysis of sample p --- */
    double run_sum; /* gyro energy of the last W samples */
    double e_min;   /* least window energy since the last landing */
    int32_t ring_pos;
    int32_t jpos; /* slot of sample p in jring */
    float s_prev; /* s of p - 1 */
    uint32_t earliest;
    uint32_t arm_i, msw_i, end_j, zero_j, zero_i, w1;
    float msw_min;
    float end_frac;  /* the swing's end at (end_j - 1) + end_frac */
    float zero_frac; /* the zero rise (or the end standing in for it) at zero_i + zero_frac */
    float peak_j;    /* largest J in the impact window so far */
    float swing_j;   /* largest J of the swing before the window */
    uint32_t n_since_reset; /* saturates at W */
    uint32_t ms_end;
    float to_max;
    uint32_t to_i;
    uint32_t to_fall_i; /* TO zero fall at (to_fall_i - 1) + to_fall_frac */
    float to_fall_frac;
    uint32_t last_k;
    int32_t hist[3]; /* the foot's last IC-to-IC intervals, samples */
    int32_t n_hist;
    /* --- input guards --- */
    uint32_t prev_t_us;
    uint32_t pending_t_us;
    uint32_t last_stamp_us;
    uint8_t ever_started;
    uint8_t jump_pending;
    float pend_acc[3], pend_gyr[3]; /* the held sample */
    float prev_g[3];
    uint32_t same_n;
    uint32_t stuck_n;
    uint32_t rate_n, rate_off_n;
    float rate_off_sum_us;
    ras_det_stats_t stats;
    /* --- rings --- */
    double ring[RAS_DET_MAX_W];      /* gyro energy per sample, (deg/s)^2 */
    float jring[RAS_DET_MAX_RING_J]; /* J = |acc[k] - acc[k-1]|^2, (m/s^2)^2 */
} ras_det_t;

/* Defaults of docs/gait-events.md at the given rate. */
void ras_det_default_config(ras_det_config_t *cfg, double sample_rate_hz);
/* NULL if cfg is allowed, else a one-line message naming the setting and what is allowed. */
const char *ras_det_check_config(const ras_det_config_t *cfg);
/* The settings in samples at rate_hz (Python's round, half to even). */
void ras_det_counts(const ras_det_config_t *cfg, double rate_hz, ras_det_counts_t *out);
/* Start the detector. Returns 0; -1 if cfg is not allowed (ras_det_check_config), in which case
 * the detector runs with the defaults at the configured rate (clamped to 50..1000 Hz). */
int ras_det_init(ras_det_t *d, const ras_det_config_t *cfg);
/* One sample at device time t_us: acc in m/s^2, gyr in deg/s, foot frame. Writes up to
 * RAS_DET_MAX_EVENTS events to ev in the order of docs/gait-events.md (MS, TO; MSW, IC);
 * returns how many. */
int ras_det_update(ras_det_t *d, uint32_t t_us, const float acc[3], const float gyr[3],
                   ras_det_event_t *ev);
/* Bad-input counters. */
const ras_det_stats_t *ras_det_stats(const ras_det_t *d);
/* sizeof(ras_det_t), for callers that allocate the state themselves (ctypes). */
unsigned ras_det_state_bytes(void);
/* Python's round() (half to even) for x >= 0; 0 for negative or NaN. */
int32_t ras_det_round_half_even(double x);

#ifdef __cplusplus
}
#endif

#endif
