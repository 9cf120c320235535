// ras foot sensor on a Seeed Studio XIAO nRF52840 Sense (LSM6DS3TR-C IMU, USB-C CDC serial).
//
// A thin port over firmware/core (copied into src/core by build.sh): it reads the IMU at 208 Hz,
// rotates the samples into the foot frame, and hands them, the host's bytes and the clock to
// ras_sensor_*; everything else (detector, frames, PING/PONG, HELLO/STATUS) is the core.
// NOT BUILT OR RUN IN THE PROJECT'S CI: see docs/firmware.md ("What was tested where").
//
// Board package: "Seeed nRF52 mbed-enabled Boards" (Seeeduino:mbed:xiaonRF52840Sense).
// Library: "Seeed Arduino LSM6DS3".
#include <Arduino.h>
#include <LSM6DS3.h>
#include <Wire.h>

#include "src/core/ras_sensor.h"

// ---- per-device settings --------------------------------------------------------------------
#ifndef RAS_SIDE
#define RAS_SIDE RAS_SIDE_LEFT  // build one image per foot: -DRAS_SIDE=RAS_SIDE_RIGHT
#endif
// Board axes -> foot frame (x toward the toes, y left, z up), for the mounting of docs/firmware.md
// (board flat on the instep, components up, USB-C toward the toes). Check it once with the
// procedure in docs/firmware.md and change the signs/rows here if the checks fail.
static const int8_t kRot[3][3] = {
    {1, 0, 0},  // foot x = board x
    {0, 1, 0},  // foot y = board y
    {0, 0, 1},  // foot z = board z
};

// ---- IMU ---------------------------------------------------------------------------------------
static const uint16_t kRateHz = 208;        // LSM6DS3 output data rate (>= 200 Hz)
static const uint8_t kAccRangeG = 16;
static const uint16_t kGyrRangeDps = 2000;
// LSM6DS3 sensitivity at +-2000 dps is 70 mdps/LSB, so its full scale is 2293.76 dps; the
// wire protocol scales raw values by range/32768: rescale to +-2000 dps (saturating).
static const float kGyrToWire = 0.070f * 32768.0f / 2000.0f;
// At +-16 g the sensitivity is 0.488 mg/LSB = 16 g / 32768: acc raw values go as they are.

static LSM6DS3 imu(I2C_MODE, 0x6A);
static ras_sensor_t sensor;  // ~2.3 KB, static: the core never allocates

static int16_t sat16(float v)
{
    return (int16_t)(v > 32767.0f ? 32767 : (v < -32768.0f ? -32768 : (int32_t)lrintf(v)));
}

static uint32_t device_us(void)
{
    return (uint32_t)micros();  // 1 MHz timer on HFCLK, which setup() puts on the 32 MHz crystal
}

// Battery pins of the XIAO nRF52840 (check them against your board package's variant):
// VBAT divider (1 M / 510 k) on P0.31, enabled by driving P0.14 low; charger ~CHG on P0.17.
static void read_battery(void)
{
    digitalWrite(P0_14, LOW);
    uint32_t raw = analogRead(P0_31);  // 10 bits, 3.3 V reference: approximate
    uint16_t mv = (uint16_t)(raw * 3300u / 1023u * 1510u / 510u);
    uint8_t pct = mv >= 4150 ? 100 : (mv <= 3300 ? 0 : (uint8_t)((mv - 3300u) * 100u / 850u));
    uint8_t flags = (digitalRead(P0_17) == LOW) ? RAS_STATUS_CHARGING : 0;
    if (pct < 15) {
        flags |= RAS_STATUS_LOW_BATTERY;
    }
    ras_sensor_set_battery(&sensor, mv, pct, flags);
}

void setup()
{
    ras_sensor_config_t c = {};
    c.sensor_id = NRF_FICR->DEVICEID[0];  // unique per chip, stable across reboots
    c.side = RAS_SIDE;
    c.firmware_version[0] = 0;
    c.firmware_version[1] = 1;
    c.firmware_version[2] = 0;
    memcpy(c.imu_model, "LSM6DS3TR-C", 11);
    c.sample_rate_hz = kRateHz;
    c.acc_range_g = kAccRangeG;
    c.gyr_range_dps = kGyrRangeDps;
    c.imu_batch = 0;      // steps only; set to 10 to stream raw IMU as well
    c.wait_for_host = 1;  // send only while the host has the port open (DTR)

    // device time from the crystal (+-20 ppm), not the internal RC oscillator (+-1.5 %)
    NRF_CLOCK->EVENTS_HFCLKSTARTED = 0;
    NRF_CLOCK->TASKS_HFCLKSTART = 1;
    while (NRF_CLOCK->EVENTS_HFCLKSTARTED == 0) {
    }
    pinMode(P0_14, OUTPUT);
    pinMode(P0_17, INPUT);
    Serial.begin(115200);  // USB CDC: the baud rate is ignored

    imu.settings.gyroRange = 2000;
    imu.settings.gyroSampleRate = kRateHz;
    imu.settings.accelRange = 16;
    imu.settings.accelSampleRate = kRateHz;
    bool imu_ok = imu.begin() == 0;
    ras_sensor_init(&sensor, &c, device_us());
    if (!imu_ok) {
        ras_sensor_set_battery(&sensor, 0, 255, RAS_STATUS_IMU_FAULT);
    }
}

void loop()
{
    static uint32_t next_battery_us = 0;
    static uint8_t wire[RAS_MAX_WIRE_BYTES];
    uint32_t now = device_us();

    ras_sensor_set_host(&sensor, (bool)Serial);  // DTR: the host has the port open
    while (Serial.available() > 0) {
        uint8_t b = (uint8_t)Serial.read();
        ras_sensor_rx(&sensor, &b, 1, device_us());
    }

    // a new sample? (STATUS_REG bit 1: gyro data available); stamped when read
    uint8_t status = 0;
    if (imu.readRegister(&status, LSM6DS3_ACC_GYRO_STATUS_REG) == 0 && (status & 0x02)) {
        uint32_t t = device_us();
        float b[6] = {
            (float)imu.readRawAccelX(), (float)imu.readRawAccelY(), (float)imu.readRawAccelZ(),
            imu.readRawGyroX() * kGyrToWire, imu.readRawGyroY() * kGyrToWire,
            imu.readRawGyroZ() * kGyrToWire,
        };
        int16_t raw[6];
        for (int r = 0; r < 3; r++) {
            float a = 0.0f, g = 0.0f;
            for (int k = 0; k < 3; k++) {
                a += kRot[r][k] * b[k];
                g += kRot[r][k] * b[3 + k];
            }
            raw[r] = sat16(a);
            raw[3 + r] = sat16(g);
        }
        ras_sensor_sample(&sensor, t, raw, device_us());
    }

    if ((int32_t)(now - next_battery_us) >= 0) {
        read_battery();
        next_battery_us = now + 1000000u;
    }
    ras_sensor_poll(&sensor, device_us());
    // whole frames, PONGs first; only as much as the USB buffer takes now
    size_t n;
    while (Serial.availableForWrite() >= (int)RAS_MAX_WIRE_BYTES &&
           (n = ras_sensor_tx(&sensor, wire, sizeof wire, device_us())) > 0) {
        Serial.write(wire, n);
    }
}
