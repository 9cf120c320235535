#include "ras_sensor.h"

#include "ras_time.h"

#if defined(__GNUC__)
#define RAS_NOINLINE __attribute__((noinline))
#else
#define RAS_NOINLINE
#endif

#define DEFAULT_HELLO_US 5000000u
#define DEFAULT_STATUS_US 1000000u

/* Queue one message: type, header time, payload. Its seq is given when it is sent (PONGs go
 * ahead of the queue, and seq must rise by one per frame on the wire). A frame that cannot be
 * sent (no host yet, TX queue full) still uses a seq, so the host counts it as lost. */
static void queue_frame(ras_sensor_t *s, uint8_t type, uint32_t t_us, const uint8_t *payload,
                        size_t n)
{
    uint8_t head[5]; /* type, time: the payload follows straight from the caller's buffer */
    if (!s->host_attached) {
        s->seq++;
        return;
    }
    head[0] = type;
    ras_put_u32(head + 1, t_us);
    if (n > RAS_MAX_PAYLOAD_BYTES || !ras_ring_push_record2(&s->tx, head, 5, payload, n)) {
        s->dropped_frames++;
        s->seq++;
    }
}

void ras_sensor_send_hello(ras_sensor_t *s, uint32_t now_us)
{
    ras_hello_t h;
    uint8_t p[RAS_HELLO_PAYLOAD_BYTES];
    size_t i;
    h.protocol_version = RAS_PROTOCOL_VERSION;
    for (i = 0; i < 3; i++) {
        h.firmware_version[i] = s->cfg.firmware_version[i];
    }
    h.sensor_id = s->cfg.sensor_id;
    h.side = s->cfg.side;
    for (i = 0; i < 16; i++) {
        h.imu_model[i] = s->cfg.imu_model[i];
    }
    h.sample_rate_hz = s->cfg.imu_batch ? s->cfg.sample_rate_hz : 0;
    h.acc_range_g = s->cfg.acc_range_g;
    h.gyr_range_dps = s->cfg.gyr_range_dps;
    h.capabilities = (uint8_t)(RAS_CAP_STEPS | RAS_CAP_PING | RAS_CAP_STRIDE_FIGURES |
                               (s->cfg.imu_batch ? RAS_CAP_IMU_STREAM : 0u));
    queue_frame(s, RAS_MSG_HELLO, now_us, p, ras_encode_hello(p, &h));
    s->next_hello_us = now_us + s->cfg.hello_interval_us;
}

static void send_status(ras_sensor_t *s, uint32_t now_us)
{
    ras_status_t st;
    uint8_t p[RAS_STATUS_PAYLOAD_BYTES];
    st.battery_mv = s->battery_mv;
    st.battery_pct = s->battery_pct;
    st.flags = s->status_flags;
    st.dropped_samples = s->dropped_samples;
    st.dropped_frames = s->dropped_frames;
    st.rx_errors = ras_rx_rejected(&s->rx);
    queue_frame(s, RAS_MSG_STATUS, now_us, p, ras_encode_status(p, &st));
}

void ras_sensor_init(ras_sensor_t *s, const ras_sensor_config_t *cfg, uint32_t now_us)
{
    s->cfg = *cfg;
    if (s->cfg.hello_interval_us == 0) {
        s->cfg.hello_interval_us = DEFAULT_HELLO_US;
    }
    if (s->cfg.status_interval_us == 0) {
        s->cfg.status_interval_us = DEFAULT_STATUS_US;
    }
    if (s->cfg.imu_batch > RAS_MAX_IMU_SAMPLES) {
        s->cfg.imu_batch = RAS_MAX_IMU_SAMPLES;
    }
    {
        ras_det_config_t dc;
        ras_det_default_config(&dc, s->cfg.det_rate_hz > 0.0f ? (double)s->cfg.det_rate_hz
                                                           : (double)s->cfg.sample_rate_hz);
        dc.gyr_range_dps = (float)s->cfg.gyr_range_dps;
        dc.acc_range_mps2 = (float)s->cfg.acc_range_g * RAS_GRAVITY_MPS2;
        (void)ras_det_init(&s->det, &dc); /* the defaults are always allowed */
    }
    ras_rx_init(&s->rx);
    ras_ring_init(&s->tx, s->tx_storage, sizeof s->tx_storage);
    s->n_pongs = 0;
    s->seq = 0;
    s->host_attached = (uint8_t)(cfg->wait_for_host ? 0 : 1);
    s->stride_index = 0;
    s->have_ic = s->have_stride = s->have_stance = 0;
    s->last_ic_us = s->stride_time_us = s->stance_time_us = 0;
    s->batch_n = 0;
    s->batch_first_us = 0;
    s->battery_mv = 0;
    s->battery_pct = 255;
    s->status_flags = 0;
    s->dropped_samples = 0;
    s->dropped_frames = 0;
    s->steps_sent = 0;
    ras_sensor_send_hello(s, now_us); /* seq 0 */
    s->next_status_us = now_us + s->cfg.status_interval_us;
}

