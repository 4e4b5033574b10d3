/* merge.c — the shares of a distributed run merged into one results document: sums,
 * exact histogram merges, per-second series by t_run, and which shares completed. */
#include "dist/merge.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/segment.h"
#include "report/histfile.h"
#include "report/results.h"
#include "stats/hist.h"

/* What a merge works with, so helpers need not pass five arguments. */
struct mctx {
    const struct merge_share *sh;
    int n;
    char *err;
    int errlen;
    int rc;               /* the first error (0: none) */
    json_t *hout;         /* the merged histograms.json's "scenarios", or NULL: not wanted */
};

static int usable(const struct merge_share *s)
{
    return s->results && s->hists && !s->missing;
}

static void fail(struct mctx *m, int rc, const char *src, const char *what)
{
    if (m->rc)
        return;
    m->rc = rc;
    if (rc == -ENOMEM)
        snprintf(m->err, (size_t)m->errlen, "out of memory");
    else
        snprintf(m->err, (size_t)m->errlen, "%s: %s", src, what);
}

static json_t *num(double v)
{
    if (!isfinite(v))
        v = 0;
    return json_real(round(v * 1000.0) / 1000.0);
}

static double dbl(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static json_int_t integer(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* dst[k] += src[k] for an integer field present in either. */
static void add_int(json_t *dst, const json_t *src, const char *k)
{
    if (!json_object_get(dst, k) && !json_object_get(src, k))
        return;
    json_object_set_new(dst, k, json_integer(integer(dst, k) + integer(src, k)));
}

/* dst[k] += src[k] for each integer of the map at key (status, errors). */
static void add_map(json_t *dst, const json_t *src, const char *key)
{
    json_t *d = json_object_get(dst, key), *s = json_object_get(src, key), *v;
    const char *k;
    if (!json_is_object(s))
        return;
    if (!json_is_object(d)) {
        d = json_object();
        json_object_set_new(dst, key, d);
    }
    json_object_foreach(s, k, v)
        json_object_set_new(d, k, json_integer(integer(d, k) + json_integer_value(v)));
}

static json_t *latency_obj(const hist *h)
{
    struct latency_ms l;
    results_latency(h, &l);
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "min", num(l.min), "avg",
                     num(l.avg), "stdev", num(l.stdev), "p50", num(l.p50), "p90", num(l.p90),
                     "p95", num(l.p95), "p99", num(l.p99), "p999", num(l.p999), "max",
                     num(l.max));
}

/* Merge histogram entry e of share src into *acc (made on first use). */
static void merge_entry(struct mctx *m, hist **acc, const json_t *e, const char *src,
                        const char *what)
{
    hist *h = NULL;
    if (m->rc)
        return;
    if (!e) {
        fail(m, -EINVAL, src, what);
        return;
    }
    int rc = histfile_read(e, &h);
    if (rc == 0 && !*acc && !(*acc = hist_new_default()))
        rc = -ENOMEM;
    if (rc == 0 && hist_merge(*acc, h))
        rc = -EINVAL;
    hist_free(h);
    if (rc)
        fail(m, rc, src, what);
}

/* Keep histogram h (NULL: an empty one) in the merged histograms.json, under the
 * scenario's key (arr NULL) or appended to its array arr. */
static void keep(struct mctx *m, const char *name, const char *key, const char *arr,
                 const hist *h)
{
    if (!m->hout || m->rc)
        return;
    json_t *sc = json_object_get(m->hout, name), *e = NULL;
    hist *empty = h ? NULL : hist_new_default();
    if (!sc && (sc = json_object()) && json_object_set_new(m->hout, name, sc))
        sc = NULL;
    if (sc && (h || empty))
        e = histfile_entry(h ? h : empty);
    hist_free(empty);
    if (e && arr) {
        json_t *a = json_object_get(sc, arr);
        if (!a && (a = json_array()) && json_object_set_new(sc, arr, a))
            a = NULL;
        if (a && !json_array_append_new(a, e))
            return;
    } else if (e && !json_object_set_new(sc, key, e)) {
        return;
    }
    fail(m, -ENOMEM, "", "");
}

/* The merged histograms.json's per-second histograms of a scenario: the shares' seconds
 * with the same t_run merged, in t_run order. */
static void keep_seconds(struct mctx *m, const char *name)
{
    if (!m->hout || m->rc)
        return;
    json_t *by_t = json_object(), *out = json_array(), *v;
    const char *key;
    for (int i = 0; by_t && i < m->n; i++) {
        size_t j;
        json_t *e;
        if (!usable(&m->sh[i]))
            continue;
        json_array_foreach(json_object_get(json_object_get(json_object_get(m->sh[i].hists,
                                                                           "scenarios"),
                                                           name),
                                           "seconds"),
                           j, e) {
            char t[24];
            snprintf(t, sizeof t, "%lld", (long long)integer(e, "t_run"));
            json_t *list = json_object_get(by_t, t);
            if (!list && (list = json_array()))
                json_object_set_new(by_t, t, list);
            json_array_append(list, e);
        }
    }
    json_object_foreach(by_t, key, v) {
        hist *acc = NULL;
        size_t j;
        json_t *e;
        json_int_t t0 = integer(json_array_get(v, 0), "t_run");
        json_array_foreach(v, j, e)
            merge_entry(m, &acc, e, "histograms.json", "a second");
        json_t *out_e = acc ? histfile_entry(acc) : NULL;
        hist_free(acc);
        if (!out_e)
            continue;
        json_object_set_new(out_e, "t_run", json_integer(t0));
        size_t at = json_array_size(out);
        while (at > 0 && integer(json_array_get(out, at - 1), "t_run") > t0)
            at--;
        json_array_insert_new(out, at, out_e);
    }
    json_t *sc = json_object_get(m->hout, name);
    if (!by_t || !out || !sc || json_object_set_new(sc, "seconds", out)) {
        if (!sc)
            json_decref(out);
        fail(m, -ENOMEM, "", "");
    }
    json_decref(by_t);
}

static json_t *share_scenario(const json_t *doc, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(doc, "scenarios"), i, s)
        if (!strcmp(json_string_value(json_object_get(s, "name")) ?: "", name))
            return s;
    return NULL;
}

