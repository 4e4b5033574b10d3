/* test_report.c — the report writers on the fixed fixture tests/data/results-full.json:
 * report.md is compared byte for byte with the golden tests/data/report-full.md, the charts
 * and report.html are checked for what each section must hold.
 *
 * After an intended change to the report, regenerate the golden file and review its diff:
 *     SURGE_REGEN_GOLDEN=1 build/tests/test_report && git diff tests/data/report-full.md
 * (tests/data/gen-results-full.py regenerates the fixture itself.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "report/html.h"
#include "report/markdown.h"
#include "unit.h"

static char tmpdir[64];

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b)
        b[n] = '\0';
    fclose(f);
    if (len && b)
        *len = (size_t)n;
    return b;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static json_t *fixture(void)
{
    json_error_t e;
    json_t *d = json_load_file("tests/data/results-full.json", 0, &e);
    if (!d)
        printf("    cannot load the fixture: %s:%d: %s\n", e.source, e.line, e.text);
    return d;
}

static void test_markdown_golden(void)
{
    json_t *d = fixture();
    CHECK(d != NULL);
    if (!d)
        return;
    char err[256] = "";
    CHECK_INT(markdown_write(d, tmpdir, err, sizeof err), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/report.md", tmpdir);
    size_t n = 0, gn = 0;
    char *md = slurp(path, &n);
    CHECK(md != NULL);
    if (md && getenv("SURGE_REGEN_GOLDEN")) {
        FILE *f = fopen("tests/data/report-full.md", "wb");
        CHECK(f && fwrite(md, 1, n, f) == n);
        if (f)
            fclose(f);
    }
    char *golden = slurp("tests/data/report-full.md", &gn);
    CHECK(golden != NULL);
    if (md && golden && (n != gn || memcmp(md, golden, n))) {
        size_t i = 0;
        while (i < n && i < gn && md[i] == golden[i])
            i++;
        int line = 1;
        for (size_t k = 0; k < i; k++)
            line += golden[k] == '\n';
        printf("    report.md differs from tests/data/report-full.md at line %d (byte %zu); "
               "got: \"%.60s\"\n",
               line, i, md + i);
        CHECK(0);
    }
    free(md);
    free(golden);
    json_decref(d);
}

/* Every section of the fixture shows up, and what the issue lists is in it. */
static void test_markdown_sections(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/report.md", tmpdir);
    char *md = slurp(path, NULL);
    CHECK(md != NULL);
    if (!md)
        return;
    static const char *const want[] = {
        "# Capacity report: examples/shop.yaml", "**Verdict: FAIL.**",
        "| Scenario | Users | Duration | Requests | Success % | Avg | P95 | P99 | Errors |",
        "| Concurrency | Success rate | Failed | Duration | rps | P95 |",
        "## Criteria", "| ✔ |", "| ~ |", "| ✘ |", "## Resource utilisation", "## Readiness", "## Recovery",
        "## Capacity model", "## Bottlenecks", "## Resource projection",
        "## Restarts and outages", "health outage, 2.0 s", "target restart", "connect\\_refused",
        "![ramp: throughput against concurrency", "(charts/ramp-throughput-vs-vus.svg)",
        "(charts/watch-process_rss_bytes.svg)", "nvidia-smi: not found"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(md, want[i])) {
            printf("    report.md lacks \"%s\"\n", want[i]);
            CHECK(0);
        }
    /* Every linked chart exists and is a drawn SVG. */
    int links = 0;
    for (const char *p = md; (p = strstr(p, "](charts/")); p++) {
        char name[128];
        if (sscanf(p, "](charts/%127[^)])", name) != 1)
            continue;
        links++;
        snprintf(path, sizeof path, "%s/charts/%s", tmpdir, name);
        char *svg = slurp(path, NULL);
        CHECK(svg && !strncmp(svg, "<svg xmlns=", 11) && strstr(svg, "d=\"M"));
        free(svg);
    }
    /* 2 scenarios x (rps, latency, errors) + 2 ladder charts + 3 watched metrics */
    CHECK_INT(links, 11);
    free(md);
}

static void test_usl_curve_only_with_fit(void)
{
    json_t *d = fixture();
    if (!d)
        return;
    char err[256], path[512];
    CHECK_INT(markdown_write(d, tmpdir, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/charts/ramp-throughput-vs-vus.svg", tmpdir);
    char *svg = slurp(path, NULL);
    CHECK(svg && strstr(svg, "data-label=\"USL fit\""));
    free(svg);
    json_object_del(json_object_get(d, "analysis"), "usl");
    CHECK_INT(markdown_write(d, tmpdir, err, sizeof err), 0);
    svg = slurp(path, NULL);
    CHECK(svg && !strstr(svg, "USL fit"));
    free(svg);
    json_decref(d);
}

/* A plain document (quick mode, schema /1): no criteria, watch or analysis sections. */
static void test_markdown_minimal(void)
{
    json_t *d = json_pack("{s:s, s:s, s:f, s:b, s:{s:s}, s:[{s:s, s:s, s:f, s:i, s:i, s:i, s:f}]}",
                          "schema", "surge.results/1", "started", "2026-12-01T10:00:00Z",
                          "duration_s", 2.0, "interrupted", 0, "quick", "url",
                          "http://127.0.0.1:1/", "scenarios", "name", "quick", "executor",
                          "constant-vus", "duration_s", 2.0, "vus_max", 2, "requests", 10, "failed",
                          0, "success_rate", 1.0);
    char err[256], path[512];
    CHECK_INT(markdown_write(d, tmpdir, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/report.md", tmpdir);
    char *md = slurp(path, NULL);
    CHECK(md && strstr(md, "# Capacity report: http://127.0.0.1:1/"));
    CHECK(md && strstr(md, "**Verdict: no criteria.**"));
    CHECK(md && !strstr(md, "## Criteria") && !strstr(md, "## Resource") &&
          !strstr(md, "## Readiness") && !strstr(md, "](charts/"));
    free(md);
    json_decref(d);
    d = json_pack("{s:s}", "schema", "x");
    CHECK_INT(markdown_write(d, tmpdir, err, sizeof err), -1);
    CHECK(strstr(err, "no scenarios") != NULL);
    json_decref(d);
}

static void test_html(void)
{
    json_t *d = fixture();
    if (!d)
        return;
    char err[256], path[512];
    CHECK_INT(html_write(d, tmpdir, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/report.html", tmpdir);
    char *h = slurp(path, NULL);
    CHECK(h != NULL);
    if (h) {
        CHECK_INT(count(h, "<svg "), 11);
        CHECK(!strstr(h, "http://") || !strstr(h, "src=\"http")); /* nothing fetched */
        CHECK(!strstr(h, "<link") && !strstr(h, "src="));
        CHECK(strstr(h, "<h2>Criteria</h2>") != NULL);
        CHECK(strstr(h, "</html>\n") != NULL);
    }
    free(h);
    json_decref(d);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/surge-test-report.XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    RUN(test_markdown_golden);
    RUN(test_markdown_sections);
    RUN(test_usl_curve_only_with_fit);
    RUN(test_markdown_minimal);
    RUN(test_html);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (!getenv("SURGE_KEEP"))
        (void)!system(cmd);
    else
        printf("    kept %s\n", tmpdir);
    UNIT_EXIT();
}
