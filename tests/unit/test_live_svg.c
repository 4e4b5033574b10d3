/* test_live_svg.c — the live view's two modes and its watched memory, and the SVG charts'
 * edge cases: gaps, empty charts, the right-hand axis, value formatting. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report/live.h"
#include "report/svg.h"
#include "unit.h"

static char *run_live(int tty, const json_t *watch)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    live *l = live_new(f, tty);
    live_watch(l, watch);
    struct live_row rows[2] = {
        {.scenario = "peak", .elapsed_s = 12, .total_s = 30, .done = 0.4, .vus = 20, .rps = 1234.5,
         .p95_ms = 12.3, .failed = 2, .errors = 1},
        {.scenario = "ramp", .elapsed_s = 5, .done = -1, .detail = "level 2/5 (20 VUs)", .vus = 20},
    };
    live_update(l, 12, rows, 2);
    live_update(l, 13, rows, 1);
    live_end(l);
    live_free(l);
    fclose(f);
    return buf;
}

static void test_live_tty(void)
{
    json_t *w = json_pack("{s:f, s:i}", "process.cpu_pct", 50.0, "process.rss_bytes", 25165824);
    char *out = run_live(1, w);
    CHECK(strstr(out, "\r\033[K[  12s] peak [######----------] 12.00s/30.00s  VUs 20  rps 1234.5  "
                      "p95 12.3ms  failed 2  errors 1  mem 24.00 MiB") != NULL);
    /* not a terminal width to ask: cut to 119 columns so the line never wraps */
    const char *l2 = strstr(out, "\r\033[K[  13s]");
    CHECK(l2 && l2 - out - 4 <= 119 && !strstr(out, "level 2/5"));
    CHECK(strstr(out, "\r\033[K[  13s] peak") != NULL);
    /* one physical line: no newline until live_end */
    CHECK(strchr(out, '\n') == strrchr(out, '\n') && out[strlen(out) - 1] == '\n');
    free(out);
    json_decref(w);
}

static void test_live_plain_watch(void)
{
    json_t *w = json_pack("{s:f, s:i}", "process.cpu_pct", 50.0, "process.rss_bytes", 25165824);
    char *out = run_live(0, w);
    CHECK(strstr(out, "[  12s] peak 12.00s/30.00s  VUs 20  rps 1234.5  p95 12.3ms  failed 2  "
                      "errors 1  mem 24.00 MiB cpu 50%\n") != NULL);
    free(out);
    json_decref(w);
}

static void test_live_plain(void)
{
    char *out = run_live(0, NULL);
    CHECK(!strchr(out, '\033') && !strchr(out, '\r'));
    CHECK(strstr(out, "[  12s] peak 12.00s/30.00s  VUs 20") != NULL);
    CHECK(strstr(out, "\n[  12s] ramp 5.00s level 2/5 (20 VUs)  VUs 20") != NULL);
    CHECK(!strstr(out, "mem "));
    int lines = 0;
    for (char *p = out; *p; p++)
        lines += *p == '\n';
    CHECK_INT(lines, 3);
    free(out);
    live_update(NULL, 1, NULL, 0); /* a NULL view does nothing */
    CHECK(live_new(NULL, 1) == NULL);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_svg_gaps_and_axes(void)
{
    double x[6] = {0, 1, 2, 3, 4, 5}, y[6] = {1, 2, NAN, 4, 5, 6}, v[6] = {10, 10, 20, 20, 20, 5};
    struct svg_line ln[2] = {{"a<b", x, y, 6, 0, 0, 0}, {"vus", x, v, 6, 1, 1, 0}};
    struct svg_mark mk = {2.5, "restart"};
    struct svg_chart c = {.title = "t & u", .xlabel = "s", .ylabel = "rps", .y2label = "VUs",
                          .lines = ln, .nlines = 2, .marks = &mk, .nmarks = 1};
    struct sbuf s = SBUF_INIT;
    CHECK_INT(svg_chart_write(&s, &c), 0);
    const char *o = sbuf_str(&s);
    CHECK(!strncmp(o, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39));
    CHECK(strstr(o, "t &amp; u") && strstr(o, "data-label=\"a&lt;b\""));
    /* the NaN splits line a into two runs: two M commands in its path */
    const char *a = strstr(o, "data-label=\"a&lt;b\"");
    const char *d = strstr(a, " d=\"");
    CHECK(d && count(d, "M") >= 2);
    CHECK(strstr(o, "data-axis=\"right\"") && strstr(o, "stroke-dasharray=\"6 4\""));
    CHECK(strstr(o, ">restart</text>") != NULL);
    CHECK(strstr(o, "</svg>\n") != NULL);
    sbuf_free(&s);
    /* nothing finite: a frame, no drawn line */
    double nan1[1] = {NAN};
    struct svg_line e = {"none", x, nan1, 1, 0, 0, 0};
    struct svg_chart c2 = {.title = "empty", .lines = &e, .nlines = 1};
    CHECK_INT(svg_chart_write(&s, &c2), 0);
    CHECK(strstr(sbuf_str(&s), "d=\"\"") && !strstr(sbuf_str(&s), "d=\"M"));
    sbuf_free(&s);
}

static void test_svg_fmt(void)
{
    char b[64];
    svg_fmt_value(b, sizeof b, 1536, "bytes");
    CHECK_STR(b, "1.50 KiB");
    svg_fmt_value(b, sizeof b, 512, "bytes");
    CHECK_STR(b, "512 B");
    svg_fmt_value(b, sizeof b, 3.0 * 1024 * 1024 * 1024, "bytes");
    CHECK_STR(b, "3.00 GiB");
    svg_fmt_value(b, sizeof b, 25000, NULL);
    CHECK_STR(b, "25k");
    svg_fmt_value(b, sizeof b, 2.5e6, NULL);
    CHECK_STR(b, "2.50M");
    svg_fmt_value(b, sizeof b, 12.34, "%");
    CHECK_STR(b, "12.3%");
    svg_fmt_value(b, sizeof b, 0.5, "ms");
    CHECK_STR(b, "0.500 ms");
    svg_fmt_value(b, sizeof b, NAN, NULL);
    CHECK_STR(b, "-");
}

int main(void)
{
    RUN(test_live_tty);
    RUN(test_live_plain);
    RUN(test_live_plain_watch);
    RUN(test_svg_gaps_and_axes);
    RUN(test_svg_fmt);
    UNIT_EXIT();
}
