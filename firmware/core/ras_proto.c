#include "ras_proto.h"

#include "ras_cobs.h"
#include "ras_crc16.h"

void ras_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)(v >> 8);
}

void ras_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
    p[2] = (uint8_t)((v >> 16) & 0xFFu);
    p[3] = (uint8_t)(v >> 24);
}

uint16_t ras_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t ras_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

size_t ras_encode_hello(uint8_t *p, const ras_hello_t *m)
{
    size_t i;
    int ended = 0;
    p[0] = m->protocol_version;
    p[1] = m->firmware_version[0];
    p[2] = m->firmware_version[1];
    p[3] = m->firmware_version[2];
    ras_put_u32(p + 4, m->sensor_id);
    p[8] = m->side;
    for (i = 0; i < 16; i++) { /* copy up to the first NUL, pad with 0x00 */
        if (m->imu_model[i] == '\0') {
            ended = 1;
        }
        p[9 + i] = ended ? 0u : (uint8_t)m->imu_model[i];
    }
    ras_put_u16(p + 25, m->sample_rate_hz);
    p[27] = m->acc_range_g;
    ras_put_u16(p + 28, m->gyr_range_dps);
    p[30] = m->capabilities;
    return RAS_HELLO_PAYLOAD_BYTES;
}

size_t ras_encode_step(uint8_t *p, const ras_step_t *m)
{
    p[0] = m->kind;
    ras_put_u32(p + 1, m->event_t_us);
    ras_put_u32(p + 5, m->latency_us);
    ras_put_u16(p + 9, m->stride_index);
    p[11] = m->flags;
    ras_put_u32(p + 12, m->stride_time_us);
    ras_put_u32(p + 16, m->stance_time_us);
    ras_put_u16(p + 20, m->stride_length_mm);
    ras_put_u16(p + 22, m->clearance_mm);
    return RAS_STEP_PAYLOAD_BYTES;
}

size_t ras_encode_imu(uint8_t *p, const ras_imu_t *m)
{
    size_t i, k;
    if (m->n_samples > RAS_MAX_IMU_SAMPLES || (m->n_samples > 0 && m->samples == NULL)) {
        return 0;
    }
    ras_put_u32(p, m->first_t_us);
    ras_put_u16(p + 4, m->sample_rate_hz);
    p[6] = m->n_samples;
    for (i = 0; i < m->n_samples; i++) {
        for (k = 0; k < 6; k++) {
            ras_put_u16(p + RAS_IMU_HEAD_BYTES + 12 * i + 2 * k, (uint16_t)m->samples[i][k]);
        }
    }
    return RAS_IMU_HEAD_BYTES + 12u * m->n_samples;
}

size_t ras_encode_status(uint8_t *p, const ras_status_t *m)
{
    ras_put_u16(p, m->battery_mv);
    p[2] = m->battery_pct;
    p[3] = m->flags;
    ras_put_u32(p + 4, m->dropped_samples);
    ras_put_u32(p + 8, m->dropped_frames);
    ras_put_u32(p + 12, m->rx_errors);
    return RAS_STATUS_PAYLOAD_BYTES;
}

size_t ras_encode_pong(uint8_t *p, uint32_t ping_id, uint32_t rx_t_us)
{
    ras_put_u32(p, ping_id);
    ras_put_u32(p + 4, rx_t_us);
    return RAS_PONG_PAYLOAD_BYTES;
}

size_t ras_encode_ping(uint8_t *p, uint32_t ping_id)
{
    ras_put_u32(p, ping_id);
    return RAS_PING_PAYLOAD_BYTES;
}

size_t ras_build_frame(uint8_t *frame, uint8_t type, uint16_t seq, uint32_t t_us,
                       const uint8_t *payload, size_t n)
{
    size_t i;
    if (n > RAS_MAX_PAYLOAD_BYTES) {
        return 0;
    }
    frame[0] = RAS_PROTOCOL_VERSION;
    frame[1] = type;
    ras_put_u16(frame + 2, seq);
    ras_put_u32(frame + 4, t_us);
    for (i = 0; i < n; i++) {
        frame[RAS_HEADER_BYTES + i] = payload[i];
    }
    ras_put_u16(frame + RAS_HEADER_BYTES + n, ras_crc16(frame, RAS_HEADER_BYTES + n));
    return RAS_HEADER_BYTES + n + RAS_CRC_BYTES;
}

size_t ras_wire_in_place(uint8_t *wire, uint8_t type, uint16_t seq, uint32_t t_us, size_t n)
{
    uint8_t *frame = wire + 2; /* header, then the payload at RAS_WIRE_PAYLOAD_OFFSET */
    size_t len, o;
    if (n > RAS_MAX_PAYLOAD_BYTES) {
        return 0;
    }
    frame[0] = RAS_PROTOCOL_VERSION;
    frame[1] = type;
    ras_put_u16(frame + 2, seq);
    ras_put_u32(frame + 4, t_us);
    len = RAS_HEADER_BYTES + n;
    ras_put_u16(frame + len, ras_crc16(frame, len));
    len += RAS_CRC_BYTES;
    /* COBS one byte back onto itself: a frame (< 254 bytes) gains exactly one code byte */
    o = ras_cobs_encode(frame, len, wire + 1);
    wire[0] = 0;
    wire[1 + o] = 0;
    return o + 2;
}

