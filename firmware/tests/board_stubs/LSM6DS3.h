// Host stand-in for the API of Seeed's "Seeed Arduino LSM6DS3" library used by the XIAO port.
#pragma once
#include <stdint.h>
#define I2C_MODE 0
#define LSM6DS3_ACC_GYRO_STATUS_REG 0x1E
struct LSM6DS3Settings {
    uint16_t gyroRange, gyroSampleRate, accelRange;
    float accelSampleRate;
};
class LSM6DS3 {
  public:
    LSM6DS3(int, uint8_t) {}
    LSM6DS3Settings settings;
    int begin() { return 0; }
    int readRegister(uint8_t *out, uint8_t) { *out = 0; return 0; }
    int16_t readRawAccelX() { return 0; }
    int16_t readRawAccelY() { return 0; }
    int16_t readRawAccelZ() { return 2048; }
    int16_t readRawGyroX() { return 0; }
    int16_t readRawGyroY() { return 0; }
    int16_t readRawGyroZ() { return 0; }
};
