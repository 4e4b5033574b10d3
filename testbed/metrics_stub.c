/* metrics_stub.c — a stand-in for metrics.c (branch tb-upload owns the real registry) so the
 * jobs profile builds and tests on its own branch. DELETE AT MERGE: metrics.c replaces it.
 * Linear lists, no hashing: fine for the few dozen series a profile has. */
#include "metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MS_NBUCKETS 15 /* finite buckets; +Inf is the count */
#define MS_COLLECTORS 16

static const double ms_bounds[MS_NBUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                              2.5,   5,    10,    30,   60,  120,  300};
static const char *const ms_types[] = {"counter", "gauge", "histogram"};

enum { MS_COUNTER, MS_GAUGE, MS_HIST };

struct ms_series {
    struct ms_series *next;
    char *labels;
    double v;                    /* counter/gauge value; histogram sum */
    double buckets[MS_NBUCKETS]; /* histogram: observations <= bound (not cumulative) */
    double count;                /* histogram observations */
};

struct ms_family {
    struct ms_family *next;
    char *name, *help;
    int type;
    struct ms_series *series, *last;
};

struct tb_metrics {
    struct ms_family *fams, *last;
    struct {
        metrics_collect_fn fn;
        void *ud;
    } coll[MS_COLLECTORS];
    int ncoll;
};

tb_metrics *metrics_new(void)
{
    return calloc(1, sizeof(tb_metrics));
}

void metrics_free(tb_metrics *m)
{
    if (!m)
        return;
    for (struct ms_family *f = m->fams, *fn; f; f = fn) {
        fn = f->next;
        for (struct ms_series *s = f->series, *sn; s; s = sn) {
            sn = s->next;
            free(s->labels);
            free(s);
        }
        free(f->name);
        free(f->help);
        free(f);
    }
    free(m);
}

/* The series name{labels} of the given type, created on first use; NULL on a type clash or
 * out of memory. */
static struct ms_series *ms_get(tb_metrics *m, const char *name, const char *help, int type,
                                const char *labels)
{
    struct ms_family *f = m->fams;
    while (f && strcmp(f->name, name) != 0)
        f = f->next;
    if (!f) {
        f = calloc(1, sizeof *f);
        if (!f)
            return NULL;
        f->name = strdup(name);
        f->help = strdup(help ? help : "");
        f->type = type;
        if (!f->name || !f->help) {
            free(f->name);
            free(f->help);
            free(f);
            return NULL;
        }
        if (m->last)
            m->last->next = f;
        else
            m->fams = f;
        m->last = f;
    }
    if (f->type != type)
        return NULL;
    if (!labels)
        labels = "";
    struct ms_series *s = f->series;
    while (s && strcmp(s->labels, labels) != 0)
        s = s->next;
    if (s)
        return s;
    s = calloc(1, sizeof *s);
    if (!s || !(s->labels = strdup(labels))) {
        free(s);
        return NULL;
    }
    if (f->last)
        f->last->next = s;
    else
        f->series = s;
    f->last = s;
    return s;
}

int metrics_counter_add(tb_metrics *m, const char *name, const char *help, const char *labels,
                        double v)
{
    struct ms_series *s = ms_get(m, name, help, MS_COUNTER, labels);
    if (!s)
        return -1;
    s->v += v;
    return 0;
}

int metrics_gauge_set(tb_metrics *m, const char *name, const char *help, const char *labels,
                      double v)
{
    struct ms_series *s = ms_get(m, name, help, MS_GAUGE, labels);
    if (!s)
        return -1;
    s->v = v;
    return 0;
}

int metrics_gauge_add(tb_metrics *m, const char *name, const char *help, const char *labels,
                      double v)
{
    struct ms_series *s = ms_get(m, name, help, MS_GAUGE, labels);
    if (!s)
        return -1;
    s->v += v;
    return 0;
}

int metrics_hist_observe(tb_metrics *m, const char *name, const char *help, const char *labels,
                         double v)
{
    struct ms_series *s = ms_get(m, name, help, MS_HIST, labels);
    if (!s)
        return -1;
    for (int i = 0; i < MS_NBUCKETS; i++) {
        if (v <= ms_bounds[i]) {
            s->buckets[i]++;
            break;
        }
    }
    s->v += v;
    s->count++;
    return 0;
}

int metrics_on_collect(tb_metrics *m, metrics_collect_fn fn, void *ud)
{
    if (m->ncoll >= MS_COLLECTORS)
        return -1;
    m->coll[m->ncoll].fn = fn;
    m->coll[m->ncoll].ud = ud;
    m->ncoll++;
    return 0;
}

int metrics_render(tb_metrics *m, tbuf *out)
{
    for (int i = 0; i < m->ncoll; i++)
        m->coll[i].fn(m, m->coll[i].ud);
    int rc = 0;
    for (struct ms_family *f = m->fams; f && !rc; f = f->next) {
        rc = tbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                         ms_types[f->type]);
        for (struct ms_series *s = f->series; s && !rc; s = s->next) {
            const char *l = s->labels, *comma = l[0] ? "," : "";
            if (f->type != MS_HIST) {
                rc = l[0] ? tbuf_printf(out, "%s{%s} %.15g\n", f->name, l, s->v)
                          : tbuf_printf(out, "%s %.15g\n", f->name, s->v);
                continue;
            }
            double cum = 0;
            for (int i = 0; i < MS_NBUCKETS && !rc; i++) {
                cum += s->buckets[i];
                rc = tbuf_printf(out, "%s_bucket{%s%sle=\"%g\"} %.15g\n", f->name, l, comma,
                                 ms_bounds[i], cum);
            }
            if (!rc)
                rc = tbuf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %.15g\n", f->name, l, comma,
                                 s->count);
            if (!rc)
                rc = l[0] ? tbuf_printf(out, "%s_sum{%s} %.15g\n%s_count{%s} %.15g\n", f->name, l,
                                        s->v, f->name, l, s->count)
                          : tbuf_printf(out, "%s_sum %.15g\n%s_count %.15g\n", f->name, s->v,
                                        f->name, s->count);
        }
    }
    return rc ? -ENOMEM : 0;
}
