/* test_ndjson.c — series.ndjson: the writer's lines read back, and the rebuild of a results
 * document from it: sums, worst-second tails, watch metrics, a torn last line, bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "report/ndjson.h"
#include "unit.h"

static const char *hdr = "{\"schema\":\"surge.series/1\",\"started\":\"2026-12-01T10:00:00Z\","
                         "\"target\":\"http://x\",\"plan\":\"p.yaml\",\"scenarios\":"
                         "[{\"name\":\"a\",\"executor\":\"ladder\"},{\"name\":\"b\"}]}\n";

static int rebuild(const char *text, json_t **doc, char *err)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    int rc = ndjson_rebuild_stream(f, "S", doc, err, 256);
    fclose(f);
    return rc;
}

static void test_rebuild_sums(void)
{
    char buf[2048], err[256] = "";
    snprintf(buf, sizeof buf, "%s%s%s%s%s", hdr,
             "{\"t_run\":-2,\"watch\":{\"m\":10}}\n{\"t_run\":-1,\"watch\":{\"m\":20}}\n",
             "{\"t_run\":0,\"scenarios\":{\"a\":{\"t\":0,\"requests\":10,\"failed\":1,\"bytes_in\":5,"
             "\"vus\":2,\"p50_ms\":1,\"p95_ms\":3,\"p99_ms\":4,\"max_ms\":5,\"errors\":{\"timeout\":1}}},"
             "\"watch\":{\"m\":30}}\n",
             "{\"t_run\":1,\"scenarios\":{\"a\":{\"t\":1,\"requests\":30,\"failed\":2,\"vus\":4,"
             "\"p50_ms\":2,\"p95_ms\":9,\"p99_ms\":2,\"max_ms\":12,\"errors\":{\"timeout\":1,\"reset\":1}},"
             "\"b\":{\"t\":0,\"requests\":3}},\"watch\":{\"m\":50}}\n",
             "{\"t_run\":2,\"scenarios\":{\"b\":{\"t\":1,\"requ"); /* torn: killed mid-write */
    json_t *d = NULL;
    CHECK_INT(rebuild(buf, &d, err), 0);
    if (!d) {
        printf("    %s\n", err);
        return;
    }
    CHECK(json_is_true(json_object_get(d, "interrupted")));
    CHECK_STR(json_string_value(json_object_get(d, "schema")), "surge.results/2");
    CHECK_STR(json_string_value(json_object_get(d, "plan")), "p.yaml");
    CHECK_INT(json_number_value(json_object_get(d, "duration_s")), 2);
    json_t *a = json_array_get(json_object_get(d, "scenarios"), 0);
    CHECK_INT(json_integer_value(json_object_get(a, "requests")), 40);
    CHECK_INT(json_integer_value(json_object_get(a, "failed")), 3);
    CHECK_INT(json_integer_value(json_object_get(a, "vus_max")), 4);
    CHECK_INT(json_array_size(json_object_get(a, "series")), 2);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(a, "errors"), "timeout")), 2);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(a, "errors"), "reset")), 1);
    json_t *l = json_object_get(a, "latency_ms");
    CHECK_NEAR(json_number_value(json_object_get(l, "p50")), (10 * 1 + 30 * 2) / 40.0, 0.001);
    CHECK_NEAR(json_number_value(json_object_get(l, "p95")), 9, 1e-9); /* the worst second */
    CHECK_NEAR(json_number_value(json_object_get(l, "p99")), 4, 1e-9);
    CHECK_NEAR(json_number_value(json_object_get(a, "rps")), 20, 1e-9);
    json_t *b = json_array_get(json_object_get(d, "scenarios"), 1);
    CHECK_INT(json_integer_value(json_object_get(b, "requests")), 3); /* torn line ignored */
    CHECK_NEAR(json_number_value(json_object_get(b, "start_s")), 1, 1e-9);
    json_t *m = json_array_get(json_object_get(json_object_get(d, "watch"), "metrics"), 0);
    CHECK_STR(json_string_value(json_object_get(m, "name")), "m");
    CHECK_NEAR(json_number_value(json_object_get(m, "baseline")), 15, 1e-9);
    CHECK_NEAR(json_number_value(json_object_get(m, "min")), 30, 1e-9);
    CHECK_NEAR(json_number_value(json_object_get(m, "max")), 50, 1e-9);
    CHECK_INT(json_array_size(json_object_get(m, "series")), 4);
    json_decref(d);
}

static void test_rebuild_errors(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"", "S: empty (no header line)"},
        {"{\"schema\":\"other\"}\n", "S:1: not a surge.series/1 header"},
        {"[1,2]\n", "S:1: not a surge.series/1 header"},
        {"{\"schema\":\"surge.series/1\"}\n{\"t_run\": 0}\nnot json\n{\"t_run\":1}\n", "S:3:"},
        {"{\"schema\":\"surge.series/1\"}\n{\"scenarios\": {}}\n", "S:2: a line without t_run"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *d = (json_t *)&cases;
        char err[256] = "";
        int rc = rebuild(cases[i].text, &d, err);
        if (rc != -1 || d != (json_t *)&cases || !strstr(err, cases[i].msg)) {
            printf("    case %zu: rc %d err \"%s\" (want \"%s\")\n", i, rc, err, cases[i].msg);
            CHECK(0);
        }
    }
}

static void test_writer_roundtrip(void)
{
    char path[] = "/tmp/surge-test-ndjson.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    json_t *h = json_pack("{s:s, s:[{s:s, s:s}]}", "plan", "p.yaml", "scenarios", "name", "a",
                          "executor", "constant-vus");
    ndjson *w = NULL;
    char err[256];
    CHECK_INT(ndjson_open(path, h, &w, err, sizeof err), 0);
    for (int t = 0; t < 3; t++) {
        json_t *l = json_pack("{s:i, s:{s:{s:i, s:i}}, s:{}}", "t_run", t, "scenarios", "a",
                              "t", t, "requests", 7, "watch");
        CHECK_INT(ndjson_write(w, l), 0);
        json_decref(l);
    }
    /* flushed each line: readable before close */
    json_t *d = NULL;
    CHECK_INT(ndjson_rebuild(path, &d, err, sizeof err), 0);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(json_object_get(d, "scenarios"), 0),
                                                 "requests")),
              21);
    json_decref(d);
    ndjson_close(w);
    ndjson_close(NULL);
    CHECK_INT(ndjson_rebuild("/nonexistent/series.ndjson", &d, err, sizeof err), -1);
    CHECK(strstr(err, "cannot read '/nonexistent/series.ndjson'") != NULL);
    CHECK_INT(ndjson_open("/nonexistent/x", h, &w, err, sizeof err), -1);
    json_decref(h);
    unlink(path);
}

int main(void)
{
    RUN(test_rebuild_sums);
    RUN(test_rebuild_errors);
    RUN(test_writer_roundtrip);
    UNIT_EXIT();
}
