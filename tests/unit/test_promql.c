/* test_promql.c — query_range answers read into watch values: one series, several (named
 * by their labels), NaN points, Prometheus's errors, malformed answers (inputs before a
 * guard page); URL encoding; the source's configuration errors. */
#include "guard.h"
#include "unit.h"
#include "watch/promql.h"

#include <stdlib.h>

static struct {
    char name[8][96];
    char unit[8][8];
    double t[8], v[8];
    int n;
} got;

static void on_value(struct watch_emit *e, const char *name, const char *unit, double t,
                     double v)
{
    (void)e;
    if (got.n < 8) {
        snprintf(got.name[got.n], sizeof got.name[0], "%s", name);
        snprintf(got.unit[got.n], sizeof got.unit[0], "%s", unit);
        got.t[got.n] = t;
        got.v[got.n++] = v;
    }
}

static int parse(const char *json, const char *name, char *err)
{
    struct watch_emit em = {.value = on_value};
    got.n = 0;
    size_t n = strlen(json);
    return promql_parse_range(guard_copy(json, n), n, name, 1700000000.0, &em, err, 160);
}

static void one_series(void)
{
    char err[160] = "";
    CHECK_INT(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                    "{\"metric\":{\"__name__\":\"process_resident_memory_bytes\",\"job\":\"tb\"},"
                    "\"values\":[[1700000001,\"4059136\"],[1700000002.5,\"4100000\"],"
                    "[1700000003,\"NaN\"],[1700000004,\"+Inf\"]]}]}}",
                    "rss_bytes", err),
              3);
    CHECK_STR(got.name[0], "rss_bytes"); /* one series: the name alone */
    CHECK_STR(got.unit[0], "bytes");
    CHECK(got.t[0] == 1 && got.v[0] == 4059136);
    CHECK(got.t[1] == 2.5 && got.v[1] == 4100000);
    CHECK(got.t[2] == 4 && got.v[2] > 1e308); /* NaN skipped, +Inf kept */
    CHECK_INT(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}",
                    "x", err),
              0);
}

static void several_series(void)
{
    char err[160] = "";
    CHECK_INT(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                    "{\"metric\":{\"zone\":\"b\",\"__name__\":\"t\",\"app\":\"x\\\"y\"},"
                    "\"values\":[[1700000001,\"1\"]]},"
                    "{\"metric\":{},\"values\":[[1700000001,\"2\"]]}]}}",
                    "load_pct", err),
              2);
    CHECK_STR(got.name[0], "load_pct{app=\"x\\\"y\",zone=\"b\"}");
    CHECK_STR(got.unit[0], "%");
    CHECK_STR(got.name[1], "load_pct");
}

static void errors(void)
{
    static const struct { const char *json; const char *msg; } bad[] = {
        {"{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:6: parse error: "
         "unclosed left parenthesis\"}",
         "Prometheus: 1:6: parse error: unclosed left parenthesis"},
        {"{\"status\":\"error\"}", "Prometheus: error"},
        {"not json", "bad JSON: line 1 col "},
        {"", "bad JSON: "},
        {"{\"data\":{}}", "unexpected answer: no \"status\""},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
         "unexpected answer: resultType 'vector', not a matrix"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{}]}}",
         "a series without \"values\""},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
         "[{\"values\":[[1,\"x\"]]}]}}",
         "a point is not [time, \"value\"]"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
         "[{\"values\":[[1]]}]}}",
         "a point is not"},
        {"{\"status\":\"success\",\"status\":\"success\"}", "bad JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[160] = "";
        int rc = parse(bad[i].json, "q", err);
        if (rc != -1 || !strstr(err, bad[i].msg))
            printf("    case %zu: rc %d \"%s\" (want \"%s\")\n", i, rc, err, bad[i].msg);
        CHECK(rc == -1 && strstr(err, bad[i].msg));
    }
}

static void urlencode(void)
{
    char buf[128];
    int n = promql_urlencode(buf, sizeof buf, "rate(http_requests_total{code=~\"5..\"}[1m]) + 1");
    CHECK_STR(buf, "rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B1m%5D%29%20%2B%201");
    CHECK_INT(n, (int)strlen(buf));
    char small[5];
    CHECK_INT(promql_urlencode(small, sizeof small, "a b"), 5);
    CHECK_STR(small, "a%20");
}

static void config_errors(void)
{
    char err[160] = "";
    const char *names[] = {"rss"}, *queries[] = {"up"}, *empty[] = {""};
    struct watch_promql_cfg c = {.url = "ftp://x", .names = names, .queries = queries,
                                 .nqueries = 1};
    CHECK(wsrc_promql_new(&c, err, sizeof err) == NULL && strstr(err, "not an http://"));
    c.url = "http://127.0.0.1:9090/";
    c.nqueries = 0;
    CHECK(wsrc_promql_new(&c, err, sizeof err) == NULL && strstr(err, "no queries"));
    c.nqueries = 1;
    c.queries = empty;
    CHECK(wsrc_promql_new(&c, err, sizeof err) == NULL && strstr(err, "query 1 needs"));
    c.queries = queries;
    wsrc *s = wsrc_promql_new(&c, err, sizeof err);
    CHECK(s && strcmp(s->kind, "promql") == 0 && s->ops->finish);
    struct watch_emit em = {.value = on_value};
    got.n = 0;
    CHECK(s && s->ops->sample(s, 1, &em) == 0 && got.n == 0);
    wsrc_free(s);
}

int main(void)
{
    RUN(one_series);
    RUN(several_series);
    RUN(errors);
    RUN(urlencode);
    RUN(config_errors);
    guard_release();
    UNIT_EXIT();
}
