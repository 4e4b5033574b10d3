/* units.c — durations and byte sizes: parsing what users type, formatting what they read. */
#include "util/units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Parse one "NUMBER" prefix; returns chars consumed or 0. Digits and one dot only:
 * no sign, no exponent, no hex, no "inf"/"nan" that strtod would take. */
static int parse_number(const char *s, double *out)
{
    int i = 0, digits = 0, dot = 0;
    while (s[i] && (isdigit((unsigned char)s[i]) || (s[i] == '.' && !dot))) {
        if (s[i] == '.')
            dot = 1;
        else
            digits++;
        i++;
    }
    if (!digits || i > 40)
        return 0;
    char tmp[48];
    memcpy(tmp, s, (size_t)i);
    tmp[i] = '\0';
    *out = strtod(tmp, NULL);
    return i;
}

int units_parse_duration(const char *s, uint64_t bare_unit_us, uint64_t *out_us)
{
    if (!s || !*s)
        return -1;
    double total = 0;
    int parts = 0;
    while (*s) {
        double v;
        int n = parse_number(s, &v);
        if (!n)
            return -1;
        s += n;
        double mult;
        if (!*s) {
            if (!bare_unit_us || parts)
                return -1;
            mult = (double)bare_unit_us;
        } else if (!strncmp(s, "us", 2)) {
            mult = 1, s += 2;
        } else if (!strncmp(s, "ms", 2)) {
            mult = 1e3, s += 2;
        } else if (*s == 's') {
            mult = 1e6, s += 1;
        } else if (*s == 'm') {
            mult = 60e6, s += 1;
        } else if (*s == 'h') {
            mult = 3600e6, s += 1;
        } else {
            return -1;
        }
        total += v * mult;
        parts++;
    }
    if (total > 1e15) /* ~31 years: a typo, not a test */
        return -1;
    *out_us = (uint64_t)llround(total);
    return 0;
}

int units_parse_size(const char *s, uint64_t *out)
{
    double v;
    if (!s)
        return -1;
    int n = parse_number(s, &v);
    if (!n)
        return -1;
    s += n;
    while (*s == ' ')
        s++;
    static const struct { const char *unit; double mult; } units[] = {
        {"", 1},          {"b", 1},           {"kb", 1e3},         {"mb", 1e6},
        {"gb", 1e9},      {"k", 1e3},         {"m", 1e6},          {"g", 1e9},
        {"kib", 1024.0},  {"mib", 1048576.0}, {"gib", 1073741824.0},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (!strcasecmp(s, units[i].unit)) {
            double b = v * units[i].mult;
            if (b > 1e15)
                return -1;
            *out = (uint64_t)llround(b);
            return 0;
        }
    }
    return -1;
}

char *units_fmt_us(double us, char *buf, int len)
{
    if (us < 1000)
        snprintf(buf, (size_t)len, "%.0fus", us);
    else if (us < 10e3)
        snprintf(buf, (size_t)len, "%.2fms", us / 1e3);
    else if (us < 1e6)
        snprintf(buf, (size_t)len, "%.1fms", us / 1e3);
    else if (us < 60e6)
        snprintf(buf, (size_t)len, "%.2fs", us / 1e6);
    else {
        long long s = llround(us / 1e6);
        snprintf(buf, (size_t)len, "%lldm%02llds", s / 60, s % 60);
    }
    return buf;
}

char *units_fmt_bytes(double bytes, char *buf, int len)
{
    static const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (bytes >= 1024 && i < 4)
        bytes /= 1024, i++;
    if (i == 0)
        snprintf(buf, (size_t)len, "%.0f B", bytes);
    else
        snprintf(buf, (size_t)len, "%.2f %s", bytes, u[i]);
    return buf;
}