static json_t *hist_scenario(const json_t *hd, const char *name)
{
    return json_object_get(json_object_get(hd, "scenarios"), name);
}

/* A sub part (step, transaction, level) k of the scenario in every share: counts
 * summed into dst, latency from the merged histograms of part `arr`[k]. */
static void merge_part(struct mctx *m, json_t *dst, const char *arr, size_t k, const char *name,
                       int level)
{
    hist *acc = NULL;
    char what[200];
    snprintf(what, sizeof what, "histograms.json: scenario '%s': %s[%zu] missing or malformed",
             name, arr, k);
    const char *count = strcmp(arr, "transactions") ? "requests" : "count";
    json_object_set_new(dst, count, json_integer(0));
    json_object_set_new(dst, "failed", json_integer(0));
    if (json_object_get(dst, "status"))
        json_object_set_new(dst, "status", json_object());
    if (json_object_get(dst, "errors"))
        json_object_set_new(dst, "errors", json_object());
    double dur = 0;
    for (int i = 0; i < m->n; i++) {
        if (!usable(&m->sh[i]))
            continue;
        json_t *s = share_scenario(m->sh[i].results, name);
        json_t *part = json_array_get(json_object_get(s, arr), k);
        if (!part) {
            fail(m, -EINVAL, m->sh[i].source, "the shares ran different plans (parts differ)");
            break;
        }
        add_int(dst, part, count);
        add_int(dst, part, "failed");
        add_map(dst, part, "status");
        add_map(dst, part, "errors");
        dur = fmax(dur, dbl(part, "duration_s"));
        merge_entry(m, &acc, json_array_get(json_object_get(hist_scenario(m->sh[i].hists, name),
                                                            arr), k),
                    m->sh[i].source, what);
    }
    if (level) {
        json_int_t req = integer(dst, "requests"), bad = integer(dst, "failed");
        json_object_set_new(dst, "duration_s", num(dur));
        json_object_set_new(dst, "success_rate", num(req ? (double)(req - bad) / (double)req : 1));
        json_object_set_new(dst, "rps", num(dur > 0 ? (double)req / dur : 0));
    }
    if (acc)
        json_object_set_new(dst, "latency_ms", latency_obj(acc));
    keep(m, name, NULL, arr, acc);
    hist_free(acc);
}

