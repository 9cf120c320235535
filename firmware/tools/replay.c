/* Replay a gaitmap-format IMU CSV (two header rows: sensor, axis; first column = sample index)
 * sample by sample through the C detector; print every event as CSV on stdout.
 *
 * usage: replay FILE.csv [RATE_HZ [T0_US]]   (RATE_HZ default 204.8, T0_US default 0)
 * Time stamps are t0 + round(i * 1e6 / rate) mod 2^32, so a T0 near 2^32 crosses the wrap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ras_detector.h"

#define MAX_COLS 16
#define LINE 4096

int main(int argc, char **argv)
{
    FILE *f;
    char line[LINE], sensor[LINE];
    int col_gyr[2][3], ncols = 0, side, k;
    double rate = 204.8;
    unsigned long long t0 = 0, i = 0;
    ras_det_t det[2];
    ras_det_config_t cfg;
    const char *names[2] = {"left", "right"};
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.csv [RATE_HZ [T0_US]]\n", argv[0]);
        return 2;
    }
    if (argc > 2) {
        rate = atof(argv[2]);
    }
    if (argc > 3) {
        t0 = strtoull(argv[3], NULL, 0);
    }
    f = fopen(argv[1], "r");
    if (f == NULL || !fgets(sensor, sizeof sensor, f) || !fgets(line, sizeof line, f)) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    /* map columns: row 1 names the sensor, row 2 the axis */
    for (side = 0; side < 2; side++) {
        for (k = 0; k < 3; k++) {
            col_gyr[side][k] = -1;
        }
    }
    {
        char *sp = sensor, *ap = line, *s_tok, *a_tok;
        int c = 0;
        for (;;) {
            size_t ns = strcspn(sp, ",\r\n"), na = strcspn(ap, ",\r\n");
            s_tok = sp;
            a_tok = ap;
            for (side = 0; side < 2; side++) {
                if (strncmp(s_tok, names[side], strlen(names[side])) == 0) {
                    for (k = 0; k < 3; k++) {
                        char want[8];
                        sprintf(want, "gyr_%c", 'x' + k);
                        if (na == 5 && strncmp(a_tok, want, 5) == 0) {
                            col_gyr[side][k] = c;
                        }
                    }
                }
            }
            c++;
            if (sp[ns] != ',' || ap[na] != ',') {
                break;
            }
            sp += ns + 1;
            ap += na + 1;
        }
        ncols = c;
    }
    for (side = 0; side < 2; side++) {
        for (k = 0; k < 3; k++) {
            if (col_gyr[side][k] < 0 || col_gyr[side][k] >= MAX_COLS + 1) {
                fprintf(stderr, "no %s gyr column %d in %s\n", names[side], k, argv[1]);
                return 2;
            }
        }
    }
    ras_det_default_config(&cfg, (float)rate);
    ras_det_init(&det[0], &cfg);
    ras_det_init(&det[1], &cfg);
    printf("side,kind,index,frac,detected_index,t_us\n");
    while (fgets(line, sizeof line, f)) {
        double v[MAX_COLS + 1];
        char *p = line;
        int c;
        uint32_t t_us = (uint32_t)((t0 + (unsigned long long)((double)i * 1e6 / rate + 0.5)) &
                                   0xFFFFFFFFull);
        for (c = 0; c < ncols && c <= MAX_COLS; c++) {
            v[c] = strtod(p, &p);
            if (*p == ',') {
                p++;
            }
        }
        for (side = 0; side < 2; side++) {
            float g[3];
            ras_det_event_t ev[RAS_DET_MAX_EVENTS];
            int n, e;
            for (k = 0; k < 3; k++) {
                g[k] = (float)v[col_gyr[side][k]];
            }
            n = ras_det_update(&det[side], t_us, g, ev);
            for (e = 0; e < n; e++) {
                printf("%s,%d,%lu,%.6f,%lu,%lu\n", names[side], ev[e].kind,
                       (unsigned long)ev[e].index, (double)ev[e].frac,
                       (unsigned long)ev[e].detected_index, (unsigned long)ev[e].t_us);
            }
        }
        i++;
    }
    fclose(f);
    return 0;
}
