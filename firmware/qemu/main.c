/* ras foot-sensor firmware on QEMU mps2-an386 (Cortex-M4F): replays a real IMU recording
 * (embedded at build time) through the portable core and streams frames on CMSDK UART0.
 *
 * Default image: like a USB sensor, it sends nothing until the host's first frame
 * (HELLO_REQUEST); then it replays the recording in real time, paced by SysTick, answers PINGs,
 * and exits through semihosting 2 s after the last sample (summary on the semihosting console).
 * RAS_QEMU_SELFTEST image: no UART; feeds every sample at once and prints every detected event.
 * RAS_QEMU_BENCH image: instructions per sample of the detector and of the whole application,
 * counted on SysTick when QEMU runs with -icount shift=0 (one instruction per ns of virtual
 * time, SysTick at 25 MHz: one tick per 40 instructions). */
#include <stdint.h>

#include "board.h"
#include "imu_slice.h"
#include "ras_detector.h"
#include "ras_sensor.h"
#include "ras_time.h"

#define UART0_BASE 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART0_BASE + 0x00u))
#define UART_STATE (*(volatile uint32_t *)(UART0_BASE + 0x04u))
#define UART_CTRL (*(volatile uint32_t *)(UART0_BASE + 0x08u))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART0_BASE + 0x10u))
#define UART_TX_FULL 0x1u
#define UART_RX_FULL 0x2u

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define CPU_HZ 25000000u /* mps2-an386 SYSCLK */

#define HOST_WAIT_US 120000000u /* give up if no host within 2 min */
#define TAIL_US 2000000u

static ras_sensor_t g_sensor; /* static: ~3.6 KB, not on the stack */
#ifndef RAS_QEMU_SELFTEST
static ras_clock_t g_clock;
#endif

static char *fmt_u32(char *p, uint32_t v)
{
    char tmp[10];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n) {
        *p++ = tmp[--n];
    }
    *p = '\0';
    return p;
}

static char *fmt_str(char *p, const char *s)
{
    while (*s) {
        *p++ = *s++;
    }
    *p = '\0';
    return p;
}

#if !defined(RAS_QEMU_SELFTEST) && !defined(RAS_QEMU_BENCH)
static uint32_t now_us(void)
{
    /* SysTick counts down from 0xFFFFFF; the clock extender wants an up-counter */
    return ras_clock_read_us(&g_clock, 0xFFFFFFu - (SYST_CVR & 0xFFFFFFu));
}
#endif

static void sensor_config(ras_sensor_config_t *c)
{
    static const char model[16] = "QEMU-replay";
    int k;
    c->sensor_id = 0x51E40000u | IMU_SLICE_SIDE;
    c->side = IMU_SLICE_SIDE;
    c->firmware_version[0] = 0;
    c->firmware_version[1] = 1;
    c->firmware_version[2] = 0;
    for (k = 0; k < 16; k++) {
        c->imu_model[k] = model[k];
    }
    c->sample_rate_hz = 205; /* nominal for HELLO; the detector uses the exact rate */
    c->det_rate_hz = IMU_SLICE_RATE_HZ;
    c->acc_range_g = IMU_SLICE_ACC_RANGE_G;
    c->gyr_range_dps = IMU_SLICE_GYR_RANGE_DPS;
    c->imu_batch = 0;
    c->wait_for_host = 1;
    c->hello_interval_us = 0;
    c->status_interval_us = 0;
}

static uint32_t sample_offset_us(uint32_t i)
{
    return (uint32_t)(((uint64_t)i * 1000000u * 10u + (uint64_t)(IMU_SLICE_RATE_HZ * 10.0f) / 2u) /
                      (uint64_t)(IMU_SLICE_RATE_HZ * 10.0f));
}

#if defined(RAS_QEMU_BENCH)
#define BENCH_REPEATS 4u
#define INSTRUCTIONS_PER_TICK 40u /* -icount shift=0: 1 ns per instruction, 40 ns per tick */

static float g_acc[IMU_SLICE_N][3], g_gyr[IMU_SLICE_N][3];

static uint64_t ticks(void)
{
    /* SysTick counts down 24 bits; extended like the clock of the link image */
    (void)ras_clock_read_us(&g_clock, 0xFFFFFFu - (SYST_CVR & 0xFFFFFFu));
    return g_clock.total_ticks;
}

static char *fmt_per_sample(char *p, const char *name, uint64_t t, uint32_t n)
{
    p = fmt_str(p, name);
    return fmt_u32(p, (uint32_t)((t * INSTRUCTIONS_PER_TICK + n / 2u) / n));
}

