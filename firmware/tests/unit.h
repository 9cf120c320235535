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

/* Synthetic foot gyro (deg/s) at t s: strides of 1.1 s, IC at 1.045 s + k * 1.1 s. */
void synth_gait(double t, float g[3]);

#endif
