/* test_merge.c — exact merges: hlog_decode round trips, histograms.json entries, and
 * merge_results on synthetic shares (merged percentiles == those of the union of the
 * samples; sums; series by t_run; incomplete, missing and inconsistent shares). */
#include "dist/merge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/histfile.h"
#include "report/hlog.h"
#include "report/results.h"
#include "stats/hist.h"
#include "util/sbuf.h"
#include "unit.h"

static uint64_t rng = 0x1234567887654321ull;

static int64_t next_value(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    /* a long tail: mostly 1-20 ms, some up to 5 s, a few tiny ones */
    uint64_t r = rng % 1000;
    if (r < 5)
        return (int64_t)(rng >> 20) % 50;
    if (r < 950)
        return 1000 + (int64_t)((rng >> 16) % 19000);
    return 20000 + (int64_t)((rng >> 16) % 5000000);
}

static int same_hist(const hist *a, const hist *b)
{
    if (hist_count(a) != hist_count(b) || hist_min(a) != hist_min(b) || hist_max(a) != hist_max(b))
        return 0;
    static const double ps[] = {0, 1, 10, 50, 90, 95, 99, 99.9, 99.99, 100};
    for (size_t i = 0; i < sizeof ps / sizeof *ps; i++)
        if (hist_percentile(a, ps[i]) != hist_percentile(b, ps[i]))
            return 0;
    return hist_mean(a) == hist_mean(b) && hist_stdev(a) == hist_stdev(b);
}

static void decode_round_trip(void)
{
    hist *h = hist_new_default(), *back = NULL;
    for (int i = 0; i < 20000; i++)
        hist_record(h, next_value());
    hist_record(h, 7200000000LL); /* saturated: recorded as highest */
    struct sbuf b = SBUF_INIT;
    CHECK_INT(hlog_encode(h, &b), 0);
    CHECK_INT(hlog_decode(sbuf_str(&b), strlen(sbuf_str(&b)), hist_min(h), hist_max(h), &back), 0);
    CHECK(back && same_hist(h, back));
    hist_free(back);
    back = NULL;
    /* without min/max the buckets still agree below the top */
    CHECK_INT(hlog_decode(sbuf_str(&b), strlen(sbuf_str(&b)), -1, -1, &back), 0);
    CHECK(back && hist_count(back) == hist_count(h) &&
          hist_percentile(back, 50) == hist_percentile(h, 50));
    hist_free(back);
    sbuf_free(&b);
    /* empty */
    hist *e = hist_new_default();
    struct sbuf eb = SBUF_INIT;
    CHECK_INT(hlog_encode(e, &eb), 0);
    back = NULL;
    CHECK_INT(hlog_decode(sbuf_str(&eb), strlen(sbuf_str(&eb)), -1, -1, &back), 0);
    CHECK(back && hist_count(back) == 0);
    hist_free(back);
    sbuf_free(&eb);
    hist_free(e);
    hist_free(h);
}

static void decode_malformed(void)
{
    hist *h = hist_new_default(), *out = (hist *)&rng;
    for (int i = 0; i < 100; i++)
        hist_record(h, 1000 + i * 37);
    struct sbuf b = SBUF_INIT;
    hlog_encode(h, &b);
    const char *ok = sbuf_str(&b);
    size_t len = strlen(ok);
    char *bad = malloc(len + 8);
    const char *cases[] = {"", "AAAA", "====", "HISTFAAA", "not base64 at all!!", NULL};
    for (int i = 0; cases[i]; i++)
        CHECK_INT(hlog_decode(cases[i], strlen(cases[i]), -1, -1, &out), -EINVAL);
    /* cut short, each possible length: a malformed stream, never a crash */
    for (size_t cut = 0; cut < len; cut += 4)
        CHECK(hlog_decode(ok, cut, -1, -1, &out) == -EINVAL);
    /* flipped characters: an error or a histogram, never a crash or a wrong count type */
    for (size_t i = 0; i < len; i++) {
        memcpy(bad, ok, len + 1);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        hist *x = NULL;
        if (hlog_decode(bad, len, -1, -1, &x) == 0)
            hist_free(x);
    }
    memcpy(bad, ok, len + 1);
    bad[3] ^= 1; /* the compression cookie */
    CHECK_INT(hlog_decode(bad, len, -1, -1, &out), -EINVAL);
    CHECK(out == (hist *)&rng); /* untouched on failure */
    free(bad);
    sbuf_free(&b);
    hist_free(h);
}

