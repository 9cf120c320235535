/* The sensor application: start of sending, HELLO/STATUS timing, PING/PONG, STEP and IMU frames,
 * sequence numbers, TX overflow. Every frame it writes is checked with the receiver. */
#include <string.h>

#include "ras_proto.h"
#include "ras_sensor.h"
#include "unit.h"
#include "vectors.h"

typedef struct {
    uint8_t type;
    uint16_t seq;
    uint32_t t_us;
    uint8_t payload[RAS_MAX_PAYLOAD_BYTES];
    size_t n;
} got_t;

static void config(ras_sensor_config_t *c, uint8_t imu_batch)
{
    memset(c, 0, sizeof *c);
    c->sensor_id = 0xC0FFEE01u;
    c->side = RAS_SIDE_LEFT;
    c->firmware_version[0] = 0;
    c->firmware_version[1] = 3;
    c->firmware_version[2] = 1;
    memcpy(c->imu_model, "LSM6DS3TR-C", 11);
    c->sample_rate_hz = 200;
    c->acc_range_g = 16;
    c->gyr_range_dps = 2000;
    c->imu_batch = imu_batch;
    c->wait_for_host = 1;
}

/* Drain all frames the sensor has ready at now_us; returns how many (all must decode). */
static int drain(ras_sensor_t *s, uint32_t now_us, got_t *out, int max)
{
    uint8_t wire[RAS_MAX_WIRE_BYTES];
    ras_rx_t rx;
    int n = 0;
    size_t len, k;
    ras_rx_init(&rx);
    while ((len = ras_sensor_tx(s, wire, sizeof wire, now_us)) > 0) {
        ras_frame_t f;
        int frames = 0;
        CHECK(wire[0] == 0 && wire[len - 1] == 0); /* leading and final delimiter */
        for (k = 0; k < len; k++) {
            if (ras_rx_byte(&rx, wire[k], &f)) {
                frames++;
                if (n < max) {
                    out[n].type = f.type;
                    out[n].seq = f.seq;
                    out[n].t_us = f.t_us;
                    out[n].n = f.payload_len;
                    memcpy(out[n].payload, f.payload, f.payload_len);
                }
                n++;
            }
        }
        CHECK(frames == 1);
    }
    CHECK(ras_rx_rejected(&rx) == 0);
    return n;
}

static void send_host(ras_sensor_t *s, const frame_vec_t *v, uint32_t now_us)
{
    ras_sensor_rx(s, v->wire, v->wire_len, now_us);
}

static const frame_vec_t *vec(const char *name)
{
    size_t i;
    for (i = 0; i < N_FRAMES; i++) {
        if (strcmp(FRAMES[i].name, name) == 0) {
            return &FRAMES[i];
        }
    }
    return NULL;
}

static got_t g_got[256];
static int16_t g_raw[4000][6]; /* the samples fed, to check the IMU frames against */

static void test_start_and_hello(void)
{
    ras_sensor_t s;
    ras_sensor_config_t c;
    uint32_t t;
    int n;
    config(&c, 0);
    ras_sensor_init(&s, &c, 1000);
    for (t = 1000; t < 3000000u; t += 10000) { /* 3 s before the host opens the port */
        ras_sensor_poll(&s, t);
    }
    CHECK(drain(&s, t, g_got, 256) == 0); /* nothing sent */
    CHECK(s.seq == 3);                    /* boot HELLO + 2 STATUS consumed seqs */
    send_host(&s, vec("hello_request_host"), t);
    n = drain(&s, t + 50, g_got, 256);
    CHECK(n == 1 && g_got[0].type == RAS_MSG_HELLO && g_got[0].seq == 3);
    CHECK(g_got[0].t_us == t && g_got[0].n == RAS_HELLO_PAYLOAD_BYTES);
    CHECK(ras_get_u32(g_got[0].payload + 4) == 0xC0FFEE01u && g_got[0].payload[8] == 1);
    CHECK(memcmp(g_got[0].payload + 9, "LSM6DS3TR-C\0\0\0\0\0", 16) == 0);
    CHECK(g_got[0].payload[30] == (RAS_CAP_STEPS | RAS_CAP_PING | RAS_CAP_STRIDE_FIGURES));
    CHECK(ras_get_u16(g_got[0].payload + 25) == 0); /* not streaming IMU */

    /* then HELLO every 5 s and STATUS every 1 s */
    {
        int hellos = 0, statuses = 0, k;
        uint32_t t0 = t;
        for (; t <= t0 + 10000000u; t += 10000) {
            ras_sensor_poll(&s, t);
            n = drain(&s, t, g_got, 256);
            for (k = 0; k < n; k++) {
                hellos += g_got[k].type == RAS_MSG_HELLO;
                statuses += g_got[k].type == RAS_MSG_STATUS;
            }
        }
        CHECK_MSG(hellos == 2 && statuses >= 10 && statuses <= 11, "%d HELLO, %d STATUS", hellos,
                  statuses);
    }
    /* a long stall: one STATUS, not a burst */
    t += 20000000u;
    ras_sensor_poll(&s, t);
    n = drain(&s, t, g_got, 256);
    CHECK(n == 2); /* one HELLO, one STATUS */
}

