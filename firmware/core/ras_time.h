/* u32 microsecond device time (wraps every 2^32 us = 71.6 min) and its wrap handling. */
#ifndef RAS_TIME_H
#define RAS_TIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Signed difference a - b, correct across one wrap while |a - b| < 2^31 us (35.8 min). */
int32_t ras_time_diff(uint32_t a, uint32_t b);
/* 1 if a is at or after b (same window). */
int ras_time_reached(uint32_t now, uint32_t deadline);

/* Unwraps u32 times into a 64-bit count (docs/protocol.md section 7). */
typedef struct {
    uint64_t last;
    uint32_t last_raw;
    int started;
} ras_unwrap_t;

void ras_unwrap_init(ras_unwrap_t *u);
uint64_t ras_unwrap(ras_unwrap_t *u, uint32_t t_us);

/* Extends a free-running hardware counter of `bits` bits (1..32) ticking at `hz`
 * into u32 microseconds. Call ras_clock_read at least once per counter period. */
typedef struct {
    uint32_t mask;
    uint32_t hz;
    uint32_t last_ticks;
    uint64_t total_ticks;
} ras_clock_t;

void ras_clock_init(ras_clock_t *c, unsigned bits, uint32_t hz, uint32_t ticks_now);
uint32_t ras_clock_read_us(ras_clock_t *c, uint32_t ticks_now);

#ifdef __cplusplus
}
#endif

#endif
