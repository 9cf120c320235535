#include "ras_crc16.h"

/* Nibble table: 32 bytes of flash, 2 lookups per byte. */
static const uint16_t k_nibble[16] = {
    0x0000u, 0x1021u, 0x2042u, 0x3063u, 0x4084u, 0x50A5u, 0x60C6u, 0x70E7u,
    0x8108u, 0x9129u, 0xA14Au, 0xB16Bu, 0xC18Cu, 0xD1ADu, 0xE1CEu, 0xF1EFu,
};

uint16_t ras_crc16_update(uint16_t crc, const uint8_t *p, size_t n)
{
    while (n--) {
        uint8_t b = *p++;
        crc = (uint16_t)((crc << 4) ^ k_nibble[((crc >> 12) ^ (b >> 4)) & 0x0Fu]);
        crc = (uint16_t)((crc << 4) ^ k_nibble[((crc >> 12) ^ (b & 0x0Fu)) & 0x0Fu]);
    }
    return crc;
}

uint16_t ras_crc16(const uint8_t *p, size_t n)
{
    return ras_crc16_update(RAS_CRC16_INIT, p, n);
}