static void test_ping_pong(void)
{
    ras_sensor_t s;
    ras_sensor_config_t c;
    const frame_vec_t *ping = vec("ping_host");
    uint8_t bad[64];
    int n, k;
    config(&c, 0);
    ras_sensor_init(&s, &c, 0);
    send_host(&s, vec("hello_request_host"), 100);
    for (k = 0; k < 5; k++) { /* frames waiting in the queue */
        ras_sensor_poll(&s, 1000000u * (uint32_t)(k + 1));
    }
    /* the PING's final 0x00 arrives at 7 000 000; the PONG goes out first, built at 7 000 500 */
    ras_sensor_rx(&s, ping->wire, ping->wire_len - 1, 6999000u);
    ras_sensor_rx(&s, ping->wire + ping->wire_len - 1, 1, 7000000u);
    n = drain(&s, 7000500u, g_got, 256);
    CHECK(n == 7 && g_got[0].type == RAS_MSG_PONG);
    CHECK(ras_get_u32(g_got[0].payload) == ping->ping_id);
    CHECK(ras_get_u32(g_got[0].payload + 4) == 7000000u && g_got[0].t_us == 7000500u);
    for (k = 1; k < n; k++) { /* seq: +1 per frame on the wire, the PONG first */
        CHECK(g_got[k].seq == (uint16_t)(g_got[0].seq + k));
    }

    /* a damaged PING is not answered, and counted in STATUS.rx_errors */
    memcpy(bad, ping->wire, ping->wire_len);
    bad[3] ^= 0x40;
    ras_sensor_rx(&s, bad, ping->wire_len, 8000000u);
    ras_sensor_poll(&s, 8000000u);
    n = drain(&s, 8000001u, g_got, 256);
    CHECK(n == 2 && g_got[0].type == RAS_MSG_HELLO && g_got[1].type == RAS_MSG_STATUS);
    CHECK(ras_get_u32(g_got[1].payload + 12) == 1);

    /* many PINGs at once: every one answered while the small PONG queue has room */
    for (k = 0; k < (int)RAS_SENSOR_MAX_PONGS; k++) {
        ras_sensor_rx(&s, ping->wire, ping->wire_len, 9000000u + (uint32_t)k);
    }
    n = drain(&s, 9000100u, g_got, 256);
    CHECK(n == RAS_SENSOR_MAX_PONGS);
    for (k = 0; k < n; k++) {
        CHECK(g_got[k].type == RAS_MSG_PONG &&
              ras_get_u32(g_got[k].payload + 4) == 9000000u + (uint32_t)k);
    }
    /* host closes the port: the queue is dropped; it reopens with a PING */
    ras_sensor_poll(&s, 11000000u);
    ras_sensor_set_host(&s, 0);
    CHECK(drain(&s, 11000000u, g_got, 256) == 0);
    send_host(&s, ping, 12000000u);
    n = drain(&s, 12000000u, g_got, 256);
    CHECK(n == 1 && g_got[0].type == RAS_MSG_PONG);
}

static int16_t to_raw(float v, float full_scale)
{
    float x = v / full_scale * 32768.0f;
    return (int16_t)(x > 32767.0f ? 32767.0f : (x < -32768.0f ? -32768.0f : x));
}

static void raw_sample(double t, int16_t raw[6])
{
    float a[3], g[3];
    int k;
    synth_imu(t, a, g);
    for (k = 0; k < 3; k++) {
        raw[k] = to_raw(a[k], 16.0f * 9.80665f);
        raw[3 + k] = to_raw(g[k], 2000.0f);
    }
}

