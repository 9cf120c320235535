/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR). */
#ifndef RAS_CRC16_H
#define RAS_CRC16_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RAS_CRC16_INIT 0xFFFFu

/* CRC of n bytes, starting from crc (pass RAS_CRC16_INIT for a fresh CRC). */
uint16_t ras_crc16_update(uint16_t crc, const uint8_t *p, size_t n);
/* CRC of n bytes from RAS_CRC16_INIT. Check: "123456789" -> 0x29B1. */
uint16_t ras_crc16(const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif
