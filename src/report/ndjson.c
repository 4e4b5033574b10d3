/* ndjson.c — series.ndjson: the streaming writer and the rebuild of a results document. */
#include "report/ndjson.h"
#include "report/outfile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ndjson {
    FILE *f;
    int failed; /* a write failed: later lines are skipped */
};

int ndjson_open(const char *path, const json_t *header, ndjson **out, char *err, int errlen)
{
    ndjson *w = calloc(1, sizeof *w);
    json_t *h = json_deep_copy(header);
    if (!w || !h) {
        snprintf(err, (size_t)errlen, "cannot write '%s': out of memory", path);
        goto fail;
    }
    json_object_set_new(h, "schema", json_string("surge.series/1"));
    if (!(w->f = outfile_create(path, err, errlen)))
        goto fail;
    if (ndjson_write(w, h)) {
        snprintf(err, (size_t)errlen, "cannot write '%s': %s", path, strerror(errno));
        goto fail;
    }
    json_decref(h);
    *out = w;
    return 0;
fail:
    json_decref(h);
    ndjson_close(w);
    return -1;
}

int ndjson_write(ndjson *w, const json_t *line)
{
    if (!w || w->failed)
        return -1;
    if (json_dumpf(line, w->f, JSON_COMPACT | JSON_REAL_PRECISION(12)) || fputc('\n', w->f) == EOF ||
        fflush(w->f)) {
        w->failed = 1;
        return -1;
    }
    return 0;
}

void ndjson_close(ndjson *w)
{
    if (!w)
        return;
    if (w->f)
        fclose(w->f);
    free(w);
}

/* ---- rebuild ---- */

struct acc {
    double req, failed, bytes_in, vus_max, p50w, p90, p95, p99, max, first_t, last_t;
    int points;
};

static void add_num(json_t *o, const char *k, double v)
{
    json_t *cur = json_object_get(o, k);
    double c = json_is_number(cur) ? json_number_value(cur) : 0;
    json_object_set_new(o, k, json_integer((json_int_t)llround(c + v)));
}

static double r3(double v)
{
    return round(v * 1000) / 1000;
}

static json_t *metric_for(json_t *metrics, const char *name)
{
    size_t i;
    json_t *m;
    json_array_foreach(metrics, i, m)
        if (!strcmp(json_string_value(json_object_get(m, "name")), name))
            return m;
    m = json_pack("{s:s, s:[]}", "name", name, "series");
    json_array_append_new(metrics, m);
    return m;
}

static void finish_metric(json_t *m)
{
    const json_t *ser = json_object_get(m, "series");
    double bsum = 0, sum = 0, mn = INFINITY, mx = -INFINITY, last = 0;
    int nb = 0, n = 0;
    size_t i;
    const json_t *p;
    json_array_foreach(ser, i, p)
    {
        double t = json_number_value(json_array_get(p, 0)), v = json_number_value(json_array_get(p, 1));
        if (t < 0) {
            bsum += v;
            nb++;
            continue;
        }
        sum += v;
        n++;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        last = v;
    }
    if (nb)
        json_object_set_new(m, "baseline", json_real(r3(bsum / nb)));
    if (n) {
        json_object_set_new(m, "min", json_real(mn));
        json_object_set_new(m, "avg", json_real(r3(sum / n)));
        json_object_set_new(m, "max", json_real(mx));
        json_object_set_new(m, "last", json_real(last));
    }
}

int ndjson_rebuild(const char *path, json_t **out, char *err, int errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, (size_t)errlen, "cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    int rc = ndjson_rebuild_stream(f, path, out, err, errlen);
    fclose(f);
    return rc;
}