static void test_steps_and_imu(void)
{
    ras_sensor_t s;
    ras_sensor_config_t c;
    int i, n, k, ics = 0, imus = 0, stride_ok = 0, steps = 0;
    uint32_t t0 = 0xFFFFFFFFu - 5000000u; /* device time wraps 5 s in */
    uint16_t last_index = 0;
    config(&c, 10);
    ras_sensor_init(&s, &c, t0);
    ras_sensor_set_host(&s, 1);
    for (i = 0; i < 200 * 20; i++) { /* 20 s at 200 Hz */
        double t = i / 200.0;
        uint32_t t_us = t0 + (uint32_t)(t * 1e6 + 0.5);
        int16_t *raw = g_raw[i];
        raw_sample(t, raw);
        ras_sensor_sample(&s, t_us, raw, t_us + 100);
        ras_sensor_poll(&s, t_us + 100);
        n = drain(&s, t_us + 200, g_got, 256);
        for (k = 0; k < n; k++) {
            got_t *g = &g_got[k];
            if (g->type == RAS_MSG_STEP && g->payload[0] == RAS_KIND_INITIAL_CONTACT) {
                uint32_t ev_t = ras_get_u32(g->payload + 1), lat = ras_get_u32(g->payload + 5);
                double ev_s = (double)(uint32_t)(ev_t - t0) * 1e-6;
                /* the impact 20 ms after the landing, within half a sample */
                double rel = ev_s - 1.065 - 1.1 * ics;
                CHECK_MSG(rel > -0.0026 && rel < 0.0026, "IC %d at %.4f s", ics, ev_s);
                /* header = event + latency; emitted at the end of the impact window (0.15 s
                 * after the landing, + 1 sample): about 0.135 s after the impact */
                CHECK(g->t_us == ev_t + lat);
                CHECK_MSG(lat > 125000u && lat < 145000u, "IC latency %u us", (unsigned)lat);
                if (ics > 0) {
                    CHECK(ras_get_u16(g->payload + 9) == (uint16_t)(last_index + 1));
                    if (g->payload[11] & RAS_STEP_FLAG_STRIDE_TIME) {
                        uint32_t st = ras_get_u32(g->payload + 12);
                        /* 1.1 s within one sample: the impact onset is on the sample grid */
                        stride_ok += st >= 1095000u && st <= 1105000u;
                    }
                }
                last_index = ras_get_u16(g->payload + 9);
                ics++;
            } else if (g->type == RAS_MSG_STEP) {
                steps++;
            } else if (g->type == RAS_MSG_IMU) {
                CHECK(g->payload[6] == 10 && g->n == 7u + 120u);
                CHECK(ras_get_u16(g->payload + 4) == 200);
                { /* the raw samples as fed, acc and gyro */
                    uint32_t first = (ras_get_u32(g->payload) - t0) / 5000u;
                    int j, a;
                    for (j = 0; j < 10 && first + (uint32_t)j < 4000u; j++) {
                        for (a = 0; a < 6; a++) {
                            CHECK((int16_t)ras_get_u16(g->payload + 7 + 12 * j + 2 * a) ==
                                  g_raw[first + (uint32_t)j][a]);
                        }
                    }
                }
                imus++;
            }
        }
    }
    CHECK_MSG(ics == 18, "%d ICs in 20 s", ics);
    CHECK_MSG(steps == 3 * 18, "%d TO/MSW/MS steps", steps); /* 18 each */
    CHECK(stride_ok == 17);
    CHECK(imus == 400);
    CHECK(s.dropped_frames == 0 && s.dropped_samples == 0);
}

static void test_overflow_and_seq(void)
{
    ras_sensor_t s;
    ras_sensor_config_t c;
    int i, n;
    config(&c, 19);
    ras_sensor_init(&s, &c, 0);
    ras_sensor_set_host(&s, 1);
    s.seq = 65534;
    for (i = 0; i < 2000; i++) { /* nobody drains the TX queue */
        int16_t raw[6] = {1, 2, 3, 4, 5, (int16_t)i};
        ras_sensor_sample(&s, (uint32_t)i * 5000u, raw, (uint32_t)i * 5000u);
    }
    CHECK(s.dropped_frames > 0 && s.dropped_samples == 19u * s.dropped_frames);
    n = drain(&s, 10000000u, g_got, 256);
    /* dropped frames used their seqs (the host counts them lost); the rest follow on */
    CHECK(n >= 3 && g_got[0].seq == (uint16_t)(65534u + s.dropped_frames));
    for (i = 1; i < n; i++) {
        CHECK(g_got[i].seq == (uint16_t)(g_got[0].seq + i));
    }
    ras_sensor_poll(&s, 10000000u);
    n = drain(&s, 10000000u, g_got, 256);
    CHECK(n == 2 && g_got[1].type == RAS_MSG_STATUS);
    CHECK(ras_get_u32(g_got[1].payload + 8) == s.dropped_frames);
    CHECK(ras_get_u32(g_got[1].payload + 4) == s.dropped_samples);
    /* garbage from the host: no crash, counted */
    {
        uint8_t junk[600];
        for (i = 0; i < 600; i++) {
            junk[i] = (uint8_t)(i * 37 + 11);
        }
        ras_sensor_rx(&s, junk, sizeof junk, 11000000u);
        CHECK(ras_rx_rejected(&s.rx) > 0);
    }
}

static void test_seq_wrap(void)
{
    ras_sensor_t s;
    ras_sensor_config_t c;
    uint16_t want[4] = {65534, 65535, 0, 1};
    int k;
    config(&c, 0);
    ras_sensor_init(&s, &c, 0);
    ras_sensor_set_host(&s, 1);
    s.seq = 65534;
    for (k = 0; k < 4; k++) {
        ras_sensor_poll(&s, 1000000u * (uint32_t)(k + 1));
        CHECK(drain(&s, 1000000u * (uint32_t)(k + 1), g_got, 256) == 1);
        CHECK(g_got[0].seq == want[k] && g_got[0].type == RAS_MSG_STATUS);
    }
}

void test_sensor_all(void)
{
    test_seq_wrap();
    test_start_and_hello();
    test_ping_pong();
    test_steps_and_imu();
    test_overflow_and_seq();
}
