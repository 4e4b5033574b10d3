/* promsrc.c — the `prometheus` watch source: scrapes an exposition endpoint each sample and
 * emits the selected series: gauges as they are, counters as per-second rates, histogram
 * and summary quantiles. */
#include "watch/httpget.h"
#include "watch/prom.h"
#include "watch/source.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 512 /* series names longer than this are cut (and may then merge) */

/* The last value of one counter series, for its rate. */
struct prev {
    char *key;   /* the series name (with labels) */
    double v;
    double t;    /* the run time it was scraped at */
};

/* One histogram series being gathered from its _bucket samples. */
struct hgroup {
    const char *family;
    const struct prom_sample *first; /* for its labels (le skipped) */
    double *le, *cum;
    int n, cap;
};

struct psrc {
    struct wsrc base;
    char *url;
    prom_sel **sels;
    int nsels;
    int max_series;
    double timeout_s;
    struct prev *prev;  /* sorted by key, for bsearch */
    int nprev, capprev;
    int emitted;        /* series emitted in the sample being taken */
    int capped;         /* the cap was hit in this sample */
    int warned_cap;     /* the one warning about the cap was printed */
};

static int prev_cmp(const void *a, const void *b)
{
    return strcmp(((const struct prev *)a)->key, ((const struct prev *)b)->key);
}

/* The rate of counter `key` now at value v. @return 1 with *rate set, 0 when there is no
 * rate yet (first scrape, or a reset: the value went down). */
static int counter_rate(struct psrc *p, const char *key, double v, double t, double *rate)
{
    struct prev probe = {.key = (char *)key};
    struct prev *e = p->nprev ? bsearch(&probe, p->prev, (size_t)p->nprev, sizeof *p->prev,
                                        prev_cmp)
                              : NULL;
    if (!e) {
        if (p->nprev == p->capprev) {
            int cap = p->capprev ? p->capprev * 2 : 32;
            struct prev *np = realloc(p->prev, (size_t)cap * sizeof *np);
            if (!np)
                return 0;
            p->prev = np;
            p->capprev = cap;
        }
        char *k = strdup(key);
        if (!k)
            return 0;
        int i = p->nprev;
        while (i > 0 && strcmp(p->prev[i - 1].key, key) > 0) {
            p->prev[i] = p->prev[i - 1];
            i--;
        }
        p->prev[i] = (struct prev){.key = k, .v = v, .t = t};
        p->nprev++;
        return 0;
    }
    double dv = v - e->v, dt = t - e->t;
    e->v = v;
    e->t = t;
    if (dv < 0 || !(dt > 0) || isnan(dv))
        return 0; /* a reset (or a repeated instant): no sample this time */
    *rate = dv / dt;
    return 1;
}

static int selected(const struct psrc *p, const struct prom_sample *x)
{
    if (p->nsels == 0)
        return 1;
    for (int i = 0; i < p->nsels; i++)
        if (prom_sel_match(p->sels[i], x->family, x->labels, x->nlabels) ||
            (x->family != x->name && prom_sel_match(p->sels[i], x->name, x->labels, x->nlabels)))
            return 1;
    return 0;
}

/* Emit one series, counting it against the cap. name is "base" + labels ("" for none). */
/* Count one more series against the cap. @return 0 when it is over the cap. */
static int reserve(struct psrc *p)
{
    if (p->emitted >= p->max_series) {
        p->capped = 1;
        return 0;
    }
    p->emitted++;
    return 1;
}

static void put_nocap(struct watch_emit *em, const char *base, const char *suffix,
                      const struct prom_sample *x, const char *skip, double t, double v)
{
    char name[NAME_MAX_LEN], full[NAME_MAX_LEN + 16];
    snprintf(full, sizeof full, "%s%s", base, suffix);
    prom_series_name(name, sizeof name, full, x ? x->labels : NULL, x ? x->nlabels : 0, skip);
    em->value(em, name, prom_unit_of(name), t, v);
}

static void put(struct psrc *p, struct watch_emit *em, const char *base, const char *suffix,
                const struct prom_sample *x, const char *skip, double t, double v)
{
    if (reserve(p))
        put_nocap(em, base, suffix, x, skip, t, v);
}

