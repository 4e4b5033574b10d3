/* collect.c — per-second merge of the shards' buckets into totals and series. */
#include "stats/collect.h"

#include <stdlib.h>
#include <string.h>

/* A second being assembled from the shards' buckets. */
struct pending {
    uint32_t t;
    struct pending *next;
    struct seclat *lat;         /* per key (sparse while few) */
    struct stats_counts *c;     /* per key */
};

struct collect {
    shard *const *shards;
    int n, nkeys;
    uint32_t *delivered;        /* per shard: seconds handed over (next t expected) */
    uint32_t done;              /* seconds completed */
    struct pending *pend;       /* seconds >= done, in order */
    struct pending *spare;      /* completed, ready for reuse */
    hist **total_lat;           /* per key; NULL until the key's first latency */
    hist *empty;                /* what a key without latencies reads as */
    hist *scratch;              /* the second being completed, one key at a time */
    collect_second_fn on_second; /* called per completed second and key, or NULL */
    void *on_second_ud;
    struct stats_counts *total; /* per key */
    series **ser;               /* per key */
    uint32_t *first, *last;     /* per key: the run seconds its series takes */
};

static void pending_free(struct pending *p, int nkeys)
{
    if (!p)
        return;
    if (p->lat)
        for (int k = 0; k < nkeys; k++)
            seclat_free(&p->lat[k]);
    free(p->lat);
    free(p->c);
    free(p);
}

static struct pending *pending_get(collect *c, uint32_t t)
{
    struct pending **pp = &c->pend;
    while (*pp && (*pp)->t < t)
        pp = &(*pp)->next;
    if (*pp && (*pp)->t == t)
        return *pp;
    struct pending *p = c->spare;
    if (p) {
        c->spare = p->next;
        for (int k = 0; k < c->nkeys; k++)
            seclat_reset(&p->lat[k]);
        memset(p->c, 0, sizeof *p->c * (size_t)c->nkeys);
    } else {
        p = calloc(1, sizeof *p);
        if (!p)
            return NULL;
        p->lat = calloc((size_t)c->nkeys, sizeof *p->lat);
        p->c = calloc((size_t)c->nkeys, sizeof *p->c);
        if (!p->lat || !p->c) {
            pending_free(p, c->nkeys);
            return NULL;
        }
    }
    p->t = t;
    p->next = *pp;
    *pp = p;
    return p;
}

collect *collect_new(shard *const *shards, int n, int nkeys)
{
    collect *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->shards = shards;
    c->n = n;
    c->nkeys = nkeys;
    c->delivered = calloc((size_t)(n ? n : 1), sizeof *c->delivered);
    c->total_lat = calloc((size_t)nkeys, sizeof *c->total_lat);
    c->total = calloc((size_t)nkeys, sizeof *c->total);
    c->ser = calloc((size_t)nkeys, sizeof *c->ser);
    c->first = calloc((size_t)nkeys, sizeof *c->first);
    c->last = calloc((size_t)nkeys, sizeof *c->last);
    if (!c->delivered || !c->total_lat || !c->total || !c->ser || !c->first || !c->last)
        goto fail;
    for (int k = 0; k < nkeys; k++)
        c->last[k] = COLLECT_NEVER;
    for (int k = 0; k < nkeys; k++)
        if (!(c->ser[k] = series_new(0)))
            goto fail;
    if (!(c->empty = hist_new_default()) || !(c->scratch = hist_new_default()))
        goto fail;
    return c;
fail:
    collect_free(c);
    return NULL;
}

void collect_free(collect *c)
{
    if (!c)
        return;
    for (struct pending *p = c->pend, *nx; p; p = nx)
        nx = p->next, pending_free(p, c->nkeys);
    for (struct pending *p = c->spare, *nx; p; p = nx)
        nx = p->next, pending_free(p, c->nkeys);
    for (int k = 0; c->total_lat && k < c->nkeys; k++)
        hist_free(c->total_lat[k]);
    for (int k = 0; c->ser && k < c->nkeys; k++)
        series_free(c->ser[k]);
    hist_free(c->empty);
    hist_free(c->scratch);
    free(c->total_lat);
    free(c->total);
    free(c->ser);
    free(c->first);
    free(c->last);
    free(c->delivered);
    free(c);
}

static double ms(int64_t us)
{
    return (double)us / 1000.0;
}

