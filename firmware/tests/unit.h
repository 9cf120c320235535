/* Tiny test harness: CHECK counts failures and keeps going. */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>

extern int g_checks, g_failures;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        g_checks++;                                                                      \
        if (!(cond)) {                                                                   \
            g_failures++;                                                                \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                       \
        }                                                                                \
    } while (0)

#define CHECK_MSG(cond, ...)                                                             \
    do {                                                                                 \
        g_checks++;                                                                      \
        if (!(cond)) {                                                                   \
            g_failures++;                                                                \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                       \
            printf(__VA_ARGS__);                                                         \
            printf("\n");                                                                \
        }                                                                                \
    } while (0)

/* Synthetic foot IMU at t s (acc m/s^2, gyr deg/s, foot frame): strides of 1.1 s, landing
 * (zero rise of gyr_y) at 1.045 s + k * 1.1 s, heel-strike impact 20 ms later (test_detector.c). */
void synth_imu(double t, float acc[3], float gyr[3]);

#endif
