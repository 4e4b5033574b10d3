/* test_units.c — duration and size parsing edge cases. */
#include "unit.h"
#include "util/units.h"

static void durations(void)
{
    uint64_t us = 0;
    CHECK(units_parse_duration("10s", 0, &us) == 0 && us == 10000000);
    CHECK(units_parse_duration("250ms", 0, &us) == 0 && us == 250000);
    CHECK(units_parse_duration("2m", 0, &us) == 0 && us == 120000000);
    CHECK(units_parse_duration("1h", 0, &us) == 0 && us == 3600000000ULL);
    CHECK(units_parse_duration("1.5s", 0, &us) == 0 && us == 1500000);
    CHECK(units_parse_duration("1m30s", 0, &us) == 0 && us == 90000000);
    CHECK(units_parse_duration("500us", 0, &us) == 0 && us == 500);
    CHECK(units_parse_duration("0s", 0, &us) == 0 && us == 0);
    CHECK(units_parse_duration("7", 1000000, &us) == 0 && us == 7000000);
}

static void bad_durations(void)
{
    uint64_t us = 42;
    CHECK(units_parse_duration("", 0, &us) < 0);
    CHECK(units_parse_duration(NULL, 0, &us) < 0);
    CHECK(units_parse_duration("7", 0, &us) < 0);
    CHECK(units_parse_duration("-1s", 0, &us) < 0);
    CHECK(units_parse_duration("1x", 0, &us) < 0);
    CHECK(units_parse_duration("s", 0, &us) < 0);
    CHECK(units_parse_duration("1s5", 1000000, &us) < 0);
    CHECK(units_parse_duration("1e3s", 0, &us) < 0);
    CHECK(units_parse_duration("inf", 1000000, &us) < 0);
    CHECK(units_parse_duration("1..2s", 0, &us) < 0);
    CHECK(units_parse_duration("99999999999h", 0, &us) < 0);
    CHECK(us == 42);
}

static void sizes(void)
{
    uint64_t b = 0;
    CHECK(units_parse_size("374KB", &b) == 0 && b == 374000);
    CHECK(units_parse_size("374kb", &b) == 0 && b == 374000);
    CHECK(units_parse_size("1KiB", &b) == 0 && b == 1024);
    CHECK(units_parse_size("1.5MiB", &b) == 0 && b == 1572864);
    CHECK(units_parse_size("512", &b) == 0 && b == 512);
    CHECK(units_parse_size("2 MB", &b) == 0 && b == 2000000);
    CHECK(units_parse_size("", &b) < 0);
    CHECK(units_parse_size("KB", &b) < 0);
    CHECK(units_parse_size("3 parsecs", &b) < 0);
}

static void formatting(void)
{
    char buf[32];
    CHECK_STR(units_fmt_us(850, buf, sizeof buf), "850us");
    CHECK_STR(units_fmt_us(20310, buf, sizeof buf), "20.3ms");
    CHECK_STR(units_fmt_us(1200000, buf, sizeof buf), "1.20s");
    CHECK_STR(units_fmt_us(125e6, buf, sizeof buf), "2m05s");
    CHECK_STR(units_fmt_bytes(1572864, buf, sizeof buf), "1.50 MiB");
    CHECK_STR(units_fmt_bytes(12, buf, sizeof buf), "12 B");
}

int main(void)
{
    RUN(durations);
    RUN(bad_durations);
    RUN(sizes);
    RUN(formatting);
    UNIT_EXIT();
}
