/* Unit tests of firmware/core; prints one RESULT line for tests/firmware/. */
#include <stdio.h>

#include "unit.h"

int g_checks, g_failures;

void test_proto_all(void);
void test_time_ring_all(void);
void test_sensor_all(void);
void test_detector_all(void);

int main(void)
{
    struct {
        const char *name;
        void (*fn)(void);
    } suites[] = {
        {"proto", test_proto_all},
        {"time_ring", test_time_ring_all},
        {"sensor", test_sensor_all},
        {"detector", test_detector_all},
    };
    size_t i;
    for (i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        int before = g_failures, checks = g_checks;
        suites[i].fn();
        printf("SUITE %s checks=%d failures=%d\n", suites[i].name, g_checks - checks,
               g_failures - before);
    }
    printf("RESULT checks=%d failures=%d\n", g_checks, g_failures);
    return g_failures ? 1 : 0;
}
