/* shard.c — per-thread, per-second statistics buckets and their handoff to main. */
#include "stats/shard.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct shard {
    int nkeys;
    uint64_t start_us;
    struct stats_bucket *cur; /* the second being recorded (owned by the worker) */
    uint64_t cur_end_us;      /* when cur's second ends */

    pthread_mutex_t mu;       /* guards done and free */
    struct stats_bucket *done, **done_tail; /* handed over, oldest first */
    struct stats_bucket *free;              /* recycled by main */
};

static void bucket_free(struct stats_bucket *b)
{
    if (!b)
        return;
    for (int k = 0; k < b->nkeys; k++)
        seclat_free(&b->key[k].lat);
    free(b);
}

static struct stats_bucket *bucket_new(int nkeys)
{
    struct stats_bucket *b = calloc(1, sizeof *b + (size_t)nkeys * sizeof b->key[0]);
    if (!b)
        return NULL;
    b->nkeys = nkeys; /* latencies take memory as they come (stats/seclat.h) */
    return b;
}

static void bucket_clear(struct stats_bucket *b)
{
    for (int k = 0; k < b->nkeys; k++) {
        seclat_reset(&b->key[k].lat);
        memset(&b->key[k].c, 0, sizeof b->key[k].c);
    }
}

shard *shard_new(int nkeys, uint64_t start_us)
{
    shard *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->nkeys = nkeys;
    s->start_us = start_us;
    pthread_mutex_init(&s->mu, NULL);
    s->done_tail = &s->done;
    if (!(s->cur = bucket_new(nkeys))) {
        shard_free(s);
        return NULL;
    }
    s->cur->t = 0;
    s->cur_end_us = start_us + 1000000;
    return s;
}

void shard_free(shard *s)
{
    if (!s)
        return;
    bucket_free(s->cur);
    for (struct stats_bucket *b = s->done, *n; b; b = n)
        n = b->next, bucket_free(b);
    for (struct stats_bucket *b = s->free, *n; b; b = n)
        n = b->next, bucket_free(b);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Hand the current bucket over and start the next second with a recycled (or new)
 * one. When memory runs out the current bucket is kept and reused for the next
 * second: the counts land one second late rather than being lost. */
static void hand_over(shard *s)
{
    pthread_mutex_lock(&s->mu);
    struct stats_bucket *next = s->free;
    if (next)
        s->free = next->next;
    pthread_mutex_unlock(&s->mu);
    if (!next && !(next = bucket_new(s->nkeys))) {
        s->cur->t++;
        s->cur_end_us += 1000000;
        return;
    }
    bucket_clear(next);
    next->t = s->cur->t + 1;
    next->next = NULL;
    struct stats_bucket *b = s->cur;
    b->next = NULL;
    pthread_mutex_lock(&s->mu);
    *s->done_tail = b;
    s->done_tail = &b->next;
    pthread_mutex_unlock(&s->mu);
    s->cur = next;
    s->cur_end_us += 1000000;
}

void shard_tick(shard *s, uint64_t now_us)
{
    while (now_us >= s->cur_end_us)
        hand_over(s);
}

void shard_finish(shard *s, uint64_t now_us)
{
    shard_tick(s, now_us);
    hand_over(s);
}

void shard_record(shard *s, int key, uint64_t now_us, const struct stats_sample *smp)
{
    if (now_us >= s->cur_end_us)
        shard_tick(s, now_us);
    struct stats_key *k = &s->cur->key[key];
    k->c.requests++;
    k->c.bytes_in += smp->bytes_in;
    k->c.bytes_out += smp->bytes_out;
    k->c.connects += smp->new_conn != 0;
    k->c.failed += smp->failed != 0;
    if (smp->err != ERR_NONE)
        k->c.errors[smp->err]++;
    if (smp->status <= 0)
        return; /* no response, no latency: errors are counted, not timed */
    if (smp->status < STATS_STATUS_MAX)
        k->c.status[smp->status]++;
    /* sparse: a key timing a few requests a second keeps their values, not a 188 KiB
     * histogram. Out of memory: the latency is lost, the counts are not */
    (void)seclat_record(&k->lat, (int64_t)smp->latency_us);
}

void shard_drop(shard *s, int key, uint64_t now_us)
{
    if (now_us >= s->cur_end_us)
        shard_tick(s, now_us);
    s->cur->key[key].c.dropped++;
}

void shard_ws(shard *s, int key, uint64_t now_us, const struct stats_ws *d)
{
    if (now_us >= s->cur_end_us)
        shard_tick(s, now_us);
    struct stats_counts *c = &s->cur->key[key].c;
    c->ws_opens += d->opens;
    c->ws_closes += d->closes;
    c->ws_msgs_in += d->msgs_in;
    c->ws_msgs_out += d->msgs_out;
    c->ws_reconnects += d->reconnects;
    c->bytes_in += d->bytes_in;
    c->bytes_out += d->bytes_out;
}

struct stats_bucket *shard_take(shard *s)
{
    pthread_mutex_lock(&s->mu);
    struct stats_bucket *b = s->done;
    s->done = NULL;
    s->done_tail = &s->done;
    pthread_mutex_unlock(&s->mu);
    return b;
}

void shard_recycle(shard *s, struct stats_bucket *b)
{
    pthread_mutex_lock(&s->mu);
    b->next = s->free;
    s->free = b;
    pthread_mutex_unlock(&s->mu);
}

void stats_counts_add(struct stats_counts *dst, const struct stats_counts *src)
{
    dst->requests += src->requests;
    dst->failed += src->failed;
    dst->bytes_in += src->bytes_in;
    dst->bytes_out += src->bytes_out;
    dst->connects += src->connects;
    dst->dropped += src->dropped;
    dst->ws_opens += src->ws_opens;
    dst->ws_closes += src->ws_closes;
    dst->ws_msgs_in += src->ws_msgs_in;
    dst->ws_msgs_out += src->ws_msgs_out;
    dst->ws_reconnects += src->ws_reconnects;
    for (int i = 0; i < ERR__COUNT; i++)
        dst->errors[i] += src->errors[i];
    for (int i = 0; i < STATS_STATUS_MAX; i++)
        dst->status[i] += src->status[i];
}
