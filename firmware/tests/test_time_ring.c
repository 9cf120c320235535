/* Device-time wrap handling and ring buffers. */
#include <string.h>

#include "ras_ring.h"
#include "ras_time.h"
#include "unit.h"

static void test_time(void)
{
    ras_unwrap_t u;
    ras_clock_t c;
    uint32_t t, us, prev;
    int i;
    CHECK(ras_time_diff(10, 5) == 5);
    CHECK(ras_time_diff(5, 10) == -5);
    CHECK(ras_time_diff(0x00000010u, 0xFFFFFFF0u) == 0x20);  /* across the wrap */
    CHECK(ras_time_diff(0xFFFFFFF0u, 0x00000010u) == -0x20);
    CHECK(ras_time_diff(0x80000000u, 0) == (-2147483647 - 1));
    CHECK(ras_time_reached(0x00000005u, 0xFFFFFFFBu));
    CHECK(!ras_time_reached(0xFFFFFFFBu, 0x00000005u));

    ras_unwrap_init(&u);
    CHECK(ras_unwrap(&u, 0xFFFFFF00u) == 0xFFFFFF00u);
    CHECK(ras_unwrap(&u, 0x00000100u) == 0x100000100ull);  /* forward over the wrap */
    CHECK(ras_unwrap(&u, 0xFFFFFFF0u) == 0xFFFFFFF0ull);   /* a little older: not a wrap */
    CHECK(ras_unwrap(&u, 0x00000010u) == 0x100000010ull);
    for (i = 0; i < 5; i++) { /* five wraps in 1.5e9 us steps */
        (void)ras_unwrap(&u, (uint32_t)(0x100000010ull + 1500000000ull * (i + 1)));
    }
    CHECK(u.last == 0x100000010ull + 1500000000ull * 5);

    /* a 24-bit RTC at 32768 Hz, extended to u32 us across many counter wraps */
    ras_clock_init(&c, 24, 32768u, 0xFFFF00u);
    prev = ras_clock_read_us(&c, 0xFFFF00u);
    CHECK(prev == 0);
    t = 0xFFFF00u;
    for (i = 0; i < 2000; i++) {
        t = (t + 100000u) & 0xFFFFFFu; /* ~3.05 s per step */
        us = ras_clock_read_us(&c, t);
        CHECK(ras_time_diff(us, prev) >= 3051757 && ras_time_diff(us, prev) <= 3051758);
        prev = us;
    }
    /* 2000 steps = 6103 s: past the 4295 s u32 wrap */
    CHECK(c.total_ticks == 200000000ull);
    CHECK(us == (uint32_t)((200000000ull * 1000000ull) / 32768ull));
}

static void test_ring(void)
{
    uint8_t store[10], out[16], in[16];
    ras_ring_t r;
    size_t i, k;
    for (i = 0; i < sizeof in; i++) {
        in[i] = (uint8_t)(i + 1);
    }
    ras_ring_init(&r, store, sizeof store);
    CHECK(ras_ring_used(&r) == 0 && ras_ring_free(&r) == 10);
    CHECK(ras_ring_write(&r, in, 7));
    CHECK(!ras_ring_write(&r, in, 4)); /* all or nothing */
    CHECK(ras_ring_used(&r) == 7);
    CHECK(ras_ring_read(&r, out, 5) == 5 && memcmp(out, in, 5) == 0);
    CHECK(ras_ring_write(&r, in, 8)); /* wraps */
    CHECK(ras_ring_free(&r) == 0);
    CHECK(ras_ring_peek(&r, 2, out, 3) == 3 && memcmp(out, in, 3) == 0);
    CHECK(ras_ring_read(&r, out, 16) == 10);
    CHECK(memcmp(out, in + 5, 2) == 0 && memcmp(out + 2, in, 8) == 0);
    CHECK(ras_ring_read(&r, out, 1) == 0);

    /* records, many times around */
    ras_ring_init(&r, store, sizeof store);
    for (k = 0; k < 50; k++) {
        size_t n = 1 + k % 6;
        CHECK(ras_ring_push_record(&r, in + k % 8, n));
        CHECK(ras_ring_pop_record(&r, out, sizeof out) == n);
        CHECK(memcmp(out, in + k % 8, n) == 0);
    }
    CHECK(ras_ring_push_record(&r, in, 4) && ras_ring_push_record(&r, in, 2));
    CHECK(!ras_ring_push_record(&r, in, 1)); /* 6 + 4 used, 2 + 1 does not fit */
    CHECK(!ras_ring_push_record(&r, in, 0));
    CHECK(ras_ring_pop_record(&r, out, 3) == 0); /* too long for out: dropped */
    CHECK(ras_ring_pop_record(&r, out, 3) == 2);
    CHECK(ras_ring_pop_record(&r, out, 3) == 0 && ras_ring_used(&r) == 0);

    /* a record from two parts is one record of both, in order; all or nothing */
    for (k = 0; k < 20; k++) {
        size_t na = k % 4, nb = 1 + k % 3;
        CHECK(ras_ring_push_record2(&r, in + 8, na, in + k % 5, nb));
        CHECK(ras_ring_pop_record(&r, out, sizeof out) == na + nb);
        CHECK(memcmp(out, in + 8, na) == 0 && memcmp(out + na, in + k % 5, nb) == 0);
    }
    CHECK(ras_ring_push_record2(&r, in, 3, (const uint8_t *)0, 0));
    CHECK(!ras_ring_push_record2(&r, in, 3, in, 3) && ras_ring_used(&r) == 5);
    CHECK(!ras_ring_push_record2(&r, in, 0, (const uint8_t *)0, 0));
}

void test_time_ring_all(void)
{
    test_time();
    test_ring();
}