/* Point p added into d: the per-second counters summed, the longer span kept. */
static void add_point(json_t *d, const json_t *p)
{
    static const char *const sums[] = {"requests", "failed", "bytes_in", "vus", "dropped",
                                       "refused"};
    for (size_t s = 0; s < sizeof sums / sizeof *sums; s++)
        add_int(d, p, sums[s]);
    add_map(d, p, "errors");
    if (integer(p, "span") > integer(d, "span"))
        json_object_set_new(d, "span", json_integer(integer(p, "span")));
}

/* A point's latency figures from a merged histogram. */
static void point_latency(json_t *v, const hist *acc)
{
    json_object_set_new(v, "p50_ms", num((double)hist_percentile(acc, 50) / 1e3));
    json_object_set_new(v, "p90_ms", num((double)hist_percentile(acc, 90) / 1e3));
    json_object_set_new(v, "p95_ms", num((double)hist_percentile(acc, 95) / 1e3));
    json_object_set_new(v, "p99_ms", num((double)hist_percentile(acc, 99) / 1e3));
    json_object_set_new(v, "max_ms", num((double)hist_max(acc) / 1e3));
}

int merge_second(json_t *const *lines, json_t *const *hists, int n, json_t **out, char *err,
                 int errlen)
{
    struct mctx m = {.n = n, .err = err, .errlen = errlen};
    json_t *merged = NULL, *scs = json_object();
    int first = -1;
    for (int i = 0; i < n; i++)
        if (lines[i] && first < 0)
            first = i;
    if (first < 0 || !scs) {
        json_decref(scs);
        snprintf(err, (size_t)errlen, first < 0 ? "no second to merge" : "out of memory");
        return first < 0 ? -EINVAL : -ENOMEM;
    }
    if (!(merged = json_deep_copy(lines[first]))) {
        json_decref(scs);
        snprintf(err, (size_t)errlen, "out of memory");
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        const char *name;
        json_t *p;
        json_object_foreach(json_object_get(lines[i], "scenarios"), name, p) {
            json_t *d = json_object_get(scs, name);
            if (!d)
                json_object_set_new(scs, name, json_deep_copy(p));
            else
                add_point(d, p);
        }
    }
    const char *name;
    json_t *v;
    json_object_foreach(scs, name, v) {
        hist *acc = NULL;
        for (int i = 0; i < n; i++) {
            const json_t *e = json_object_get(hists[i], name);
            if (e)
                merge_entry(&m, &acc, e, "a rank's second", "a malformed histogram");
        }
        if (acc)
            point_latency(v, acc);
        hist_free(acc);
    }
    json_object_set_new(merged, "scenarios", scs);
    if (m.rc) {
        json_decref(merged);
        return m.rc;
    }
    *out = merged;
    return 0;
}

/* The scenario's per-second series: points of every share with the same t_run summed,
 * their latency from the shares' histograms of the seconds the point covers. */
