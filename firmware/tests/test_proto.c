/* CRC, COBS, frames and the stream receiver against docs/protocol-vectors.json. */
#include <string.h>

#include "ras_cobs.h"
#include "ras_crc16.h"
#include "ras_proto.h"
#include "unit.h"
#include "vectors.h"

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* Bit-wise reference from protocol.md. */
static uint16_t crc_bitwise(const uint8_t *p, size_t n)
{
    uint16_t crc = 0xFFFF;
    while (n--) {
        int b;
        crc = (uint16_t)(crc ^ (*p++ << 8));
        for (b = 0; b < 8; b++) {
            crc = (uint16_t)((crc & 0x8000u) ? (((unsigned)crc << 1) ^ 0x1021u) : ((unsigned)crc << 1));
        }
    }
    return crc;
}

static void test_crc(void)
{
    uint8_t buf[300];
    uint32_t seed = 1;
    size_t i, n;
    CHECK(ras_crc16((const uint8_t *)CRC_CHECK_INPUT, strlen(CRC_CHECK_INPUT)) == CRC_CHECK);
    CHECK(ras_crc16((const uint8_t *)"123456789", 9) == 0x29B1u);
    CHECK(ras_crc16(buf, 0) == 0xFFFFu);
    for (n = 0; n < sizeof buf; n += 7) {
        for (i = 0; i < n; i++) {
            buf[i] = (uint8_t)lcg(&seed);
        }
        CHECK(ras_crc16(buf, n) == crc_bitwise(buf, n));
        CHECK(ras_crc16_update(ras_crc16(buf, n / 2), buf + n / 2, n - n / 2) ==
              ras_crc16(buf, n));
    }
}

static void test_cobs(void)
{
    uint8_t enc[700], dec[700], raw[600];
    uint32_t seed = 7;
    size_t i, k, n;
    int m;
    for (i = 0; i < N_COBS; i++) {
        const cobs_vec_t *v = &COBS[i];
        n = ras_cobs_encode(v->raw, v->raw_len, enc);
        CHECK_MSG(n == v->enc_len && memcmp(enc, v->enc, n) == 0, "cobs encode %s", v->name);
        CHECK(n <= RAS_COBS_MAX_ENCODED(v->raw_len));
        m = ras_cobs_decode(v->enc, v->enc_len, dec, sizeof dec);
        CHECK_MSG(m == (int)v->raw_len && memcmp(dec, v->raw, v->raw_len) == 0,
                  "cobs decode %s", v->name);
    }
    for (i = 0; i < N_COBS_DECODE_ALSO; i++) {
        const cobs_vec_t *v = &COBS_DECODE_ALSO[i];
        m = ras_cobs_decode(v->enc, v->enc_len, dec, sizeof dec);
        CHECK_MSG(m == (int)v->raw_len && memcmp(dec, v->raw, v->raw_len) == 0,
                  "cobs decode_also %s", v->name);
    }
    /* invalid blocks */
    CHECK(ras_cobs_decode(enc, 0, dec, sizeof dec) == -1);
    {
        const uint8_t past[] = {0x05, 0x01, 0x02, 0x03};
        const uint8_t zero_in[] = {0x03, 0x00, 0x01};
        const uint8_t zero_code[] = {0x02, 0x01, 0x00};
        CHECK(ras_cobs_decode(past, sizeof past, dec, sizeof dec) == -1);
        CHECK(ras_cobs_decode(zero_in, sizeof zero_in, dec, sizeof dec) == -1);
        CHECK(ras_cobs_decode(zero_code, sizeof zero_code, dec, sizeof dec) == -1);
        CHECK(ras_cobs_decode(past, 3, dec, 1) == -1); /* output would overflow */
    }
    /* random round trips, also decoding in place */
    for (k = 0; k < 300; k++) {
        n = lcg(&seed) % sizeof raw;
        for (i = 0; i < n; i++) {
            raw[i] = (lcg(&seed) % 4 == 0) ? 0 : (uint8_t)lcg(&seed);
        }
        i = ras_cobs_encode(raw, n, enc);
        CHECK(i <= RAS_COBS_MAX_ENCODED(n));
        CHECK(memchr(enc, 0, i) == NULL);
        m = ras_cobs_decode(enc, i, enc, sizeof enc);
        CHECK(m == (int)n && memcmp(enc, raw, n) == 0);
    }
}

/* Encode a vector's message with the C encoders; returns the payload length. */
static size_t encode_vec(const frame_vec_t *v, uint8_t *p)
{
    ras_imu_t imu;
    switch (v->type) {
    case RAS_MSG_HELLO:
        return ras_encode_hello(p, &v->hello);
    case RAS_MSG_STEP:
        return ras_encode_step(p, &v->step);
    case RAS_MSG_STATUS:
        return ras_encode_status(p, &v->status);
    case RAS_MSG_PONG:
        return ras_encode_pong(p, v->ping_id, v->rx_t_us);
    case RAS_MSG_PING:
        return ras_encode_ping(p, v->ping_id);
    case RAS_MSG_IMU:
        imu.first_t_us = v->imu_first_t_us;
        imu.sample_rate_hz = v->imu_rate_hz;
        imu.n_samples = v->imu_n;
        imu.samples = v->imu;
        return ras_encode_imu(p, &imu);
    default:
        return 0; /* HELLO_REQUEST */
    }
}