static void entry_round_trip(void)
{
    hist *h = hist_new_default(), *back = NULL;
    for (int i = 0; i < 5000; i++)
        hist_record(h, next_value());
    json_t *e = histfile_entry(h);
    CHECK(e != NULL);
    CHECK_INT(histfile_read(e, &back), 0);
    CHECK(back && same_hist(h, back));
    hist_free(back);
    json_object_set_new(e, "count", json_integer(4999)); /* disagrees with its histogram */
    CHECK_INT(histfile_read(e, &back), -EINVAL);
    json_object_set_new(e, "count", json_string("x"));
    CHECK_INT(histfile_read(e, &back), -EINVAL);
    CHECK_INT(histfile_read(NULL, &back), -EINVAL);
    json_decref(e);
    hist_free(h);
}

/* A synthetic share: one scenario "s" with one step, samples in seconds 0..2, and its
 * histograms.json. */
struct share {
    json_t *res, *hists;
};

static json_t *lat_json(const hist *h)
{
    struct latency_ms l;
    results_latency(h, &l);
    return json_pack("{s:f, s:f}", "p95", l.p95, "max", l.max);
}

static struct share make_share(const char *segment, int nsamples, hist *uni, hist *uni_s1)
{
    hist *all = hist_new_default(), *sec[3] = {hist_new_default(), hist_new_default(),
                                               hist_new_default()};
    for (int i = 0; i < nsamples; i++) {
        int64_t v = next_value();
        hist_record(all, v);
        hist_record(sec[i % 3], v);
        hist_record(uni, v);
        if (i % 3 == 1)
            hist_record(uni_s1, v);
    }
    json_t *points = json_array(), *secs = json_array();
    for (int t = 0; t < 3; t++) {
        json_array_append_new(points, json_pack("{s:i, s:i, s:I, s:i, s:i, s:{s:i}}", "t", t,
                                                "t_run", t, "requests", hist_count(sec[t]),
                                                "failed", 1, "vus", 2, "errors", "timeout", 1));
        json_t *e = histfile_entry(sec[t]);
        json_object_set_new(e, "t_run", json_integer(t));
        json_array_append_new(secs, e);
    }
    struct share s;
    s.res = json_pack("{s:s, s:s?, s:s, s:f, s:b, s:[{s:s, s:I, s:i, s:i, s:i, s:f, s:{s:I}, "
                      "s:o, s:o, s:[{s:s, s:I, s:i, s:o}], s:[], s:f}]}",
                      "schema", "surge.results/2", "segment", segment, "started",
                      "2026-01-01T00:00:00Z", "duration_s", 3.0, "interrupted", 0, "scenarios",
                      "name", "s", "requests", hist_count(all), "failed", 3, "vus_max", 2,
                      "iterations", 5, "duration_s", 3.0, "status", "200", hist_count(all),
                      "latency_ms", lat_json(all), "series", points, "steps", "name", "get",
                      "requests", hist_count(all), "failed", 3, "latency_ms", lat_json(all),
                      "transactions", "start_s", 0.0);
    json_t *st = json_array();
    json_array_append_new(st, histfile_entry(all));
    s.hists = json_pack("{s:s, s:{s:{s:o, s:o, s:o, s:[]}}}", "schema", "surge.histograms/1",
                        "scenarios", "s", "latency", histfile_entry(all), "seconds", secs,
                        "steps", st, "transactions");
    hist_free(all);
    for (int t = 0; t < 3; t++)
        hist_free(sec[t]);
    return s;
}

