/* The sensor application, hardware-free: IMU samples and host bytes in, wire frames out.
 *
 * A board port calls, from its main loop:
 *   ras_sensor_rx()      with bytes from the host (time = when they arrived),
 *   ras_sensor_sample()  with each IMU sample (time = when it was taken),
 *   ras_sensor_poll()    now and then (HELLO every 5 s, STATUS every 1 s),
 *   ras_sensor_tx()      to get the next whole wire frame to write (PONGs first).
 * Nothing is sent before the host's first intact frame (or ras_sensor_set_host(s, 1) when the
 * port can see DTR); frames built meanwhile still use sequence numbers (protocol.md). */
#ifndef RAS_SENSOR_H
#define RAS_SENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "ras_detector.h"
#include "ras_proto.h"
#include "ras_ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RAS_SENSOR_TX_BYTES 1024u /* queued messages: type, time, payload */
#define RAS_SENSOR_MAX_PONGS 4u
#define RAS_GRAVITY_MPS2 9.80665f /* 1 g: raw acc at +-acc_range_g full scale to m/s^2 */

typedef struct {
    uint32_t sensor_id;
    uint8_t side;                /* enum ras_side */
    uint8_t firmware_version[3];
    char imu_model[16];
    uint16_t sample_rate_hz;     /* nominal IMU rate (HELLO, IMU frames) */
    float det_rate_hz;           /* exact rate for the detector (0: sample_rate_hz) */
    uint8_t acc_range_g;         /* raw full scale */
    uint16_t gyr_range_dps;
    uint8_t imu_batch;           /* 0: no IMU stream; else samples per IMU frame (<= 19) */
    uint8_t wait_for_host;       /* 1: send nothing before the host's first frame */
    uint32_t hello_interval_us;  /* 0: 5 s */
    uint32_t status_interval_us; /* 0: 1 s */
} ras_sensor_config_t;

typedef struct {
    ras_sensor_config_t cfg;
    ras_det_t det;
    ras_rx_t rx;
    ras_ring_t tx;
    uint8_t tx_storage[RAS_SENSOR_TX_BYTES];
    uint32_t pong_id[RAS_SENSOR_MAX_PONGS];
    uint32_t pong_rx_t_us[RAS_SENSOR_MAX_PONGS];
    uint8_t n_pongs;
    uint16_t seq;
    uint8_t host_attached;
    uint32_t next_hello_us;
    uint32_t next_status_us;
    /* stride bookkeeping */
    uint16_t stride_index;
    uint8_t have_ic, have_stride, have_stance;
    uint32_t last_ic_us, stride_time_us, stance_time_us;
    /* IMU batch, kept as the IMU payload it becomes (no copy when it is sent) */
    uint8_t imu_payload[RAS_IMU_HEAD_BYTES + 12u * RAS_MAX_IMU_SAMPLES];
    uint8_t batch_n;
    uint32_t batch_first_us;
    /* health */
    uint16_t battery_mv;
    uint8_t battery_pct;
    uint8_t status_flags;
    uint32_t dropped_samples;
    uint32_t dropped_frames;
    uint32_t steps_sent; /* STEP frames queued (for tests and the QEMU run) */
} ras_sensor_t;

/* Boot: seq 0 is a HELLO (queued only if the host is already attached). */
void ras_sensor_init(ras_sensor_t *s, const ras_sensor_config_t *cfg, uint32_t now_us);
/* The port saw the host open (1) or close (0) the link (USB DTR). */
void ras_sensor_set_host(ras_sensor_t *s, int attached);
/* Bytes from the host that arrived at now_us. */
void ras_sensor_rx(ras_sensor_t *s, const uint8_t *data, size_t n, uint32_t now_us);
/* One raw IMU sample (acc x,y,z, gyr x,y,z in the foot frame, int16 at the configured full
 * scales) taken at t_us: streamed (imu_batch) and run through the step detector. */
void ras_sensor_sample(ras_sensor_t *s, uint32_t t_us, const int16_t raw[6], uint32_t now_us);
/* A sample the IMU lost (FIFO overrun): counted in STATUS. */
void ras_sensor_sample_lost(ras_sensor_t *s, uint32_t n);
/* Periodic HELLO and STATUS. */
void ras_sensor_poll(ras_sensor_t *s, uint32_t now_us);
/* Next wire frame into out (cap >= RAS_MAX_WIRE_BYTES); a PONG is built at now_us ahead of
 * the queue; the seq is given here. Returns its length, 0 when nothing is due. */
size_t ras_sensor_tx(ras_sensor_t *s, uint8_t *out, size_t cap, uint32_t now_us);
void ras_sensor_set_battery(ras_sensor_t *s, uint16_t mv, uint8_t pct, uint8_t flags);
/* Queue a HELLO now. */
void ras_sensor_send_hello(ras_sensor_t *s, uint32_t now_us);

#ifdef __cplusplus
}
#endif

#endif