static json_t *merge_series(struct mctx *m, const char *name)
{
    json_t *by_t = json_object(), *out = json_array(), *p, *v;
    const char *key;
    if (!by_t || !out)
        goto oom;
    for (int i = 0; i < m->n; i++) {
        size_t j;
        if (!usable(&m->sh[i]))
            continue;
        json_array_foreach(json_object_get(share_scenario(m->sh[i].results, name), "series"), j,
                           p) {
            char t[24];
            snprintf(t, sizeof t, "%lld", (long long)integer(p, "t_run"));
            json_t *d = json_object_get(by_t, t);
            if (!d) {
                json_object_set_new(by_t, t, json_deep_copy(p));
                continue;
            }
            add_point(d, p);
        }
    }
    json_object_foreach(by_t, key, v) {
        json_int_t t0 = integer(v, "t_run"), span = integer(v, "span") ?: 1;
        hist *acc = NULL;
        for (int i = 0; i < m->n; i++) {
            size_t j;
            json_t *e;
            if (!usable(&m->sh[i]))
                continue;
            json_array_foreach(json_object_get(hist_scenario(m->sh[i].hists, name), "seconds"),
                               j, e) {
                json_int_t t = integer(e, "t_run");
                if (t >= t0 && t < t0 + span)
                    merge_entry(m, &acc, e, m->sh[i].source, "histograms.json: a second");
            }
        }
        if (acc)
            point_latency(v, acc);
        hist_free(acc);
        /* in t_run order: insertion sort, series are short */
        size_t at = json_array_size(out);
        while (at > 0 && integer(json_array_get(out, at - 1), "t_run") > t0)
            at--;
        json_array_insert(out, at, v);
    }
    json_decref(by_t);
    return out;
oom:
    json_decref(by_t);
    json_decref(out);
    fail(m, -ENOMEM, "", "");
    return NULL;
}

static void merge_scenario(struct mctx *m, json_t *dst)
{
    const char *name = json_string_value(json_object_get(dst, "name"));
    if (!name) {
        fail(m, -EINVAL, m->sh[0].source, "results.json: a scenario without a name");
        return;
    }
    static const char *const sums[] = {"requests", "failed", "bytes_in", "bytes_out", "connects",
                                       "iterations", "iterations_failed", "dropped", "aborted",
                                       "vus_max", "vus_allocated"};
    json_t *det = json_object();
    for (size_t k = 0; k < sizeof sums / sizeof *sums; k++)
        if (json_object_get(dst, sums[k]))
            json_object_set_new(dst, sums[k], json_integer(0));
    json_object_set_new(dst, "status", json_object());
    json_object_set_new(dst, "errors", json_object());
    double dur = 0, start = -1, rate = 0;
    int has_rate = json_object_get(dst, "rate") != NULL;
    hist *lat = NULL, *it = NULL;
    char what[160];
    for (int i = 0; i < m->n && !m->rc; i++) {
        if (!usable(&m->sh[i]))
            continue;
        const json_t *s = share_scenario(m->sh[i].results, name);
        const json_t *hs = hist_scenario(m->sh[i].hists, name);
        if (!s) {
            fail(m, -EINVAL, m->sh[i].source, "the shares ran different plans (scenarios differ)");
            break;
        }
        for (size_t k = 0; k < sizeof sums / sizeof *sums; k++)
            add_int(dst, s, sums[k]);
        add_map(dst, s, "status");
        add_map(dst, s, "errors");
        const char *ek;
        json_t *ev;
        json_object_foreach(json_object_get(s, "error_examples"), ek, ev)
            if (!json_object_get(det, ek))
                json_object_set(det, ek, ev);
        dur = fmax(dur, dbl(s, "duration_s"));
        if (json_is_number(json_object_get(s, "start_s")) && (start < 0 || dbl(s, "start_s") < start))
            start = dbl(s, "start_s");
        rate += dbl(s, "rate");
        snprintf(what, sizeof what, "histograms.json: scenario '%s': latency missing or malformed",
                 name);
        merge_entry(m, &lat, json_object_get(hs, "latency"), m->sh[i].source, what);
        if (json_object_get(dst, "iteration_ms"))
            merge_entry(m, &it, json_object_get(hs, "iteration"), m->sh[i].source, what);
    }
    json_object_set_new(dst, "error_examples", det);
    json_int_t req = integer(dst, "requests"), bad = integer(dst, "failed");
    json_object_set_new(dst, "duration_s", num(dur));
    json_object_set_new(dst, "start_s", start >= 0 ? num(start) : json_null());
    if (has_rate)
        json_object_set_new(dst, "rate", num(rate));
    json_object_set_new(dst, "success_rate", num(req ? (double)(req - bad) / (double)req : 1));
    json_object_set_new(dst, "rps", num(dur > 0 ? (double)req / dur : 0));
    if (lat)
        json_object_set_new(dst, "latency_ms", latency_obj(lat));
    if (it)
        json_object_set_new(dst, "iteration_ms", latency_obj(it));
    keep(m, name, "latency", NULL, lat);
    if (json_object_get(dst, "iteration_ms"))
        keep(m, name, "iteration", NULL, it);
    hist_free(lat);
    hist_free(it);
    static const char *const parts[] = {"steps", "transactions", "levels"};
    for (size_t a = 0; a < 3 && !m->rc; a++) {
        size_t k;
        json_t *part;
        json_array_foreach(json_object_get(dst, parts[a]), k, part)
            merge_part(m, part, parts[a], k, name, a == 2);
    }
    if (!m->rc) {
        json_t *ser = merge_series(m, name);
        if (ser)
            json_object_set_new(dst, "series", ser);
    }
    keep_seconds(m, name);
}

