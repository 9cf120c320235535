/* COBS (Consistent Overhead Byte Stuffing), as in docs/protocol.md section 2. */
#ifndef RAS_COBS_H
#define RAS_COBS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest encoding of n bytes (delimiter not included). */
#define RAS_COBS_MAX_ENCODED(n) ((n) + (n) / 254u + 1u)

/* Encode n bytes into out (room for RAS_COBS_MAX_ENCODED(n)); returns bytes written.
 * The output holds no 0x00; no delimiter is appended. For n < 254, out == in - 1 is allowed
 * (each byte is read before its place is written). */
size_t ras_cobs_encode(const uint8_t *in, size_t n, uint8_t *out);

/* Decode one block (delimiter removed) into out (room for n bytes; in == out is allowed).
 * Returns the decoded length, or -1 if the block is empty, holds a 0x00, a code points past
 * its end, or the result would exceed out_cap. */
int ras_cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t out_cap);

#ifdef __cplusplus
}
#endif

#endif
