/* promql.c — the `promql` watch source: after the run, one /api/v1/query_range request per
 * named PromQL expression over the run's wall-clock range; the answers become watch values. */
#include "watch/promql.h"

#include "watch/httpget.h"
#include "watch/prom.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROMQL_MAX_POINTS 11000 /* Prometheus refuses more points per series */

int promql_urlencode(char *buf, size_t n, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char tmp[3];
        size_t k;
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            tmp[0] = (char)*p;
            k = 1;
        } else {
            tmp[0] = '%';
            tmp[1] = hex[*p >> 4];
            tmp[2] = hex[*p & 15];
            k = 3;
        }
        for (size_t i = 0; i < k; i++, o++)
            if (o + 1 < n)
                buf[o] = tmp[i];
    }
    if (n)
        buf[o < n ? o : n - 1] = '\0';
    return (int)o;
}

static int perr(char *err, int errlen, const char *pre, const char *msg)
{
    if (errlen > 0)
        snprintf(err, (size_t)errlen, "%s%s", pre, msg);
    return -1;
}

/* A JSON value as a number: Prometheus sends sample values as strings ("1.5", "NaN",
 * "+Inf") and timestamps as numbers. @return 0 with *v set, -1 when neither. */
static int num_of(const json_t *j, double *v)
{
    if (json_is_number(j)) {
        *v = json_number_value(j);
        return 0;
    }
    if (!json_is_string(j))
        return -1;
    const char *s = json_string_value(j);
    char *end;
    *v = strtod(s, &end);
    return end != s && *end == '\0' ? 0 : -1;
}

int promql_parse_range(const char *body, size_t len, const char *name, double wall_t0,
                       struct watch_emit *em, char *err, int errlen)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char msg[200];
        snprintf(msg, sizeof msg, "line %d col %d: %s", je.line, je.column, je.text);
        return perr(err, errlen, "bad JSON: ", msg);
    }
    int rc = -1;
    const char *status = json_string_value(json_object_get(root, "status"));
    if (!status) {
        perr(err, errlen, "unexpected answer: ", "no \"status\"");
        goto out;
    }
    if (strcmp(status, "success") != 0) {
        const char *e = json_string_value(json_object_get(root, "error"));
        perr(err, errlen, "Prometheus: ", e ? e : status);
        goto out;
    }
    json_t *data = json_object_get(root, "data");
    const char *rt = json_string_value(json_object_get(data, "resultType"));
    json_t *res = json_object_get(data, "result");
    if (!rt || strcmp(rt, "matrix") != 0 || !json_is_array(res)) {
        char msg[96];
        snprintf(msg, sizeof msg, "resultType '%.40s', not a matrix", rt ? rt : "(none)");
        perr(err, errlen, "unexpected answer: ", msg);
        goto out;
    }
    size_t ns = json_array_size(res);
    int points = 0;
    for (size_t i = 0; i < ns; i++) {
        json_t *series = json_array_get(res, i);
        json_t *metric = json_object_get(series, "metric");
        json_t *values = json_object_get(series, "values");
        if (!json_is_array(values) || (metric && !json_is_object(metric))) {
            perr(err, errlen, "unexpected answer: ", "a series without \"values\"");
            goto out;
        }
        char sname[512];
        snprintf(sname, sizeof sname, "%s", name);
        if (ns > 1 && metric) {
            struct prom_label l[32];
            int nl = 0;
            const char *k;
            json_t *v;
            json_object_foreach(metric, k, v) {
                if (nl < 32 && strcmp(k, "__name__") != 0 && json_is_string(v)) {
                    l[nl].name = (char *)k;
                    l[nl].value = (char *)json_string_value(v);
                    nl++;
                }
            }
            prom_series_name(sname, sizeof sname, name, l, nl, NULL);
        }
        const char *unit = prom_unit_of(name);
        size_t np = json_array_size(values);
        for (size_t k = 0; k < np; k++) {
            json_t *pt = json_array_get(values, k);
            double ts, v;
            if (!json_is_array(pt) || json_array_size(pt) != 2 ||
                num_of(json_array_get(pt, 0), &ts) != 0 || num_of(json_array_get(pt, 1), &v) != 0) {
                perr(err, errlen, "unexpected answer: ", "a point is not [time, \"value\"]");
                goto out;
            }
            if (isnan(v))
                continue;
            em->value(em, sname, unit, ts - wall_t0, v);
            points++;
        }
    }
    rc = points;
out:
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------ the source */

struct qsrc {
    struct wsrc base;
    char *url;          /* base URL, without a trailing '/' */
    char **names, **queries;
    int n;
    double step_s, timeout_s;
};

static int qsrc_sample(wsrc *s, double t, struct watch_emit *em)
{
    (void)s;
    (void)t;
    (void)em;
    return 0; /* everything happens in finish() */
}