static void put_rate(struct psrc *p, struct watch_emit *em, const struct prom_sample *x,
                     double t)
{
    if (!reserve(p)) /* counted even when it has no rate yet: the same series stay kept */
        return;
    char key[NAME_MAX_LEN];
    prom_series_name(key, sizeof key, x->name, x->labels, x->nlabels, NULL);
    double r;
    if (counter_rate(p, key, x->value, t, &r))
        put_nocap(em, x->name, ":rate", x, NULL, t, r);
}

static int le_cmp(const void *a, const void *b)
{
    double x = ((const double *)a)[0], y = ((const double *)b)[0];
    return x < y ? -1 : x > y;
}

static void put_histograms(struct psrc *p, struct watch_emit *em, const prom_doc *d, double t)
{
    struct hgroup *g = NULL;
    int ng = 0, capg = 0;
    char key[NAME_MAX_LEN], key2[NAME_MAX_LEN];
    for (int i = 0; i < d->nsamples; i++) {
        const struct prom_sample *x = &d->samples[i];
        size_t fl = strlen(x->family);
        if (x->type != PROM_HISTOGRAM || strcmp(x->name + fl, "_bucket") != 0 || !selected(p, x))
            continue;
        const char *lev = NULL;
        for (int k = 0; k < x->nlabels; k++)
            if (strcmp(x->labels[k].name, "le") == 0)
                lev = x->labels[k].value;
        char *endp;
        double le = lev ? strtod(lev, &endp) : NAN;
        if (!lev || *endp || isnan(le))
            continue;
        prom_series_name(key, sizeof key, x->family, x->labels, x->nlabels, "le");
        int gi = -1;
        for (int k = ng - 1; k >= 0 && gi < 0; k--) {
            prom_series_name(key2, sizeof key2, g[k].family, g[k].first->labels,
                             g[k].first->nlabels, "le");
            if (strcmp(key, key2) == 0)
                gi = k;
        }
        if (gi < 0) {
            if (ng == capg) {
                int cap = capg ? capg * 2 : 8;
                struct hgroup *ngp = realloc(g, (size_t)cap * sizeof *ngp);
                if (!ngp)
                    break;
                g = ngp;
                capg = cap;
            }
            g[ng] = (struct hgroup){.family = x->family, .first = x};
            gi = ng++;
        }
        struct hgroup *h = &g[gi];
        if (h->n == h->cap) {
            int cap = h->cap ? h->cap * 2 : 16;
            double *nle = realloc(h->le, (size_t)cap * 2 * sizeof *nle);
            if (!nle)
                continue;
            h->le = nle;
            h->cap = cap;
        }
        h->le[2 * h->n] = le; /* (le, count) pairs, sorted below */
        h->le[2 * h->n + 1] = x->value;
        h->n++;
    }
    static const double qs[] = {0.5, 0.95, 0.99};
    static const char *const qn[] = {":p50", ":p95", ":p99"};
    for (int k = 0; k < ng; k++) {
        struct hgroup *h = &g[k];
        qsort(h->le, (size_t)h->n, 2 * sizeof *h->le, le_cmp);
        double *les = malloc((size_t)(h->n ? h->n : 1) * 2 * sizeof *les);
        if (les) {
            double *cum = les + h->n;
            for (int j = 0; j < h->n; j++) {
                les[j] = h->le[2 * j];
                cum[j] = h->le[2 * j + 1];
            }
            for (int q = 0; q < 3; q++) {
                double v = prom_histogram_quantile(qs[q], les, cum, h->n);
                if (reserve(p) && !isnan(v))
                    put_nocap(em, h->family, qn[q], h->first, "le", t, v);
            }
            free(les);
        }
        free(h->le);
    }
    free(g);
}

/* Emit what one scrape selected. */
static void emit_doc(struct psrc *p, const prom_doc *d, double t, struct watch_emit *em)
{
    for (int i = 0; i < d->nsamples; i++) {
        const struct prom_sample *x = &d->samples[i];
        if (!selected(p, x))
            continue;
        size_t fl = strlen(x->family);
        const char *suf = x->family != x->name ? x->name + fl : "";
        switch (x->type) {
        case PROM_COUNTER:
            put_rate(p, em, x, t);
            break;
        case PROM_HISTOGRAM:
            if (strcmp(suf, "_count") == 0)
                put_rate(p, em, x, t); /* observations per second */
            break;                     /* buckets: quantiles below; _sum: not kept */
        case PROM_SUMMARY:
            if (strcmp(suf, "_count") == 0) {
                put_rate(p, em, x, t);
            } else if (!*suf) {
                const char *qv = NULL;
                for (int k = 0; k < x->nlabels; k++)
                    if (strcmp(x->labels[k].name, "quantile") == 0)
                        qv = x->labels[k].value;
                char *endp;
                double q = qv ? strtod(qv, &endp) : NAN;
                if (qv && !*endp && q >= 0 && q <= 1 && !isnan(x->value)) {
                    char qs[32];
                    snprintf(qs, sizeof qs, ":p%g", q * 100);
                    put(p, em, x->family, qs, x, "quantile", t, x->value);
                }
            }
            break;
        default: /* gauge, untyped */
            if (!isnan(x->value))
                put(p, em, x->name, "", x, NULL, t, x->value);
            break;
        }
    }
    put_histograms(p, em, d, t);
}

