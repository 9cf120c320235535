/* Fixed-size byte ring buffer and a queue of variable-length records on top of it.
 * Single producer / single consumer; the caller provides the storage. */
#ifndef RAS_RING_H
#define RAS_RING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint8_t *buf;
    size_t cap;  /* bytes of storage */
    size_t head; /* next write */
    size_t tail; /* next read */
    size_t used;
} ras_ring_t;

void ras_ring_init(ras_ring_t *r, uint8_t *storage, size_t cap);
size_t ras_ring_used(const ras_ring_t *r);
size_t ras_ring_free(const ras_ring_t *r);
/* All or nothing: returns 1 if the n bytes were stored, 0 (and stores nothing) if no room. */
int ras_ring_write(ras_ring_t *r, const uint8_t *p, size_t n);
/* Up to n bytes out; returns how many. */
size_t ras_ring_read(ras_ring_t *r, uint8_t *p, size_t n);
/* Copy up to n bytes starting `offset` bytes after the tail, without consuming. */
size_t ras_ring_peek(const ras_ring_t *r, size_t offset, uint8_t *p, size_t n);
void ras_ring_clear(ras_ring_t *r);

/* Records of 1..65535 bytes, each stored with a 2-byte length. */
int ras_ring_push_record(ras_ring_t *r, const uint8_t *p, size_t n);
/* One record of na + nb bytes from two parts (no copy into a temporary first); b may be NULL
 * when nb is 0. All or nothing, like ras_ring_push_record. */
int ras_ring_push_record2(ras_ring_t *r, const uint8_t *a, size_t na, const uint8_t *b,
                          size_t nb);
/* Pop the oldest record into p (cap bytes). Returns its length, 0 if empty;
 * a record longer than cap is dropped and 0 returned. */
size_t ras_ring_pop_record(ras_ring_t *r, uint8_t *p, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