static int qsrc_finish(wsrc *s, double wall_from, double wall_to, double wall_t0,
                       struct watch_emit *em)
{
    struct qsrc *q = (struct qsrc *)s;
    double step = q->step_s > 0 ? q->step_s : 1.0;
    if (wall_to <= wall_from)
        wall_to = wall_from + step;
    if ((wall_to - wall_from) / step > PROMQL_MAX_POINTS)
        step = ceil((wall_to - wall_from) / PROMQL_MAX_POINTS);
    int failed = 0;
    for (int i = 0; i < q->n; i++) {
        size_t need = (size_t)promql_urlencode(NULL, 0, q->queries[i]) + strlen(q->url) + 128;
        char *url = malloc(need);
        if (!url) {
            snprintf(s->reason, sizeof s->reason, "out of memory");
            return -1;
        }
        int k = snprintf(url, need, "%s/api/v1/query_range?query=", q->url);
        k += promql_urlencode(url + k, need - (size_t)k, q->queries[i]);
        snprintf(url + k, need - (size_t)k, "&start=%.3f&end=%.3f&step=%.3f", wall_from,
                 wall_to, step);
        struct http_get_opts o = {.timeout_s = q->timeout_s, .max_body = (size_t)64 << 20,
                                  .accept = "application/json"};
        struct http_get_result r = {0};
        char err[200];
        if (http_get(url, &o, &r, err, sizeof err) != 0) {
            if (!failed++)
                snprintf(s->reason, sizeof s->reason, "%s", err);
            free(url);
            continue;
        }
        int pts = promql_parse_range(r.body, r.body_len, q->names[i], wall_t0, em, err,
                                     sizeof err);
        if (pts < 0 || (r.status / 100 != 2)) {
            if (!failed++) {
                if (pts < 0 && r.status / 100 != 2 && strncmp(err, "bad JSON", 8) == 0)
                    snprintf(err, sizeof err, "HTTP %d", r.status);
                snprintf(s->reason, sizeof s->reason, "%s %s: %s", q->url, q->names[i], err);
            }
        }
        http_get_result_free(&r);
        free(url);
    }
    s->status = failed ? WSRC_UNAVAILABLE : WSRC_OK;
    return failed ? -1 : 0;
}

static void qsrc_free(wsrc *s)
{
    struct qsrc *q = (struct qsrc *)s;
    if (!q)
        return;
    for (int i = 0; i < q->n; i++) {
        free(q->names[i]);
        free(q->queries[i]);
    }
    free(q->names);
    free(q->queries);
    free(q->url);
    free(q);
}

static const struct wsrc_ops qsrc_ops = {.sample = qsrc_sample, .finish = qsrc_finish,
                                         .free = qsrc_free};

wsrc *wsrc_promql_new(const struct watch_promql_cfg *c, char *err, int errlen)
{
    struct qsrc *q = calloc(1, sizeof *q);
    if (!q) {
        snprintf(err, (size_t)errlen, "out of memory");
        return NULL;
    }
    q->base.ops = &qsrc_ops;
    snprintf(q->base.name, sizeof q->base.name, "promql");
    snprintf(q->base.kind, sizeof q->base.kind, "promql");
    if (!c->url || (strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0)) {
        snprintf(err, (size_t)errlen, "promql url '%s': not an http:// or https:// URL",
                 c->url ? c->url : "");
        goto fail;
    }
    if (c->nqueries <= 0) {
        snprintf(err, (size_t)errlen, "promql %s: no queries", c->url);
        goto fail;
    }
    q->url = strdup(c->url);
    q->names = calloc((size_t)c->nqueries, sizeof *q->names);
    q->queries = calloc((size_t)c->nqueries, sizeof *q->queries);
    if (!q->url || !q->names || !q->queries)
        goto nomem;
    size_t ul = strlen(q->url);
    while (ul > 0 && q->url[ul - 1] == '/')
        q->url[--ul] = '\0';
    for (int i = 0; i < c->nqueries; i++) {
        if (!c->names[i] || !*c->names[i] || !c->queries[i] || !*c->queries[i]) {
            snprintf(err, (size_t)errlen, "promql %s: query %d needs a name and an expression",
                     c->url, i + 1);
            goto fail;
        }
        q->names[i] = strdup(c->names[i]);
        q->queries[i] = strdup(c->queries[i]);
        q->n++;
        if (!q->names[i] || !q->queries[i])
            goto nomem;
    }
    q->step_s = c->step_s;
    q->timeout_s = c->timeout_s > 0 ? c->timeout_s : 10.0;
    return &q->base;
nomem:
    snprintf(err, (size_t)errlen, "out of memory");
fail:
    qsrc_free(&q->base);
    return NULL;
}