/* Check the shares' segments: one N, no K twice; list the Ks nobody gave. */
static void check_segments(struct mctx *m, json_t *list)
{
    int n_all = 0;
    char *seen = NULL;
    for (int i = 0; i < m->n && !m->rc; i++) {
        const json_t *r = m->sh[i].results, *segs = json_object_get(r, "segment"), *e;
        json_t *own = NULL;
        size_t j;
        if (!r)
            continue;
        if (!segs) { /* a merged document: the segments of the dirs it merged */
            own = json_array();
            segs = own;
            json_array_foreach(json_object_get(r, "shares"), j, e)
                if (json_is_string(json_object_get(e, "source")) &&
                    json_is_string(json_object_get(e, "segment")))
                    json_array_append(own, json_object_get(e, "segment"));
        } else {
            own = json_array();
            json_array_append(own, (json_t *)segs);
            segs = own;
        }
        json_array_foreach(segs, j, e) {
            const char *txt = json_string_value(e);
            struct segment sg;
            if (!txt || segment_parse(txt, &sg)) {
                fail(m, -EINVAL, m->sh[i].source, "results.json: a malformed segment");
                break;
            }
            if (!n_all) {
                n_all = sg.n;
                if (!(seen = calloc((size_t)sg.n, 1))) {
                    fail(m, -ENOMEM, "", "");
                    break;
                }
            }
            if (sg.n != n_all) {
                fail(m, -EINVAL, m->sh[i].source,
                     "segments of different splits (K/N with another N)");
                break;
            }
            if (seen[sg.k]++) {
                char w[96];
                snprintf(w, sizeof w, "segment %s given twice", txt);
                fail(m, -EINVAL, m->sh[i].source, w);
                break;
            }
        }
        json_decref(own);
    }
    for (int k = 0; !m->rc && k < n_all; k++) {
        if (seen[k])
            continue;
        char txt[32];
        snprintf(txt, sizeof txt, "%d/%d", k + 1, n_all);
        json_array_append_new(list, json_pack("{s:n, s:s, s:b, s:s}", "source", "segment", txt,
                                              "complete", 0, "reason", "no out dir given for it"));
    }
    free(seen);
}

