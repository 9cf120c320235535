/* ras wire protocol v1 (docs/protocol.md): frames, message encoders, host-frame decoding. */
#ifndef RAS_PROTO_H
#define RAS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RAS_PROTOCOL_VERSION 1u
#define RAS_HEADER_BYTES 8u
#define RAS_CRC_BYTES 2u
#define RAS_MAX_PAYLOAD_BYTES 240u
#define RAS_MIN_FRAME_BYTES (RAS_HEADER_BYTES + RAS_CRC_BYTES)
#define RAS_MAX_FRAME_BYTES (RAS_HEADER_BYTES + RAS_MAX_PAYLOAD_BYTES + RAS_CRC_BYTES)
#define RAS_MAX_ENCODED_FRAME_BYTES 251u
/* Leading delimiter + COBS block + final delimiter. */
#define RAS_MAX_WIRE_BYTES (RAS_MAX_ENCODED_FRAME_BYTES + 2u)
#define RAS_MAX_IMU_SAMPLES 19u

enum ras_msg_type {
    RAS_MSG_HELLO = 0x01,
    RAS_MSG_STEP = 0x02,
    RAS_MSG_IMU = 0x03,
    RAS_MSG_STATUS = 0x04,
    RAS_MSG_PONG = 0x05,
    RAS_MSG_PING = 0x81,
    RAS_MSG_HELLO_REQUEST = 0x82
};

enum ras_side { RAS_SIDE_UNKNOWN = 0, RAS_SIDE_LEFT = 1, RAS_SIDE_RIGHT = 2 };

enum ras_step_kind {
    RAS_KIND_INITIAL_CONTACT = 1,
    RAS_KIND_TOE_OFF = 2,
    RAS_KIND_MID_SWING = 3,
    RAS_KIND_MID_STANCE = 4
};

#define RAS_STEP_FLAG_STRIDE_TIME 0x01u
#define RAS_STEP_FLAG_STANCE_TIME 0x02u
#define RAS_STEP_FLAG_STRIDE_LENGTH 0x04u
#define RAS_STEP_FLAG_CLEARANCE 0x08u

#define RAS_CAP_STEPS 0x01u
#define RAS_CAP_IMU_STREAM 0x02u
#define RAS_CAP_STRIDE_FIGURES 0x04u
#define RAS_CAP_PING 0x08u

#define RAS_STATUS_CHARGING 0x01u
#define RAS_STATUS_IMU_FAULT 0x02u
#define RAS_STATUS_LOW_BATTERY 0x04u

#define RAS_HELLO_PAYLOAD_BYTES 31u
#define RAS_STEP_PAYLOAD_BYTES 24u
#define RAS_IMU_HEAD_BYTES 7u
#define RAS_STATUS_PAYLOAD_BYTES 16u
#define RAS_PONG_PAYLOAD_BYTES 8u
#define RAS_PING_PAYLOAD_BYTES 4u

typedef struct {
    uint8_t protocol_version;
    uint8_t firmware_version[3];
    uint32_t sensor_id;
    uint8_t side;
    char imu_model[16]; /* NUL-padded; no terminator when 16 chars long */
    uint16_t sample_rate_hz;
    uint8_t acc_range_g;
    uint16_t gyr_range_dps;
    uint8_t capabilities;
} ras_hello_t;

typedef struct {
    uint8_t kind;
    uint32_t event_t_us;
    uint32_t latency_us;
    uint16_t stride_index;
    uint8_t flags;
    uint32_t stride_time_us;
    uint32_t stance_time_us;
    uint16_t stride_length_mm;
    uint16_t clearance_mm;
} ras_step_t;

typedef struct {
    uint16_t battery_mv;
    uint8_t battery_pct; /* 255 = unknown */
    uint8_t flags;
    uint32_t dropped_samples;
    uint32_t dropped_frames;
    uint32_t rx_errors;
} ras_status_t;

typedef struct {
    uint32_t first_t_us;
    uint16_t sample_rate_hz;
    uint8_t n_samples; /* 0..RAS_MAX_IMU_SAMPLES */
    const int16_t (*samples)[6]; /* acc x,y,z, gyr x,y,z (raw) */
} ras_imu_t;

