/* Per-sample cost of the core on the host: the detector alone, and the whole sensor
 * application (detector + STEP frames + CRC + COBS), over a synthetic 200 Hz walk (gyro and
 * acc with a heel-strike impact per stride). */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "ras_detector.h"
#include "ras_sensor.h"

#define N 200000L /* 1000 s at 200 Hz */

static float g_gyr[N][3];
static float g_acc[N][3];
static ras_sensor_t g_s;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(void)
{
    ras_det_t d;
    ras_det_config_t c;
    ras_sensor_config_t sc = {0};
    ras_det_event_t ev[RAS_DET_MAX_EVENTS];
    uint8_t wire[RAS_MAX_WIRE_BYTES];
    long i, events = 0, frames = 0;
    double t0, t_det, t_app;
    for (i = 0; i < N; i++) { /* strides of 1.1 s: push-off, swing, IC burst */
        double ph = fmod((double)i / 200.0, 1.1) / 1.1, gy = 0.0;
        if (ph >= 0.55 && ph < 0.62) {
            gy = 400.0 * sin(3.14159265 * (ph - 0.55) / 0.07);
        } else if (ph >= 0.62 && ph < 0.95) {
            gy = -350.0 * sin(3.14159265 * (ph - 0.62) / 0.33);
        } else if (ph >= 0.95) {
            gy = 200.0 * sin(3.14159265 * (ph - 0.95) / 0.05);
        }
        g_gyr[i][0] = (float)(0.2 * gy + (double)(i % 7) * 0.1);
        g_gyr[i][1] = (float)(gy + (double)(i % 5) * 0.1);
        g_gyr[i][2] = (float)(0.1 * gy + (double)(i % 3) * 0.1);
        g_acc[i][0] = (float)((double)(i % 3) * 0.01);
        g_acc[i][1] = (float)((double)(i % 7) * 0.01);
        g_acc[i][2] = (float)(9.81 + (ph >= 0.97 ? 30.0 * exp(-(ph - 0.97) * 1.1 / 0.015) : 0.0));
    }
    ras_det_default_config(&c, 200.0);
    if (ras_det_init(&d, &c) != 0) {
        return 1;
    }
    t0 = now_s();
    for (i = 0; i < N; i++) {
        events += ras_det_update(&d, (uint32_t)(i * 5000), g_acc[i], g_gyr[i], ev);
    }
    t_det = now_s() - t0;

    sc.sample_rate_hz = 200;
    sc.acc_range_g = 16;
    sc.gyr_range_dps = 2000;
    ras_sensor_init(&g_s, &sc, 0);
    t0 = now_s();
    for (i = 0; i < N; i++) {
        int16_t raw[6];
        int k;
        for (k = 0; k < 3; k++) {
            raw[k] = (int16_t)(g_acc[i][k] * (32768.0f / (16.0f * 9.80665f)));
            raw[3 + k] = (int16_t)(g_gyr[i][k] * 16.384f);
        }
        ras_sensor_sample(&g_s, (uint32_t)(i * 5000), raw, (uint32_t)(i * 5000));
        while (ras_sensor_tx(&g_s, wire, sizeof wire, (uint32_t)(i * 5000)) > 0) {
            frames++;
        }
    }
    t_app = now_s() - t0;
    printf("BENCH detector_ns_per_sample=%.1f app_ns_per_sample=%.1f samples=%ld events=%ld "
           "frames=%ld state_bytes det=%u sensor=%u\n",
           t_det / (double)N * 1e9, t_app / (double)N * 1e9, N, events, frames, ras_det_state_bytes(),
           (unsigned)sizeof(ras_sensor_t));
    return events > 0 ? 0 : 1;
}
