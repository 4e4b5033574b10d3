/* test_prom.c — the Prometheus exposition parser (every grammar edge, inputs before a guard
 * page, every prefix of a document), selectors, series names and histogram quantiles. */
#include "guard.h"
#include "unit.h"
#include "watch/prom.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static prom_doc *parse(const char *s)
{
    prom_doc *d = NULL;
    char err[160] = "";
    int line = 0, col = 0;
    size_t n = strlen(s);
    const char *g = guard_copy(s, n); /* no NUL: any read past n crashes */
    int rc = prom_parse(g, n, &d, err, sizeof err, &line, &col);
    if (rc != 0)
        printf("    parse failed: %s\n", err);
    return rc == 0 ? d : NULL;
}

static const struct prom_sample *find(const prom_doc *d, const char *name, const char *lname,
                                      const char *lval)
{
    for (int i = 0; i < d->nsamples; i++) {
        const struct prom_sample *x = &d->samples[i];
        if (strcmp(x->name, name) != 0)
            continue;
        if (!lname)
            return x;
        for (int k = 0; k < x->nlabels; k++)
            if (strcmp(x->labels[k].name, lname) == 0 && strcmp(x->labels[k].value, lval) == 0)
                return x;
    }
    return NULL;
}

static const char full_doc[] =
    "# HELP http_requests_total The total number of HTTP requests.\n"
    "# TYPE http_requests_total counter\n"
    "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
    "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
    "\n"
    "# Escaping in label values:\n"
    "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
    "\n"
    "# Minimalistic line:\n"
    "metric_without_timestamp_and_labels 12.47\n"
    "\n"
    "# A weird metric from before the epoch:\n"
    "something_weird{problem=\"division by zero\"} +Inf -3982045\n"
    "\n"
    "# A histogram, which has a pretty complex representation in the text format:\n"
    "# HELP http_request_duration_seconds A histogram of the request duration.\n"
    "# TYPE http_request_duration_seconds histogram\n"
    "http_request_duration_seconds_bucket{le=\"0.05\"} 24054\n"
    "http_request_duration_seconds_bucket{le=\"0.1\"} 33444\n"
    "http_request_duration_seconds_bucket{le=\"0.2\"} 100392\n"
    "http_request_duration_seconds_bucket{le=\"0.5\"} 129389\n"
    "http_request_duration_seconds_bucket{le=\"1\"} 133988\n"
    "http_request_duration_seconds_bucket{le=\"+Inf\"} 144320\n"
    "http_request_duration_seconds_sum 53423\n"
    "http_request_duration_seconds_count 144320\n"
    "\n"
    "# Finally a summary, which has a complex representation, too:\n"
    "# HELP rpc_duration_seconds A summary of the RPC duration in seconds.\n"
    "# TYPE rpc_duration_seconds summary\n"
    "rpc_duration_seconds{quantile=\"0.01\"} 3102\n"
    "rpc_duration_seconds{quantile=\"0.05\"} 3272\n"
    "rpc_duration_seconds{quantile=\"0.5\"} 4773\n"
    "rpc_duration_seconds{quantile=\"0.9\"} 9001\n"
    "rpc_duration_seconds{quantile=\"0.99\"} 76656\n"
    "rpc_duration_seconds_sum 1.7560473e+07\n"
    "rpc_duration_seconds_count 2693\n"
    "# TYPE temp gauge\n"
    "temp{} -1.5E-3\n"
    "nan_val NaN\n"
    "neg_inf -Inf\n"
    "trailing_comma{a=\"1\",} 2\n"
    "spaced { a = \"1\" , b=\"2\" }\t7\n"
    "colon:metric:x 1\n";