/* Little-endian field access. */
void ras_put_u16(uint8_t *p, uint16_t v);
void ras_put_u32(uint8_t *p, uint32_t v);
uint16_t ras_get_u16(const uint8_t *p);
uint32_t ras_get_u32(const uint8_t *p);

/* Payload encoders: write the payload into p, return its length (0 on bad arguments for IMU). */
size_t ras_encode_hello(uint8_t *p, const ras_hello_t *m);
size_t ras_encode_step(uint8_t *p, const ras_step_t *m);
size_t ras_encode_imu(uint8_t *p, const ras_imu_t *m);
size_t ras_encode_status(uint8_t *p, const ras_status_t *m);
size_t ras_encode_pong(uint8_t *p, uint32_t ping_id, uint32_t rx_t_us);
size_t ras_encode_ping(uint8_t *p, uint32_t ping_id);

/* Frame = header + payload + CRC (before COBS). frame needs RAS_MAX_FRAME_BYTES.
 * Returns the frame length, 0 if n > RAS_MAX_PAYLOAD_BYTES. */
size_t ras_build_frame(uint8_t *frame, uint8_t type, uint16_t seq, uint32_t t_us,
                       const uint8_t *payload, size_t n);

/* Wire bytes of a frame: [0x00 if leading] COBS(frame) 0x00. wire needs RAS_MAX_WIRE_BYTES.
 * Returns the wire length, 0 if n > RAS_MAX_PAYLOAD_BYTES. */
size_t ras_frame_to_wire(uint8_t *wire, uint8_t type, uint16_t seq, uint32_t t_us,
                         const uint8_t *payload, size_t n, int leading_delimiter);

/* Where ras_wire_in_place wants the payload: after the leading 0x00, the first COBS code byte
 * and the frame header. */
#define RAS_WIRE_PAYLOAD_OFFSET (2u + RAS_HEADER_BYTES)
/* The same wire bytes (with the leading 0x00) for a payload of n bytes already at
 * wire + RAS_WIRE_PAYLOAD_OFFSET: header, CRC and COBS are done in place, with no second
 * buffer (the sensor's stack stays small). wire needs RAS_MAX_WIRE_BYTES. Returns the wire
 * length, 0 if n > RAS_MAX_PAYLOAD_BYTES. */
size_t ras_wire_in_place(uint8_t *wire, uint8_t type, uint16_t seq, uint32_t t_us, size_t n);

/* Why a received block was rejected (the host decoder's counter names). */
enum ras_rx_result {
    RAS_RX_OK = 0,
    RAS_RX_COBS,
    RAS_RX_SHORT,
    RAS_RX_CRC,
    RAS_RX_VERSION,
    RAS_RX_UNKNOWN_TYPE,
    RAS_RX_BAD_PAYLOAD,
    RAS_RX_OVERSIZED,
    RAS_RX_N_RESULTS
};

/* A decoded frame; payload points into the decoder's buffer (valid until the next byte). */
typedef struct {
    uint8_t version;
    uint8_t type;
    uint16_t seq;
    uint32_t t_us;
    const uint8_t *payload;
    size_t payload_len;
} ras_frame_t;

/* Check a decoded frame (after COBS) as section 4 does; fill *out on RAS_RX_OK. */
enum ras_rx_result ras_parse_frame(const uint8_t *frame, size_t n, ras_frame_t *out);

/* Fields of host-to-sensor messages (valid only for a frame that parsed OK). */
uint32_t ras_ping_id(const ras_frame_t *f);

/* Streaming receiver: bytes in, whole frames out; bounded memory, never fails. */
typedef struct {
    uint8_t block[RAS_MAX_ENCODED_FRAME_BYTES];
    size_t len;
    int skipping; /* inside an oversized run, until the next 0x00 */
    uint32_t counts[RAS_RX_N_RESULTS]; /* counts[RAS_RX_OK] = frames accepted */
} ras_rx_t;

void ras_rx_init(ras_rx_t *rx);
/* Feed one byte. Returns 1 and fills *out when it completes a valid frame, else 0.
 * Rejected blocks are counted in rx->counts. */
int ras_rx_byte(ras_rx_t *rx, uint8_t byte, ras_frame_t *out);
/* Rejected frames so far (every counter but RAS_RX_OK). */
uint32_t ras_rx_rejected(const ras_rx_t *rx);

#ifdef __cplusplus
}
#endif

#endif