size_t ras_frame_to_wire(uint8_t *wire, uint8_t type, uint16_t seq, uint32_t t_us,
                         const uint8_t *payload, size_t n, int leading_delimiter)
{
    size_t i, len;
    if (n > RAS_MAX_PAYLOAD_BYTES) {
        return 0;
    }
    for (i = n; i > 0; i--) { /* backwards: payload may sit below its place in wire */
        wire[RAS_WIRE_PAYLOAD_OFFSET + i - 1] = payload[i - 1];
    }
    len = ras_wire_in_place(wire, type, seq, t_us, n);
    if (!leading_delimiter) {
        for (i = 1; i < len; i++) {
            wire[i - 1] = wire[i];
        }
        len--;
    }
    return len;
}

/* Payload length and enum checks per type: RAS_RX_OK, BAD_PAYLOAD or UNKNOWN_TYPE. */
static enum ras_rx_result check_payload(uint8_t type, const uint8_t *p, size_t n)
{
    switch (type) {
    case RAS_MSG_HELLO:
        return (n == RAS_HELLO_PAYLOAD_BYTES && p[8] <= RAS_SIDE_RIGHT) ? RAS_RX_OK
                                                                       : RAS_RX_BAD_PAYLOAD;
    case RAS_MSG_STEP:
        return (n == RAS_STEP_PAYLOAD_BYTES && p[0] >= RAS_KIND_INITIAL_CONTACT &&
                p[0] <= RAS_KIND_MID_STANCE)
                   ? RAS_RX_OK
                   : RAS_RX_BAD_PAYLOAD;
    case RAS_MSG_IMU:
        return (n >= RAS_IMU_HEAD_BYTES && n == RAS_IMU_HEAD_BYTES + 12u * p[6]) ? RAS_RX_OK
                                                                              : RAS_RX_BAD_PAYLOAD;
    case RAS_MSG_STATUS:
        return n == RAS_STATUS_PAYLOAD_BYTES ? RAS_RX_OK : RAS_RX_BAD_PAYLOAD;
    case RAS_MSG_PONG:
        return n == RAS_PONG_PAYLOAD_BYTES ? RAS_RX_OK : RAS_RX_BAD_PAYLOAD;
    case RAS_MSG_PING:
        return n == RAS_PING_PAYLOAD_BYTES ? RAS_RX_OK : RAS_RX_BAD_PAYLOAD;
    case RAS_MSG_HELLO_REQUEST:
        return n == 0 ? RAS_RX_OK : RAS_RX_BAD_PAYLOAD;
    default:
        return RAS_RX_UNKNOWN_TYPE;
    }
}

enum ras_rx_result ras_parse_frame(const uint8_t *frame, size_t n, ras_frame_t *out)
{
    enum ras_rx_result r;
    size_t plen;
    if (n < RAS_MIN_FRAME_BYTES) {
        return RAS_RX_SHORT;
    }
    if (n > RAS_MAX_FRAME_BYTES) {
        return RAS_RX_OVERSIZED;
    }
    plen = n - RAS_MIN_FRAME_BYTES;
    if (ras_crc16(frame, n - RAS_CRC_BYTES) != ras_get_u16(frame + n - RAS_CRC_BYTES)) {
        return RAS_RX_CRC;
    }
    if (frame[0] != RAS_PROTOCOL_VERSION) {
        return RAS_RX_VERSION;
    }
    r = check_payload(frame[1], frame + RAS_HEADER_BYTES, plen);
    if (r != RAS_RX_OK) {
        return r;
    }
    out->version = frame[0];
    out->type = frame[1];
    out->seq = ras_get_u16(frame + 2);
    out->t_us = ras_get_u32(frame + 4);
    out->payload = frame + RAS_HEADER_BYTES;
    out->payload_len = plen;
    return RAS_RX_OK;
}

uint32_t ras_ping_id(const ras_frame_t *f)
{
    return ras_get_u32(f->payload);
}

void ras_rx_init(ras_rx_t *rx)
{
    size_t i;
    rx->len = 0;
    rx->skipping = 0;
    for (i = 0; i < RAS_RX_N_RESULTS; i++) {
        rx->counts[i] = 0;
    }
}

int ras_rx_byte(ras_rx_t *rx, uint8_t byte, ras_frame_t *out)
{
    enum ras_rx_result r;
    int n;
    if (byte != 0) {
        if (rx->skipping) {
            return 0;
        }
        if (rx->len >= sizeof rx->block) { /* too long: drop up to the next delimiter */
            rx->counts[RAS_RX_OVERSIZED]++;
            rx->len = 0;
            rx->skipping = 1;
            return 0;
        }
        rx->block[rx->len++] = byte;
        return 0;
    }
    if (rx->skipping || rx->len == 0) { /* end of an oversized run, or an empty block */
        rx->skipping = 0;
        rx->len = 0;
        return 0;
    }
    n = ras_cobs_decode(rx->block, rx->len, rx->block, sizeof rx->block);
    rx->len = 0;
    r = n < 0 ? RAS_RX_COBS : ras_parse_frame(rx->block, (size_t)n, out);
    rx->counts[r]++;
    return r == RAS_RX_OK;
}

uint32_t ras_rx_rejected(const ras_rx_t *rx)
{
    uint32_t sum = 0;
    size_t i;
    for (i = 1; i < RAS_RX_N_RESULTS; i++) {
        sum += rx->counts[i];
    }
    return sum;
}