static json_t *scenario0(json_t *doc)
{
    return json_array_get(json_object_get(doc, "scenarios"), 0);
}

static double lat(json_t *o, const char *k)
{
    return json_number_value(json_object_get(json_object_get(o, "latency_ms"), k));
}

/* The merged p95 (and every other percentile) is the union's, per run and per second. */
static void merge_exact(void)
{
    hist *uni = hist_new_default(), *uni_s1 = hist_new_default();
    struct share a = make_share("1/3", 3000, uni, uni_s1), b = make_share("2/3", 2900, uni, uni_s1),
                 c = make_share("3/3", 50, uni, uni_s1);
    struct merge_share sh[3] = {{"a", a.res, a.hists, NULL}, {"b", b.res, b.hists, NULL},
                                {"c", c.res, c.hists, NULL}};
    json_t *doc = NULL, *mh = NULL;
    char err[256];
    CHECK_INT(merge_results(sh, 3, &doc, &mh, err, sizeof err), 0);
    /* the merged histograms.json holds the union: a merged out dir merges again */
    hist *back = NULL;
    json_t *mhs = json_object_get(json_object_get(mh, "scenarios"), "s");
    CHECK_INT(histfile_read(json_object_get(mhs, "latency"), &back), 0);
    CHECK(back && same_hist(back, uni));
    hist_free(back);
    back = NULL;
    CHECK_INT(json_array_size(json_object_get(mhs, "seconds")), 3);
    CHECK_INT(histfile_read(json_array_get(json_object_get(mhs, "seconds"), 1), &back), 0);
    CHECK(back && same_hist(back, uni_s1));
    hist_free(back);
    CHECK_INT(json_array_size(json_object_get(mhs, "steps")), 1);
    json_t *again = NULL;
    struct merge_share once[1] = {{"merged", doc, mh, NULL}};
    CHECK_INT(merge_results(once, 1, &again, NULL, err, sizeof err), 0);
    CHECK_NEAR(lat(scenario0(again), "p95"), lat(scenario0(doc), "p95"), 1e-9);
    json_decref(again);
    json_decref(mh);
    json_t *s = scenario0(doc);
    struct latency_ms u;
    results_latency(uni, &u);
    CHECK_NEAR(lat(s, "p95"), u.p95, 0.0005);
    CHECK_NEAR(lat(s, "p50"), u.p50, 0.0005);
    CHECK_NEAR(lat(s, "p99"), u.p99, 0.0005);
    CHECK_NEAR(lat(s, "p999"), u.p999, 0.0005);
    CHECK_NEAR(lat(s, "max"), u.max, 0.0005);
    CHECK_NEAR(lat(s, "min"), u.min, 0.0005);
    CHECK_NEAR(lat(s, "avg"), u.avg, 0.0005);
    CHECK_INT(json_integer_value(json_object_get(s, "requests")), 5950);
    CHECK_INT(json_integer_value(json_object_get(s, "failed")), 9);
    CHECK_INT(json_integer_value(json_object_get(s, "vus_max")), 6);
    CHECK_INT(json_integer_value(json_object_get(s, "iterations")), 15);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(s, "status"), "200")), 5950);
    json_t *step = json_array_get(json_object_get(s, "steps"), 0);
    CHECK_INT(json_integer_value(json_object_get(step, "requests")), 5950);
    CHECK_NEAR(lat(step, "p95"), u.p95, 0.0005);
    json_t *ser = json_object_get(s, "series");
    CHECK_INT(json_array_size(ser), 3);
    json_t *p1 = json_array_get(ser, 1);
    CHECK_INT(json_integer_value(json_object_get(p1, "t_run")), 1);
    CHECK_INT(json_integer_value(json_object_get(p1, "vus")), 6);
    CHECK_INT(json_integer_value(json_object_get(p1, "failed")), 3);
    CHECK_INT(json_integer_value(json_object_get(p1, "requests")), hist_count(uni_s1));
    CHECK_INT(json_integer_value(json_object_get(json_object_get(p1, "errors"), "timeout")), 3);
    CHECK_NEAR(json_number_value(json_object_get(p1, "p95_ms")),
               (double)hist_percentile(uni_s1, 95) / 1e3, 0.0005);
    CHECK(json_is_false(json_object_get(doc, "incomplete")));
    CHECK(json_object_get(doc, "segment") == NULL);
    CHECK_INT(json_array_size(json_object_get(doc, "shares")), 3);
    json_decref(doc);

    /* share b missing: listed, the rest merged, marked incomplete */
    sh[1].results = NULL;
    sh[1].missing = "no results.json";
    doc = NULL;
    CHECK_INT(merge_results(sh, 3, &doc, NULL, err, sizeof err), 0);
    CHECK(json_is_true(json_object_get(doc, "incomplete")));
    CHECK_INT(json_integer_value(json_object_get(scenario0(doc), "requests")), 3050);
    json_t *e = json_array_get(json_object_get(doc, "shares"), 1);
    CHECK(json_is_false(json_object_get(e, "complete")));
    CHECK_STR(json_string_value(json_object_get(e, "reason")), "no results.json");
    json_decref(doc);

    /* share b not given at all: segment 2/3 listed as missing */
    struct merge_share two[2] = {sh[0], sh[2]};
    doc = NULL;
    CHECK_INT(merge_results(two, 2, &doc, NULL, err, sizeof err), 0);
    CHECK(json_is_true(json_object_get(doc, "incomplete")));
    e = json_array_get(json_object_get(doc, "shares"), 2);
    CHECK_STR(json_string_value(json_object_get(e, "segment")), "2/3");
    json_decref(doc);

    /* an interrupted share: merged, but incomplete */
    json_object_set_new(a.res, "interrupted", json_true());
    json_object_set_new(a.res, "interrupted_by", json_string("SIGTERM"));
    sh[1].results = b.res;
    sh[1].missing = NULL;
    doc = NULL;
    CHECK_INT(merge_results(sh, 3, &doc, NULL, err, sizeof err), 0);
    CHECK(json_is_true(json_object_get(doc, "incomplete")));
    CHECK(json_is_true(json_object_get(doc, "interrupted")));
    CHECK_INT(json_integer_value(json_object_get(scenario0(doc), "requests")), 5950);
    json_decref(doc);

    /* stopped by abort_on_fail: the criteria's doing, not a failed share */
    json_object_set_new(a.res, "interrupted_by", json_string("abort"));
    doc = NULL;
    CHECK_INT(merge_results(sh, 3, &doc, NULL, err, sizeof err), 0);
    CHECK(json_is_false(json_object_get(doc, "incomplete")));
    CHECK_STR(json_string_value(json_object_get(doc, "interrupted_by")), "abort");
    CHECK(json_is_true(json_object_get(json_array_get(json_object_get(doc, "shares"), 0),
                                       "complete")));
    json_decref(doc);

    /* the same segment twice, different N, different plans, a broken histogram */
    struct merge_share dup[2] = {sh[0], sh[0]};
    CHECK_INT(merge_results(dup, 2, &doc, NULL, err, sizeof err), -EINVAL);
    CHECK(strstr(err, "given twice") != NULL);
    json_object_set_new(c.res, "segment", json_string("3/4"));
    CHECK_INT(merge_results(sh, 3, &doc, NULL, err, sizeof err), -EINVAL);
    json_object_set_new(c.res, "segment", json_string("3/3"));
    json_object_set_new(scenario0(c.res), "name", json_string("other"));
    CHECK_INT(merge_results(sh, 3, &doc, NULL, err, sizeof err), -EINVAL);
    CHECK(strstr(err, "c: ") == err);
    json_object_set_new(scenario0(c.res), "name", json_string("s"));
    json_object_set_new(json_object_get(json_object_get(json_object_get(c.hists, "scenarios"), "s"),
                                        "latency"), "hdr", json_string("AAAA"));
    CHECK_INT(merge_results(sh, 3, &doc, NULL, err, sizeof err), -EINVAL);
    CHECK(strstr(err, "latency") != NULL);
    struct merge_share none[1] = {{"x", NULL, NULL, "no results.json"}};
    CHECK_INT(merge_results(none, 1, &doc, NULL, err, sizeof err), -EINVAL);

    json_decref(a.res);
    json_decref(a.hists);
    json_decref(b.res);
    json_decref(b.hists);
    json_decref(c.res);
    json_decref(c.hists);
    hist_free(uni);
    hist_free(uni_s1);
}

