/* health.c — the health source: a URL probed every interval, outages from runs of
 * failed probes. */
#include "watch/health.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch/httpget.h"

struct hsrc {
    wsrc base;
    struct watch_health_cfg cfg;
    pthread_mutex_t mu; /* guards the counters and outages (read by wsrc_health_stats) */
    long probes, failed;
    struct health_outage *out;
    int nout, capout;
    int down;           /* the last probe failed: out[nout - 1] is open */
};

static void note_failure(struct hsrc *h, double t, const char *reason)
{
    h->failed++;
    if (h->down) {
        h->out[h->nout - 1].end_s = t;
        return;
    }
    if (h->nout == h->capout) {
        int nc = h->capout ? h->capout * 2 : 16;
        struct health_outage *no = realloc(h->out, (size_t)nc * sizeof *no);
        if (!no)
            return; /* counted as failed, not listed */
        h->out = no;
        h->capout = nc;
    }
    struct health_outage *o = &h->out[h->nout++];
    memset(o, 0, sizeof *o);
    o->start_s = o->end_s = t;
    o->open = 1;
    snprintf(o->reason, sizeof o->reason, "%s", reason);
    h->down = 1;
}

static int health_sample(wsrc *s, double t, struct watch_emit *em)
{
    struct hsrc *h = (struct hsrc *)s;
    struct http_get_opts o = {.timeout_s = h->cfg.timeout_s > 0 ? h->cfg.timeout_s : 2,
                              .max_body = 1 << 20, .insecure = h->cfg.insecure};
    struct http_get_result r = {0};
    char err[256] = "", why[160] = "";
    int ok = 0, answered = 0;
    if (http_get(h->cfg.url, &o, &r, err, sizeof err) == 0) {
        answered = 1;
        ok = r.status >= 200 && r.status < 300;
        if (!ok)
            snprintf(why, sizeof why, "status %d", r.status);
    } else {
        /* "URL: reason": keep the reason, the URL is in health.url */
        size_t ul = strlen(h->cfg.url);
        const char *m = !strncmp(err, h->cfg.url, ul) && err[ul] == ':' ? err + ul + 1 : err;
        while (*m == ' ')
            m++;
        snprintf(why, sizeof why, "%.159s", m);
    }
    pthread_mutex_lock(&h->mu);
    h->probes++;
    if (ok) {
        if (h->down) {
            h->out[h->nout - 1].end_s = t;
            h->out[h->nout - 1].open = 0;
        }
        h->down = 0;
    } else {
        note_failure(h, t, why);
    }
    pthread_mutex_unlock(&h->mu);
    em->value(em, "health.up", "", t, ok);
    if (answered)
        em->value(em, "health.latency_ms", "ms", t, r.elapsed_ms);
    http_get_result_free(&r);
    /* a failed probe is a measurement (down), not an unavailable source */
    return 0;
}

static void health_free(wsrc *s)
{
    struct hsrc *h = (struct hsrc *)s;
    if (!h)
        return;
    pthread_mutex_destroy(&h->mu);
    free(h->out);
    free(h);
}

static const struct wsrc_ops health_ops = {health_sample, NULL, health_free};

wsrc *wsrc_health_new(const struct watch_health_cfg *c, char *err, int errlen)
{
    if (!c->url || (strncmp(c->url, "http://", 7) && strncmp(c->url, "https://", 8))) {
        snprintf(err, (size_t)errlen, "health: needs an http:// or https:// URL, not '%s'",
                 c->url ? c->url : "");
        return NULL;
    }
    struct hsrc *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, (size_t)errlen, "out of memory");
        return NULL;
    }
    h->base.ops = &health_ops;
    snprintf(h->base.name, sizeof h->base.name, "health");
    snprintf(h->base.kind, sizeof h->base.kind, "health");
    h->cfg = *c;
    pthread_mutex_init(&h->mu, NULL);
    return &h->base;
}

int wsrc_health_stats(wsrc *s, struct health_stats *out)
{
    struct hsrc *h = (struct hsrc *)s;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&h->mu);
    out->url = h->cfg.url;
    out->probes = h->probes;
    out->failed = h->failed;
    if (h->nout) {
        out->outages = malloc((size_t)h->nout * sizeof *out->outages);
        if (!out->outages) {
            pthread_mutex_unlock(&h->mu);
            return -1;
        }
        memcpy(out->outages, h->out, (size_t)h->nout * sizeof *out->outages);
        out->noutages = h->nout;
    }
    pthread_mutex_unlock(&h->mu);
    return 0;
}