void ras_sensor_set_host(ras_sensor_t *s, int attached)
{
    s->host_attached = (uint8_t)(attached ? 1 : 0);
    if (!attached) { /* nobody listens: what is queued would be flushed by the next open */
        ras_ring_clear(&s->tx);
        s->n_pongs = 0;
    }
}

void ras_sensor_set_battery(ras_sensor_t *s, uint16_t mv, uint8_t pct, uint8_t flags)
{
    s->battery_mv = mv;
    s->battery_pct = pct;
    s->status_flags = flags;
}

void ras_sensor_rx(ras_sensor_t *s, const uint8_t *data, size_t n, uint32_t now_us)
{
    size_t i;
    ras_frame_t f;
    for (i = 0; i < n; i++) {
        if (!ras_rx_byte(&s->rx, data[i], &f)) {
            continue;
        }
        if (f.type == RAS_MSG_PING) {
            s->host_attached = 1;
            if (s->n_pongs < RAS_SENSOR_MAX_PONGS) {
                s->pong_id[s->n_pongs] = ras_ping_id(&f);
                s->pong_rx_t_us[s->n_pongs] = now_us;
                s->n_pongs++;
            } else {
                s->dropped_frames++;
            }
        } else if (f.type == RAS_MSG_HELLO_REQUEST) {
            s->host_attached = 1;
            ras_sensor_send_hello(s, now_us);
        }
        /* valid frames of the other direction are ignored */
    }
}

/* Not inlined: its frame (a STEP payload) then never sits under the detector's on the stack. */
static RAS_NOINLINE void on_event(ras_sensor_t *s, const ras_det_event_t *e, uint32_t now_us)
{
    ras_step_t st;
    uint8_t p[RAS_STEP_PAYLOAD_BYTES];
    if (e->kind == RAS_KIND_INITIAL_CONTACT) {
        if (s->have_ic) {
            uint32_t stride = e->t_us - s->last_ic_us;
            s->have_stride = stride <= 3000000u; /* longer: a stop, not a stride */
            if (!s->have_stride) {
                s->have_stance = 0;
            }
            s->stride_time_us = stride;
            s->stride_index++;
        }
        s->have_ic = 1;
        s->last_ic_us = e->t_us;
    } else if (e->kind == RAS_KIND_TOE_OFF && s->have_ic) {
        uint32_t stance = e->t_us - s->last_ic_us;
        s->have_stance = stance <= 3000000u;
        s->stance_time_us = stance;
    }
    st.kind = e->kind;
    st.event_t_us = e->t_us;
    st.latency_us = now_us - e->t_us;
    st.stride_index = s->stride_index;
    st.flags = 0;
    st.stride_time_us = st.stance_time_us = 0;
    st.stride_length_mm = st.clearance_mm = 0;
    if (s->have_stride) {
        st.flags |= RAS_STEP_FLAG_STRIDE_TIME;
        st.stride_time_us = s->stride_time_us;
    }
    if (s->have_stance) {
        st.flags |= RAS_STEP_FLAG_STANCE_TIME;
        st.stance_time_us = s->stance_time_us;
    }
    queue_frame(s, RAS_MSG_STEP, now_us, p, ras_encode_step(p, &st));
    s->steps_sent++;
}

