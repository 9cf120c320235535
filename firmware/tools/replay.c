/* Replay a foot-IMU CSV sample by sample through the C detector; print every event as CSV on
 * stdout (side,kind,index,frac,detected_index,t_us).
 *
 * usage: replay FILE.csv [RATE_HZ [T0_US]] [--ic-landmark=impact|gyro_zero]
 *                                            [--to-landmark=push_off|gyro_zero]
 *
 * Layouts (docs/imu-format.md): the gaitmap example layout (two header rows: sensor
 * left_sensor/right_sensor, then axis acc_x..gyr_z; first column = sample index), and ras-imu 1
 * ("# ras-imu 1", "# sampling_rate_hz: N", header {side}_{acc|gyr}_{x|y|z}_{mps2|dps}). Every foot
 * with all six columns is replayed. RATE_HZ defaults to the file's rate (ras-imu) or 204.8.
 * Time stamps are t0 + round(i * 1e6 / rate) mod 2^32, so a T0 near 2^32 crosses the wrap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ras_detector.h"

#define MAX_COLS 64
#define LINE 8192

static const char *const SIDES[2] = {"left", "right"};
static const char *const AXES[6] = {"acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"};

/* Split line at commas in place (trailing newline removed); returns the number of fields. */
static int split(char *line, char **field, int max)
{
    int n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        field[n++] = p;
        p = strchr(p, ',');
        if (p == NULL) {
            break;
        }
        *p++ = '\0';
    }
    return n;
}

static int side_of(const char *name)
{
    int s;
    for (s = 0; s < 2; s++) {
        size_t k = strlen(SIDES[s]);
        if (strncmp(name, SIDES[s], k) == 0 && (name[k] == '_' || name[k] == '\0')) {
            return s;
        }
    }
    return -1;
}

static int axis_of(const char *name)
{
    int a;
    for (a = 0; a < 6; a++) {
        if (strncmp(name, AXES[a], 5) == 0) {
            return a;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    FILE *f;
    char line[LINE], head1[LINE], *field[MAX_COLS], *field1[MAX_COLS];
    int col[2][6], ncols, side, k, a, pos = 0, have[2] = {0, 0};
    double rate = 0.0, file_rate = 0.0;
    unsigned long long t0 = 0, i = 0;
    ras_det_t det[2];
    ras_det_config_t cfg;
    uint8_t ic = RAS_DET_IC_IMPACT, to = RAS_DET_TO_PUSH_OFF;
    const char *path = NULL, *problem;
    for (k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--ic-landmark=gyro_zero") == 0) {
            ic = RAS_DET_IC_GYRO_ZERO;
        } else if (strcmp(argv[k], "--ic-landmark=impact") == 0) {
            ic = RAS_DET_IC_IMPACT;
        } else if (strcmp(argv[k], "--to-landmark=gyro_zero") == 0) {
            to = RAS_DET_TO_GYRO_ZERO;
        } else if (strcmp(argv[k], "--to-landmark=push_off") == 0) {
            to = RAS_DET_TO_PUSH_OFF;
        } else if (argv[k][0] == '-' && argv[k][1] == '-') {
            fprintf(stderr, "unknown option %s\n", argv[k]);
            return 2;
        } else if (pos == 0) {
            path = argv[k];
            pos++;
        } else if (pos == 1) {
            rate = atof(argv[k]);
            pos++;
        } else {
            t0 = strtoull(argv[k], NULL, 0);
        }
    }
    if (path == NULL) {
        fprintf(stderr, "usage: %s FILE.csv [RATE_HZ [T0_US]] [--ic-landmark=impact|gyro_zero] "
                        "[--to-landmark=push_off|gyro_zero]\n", argv[0]);
        return 2;
    }
    f = fopen(path, "r");
    if (f == NULL || !fgets(head1, sizeof head1, f)) {
        fprintf(stderr, "cannot read %s\n", path);
        return 2;
    }
    for (side = 0; side < 2; side++) {
        for (a = 0; a < 6; a++) {
            col[side][a] = -1;
        }
    }
    if (head1[0] == '#') { /* ras-imu 1: comments, then one header row */
        do {
            if (strncmp(head1, "# sampling_rate_hz:", 19) == 0) {
                file_rate = atof(head1 + 19);
            }
            if (!fgets(head1, sizeof head1, f)) {
                fprintf(stderr, "no header row in %s\n", path);
                return 2;
            }
        } while (head1[0] == '#');
        ncols = split(head1, field, MAX_COLS);
        for (k = 0; k < ncols; k++) {
            side = side_of(field[k]);
            if (side >= 0 && (a = axis_of(field[k] + strlen(SIDES[side]) + 1)) >= 0) {
                col[side][a] = k;
            }
        }
    } else { /* gaitmap: sensor row, then axis row */
        if (!fgets(line, sizeof line, f)) {
            fprintf(stderr, "no axis row in %s\n", path);
            return 2;
        }
        ncols = split(head1, field1, MAX_COLS);
        if (split(line, field, MAX_COLS) != ncols) {
            fprintf(stderr, "header rows of %s differ in length\n", path);
            return 2;
        }
        for (k = 0; k < ncols; k++) {
            side = side_of(field1[k]);
            if (side >= 0 && (a = axis_of(field[k])) >= 0 && strlen(field[k]) == 5) {
                col[side][a] = k;
            }
        }
    }
    for (side = 0; side < 2; side++) {
        have[side] = 1;
        for (a = 0; a < 6; a++) {
            have[side] &= col[side][a] >= 0;
        }
    }
    if (!have[0] && !have[1]) {
        fprintf(stderr, "no foot with acc_x..gyr_z columns in %s\n", path);
        return 2;
    }
    if (rate <= 0.0) {
        rate = file_rate > 0.0 ? file_rate : 204.8;
    }
    ras_det_default_config(&cfg, rate);
    cfg.ic_landmark = ic;
    cfg.to_landmark = to;
    problem = ras_det_check_config(&cfg);
    if (problem != NULL) {
        fprintf(stderr, "%s\n", problem);
        return 2;
    }
    ras_det_init(&det[0], &cfg);
    ras_det_init(&det[1], &cfg);
    printf("side,kind,index,frac,detected_index,t_us\n");
    while (fgets(line, sizeof line, f)) {
        uint32_t t_us = (uint32_t)((t0 + (unsigned long long)((double)i * 1e6 / rate + 0.5)) &
                                   0xFFFFFFFFull);
        int n_fields = split(line, field, MAX_COLS);
        if (n_fields != ncols) {
            fprintf(stderr, "row %llu of %s has %d values, the header %d\n", i, path, n_fields,
                    ncols);
            return 2;
        }
        for (side = 0; side < 2; side++) {
            float acc[3], gyr[3];
            ras_det_event_t ev[RAS_DET_MAX_EVENTS];
            int n, e;
            if (!have[side]) {
                continue;
            }
            for (a = 0; a < 3; a++) {
                acc[a] = (float)strtod(field[col[side][a]], NULL);
                gyr[a] = (float)strtod(field[col[side][3 + a]], NULL);
            }
            n = ras_det_update(&det[side], t_us, acc, gyr, ev);
            for (e = 0; e < n; e++) {
                printf("%s,%d,%lu,%.9g,%lu,%lu\n", SIDES[side], ev[e].kind,
                       (unsigned long)ev[e].index, (double)ev[e].frac,
                       (unsigned long)ev[e].detected_index, (unsigned long)ev[e].t_us);
            }
        }
        i++;
    }
    fclose(f);
    return 0;
}