static void full_document(void)
{
    prom_doc *d = parse(full_doc);
    CHECK(d);
    if (!d)
        return;
    CHECK_INT(d->nsamples, 26);
    const struct prom_sample *x = find(d, "http_requests_total", "code", "400");
    CHECK(x && x->value == 3 && x->has_ts && x->ts_ms == 1395066363000LL);
    CHECK(x && x->type == PROM_COUNTER && x->nlabels == 2);
    CHECK_STR(x ? x->family : NULL, "http_requests_total");
    x = find(d, "msdos_file_access_time_seconds", NULL, NULL);
    CHECK(x && x->nlabels == 2);
    if (x && x->nlabels == 2) {
        CHECK_STR(x->labels[0].value, "C:\\DIR\\FILE.TXT");
        CHECK_STR(x->labels[1].value, "Cannot find file:\n\"FILE.TXT\"");
    }
    CHECK(x && x->value == 1.458255915e9 && x->type == PROM_UNTYPED && !x->has_ts);
    x = find(d, "something_weird", NULL, NULL);
    CHECK(x && isinf(x->value) && x->value > 0 && x->ts_ms == -3982045);
    x = find(d, "http_request_duration_seconds_bucket", "le", "+Inf");
    CHECK(x && x->value == 144320 && x->type == PROM_HISTOGRAM);
    CHECK_STR(x ? x->family : NULL, "http_request_duration_seconds");
    x = find(d, "http_request_duration_seconds_count", NULL, NULL);
    CHECK(x && x->type == PROM_HISTOGRAM);
    x = find(d, "rpc_duration_seconds", "quantile", "0.99");
    CHECK(x && x->value == 76656 && x->type == PROM_SUMMARY);
    x = find(d, "rpc_duration_seconds_sum", NULL, NULL);
    CHECK(x && x->value == 1.7560473e+07 && x->type == PROM_SUMMARY);
    x = find(d, "temp", NULL, NULL);
    CHECK(x && x->value == -1.5e-3 && x->nlabels == 0 && x->type == PROM_GAUGE);
    x = find(d, "nan_val", NULL, NULL);
    CHECK(x && isnan(x->value));
    x = find(d, "neg_inf", NULL, NULL);
    CHECK(x && isinf(x->value) && x->value < 0);
    x = find(d, "trailing_comma", "a", "1");
    CHECK(x && x->value == 2 && x->nlabels == 1);
    x = find(d, "spaced", "b", "2");
    CHECK(x && x->value == 7 && x->nlabels == 2);
    CHECK(find(d, "colon:metric:x", NULL, NULL) != NULL);
    int help = 0;
    for (int i = 0; i < d->nfamilies; i++)
        if (strcmp(d->families[i].name, "http_requests_total") == 0)
            help = d->families[i].help &&
                   strcmp(d->families[i].help, "The total number of HTTP requests.") == 0;
    CHECK(help);
    prom_doc_free(d);
}

static void line_ends(void)
{
    /* CRLF, a last line without a newline, blank lines of blanks, only comments */
    prom_doc *d = parse("# TYPE a gauge\r\na 1\r\n\r\n  \t \nb{x=\"y\"} 2 5\r\nc 3");
    CHECK(d && d->nsamples == 3);
    if (d) {
        CHECK(d->samples[0].type == PROM_GAUGE && d->samples[0].value == 1);
        CHECK(d->samples[1].has_ts && d->samples[1].ts_ms == 5);
        CHECK(d->samples[2].value == 3);
    }
    prom_doc_free(d);
    d = parse("");
    CHECK(d && d->nsamples == 0);
    prom_doc_free(d);
    char err[96];
    int line = 0, col = 0;
    d = NULL;
    CHECK(prom_parse("# just a comment\n#\n# HELP\n", 25, &d, err, sizeof err, &line, &col) ==
          -EINVAL); /* "# HELP" without a name is an error */
    CHECK(d == NULL && line == 3 && col == 7);
    d = parse("# just a comment\n#\n#HELPER x\n\n");
    CHECK(d && d->nsamples == 0);
    prom_doc_free(d);
    d = parse("x 1\n");
    CHECK(d && d->nsamples == 1 && d->samples[0].type == PROM_UNTYPED);
    prom_doc_free(d);
}