int main(void)
{
    static ras_det_t det;
    ras_sensor_config_t c;
    ras_det_config_t dc;
    uint8_t wire[RAS_MAX_WIRE_BYTES];
    ras_det_event_t ev[RAS_DET_MAX_EVENTS];
    const float ka = (float)IMU_SLICE_ACC_RANGE_G * RAS_GRAVITY_MPS2 / 32768.0f;
    const float kg = (float)IMU_SLICE_GYR_RANGE_DPS / 32768.0f;
    uint32_t i, r, k, events = 0, n = IMU_SLICE_N * BENCH_REPEATS;
    uint64_t t0, t_det, t_app;
    char line[96], *p;
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 0x5u;
    ras_clock_init(&g_clock, 24, CPU_HZ, 0xFFFFFFu - (SYST_CVR & 0xFFFFFFu));
    for (i = 0; i < IMU_SLICE_N; i++) { /* as ras_sensor_sample converts them */
        for (k = 0; k < 3; k++) {
            g_acc[i][k] = (float)imu_slice[i][k] * ka;
            g_gyr[i][k] = (float)imu_slice[i][3 + k] * kg;
        }
    }
    ras_det_default_config(&dc, (double)IMU_SLICE_RATE_HZ);
    t0 = ticks();
    for (r = 0; r < BENCH_REPEATS; r++) { /* the detector alone */
        if (ras_det_init(&det, &dc) != 0) {
            return 1;
        }
        for (i = 0; i < IMU_SLICE_N; i++) {
            events += (uint32_t)ras_det_update(&det, sample_offset_us(i), g_acc[i], g_gyr[i], ev);
        }
    }
    t_det = ticks() - t0;
    sensor_config(&c);
    ras_sensor_init(&g_sensor, &c, 0);
    ras_sensor_set_host(&g_sensor, 1);
    t0 = ticks();
    for (r = 0; r < BENCH_REPEATS; r++) { /* the whole application: detector, frames, COBS */
        for (i = 0; i < IMU_SLICE_N; i++) {
            uint32_t t = r * 30000000u + sample_offset_us(i);
            ras_sensor_sample(&g_sensor, t, imu_slice[i], t);
            ras_sensor_poll(&g_sensor, t);
            while (ras_sensor_tx(&g_sensor, wire, sizeof wire, t) > 0) {
            }
        }
    }
    t_app = ticks() - t0;
    p = fmt_str(line, "RAS-QEMU bench samples=");
    p = fmt_u32(p, n);
    p = fmt_str(p, " events=");
    p = fmt_u32(p, events);
    p = fmt_per_sample(p, " detector_instructions_per_sample=", t_det, n);
    p = fmt_per_sample(p, " app_instructions_per_sample=", t_app, n);
    fmt_str(p, "\n");
    board_puts(line);
    return events > 0 ? 0 : 1;
}
#elif defined(RAS_QEMU_SELFTEST)
int main(void)
{
    static ras_det_t det; /* a second detector, for every event with its fraction */
    ras_sensor_config_t c;
    ras_det_config_t dc;
    uint8_t wire[RAS_MAX_WIRE_BYTES];
    uint32_t i, ics = 0, events = 0, frames = 0;
    char line[64];
    sensor_config(&c);
    ras_sensor_init(&g_sensor, &c, 0);
    ras_sensor_set_host(&g_sensor, 1);
    ras_det_default_config(&dc, (double)IMU_SLICE_RATE_HZ);
    if (ras_det_init(&det, &dc) != 0) {
        return 1;
    }
    for (i = 0; i < IMU_SLICE_N; i++) {
        uint32_t t = sample_offset_us(i);
        const float ka = (float)IMU_SLICE_ACC_RANGE_G * RAS_GRAVITY_MPS2 / 32768.0f;
        const float kg = (float)IMU_SLICE_GYR_RANGE_DPS / 32768.0f;
        float a[3], g[3];
        ras_det_event_t ev[RAS_DET_MAX_EVENTS];
        int n, k;
        for (k = 0; k < 3; k++) { /* as ras_sensor_sample converts them */
            a[k] = (float)imu_slice[i][k] * ka;
            g[k] = (float)imu_slice[i][3 + k] * kg;
        }
        n = ras_det_update(&det, t, a, g, ev);
        for (k = 0; k < n; k++) { /* EV kind index frac*1e6 detected_index t_us */
            char *p = fmt_str(line, "EV ");
            p = fmt_u32(p, ev[k].kind);
            p = fmt_str(p, " ");
            p = fmt_u32(p, ev[k].index);
            p = fmt_str(p, " ");
            p = fmt_u32(p, (uint32_t)(ev[k].frac * 1000000.0f + 0.5f));
            p = fmt_str(p, " ");
            p = fmt_u32(p, ev[k].detected_index);
            p = fmt_str(p, " ");
            p = fmt_u32(p, ev[k].t_us);
            fmt_str(p, "\n");
            board_puts(line);
            ics += ev[k].kind == RAS_KIND_INITIAL_CONTACT;
            events++;
        }
        ras_sensor_sample(&g_sensor, t, imu_slice[i], t);
        ras_sensor_poll(&g_sensor, t);
        while (ras_sensor_tx(&g_sensor, wire, sizeof wire, t) > 0) {
            frames++;
        }
    }
    {
        char *p = fmt_str(line, "RAS-QEMU selftest ics=");
        p = fmt_u32(p, ics);
        p = fmt_str(p, " events=");
        p = fmt_u32(p, events);
        p = fmt_str(p, " steps=");
        p = fmt_u32(p, g_sensor.steps_sent);
        p = fmt_str(p, " frames=");
        p = fmt_u32(p, frames);
        fmt_str(p, "\n");
        board_puts(line);
    }
    return ics > 0 && g_sensor.dropped_frames == 0 ? 0 : 1;
}
#else
int main(void)
{
    ras_sensor_config_t c;
    uint8_t wire[RAS_MAX_WIRE_BYTES];
    size_t wire_len = 0, wire_pos = 0;
    uint32_t next = 0, start_us = 0, end_us = 0, boot_us, frames = 0, attach_seq = 0;
    int started = 0;
    char line[96];

    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 0x5u; /* enable, processor clock, no interrupt */
    ras_clock_init(&g_clock, 24, CPU_HZ, 0xFFFFFFu - (SYST_CVR & 0xFFFFFFu));
    UART_BAUDDIV = 16u;
    UART_CTRL = 0x3u; /* TX and RX enabled */

    sensor_config(&c);
    boot_us = now_us();
    ras_sensor_init(&g_sensor, &c, boot_us);
    board_puts("RAS-QEMU boot: waiting for the host\n");
    for (;;) {
        uint32_t t = now_us();
        while (UART_STATE & UART_RX_FULL) {
            uint8_t b = (uint8_t)(UART_DATA & 0xFFu);
            ras_sensor_rx(&g_sensor, &b, 1, now_us());
        }
        if (!started) {
            if (g_sensor.host_attached) {
                started = 1;
                start_us = t;
                attach_seq = g_sensor.seq; /* frames built before: never sent (seq used) */
                board_puts("RAS-QEMU host attached: replaying\n");
            } else if (ras_time_diff(t, boot_us) > (int32_t)HOST_WAIT_US) {
                board_puts("RAS-QEMU no host\n");
                return 1;
            }
        }
        if (started) {
            while (next < IMU_SLICE_N &&
                   ras_time_reached(t, start_us + sample_offset_us(next))) {
                uint32_t ts = start_us + sample_offset_us(next);
                ras_sensor_sample(&g_sensor, ts, imu_slice[next], now_us());
                next++;
                if (next == IMU_SLICE_N) {
                    end_us = t;
                }
            }
        }
        ras_sensor_poll(&g_sensor, now_us());
        /* one byte at a time into the UART; a new frame (PONG first) when the last is out */
        while (!(UART_STATE & UART_TX_FULL)) {
            if (wire_pos == wire_len) {
                wire_len = ras_sensor_tx(&g_sensor, wire, sizeof wire, now_us());
                wire_pos = 0;
                if (wire_len == 0) {
                    break;
                }
                frames++;
            }
            UART_DATA = wire[wire_pos++];
        }
        if (next == IMU_SLICE_N && wire_pos == wire_len &&
            ras_time_diff(t, end_us) > (int32_t)TAIL_US) {
            break;
        }
    }
    {
        char *p = fmt_str(line, "RAS-QEMU done samples=");
        p = fmt_u32(p, next);
        p = fmt_str(p, " steps=");
        p = fmt_u32(p, g_sensor.steps_sent);
        p = fmt_str(p, " frames=");
        p = fmt_u32(p, frames);
        p = fmt_str(p, " dropped=");
        p = fmt_u32(p, g_sensor.dropped_frames);
        p = fmt_str(p, " rx_errors=");
        p = fmt_u32(p, ras_rx_rejected(&g_sensor.rx));
        p = fmt_str(p, " unsent_before_host=");
        p = fmt_u32(p, attach_seq);
        fmt_str(p, "\n");
        board_puts(line);
    }
    return 0;
}
#endif