static void complete(collect *c, struct pending *p, const uint32_t *vus)
{
    for (int k = 0; k < c->nkeys; k++) {
        int any = seclat_count(&p->lat[k]) > 0;
        const hist *h = c->empty;
        if (any && p->lat[k].h) {
            h = p->lat[k].h; /* already a histogram: no copy */
        } else if (any) {
            hist_reset(c->scratch);
            seclat_to_hist(&p->lat[k], c->scratch);
            h = c->scratch;
        }
        const struct stats_counts *s = &p->c[k];
        struct series_point pt = {
            .t = p->t,
            .requests = s->requests,
            .failed = s->failed,
            .bytes_in = s->bytes_in,
            .vus = vus ? vus[k] : 0,
            .dropped = s->dropped,
            .p50_ms = ms(hist_percentile(h, 50)),
            .p90_ms = ms(hist_percentile(h, 90)),
            .p95_ms = ms(hist_percentile(h, 95)),
            .p99_ms = ms(hist_percentile(h, 99)),
            .max_ms = ms(hist_max(h)),
        };
        memcpy(pt.errors, s->errors, sizeof pt.errors);
        uint64_t opens = c->total[k].ws_opens + s->ws_opens;
        uint64_t closes = c->total[k].ws_closes + s->ws_closes;
        pt.has_ws = opens > 0;
        pt.ws_active = opens > closes ? opens - closes : 0;
        pt.ws_msgs_in = s->ws_msgs_in;
        if (p->t >= c->first[k] && p->t <= c->last[k])
            series_append(c->ser[k], &pt);
        if (any && (c->total_lat[k] || (c->total_lat[k] = hist_new_default())))
            hist_merge(c->total_lat[k], h);
        stats_counts_add(&c->total[k], s);
        if (c->on_second)
            c->on_second(c->on_second_ud, p->t, k, h);
    }
    c->done = p->t + 1;
}

static void take_all(collect *c)
{
    for (int i = 0; i < c->n; i++) {
        struct stats_bucket *b = shard_take(c->shards[i]), *nx;
        for (; b; b = nx) {
            nx = b->next;
            struct pending *p = b->t >= c->done ? pending_get(c, b->t) : NULL;
            for (int k = 0; p && k < c->nkeys && k < b->nkeys; k++) {
                if (seclat_count(&b->key[k].lat) > 0)
                    seclat_merge(&p->lat[k], &b->key[k].lat);
                stats_counts_add(&p->c[k], &b->key[k].c);
            }
            if (b->t + 1 > c->delivered[i])
                c->delivered[i] = b->t + 1;
            shard_recycle(c->shards[i], b);
        }
    }
}

static int complete_upto(collect *c, uint32_t upto, const uint32_t *vus)
{
    int n = 0;
    while (c->pend && c->pend->t < upto) {
        struct pending *p = c->pend;
        c->pend = p->next;
        complete(c, p, vus);
        p->next = c->spare;
        c->spare = p;
        n++;
    }
    return n;
}

void collect_series_window(collect *c, int key, uint32_t first, uint32_t last)
{
    if (first != COLLECT_NEVER && series_set_origin(c->ser[key], first) < 0)
        first = c->first[key]; /* already under way: the origin stays */
    c->first[key] = first;
    c->last[key] = last;
}

int collect_poll(collect *c, const uint32_t *vus)
{
    take_all(c);
    uint32_t upto = UINT32_MAX;
    for (int i = 0; i < c->n; i++)
        if (c->delivered[i] < upto)
            upto = c->delivered[i];
    if (c->n == 0)
        upto = c->done;
    return complete_upto(c, upto, vus);
}

void collect_finish(collect *c, const uint32_t *vus)
{
    take_all(c);
    complete_upto(c, UINT32_MAX, vus);
}

const hist *collect_latency(const collect *c, int key)
{
    return c->total_lat[key] ? c->total_lat[key] : c->empty;
}

const struct stats_counts *collect_counts(const collect *c, int key)
{
    return &c->total[key];
}

const series *collect_series(const collect *c, int key)
{
    return c->ser[key];
}

uint32_t collect_seconds(const collect *c)
{
    return c->done;
}

void collect_on_second(collect *c, collect_second_fn fn, void *ud)
{
    c->on_second = fn;
    c->on_second_ud = ud;
}