static void values(void)
{
    static const struct { const char *s; double v; } ok[] = {
        {"m 0", 0}, {"m -0", 0}, {"m 1e3", 1000}, {"m 1E-2", 0.01}, {"m +5", 5},
        {"m .5", 0.5}, {"m 5.", 5}, {"m 1.5e+10", 1.5e10}, {"m 123456789012", 123456789012.0},
        {"m inf", INFINITY}, {"m +inf", INFINITY}, {"m -INF", -INFINITY}, {"m 1e999", INFINITY},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        prom_doc *d = parse(ok[i].s);
        CHECK(d && d->nsamples == 1 && d->samples[0].value == ok[i].v);
        if (!d || d->samples[0].value != ok[i].v)
            printf("    value case \"%s\"\n", ok[i].s);
        prom_doc_free(d);
    }
    prom_doc *d = parse("m nan\nn NaN 17\n");
    CHECK(d && d->nsamples == 2 && isnan(d->samples[0].value) && d->samples[1].ts_ms == 17);
    prom_doc_free(d);
}

struct ecase {
    const char *src;
    int line, col;
    const char *msg;
};

static void errors(void)
{
    static const struct ecase cases[] = {
        {"m", 1, 2, "value expected"},
        {"m \n", 1, 3, "value expected"},
        {"a 1\nm abc\n", 2, 3, "bad value 'abc'"},
        {"m 1x", 1, 4, "bad value"},
        {"m 1e", 1, 3, "bad value '1e'"},
        {"m .", 1, 3, "bad value"},
        {"m 0x10", 1, 4, "bad value"},
        {"m 1 2 3", 1, 7, "unexpected text after the timestamp"},
        {"m 1 12.5", 1, 7, "bad timestamp"},
        {"m 1 -", 1, 5, "bad timestamp"},
        {"m 1 99999999999999999999", 1, 5, "timestamp out of range"},
        {"9m 1", 1, 1, "metric name expected"},
        {"m-x 1", 1, 2, "bad character '-'"},
        {"m{", 1, 3, "'}' expected"},
        {"m{a", 1, 4, "'=' expected"},
        {"m{a=1}", 1, 5, "'\"' expected"},
        {"m{a=\"1} 2", 1, 5, "unterminated label value"},
        {"m{a=\"1\\", 1, 5, "unterminated label value"},
        {"m{a=\"\\t\"} 1", 1, 6, "bad escape '\\t'"},
        {"m{a=\"1\" b=\"2\"} 1", 1, 9, "',' or '}' expected"},
        {"m{a=\"1\",a=\"2\"} 1", 1, 9, "label 'a' given twice"},
        {"m{1a=\"1\"} 1", 1, 3, "label name expected"},
        {"m{a:b=\"1\"} 1", 1, 4, "'=' expected"},
        {"# TYPE m bogus\n", 1, 10, "unknown metric type 'bogus'"},
        {"# TYPE m gauge extra\n", 1, 16, "unexpected text after the type"},
        {"# TYPE m\n", 1, 9, "unknown metric type ''"},
        {"# TYPE m gauge\n# TYPE m counter\n", 2, 10, "second TYPE line for m"},
        {"# HELP m a\n# HELP m b\n", 2, 8, "second HELP line for m"},
        {"# TYPE 1m gauge\n", 1, 8, "metric name expected after # TYPE"},
        {"x 1\r\ny 2\r\n# TYPE\r\n", 3, 7, "metric name expected after # TYPE"},
        {"m{a=\"x\"}} 1", 1, 9, "bad value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        prom_doc *d = (prom_doc *)&cases; /* must stay untouched */
        char err[160] = "";
        int line = -1, col = -1;
        size_t n = strlen(cases[i].src);
        const char *g = guard_copy(cases[i].src, n);
        int rc = prom_parse(g, n, &d, err, sizeof err, &line, &col);
        char want[64];
        snprintf(want, sizeof want, "line %d col %d: ", cases[i].line, cases[i].col);
        int ok = rc == -EINVAL && line == cases[i].line && col == cases[i].col &&
                 strncmp(err, want, strlen(want)) == 0 && strstr(err, cases[i].msg) &&
                 d == (prom_doc *)&cases;
        if (!ok)
            printf("    case %zu \"%s\": rc %d %d:%d \"%s\" (want %d:%d \"%s\")\n", i,
                   cases[i].src, rc, line, col, err, cases[i].line, cases[i].col,
                   cases[i].msg);
        CHECK(ok);
    }
}

/* Every prefix of the full document, placed before the guard page: parses or fails
 * cleanly, never reads past its end. Also a short error buffer and NULL line/col. */
static void every_prefix(void)
{
    size_t n = strlen(full_doc);
    int parsed = 0;
    for (size_t k = 0; k <= n; k++) {
        prom_doc *d = NULL;
        char err[8];
        const char *g = guard_copy(full_doc, k);
        if (prom_parse(g, k, &d, err, sizeof err, NULL, NULL) == 0) {
            parsed++;
            prom_doc_free(d);
        } else {
            CHECK(strlen(err) < sizeof err);
        }
    }
    CHECK(parsed >= 50); /* at least every prefix ending a line */
}

static prom_sel *sel(const char *s)
{
    prom_sel *r = NULL;
    char err[128];
    int col;
    if (prom_sel_parse(s, &r, err, sizeof err, &col) != 0)
        printf("    selector \"%s\": %s\n", s, err);
    return r;
}

static void selectors(void)
{
    struct prom_label l[] = {{"code", "200"}, {"method", "post"}, {"path", "a\"b"}};
    prom_sel *s = sel("http_requests_total");
    CHECK(s && prom_sel_match(s, "http_requests_total", l, 3));
    CHECK(s && !prom_sel_match(s, "http_requests", l, 3));
    CHECK_STR(s ? prom_sel_name(s) : NULL, "http_requests_total");
    prom_sel_free(s);
    s = sel("m{code=\"200\"}");
    CHECK(s && prom_sel_match(s, "m", l, 3) && !prom_sel_match(s, "m", l + 1, 2));
    prom_sel_free(s);
    s = sel("m{code!=\"200\"}");
    CHECK(s && !prom_sel_match(s, "m", l, 3) && prom_sel_match(s, "m", l + 1, 2));
    prom_sel_free(s);
    s = sel(" m { code =~ \"2..\" , method!~\"get|put\" } ");
    CHECK(s && prom_sel_match(s, "m", l, 3));
    prom_sel_free(s);
    s = sel("m{code=~\"2\"}"); /* anchored: "2" does not match "200" */
    CHECK(s && !prom_sel_match(s, "m", l, 3));
    prom_sel_free(s);
    s = sel("m{code=~\"20|200\"}"); /* the anchor wraps the alternation */
    CHECK(s && prom_sel_match(s, "m", l, 3));
    prom_sel_free(s);
    s = sel("m{missing=\"\"}"); /* absent labels match as empty */
    CHECK(s && prom_sel_match(s, "m", l, 3));
    prom_sel_free(s);
    s = sel("m{missing!~\".+\"}");
    CHECK(s && prom_sel_match(s, "m", l, 3));
    prom_sel_free(s);
    s = sel("m{path=\"a\\\"b\"}");
    CHECK(s && prom_sel_match(s, "m", l, 3));
    prom_sel_free(s);
    s = sel("m{code=~\"[+*]{1,3}|2[0-9]{2}|x\\\\++\"}"); /* [..], escapes, counts are fine */
    CHECK(s && prom_sel_match(s, "m", l, 3));
    prom_sel_free(s);
    s = sel("m{}");
    CHECK(s && prom_sel_match(s, "m", NULL, 0));
    prom_sel_free(s);

    static const struct { const char *src; int col; const char *msg; } bad[] = {
        {"", 1, "metric name expected"},
        {"{a=\"1\"}", 1, "metric name expected"},
        {"m{a}", 4, "'=', '!=', '=~' or '!~' expected"},
        {"m{a==\"1\"}", 5, "'\"' expected"},
        {"m{a=\"1}", 5, "unterminated value"},
        {"m{a=~\"(\"}", 6, "bad regex"},
        {"m{a=\"1\" b=\"2\"}", 9, "',' or '}' expected"},
        {"m x", 3, "unexpected text"},
        {"m{9=\"1\"}", 3, "label name expected"},
        {"m{a=~\"V++\"}", 6, "regex refused: a repetition of a repetition"},
        {"m{a=~\"(a{1,50}){30}\"}", 6, "repetition counts over 1000"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        prom_sel *o = (prom_sel *)&bad;
        char err[128] = "";
        int col = -1;
        int rc = prom_sel_parse(guard_str(bad[i].src), &o, err, sizeof err, &col);
        int ok = rc == -EINVAL && col == bad[i].col && strstr(err, bad[i].msg) &&
                 o == (prom_sel *)&bad;
        if (!ok)
            printf("    case \"%s\": rc %d col %d \"%s\"\n", bad[i].src, rc, col, err);
        CHECK(ok);
    }
}

static void series_names(void)
{
    struct prom_label l[] = {{"zone", "b"}, {"le", "0.5"}, {"app", "x\"y\\z\nw"}};
    char buf[128];
    int n = prom_series_name(buf, sizeof buf, "m", l, 3, NULL);
    CHECK_STR(buf, "m{app=\"x\\\"y\\\\z\\nw\",le=\"0.5\",zone=\"b\"}");
    CHECK_INT(n, (int)strlen(buf));
    prom_series_name(buf, sizeof buf, "m", l, 3, "le");
    CHECK_STR(buf, "m{app=\"x\\\"y\\\\z\\nw\",zone=\"b\"}");
    prom_series_name(buf, sizeof buf, "m", l + 1, 1, "le");
    CHECK_STR(buf, "m");
    prom_series_name(buf, sizeof buf, "plain", NULL, 0, NULL);
    CHECK_STR(buf, "plain");
    char small[6];
    n = prom_series_name(small, sizeof small, "m", l, 1, NULL);
    CHECK_STR(small, "m{zon");
    CHECK_INT(n, (int)strlen("m{zone=\"b\"}"));
}

static void quantiles(void)
{
    double le[] = {0.05, 0.1, 0.2, 0.5, 1, INFINITY};
    double cum[] = {24054, 33444, 100392, 129389, 133988, 144320};
    /* p50: rank 72160 in (0.1, 0.2]: 0.1 + 0.1 * (72160 - 33444) / 66948 */
    CHECK_NEAR(prom_histogram_quantile(0.5, le, cum, 6), 0.1 + 0.1 * (72160.0 - 33444) / 66948,
               1e-12);
    /* p95: rank 137104 is in +Inf: the last finite bound */
    CHECK_NEAR(prom_histogram_quantile(0.95, le, cum, 6), 1.0, 1e-12);
    /* p10: rank 14432 in the first bucket, from 0 */
    CHECK_NEAR(prom_histogram_quantile(0.1, le, cum, 6), 0.05 * 14432 / 24054, 1e-12);
    CHECK_NEAR(prom_histogram_quantile(0.9, le, cum, 6), 0.5 + 0.5 * (129888.0 - 129389) / 4599,
               1e-9);
    double z[] = {0, 0, 0, 0, 0, 0};
    CHECK(isnan(prom_histogram_quantile(0.5, le, z, 6)));
    double fin[] = {1, 2};
    CHECK(isnan(prom_histogram_quantile(0.5, fin, cum, 2))); /* no +Inf bucket */
    CHECK(isnan(prom_histogram_quantile(0.5, le + 5, cum + 5, 1)));
    CHECK(isinf(prom_histogram_quantile(-1, le, cum, 6)));
    double le2[] = {-1, 0, 1, INFINITY}, c2[] = {5, 5, 10, 10};
    CHECK_NEAR(prom_histogram_quantile(0.25, le2, c2, 4), -1, 1e-12); /* negative bound */
    CHECK_NEAR(prom_histogram_quantile(0.75, le2, c2, 4), 0.5, 1e-12);
    double nonmono[] = {10, 5, 20, 20}; /* a bucket below its predecessor counts as it */
    CHECK_NEAR(prom_histogram_quantile(0.5, le2, nonmono, 4), -1, 1e-12);
}

int main(void)
{
    RUN(full_document);
    RUN(line_ends);
    RUN(values);
    RUN(errors);
    RUN(every_prefix);
    RUN(selectors);
    RUN(series_names);
    RUN(quantiles);
    guard_release();
    UNIT_EXIT();
}