/* One second of three processes merged: counters summed, p95 the union's. */
static void second_exact(void)
{
    hist *h[3], *uni = hist_new_default();
    json_t *lines[3], *hists[3];
    for (int i = 0; i < 3; i++) {
        h[i] = hist_new_default();
        for (int k = 0; k < 200 * (i + 1); k++) {
            int64_t v = next_value();
            hist_record(h[i], v);
            hist_record(uni, v);
        }
        lines[i] = json_pack("{s:i, s:{s:{s:i, s:i, s:I, s:i, s:{s:i}}}, s:{s:i}}", "t_run", 7,
                             "scenarios", "s", "t", 7, "t_run", 7, "requests", hist_count(h[i]),
                             "vus", i + 1, "errors", "reset", 2, "watch", "x", i);
        hists[i] = json_pack("{s:o}", "s", histfile_entry(h[i]));
    }
    json_t *saved = lines[1];
    lines[1] = NULL; /* a process with no second any more */
    json_t *out = NULL;
    char err[128];
    CHECK_INT(merge_second(lines, hists, 3, &out, err, sizeof err), 0);
    json_t *p = json_object_get(json_object_get(out, "scenarios"), "s");
    CHECK_INT(json_integer_value(json_object_get(p, "requests")), 800);
    json_decref(out);
    lines[1] = saved;
    out = NULL;
    CHECK_INT(merge_second(lines, hists, 3, &out, err, sizeof err), 0);
    p = json_object_get(json_object_get(out, "scenarios"), "s");
    CHECK_INT(json_integer_value(json_object_get(out, "t_run")), 7);
    CHECK_INT(json_integer_value(json_object_get(p, "requests")), 1200);
    CHECK_INT(json_integer_value(json_object_get(p, "vus")), 6);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(p, "errors"), "reset")), 6);
    CHECK_NEAR(json_number_value(json_object_get(p, "p95_ms")),
               (double)hist_percentile(uni, 95) / 1e3, 0.0005);
    CHECK_NEAR(json_number_value(json_object_get(p, "max_ms")), (double)hist_max(uni) / 1e3,
               0.0005);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(out, "watch"), "x")), 0);
    json_decref(out);
    json_t *none[3] = {NULL, NULL, NULL};
    CHECK_INT(merge_second(none, hists, 3, &out, err, sizeof err), -EINVAL);
    json_object_set_new(json_object_get(hists[2], "s"), "hdr", json_string("AAAA"));
    CHECK_INT(merge_second(lines, hists, 3, &out, err, sizeof err), -EINVAL);
    for (int i = 0; i < 3; i++) {
        json_decref(lines[i]);
        json_decref(hists[i]);
        hist_free(h[i]);
    }
    hist_free(uni);
}

int main(void)
{
    RUN(decode_round_trip);
    RUN(decode_malformed);
    RUN(entry_round_trip);
    RUN(merge_exact);
    RUN(second_exact);
    return unit_failures ? 1 : 0;
}