int merge_results(const struct merge_share *sh, int n, json_t **out, json_t **hists_out,
                  char *err, int errlen)
{
    struct mctx m = {.sh = sh, .n = n, .err = err, .errlen = errlen};
    json_t *hdoc = NULL;
    if (hists_out &&
        (!(hdoc = json_pack("{s:s, s:s, s:{}}", "schema", "surge.histograms/1", "unit", "us",
                            "scenarios")) ||
         !(m.hout = json_object_get(hdoc, "scenarios")))) {
        json_decref(hdoc);
        snprintf(err, (size_t)errlen, "out of memory");
        return -ENOMEM;
    }
    int base = -1, incomplete = 0, interrupted = 0;
    for (int i = 0; i < n; i++)
        if (usable(&sh[i]) && base < 0)
            base = i;
    if (base < 0) {
        json_decref(hdoc);
        snprintf(err, (size_t)errlen, "no share has both results.json and histograms.json");
        return -EINVAL;
    }
    json_t *doc = json_deep_copy(sh[base].results), *list = json_array();
    if (!doc || !list) {
        json_decref(hdoc);
        json_decref(doc);
        json_decref(list);
        snprintf(err, (size_t)errlen, "out of memory");
        return -ENOMEM;
    }
    size_t nsc = json_array_size(json_object_get(doc, "scenarios"));
    const char *started = json_string_value(json_object_get(doc, "started"));
    double dur = 0;
    for (int i = 0; i < n; i++) {
        const json_t *r = sh[i].results;
        json_t *e = json_pack("{s:s, s:O?, s:b}", "source", sh[i].source, "segment",
                              json_object_get(r, "segment"), "complete", usable(&sh[i]));
        if (!usable(&sh[i])) {
            incomplete = 1;
            json_object_set_new(e, "reason", json_string(sh[i].missing ? sh[i].missing
                                                                        : "no data"));
        } else {
            if (json_array_size(json_object_get(r, "scenarios")) != nsc)
                fail(&m, -EINVAL, sh[i].source, "the shares ran different plans (scenarios differ)");
            if (json_is_true(json_object_get(r, "interrupted"))) {
                const char *by = json_string_value(json_object_get(r, "interrupted_by"));
                int judged = by && !strcmp(by, "abort"); /* the criteria stopped it: no failure
                                                            of the share (exit 1, as a run) */
                char why[96];
                snprintf(why, sizeof why, "%s: its data so far is merged",
                         judged ? "stopped by abort_on_fail" : "interrupted");
                if (!judged)
                    snprintf(why, sizeof why, "interrupted (%s): its data so far is merged",
                             by ? by : "?");
                json_object_set_new(e, "complete", json_boolean(judged));
                json_object_set_new(e, "reason", json_string(why));
                incomplete |= !judged;
                interrupted = 1;
                if (!json_object_get(doc, "interrupted_by") && by)
                    json_object_set_new(doc, "interrupted_by", json_string(by));
            }
            const char *st = json_string_value(json_object_get(r, "started"));
            if (st && (!started || strcmp(st, started) < 0))
                started = st;
            dur = fmax(dur, dbl(r, "duration_s"));
        }
        json_array_append_new(list, e);
    }
    check_segments(&m, list);
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(doc, "scenarios"), i, s) {
        if (m.rc)
            break;
        merge_scenario(&m, s);
    }
    if (m.rc) {
        json_decref(hdoc);
        json_decref(doc);
        json_decref(list);
        return m.rc;
    }
    if (started)
        json_object_set_new(doc, "started", json_string(started));
    json_object_set_new(doc, "duration_s", num(dur));
    json_object_del(doc, "segment");
    json_object_del(doc, "criteria");
    json_object_del(doc, "analysis");
    json_object_del(doc, "verdict");
    if (interrupted)
        json_object_set_new(doc, "interrupted", json_true());
    json_object_set_new(doc, "incomplete", json_boolean(incomplete || json_array_size(list) > (size_t)n));
    json_object_set_new(doc, "shares", list);
    *out = doc;
    if (hists_out)
        *hists_out = hdoc;
    return 0;
}