static void flush_batch(ras_sensor_t *s, uint32_t now_us)
{
    uint32_t before = s->dropped_frames;
    if (s->batch_n == 0) {
        return;
    }
    ras_put_u32(s->imu_payload, s->batch_first_us); /* IMU head (docs/protocol.md) */
    ras_put_u16(s->imu_payload + 4, s->cfg.sample_rate_hz);
    s->imu_payload[6] = s->batch_n;
    queue_frame(s, RAS_MSG_IMU, now_us, s->imu_payload, RAS_IMU_HEAD_BYTES + 12u * s->batch_n);
    if (s->dropped_frames != before) {
        s->dropped_samples += s->batch_n;
    }
    s->batch_n = 0;
}

void ras_sensor_sample_lost(ras_sensor_t *s, uint32_t n)
{
    s->dropped_samples += n;
}

void ras_sensor_sample(ras_sensor_t *s, uint32_t t_us, const int16_t raw[6], uint32_t now_us)
{
    float acc[3], gyr[3];
    ras_det_event_t ev[RAS_DET_MAX_EVENTS];
    const float ka = (float)s->cfg.acc_range_g * RAS_GRAVITY_MPS2 / 32768.0f;
    const float kg = (float)s->cfg.gyr_range_dps / 32768.0f;
    int i, n;
    for (i = 0; i < 3; i++) {
        acc[i] = (float)raw[i] * ka; /* m/s^2: the impact for the initial contact */
        gyr[i] = (float)raw[3 + i] * kg;
    }
    n = ras_det_update(&s->det, t_us, acc, gyr, ev);
    for (i = 0; i < n; i++) {
        on_event(s, &ev[i], now_us);
    }
    if (s->cfg.imu_batch) {
        /* a batch holds evenly spaced samples: start a new one after a gap */
        if (s->batch_n > 0 && s->cfg.sample_rate_hz > 0) {
            uint32_t expect = s->batch_first_us +
                              (uint32_t)(((uint64_t)s->batch_n * 1000000u) / s->cfg.sample_rate_hz);
            int32_t off = ras_time_diff(t_us, expect);
            if (off > 2000 || off < -2000) {
                flush_batch(s, now_us);
            }
        }
        if (s->batch_n == 0) {
            s->batch_first_us = t_us;
        }
        for (i = 0; i < 6; i++) {
            ras_put_u16(s->imu_payload + RAS_IMU_HEAD_BYTES + 12u * s->batch_n + 2u * (unsigned)i,
                        (uint16_t)raw[i]);
        }
        if (++s->batch_n >= s->cfg.imu_batch) {
            flush_batch(s, now_us);
        }
    }
}

void ras_sensor_poll(ras_sensor_t *s, uint32_t now_us)
{
    if (ras_time_reached(now_us, s->next_hello_us)) {
        ras_sensor_send_hello(s, now_us);
    }
    if (ras_time_reached(now_us, s->next_status_us)) {
        send_status(s, now_us);
        s->next_status_us += s->cfg.status_interval_us;
        if (ras_time_reached(now_us, s->next_status_us)) { /* long stall: no burst */
            s->next_status_us = now_us + s->cfg.status_interval_us;
        }
    }
}

size_t ras_sensor_tx(ras_sensor_t *s, uint8_t *out, size_t cap, uint32_t now_us)
{
    /* payloads go straight to their place in out; the frame is built around them there */
    uint8_t *rec = out + RAS_WIRE_PAYLOAD_OFFSET - 5; /* type, time, payload */
    size_t n;
    if (cap < RAS_MAX_WIRE_BYTES) {
        return 0;
    }
    if (s->n_pongs > 0) { /* built now, ahead of the queue */
        size_t i;
        ras_encode_pong(out + RAS_WIRE_PAYLOAD_OFFSET, s->pong_id[0], s->pong_rx_t_us[0]);
        for (i = 1; i < s->n_pongs; i++) {
            s->pong_id[i - 1] = s->pong_id[i];
            s->pong_rx_t_us[i - 1] = s->pong_rx_t_us[i];
        }
        s->n_pongs--;
        return ras_wire_in_place(out, RAS_MSG_PONG, s->seq++, now_us, RAS_PONG_PAYLOAD_BYTES);
    }
    n = ras_ring_pop_record(&s->tx, rec, RAS_MAX_WIRE_BYTES - (RAS_WIRE_PAYLOAD_OFFSET - 5));
    if (n < 5) {
        return 0;
    }
    return ras_wire_in_place(out, rec[0], s->seq++, ras_get_u32(rec + 1), n - 5);
}