int ndjson_rebuild_stream(FILE *f, const char *path, json_t **out, char *err, int errlen)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0;
    json_t *doc = NULL, *scs = NULL, *metrics = json_array();
    struct acc *acc = NULL;
    size_t nsc = 0;
    double last_t = -1;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        json_error_t je;
        json_t *l = json_loadb(line, (size_t)n, 0, &je);
        if (!l) {
            if (line[n - 1] != '\n')
                break; /* torn last line of a killed run */
            snprintf(err, (size_t)errlen, "%s:%d:%d: %s", path, lineno, je.column, je.text);
            goto fail;
        }
        if (lineno == 1) {
            const char *sch = json_string_value(json_object_get(l, "schema"));
            if (!sch || strcmp(sch, "surge.series/1")) {
                snprintf(err, (size_t)errlen, "%s:1: not a surge.series/1 header", path);
                json_decref(l);
                goto fail;
            }
            doc = json_pack("{s:s, s:{s:s, s:s}, s:b, s:s}", "schema", "surge.results/2", "tool",
                            "name", "surge", "version", SURGE_VERSION, "interrupted", 1,
                            "rebuilt_from", "series.ndjson");
            static const char *const keep[] = {"started", "target", "plan"};
            for (int k = 0; k < 3; k++)
                if (json_object_get(l, keep[k]))
                    json_object_set(doc, keep[k], json_object_get(l, keep[k]));
            scs = json_array();
            const json_t *s;
            size_t i;
            nsc = json_array_size(json_object_get(l, "scenarios"));
            if (!(acc = calloc(nsc + 1, sizeof *acc))) {
                snprintf(err, (size_t)errlen, "%s: out of memory", path);
                json_decref(l);
                goto fail;
            }
            json_array_foreach(json_object_get(l, "scenarios"), i, s)
            {
                json_array_append_new(
                    scs, json_pack("{s:O?, s:O?, s:{}, s:[]}", "name", json_object_get(s, "name"),
                                   "executor", json_object_get(s, "executor"), "errors", "series"));
                acc[i].first_t = -1;
            }
            json_object_set_new(doc, "scenarios", scs);
            json_decref(l);
            continue;
        }
        json_t *t = json_object_get(l, "t_run");
        if (!json_is_number(t)) {
            snprintf(err, (size_t)errlen, "%s:%d: a line without t_run", path, lineno);
            json_decref(l);
            goto fail;
        }
        double tr = json_number_value(t);
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(l, "watch"), k, v)
        {
            if (json_is_number(v))
                json_array_append_new(json_object_get(metric_for(metrics, k), "series"),
                                      json_pack("[f, O]", tr, v));
        }
        if (tr >= 0 && tr > last_t)
            last_t = tr;
        for (size_t i = 0; i < nsc; i++) {
            json_t *s = json_array_get(scs, i);
            json_t *p = json_object_get(json_object_get(l, "scenarios"),
                                        json_string_value(json_object_get(s, "name")));
            if (!json_is_object(p))
                continue;
            struct acc *a = &acc[i];
            double req = json_number_value(json_object_get(p, "requests"));
            a->req += req;
            a->failed += json_number_value(json_object_get(p, "failed"));
            a->bytes_in += json_number_value(json_object_get(p, "bytes_in"));
            double vus = json_number_value(json_object_get(p, "vus"));
            a->vus_max = vus > a->vus_max ? vus : a->vus_max;
            a->p50w += req * json_number_value(json_object_get(p, "p50_ms"));
#define WORST(f, key)                                                                              \
    do {                                                                                           \
        double x_ = json_number_value(json_object_get(p, key));                                    \
        if (x_ > a->f)                                                                             \
            a->f = x_;                                                                             \
    } while (0)
            WORST(p90, "p90_ms");
            WORST(p95, "p95_ms");
            WORST(p99, "p99_ms");
            WORST(max, "max_ms");
#undef WORST
            if (a->first_t < 0)
                a->first_t = tr;
            a->last_t = tr;
            a->points++;
            json_object_foreach(json_object_get(p, "errors"), k, v)
                add_num(json_object_get(s, "errors"), k, json_number_value(v));
            json_array_append(json_object_get(s, "series"), p);
        }
        json_decref(l);
    }
    if (!doc) {
        snprintf(err, (size_t)errlen, "%s: empty (no header line)", path);
        goto fail;
    }
    json_object_set_new(doc, "duration_s", json_real(last_t + 1));
    for (size_t i = 0; i < nsc; i++) {
        json_t *s = json_array_get(scs, i);
        struct acc *a = &acc[i];
        double dur = a->points;
        json_object_set_new(s, "start_s", json_real(a->first_t < 0 ? 0 : a->first_t));
        json_object_set_new(s, "duration_s", json_real(dur));
        json_object_set_new(s, "vus_max", json_integer((json_int_t)a->vus_max));
        json_object_set_new(s, "requests", json_integer((json_int_t)a->req));
        json_object_set_new(s, "failed", json_integer((json_int_t)a->failed));
        json_object_set_new(s, "success_rate", json_real(a->req > 0 ? r3((a->req - a->failed) / a->req) : 1));
        json_object_set_new(s, "rps", json_real(dur > 0 ? r3(a->req / dur) : 0));
        json_object_set_new(s, "bytes_in", json_integer((json_int_t)a->bytes_in));
        json_object_set_new(s, "status", json_object());
        json_object_set_new(
            s, "latency_ms",
            json_pack("{s:f, s:f, s:f, s:f, s:f}", "p50", r3(a->req > 0 ? a->p50w / a->req : 0),
                      "p90", a->p90, "p95", a->p95, "p99", a->p99, "max", a->max));
    }
    if (json_array_size(metrics)) {
        size_t i;
        json_t *m;
        json_array_foreach(metrics, i, m)
            finish_metric(m);
        json_object_set_new(doc, "watch", json_pack("{s:O}", "metrics", metrics));
    }
    json_decref(metrics);
    free(acc);
    free(line);
    *out = doc;
    return 0;
fail:
    json_decref(doc);
    json_decref(metrics);
    free(acc);
    free(line);
    return -1;
}