static void test_frames(void)
{
    uint8_t payload[RAS_MAX_PAYLOAD_BYTES], frame[RAS_MAX_FRAME_BYTES],
        wire[RAS_MAX_WIRE_BYTES];
    size_t i, k, n, len;
    for (i = 0; i < N_FRAMES; i++) {
        const frame_vec_t *v = &FRAMES[i];
        ras_rx_t rx;
        ras_frame_t f;
        int got = 0;
        n = encode_vec(v, payload);
        len = ras_build_frame(frame, v->type, v->seq, v->t_us, payload, n);
        CHECK_MSG(len == v->frame_len && memcmp(frame, v->frame, len) == 0, "frame %s",
                  v->name);
        len = ras_frame_to_wire(wire, v->type, v->seq, v->t_us, payload, n, 0);
        CHECK_MSG(len == v->wire_len && memcmp(wire, v->wire, len) == 0, "wire %s", v->name);
        len = ras_frame_to_wire(wire, v->type, v->seq, v->t_us, payload, n, 1);
        CHECK_MSG(len == v->wire_len + 1 && wire[0] == 0 &&
                      memcmp(wire + 1, v->wire, v->wire_len) == 0,
                  "wire with leading delimiter %s", v->name);
        /* the receiver accepts every vector frame and decodes its header */
        ras_rx_init(&rx);
        for (k = 0; k < v->wire_len; k++) {
            if (ras_rx_byte(&rx, v->wire[k], &f)) {
                got++;
                CHECK(k == v->wire_len - 1);
                CHECK(f.type == v->type && f.seq == v->seq && f.t_us == v->t_us);
                CHECK(f.payload_len == n && memcmp(f.payload, payload, n) == 0);
                if (v->type == RAS_MSG_PING) {
                    CHECK(ras_ping_id(&f) == v->ping_id);
                }
            }
        }
        CHECK_MSG(got == 1 && rx.counts[RAS_RX_OK] == 1 && ras_rx_rejected(&rx) == 0,
                  "receive %s", v->name);
    }
    /* bad arguments */
    CHECK(ras_build_frame(frame, 1, 0, 0, payload, RAS_MAX_PAYLOAD_BYTES + 1) == 0);
    {
        ras_imu_t imu = {0, 400, RAS_MAX_IMU_SAMPLES + 1, NULL};
        CHECK(ras_encode_imu(payload, &imu) == 0);
    }
}

static void test_invalid(void)
{
    size_t i, k;
    for (i = 0; i < N_INVALID; i++) {
        const invalid_vec_t *v = &INVALID[i];
        const frame_vec_t *ok = &FRAMES[0];
        ras_rx_t rx;
        ras_frame_t f;
        int got = 0;
        ras_rx_init(&rx);
        for (k = 0; k < v->wire_len; k++) {
            got += ras_rx_byte(&rx, v->wire[k], &f);
        }
        CHECK_MSG(got == 0 && rx.counts[v->reason] == 1 && ras_rx_rejected(&rx) == 1,
                  "invalid %s: counts[%d]=%u rejected=%u", v->name, (int)v->reason,
                  (unsigned)rx.counts[v->reason], (unsigned)ras_rx_rejected(&rx));
        /* the next delimiter resynchronises: a good frame right after is received */
        for (k = 0; k < ok->wire_len; k++) {
            got += ras_rx_byte(&rx, ok->wire[k], &f);
        }
        CHECK_MSG(got == 1, "resync after %s", v->name);
    }
}

static void test_rx_noise(void)
{
    /* random bytes, never a crash, memory bounded; good frames still found between them */
    ras_rx_t rx;
    ras_frame_t f;
    uint32_t seed = 99;
    size_t i, k, frames = 0;
    ras_rx_init(&rx);
    for (i = 0; i < 20000; i++) {
        uint8_t b = (uint8_t)lcg(&seed);
        frames += (size_t)ras_rx_byte(&rx, b, &f);
        CHECK(rx.len <= sizeof rx.block);
        if (i % 1000 == 999) {
            ras_rx_byte(&rx, 0, &f);
            for (k = 0; k < FRAMES[2].wire_len; k++) {
                frames += (size_t)ras_rx_byte(&rx, FRAMES[2].wire[k], &f);
            }
        }
    }
    CHECK(frames >= 20);
    CHECK(ras_rx_rejected(&rx) > 0);
}

void test_proto_all(void)
{
    test_crc();
    test_cobs();
    test_frames();
    test_invalid();
    test_rx_noise();
}
