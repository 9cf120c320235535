#include "ras_cobs.h"

size_t ras_cobs_encode(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t code_i = 0, o = 1, i;
    uint8_t code = 1;
    for (i = 0; i < n; i++) {
        if (in[i] == 0) {
            out[code_i] = code;
            code_i = o++;
            code = 1;
        } else {
            out[o++] = in[i];
            if (++code == 0xFFu) {
                out[code_i] = code;
                code_i = o++;
                code = 1;
            }
        }
    }
    out[code_i] = code;
    return o;
}

int ras_cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t out_cap)
{
    size_t i = 0, o = 0;
    if (n == 0) {
        return -1;
    }
    for (;;) {
        size_t code = in[i], end = i + code, k;
        if (code == 0 || end > n) {
            return -1;
        }
        for (k = i + 1; k < end; k++) {
            if (in[k] == 0 || o >= out_cap) {
                return -1;
            }
            out[o++] = in[k];
        }
        if (end == n) {
            return (int)o;
        }
        if (code != 0xFFu) {
            if (o >= out_cap) {
                return -1;
            }
            out[o++] = 0;
        }
        i = end;
    }
}
