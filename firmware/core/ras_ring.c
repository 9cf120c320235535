#include "ras_ring.h"

void ras_ring_init(ras_ring_t *r, uint8_t *storage, size_t cap)
{
    r->buf = storage;
    r->cap = cap;
    r->head = r->tail = r->used = 0;
}

size_t ras_ring_used(const ras_ring_t *r)
{
    return r->used;
}

size_t ras_ring_free(const ras_ring_t *r)
{
    return r->cap - r->used;
}

void ras_ring_clear(ras_ring_t *r)
{
    r->head = r->tail = r->used = 0;
}

int ras_ring_write(ras_ring_t *r, const uint8_t *p, size_t n)
{
    size_t i;
    if (n > r->cap - r->used) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        r->buf[r->head] = p[i];
        r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
    }
    r->used += n;
    return 1;
}

size_t ras_ring_peek(const ras_ring_t *r, size_t offset, uint8_t *p, size_t n)
{
    size_t i, k;
    if (offset >= r->used) {
        return 0;
    }
    if (n > r->used - offset) {
        n = r->used - offset;
    }
    k = (r->tail + offset) % r->cap;
    for (i = 0; i < n; i++) {
        p[i] = r->buf[k];
        k = k + 1 == r->cap ? 0 : k + 1;
    }
    return n;
}

size_t ras_ring_read(ras_ring_t *r, uint8_t *p, size_t n)
{
    n = ras_ring_peek(r, 0, p, n);
    r->tail = (r->tail + n) % (r->cap ? r->cap : 1u);
    r->used -= n;
    return n;
}

int ras_ring_push_record2(ras_ring_t *r, const uint8_t *a, size_t na, const uint8_t *b,
                          size_t nb)
{
    uint8_t len[2];
    size_t n = na + nb;
    if (n == 0 || n > 0xFFFFu || n + 2 > r->cap - r->used) {
        return 0;
    }
    len[0] = (uint8_t)(n & 0xFFu);
    len[1] = (uint8_t)(n >> 8);
    return ras_ring_write(r, len, 2) && ras_ring_write(r, a, na) && ras_ring_write(r, b, nb);
}

int ras_ring_push_record(ras_ring_t *r, const uint8_t *p, size_t n)
{
    return ras_ring_push_record2(r, p, n, (const uint8_t *)0, 0);
}

size_t ras_ring_pop_record(ras_ring_t *r, uint8_t *p, size_t cap)
{
    uint8_t len[2];
    size_t n;
    if (ras_ring_peek(r, 0, len, 2) != 2) {
        return 0;
    }
    n = (size_t)len[0] | ((size_t)len[1] << 8);
    if (n + 2 > r->used) { /* cannot happen with push_record; recover by clearing */
        ras_ring_clear(r);
        return 0;
    }
    r->tail = (r->tail + 2) % r->cap;
    r->used -= 2;
    if (n > cap) {
        r->tail = (r->tail + n) % r->cap;
        r->used -= n;
        return 0;
    }
    return ras_ring_read(r, p, n);
}