static int psrc_sample(wsrc *s, double t, struct watch_emit *em)
{
    struct psrc *p = (struct psrc *)s;
    struct http_get_opts o = {.timeout_s = p->timeout_s,
                              .accept = "text/plain;version=0.0.4;q=1,*/*;q=0.1"};
    struct http_get_result r = {0};
    if (http_get(p->url, &o, &r, s->reason, sizeof s->reason) != 0) {
        s->status = WSRC_UNAVAILABLE;
        return -1;
    }
    if (r.status < 200 || r.status > 299) {
        snprintf(s->reason, sizeof s->reason, "%s: HTTP %d", p->url, r.status);
        http_get_result_free(&r);
        s->status = WSRC_UNAVAILABLE;
        return -1;
    }
    prom_doc *d = NULL;
    char err[160];
    int rc = prom_parse(r.body, r.body_len, &d, err, sizeof err, NULL, NULL);
    http_get_result_free(&r);
    if (rc != 0) {
        snprintf(s->reason, sizeof s->reason, "%s: %s", p->url, err);
        s->status = WSRC_UNAVAILABLE;
        return -1;
    }
    p->emitted = 0;
    p->capped = 0;
    emit_doc(p, d, t, em);
    prom_doc_free(d);
    if (p->capped && !p->warned_cap) {
        p->warned_cap = 1;
        fprintf(stderr,
                "surge: warning: %s: more than %d series, keeping the first %d "
                "(name the ones to keep in the watch's metrics: list)\n",
                p->url, p->max_series, p->max_series);
    }
    s->status = WSRC_OK;
    return 0;
}

static void psrc_free(wsrc *s)
{
    struct psrc *p = (struct psrc *)s;
    if (!p)
        return;
    for (int i = 0; i < p->nsels; i++)
        prom_sel_free(p->sels[i]);
    free(p->sels);
    for (int i = 0; i < p->nprev; i++)
        free(p->prev[i].key);
    free(p->prev);
    free(p->url);
    free(p);
}

static const struct wsrc_ops psrc_ops = {.sample = psrc_sample, .finish = NULL,
                                         .free = psrc_free};

wsrc *wsrc_prometheus_new(const struct watch_prom_cfg *c, char *err, int errlen)
{
    struct psrc *p = calloc(1, sizeof *p);
    if (!p)
        goto nomem;
    p->base.ops = &psrc_ops;
    snprintf(p->base.name, sizeof p->base.name, "prometheus");
    snprintf(p->base.kind, sizeof p->base.kind, "prometheus");
    if (!c->url || (strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0)) {
        snprintf(err, (size_t)errlen, "prometheus url '%s': not an http:// or https:// URL",
                 c->url ? c->url : "");
        goto fail;
    }
    if (!(p->url = strdup(c->url)))
        goto nomem;
    p->max_series = c->max_series > 0 ? c->max_series : 200;
    p->timeout_s = c->timeout_s > 0 ? c->timeout_s : 1.0;
    if (c->nmetrics > 0) {
        p->sels = calloc((size_t)c->nmetrics, sizeof *p->sels);
        if (!p->sels)
            goto nomem;
        for (int i = 0; i < c->nmetrics; i++) {
            char e[128];
            int col = 0;
            int rc = prom_sel_parse(c->metrics[i], &p->sels[i], e, sizeof e, &col);
            if (rc == -ENOMEM)
                goto nomem;
            if (rc != 0) {
                snprintf(err, (size_t)errlen, "metric selector '%s': %s", c->metrics[i], e);
                goto fail;
            }
            p->nsels++;
        }
    }
    return &p->base;
nomem:
    snprintf(err, (size_t)errlen, "out of memory");
fail:
    psrc_free(p ? &p->base : NULL);
    return NULL;
}
