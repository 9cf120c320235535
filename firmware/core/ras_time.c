#include "ras_time.h"

int32_t ras_time_diff(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    /* two's complement without implementation-defined conversion */
    return d < 0x80000000u ? (int32_t)d : -(int32_t)(~d) - 1;
}

int ras_time_reached(uint32_t now, uint32_t deadline)
{
    return ras_time_diff(now, deadline) >= 0;
}

void ras_unwrap_init(ras_unwrap_t *u)
{
    u->last = 0;
    u->last_raw = 0;
    u->started = 0;
}

uint64_t ras_unwrap(ras_unwrap_t *u, uint32_t t_us)
{
    if (!u->started) {
        u->started = 1;
        u->last = t_us;
    } else {
        int32_t d = ras_time_diff(t_us, u->last_raw);
        u->last = (uint64_t)((int64_t)u->last + d);
    }
    u->last_raw = t_us;
    return u->last;
}

void ras_clock_init(ras_clock_t *c, unsigned bits, uint32_t hz, uint32_t ticks_now)
{
    c->mask = bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1u);
    c->hz = hz ? hz : 1u;
    c->last_ticks = ticks_now & c->mask;
    c->total_ticks = 0;
}

uint32_t ras_clock_read_us(ras_clock_t *c, uint32_t ticks_now)
{
    uint32_t t = ticks_now & c->mask;
    c->total_ticks += (t - c->last_ticks) & c->mask;
    c->last_ticks = t;
    /* ticks -> us in 64 bits, then keep the low 32 bits (the wire's wrap) */
    return (uint32_t)((c->total_ticks / c->hz) * 1000000u +
                      ((c->total_ticks % c->hz) * 1000000u) / c->hz);
}
