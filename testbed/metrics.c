/* metrics.c — the Prometheus registry: families, labelled series, text format 0.0.4. */
#include "metrics.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MET_COLLECTORS_MAX 16
#define MET_NBUCKETS 16 /* the 15 bounds below plus +Inf */

static const double met_bounds[MET_NBUCKETS - 1] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                    2.5,   5,    10,    30,   60,  120,  300};

enum met_type { MET_COUNTER, MET_GAUGE, MET_HISTOGRAM };

struct met_series {
    struct met_family *fam;
    struct met_series *next;        /* family's series in first-use order */
    char *labels;                   /* `a="x",b="y"` or "" */
    uint64_t hash;                  /* of family name + labels */
    double value;                   /* counter/gauge value; histogram sum */
    uint64_t count;                 /* histogram observations */
    uint64_t buckets[MET_NBUCKETS]; /* histogram, not cumulative (rendered cumulative) */
};

struct met_family {
    char *name;
    char *help;
    enum met_type type;
    struct met_family *next; /* registry's families in first-use order */
    struct met_series *first, *last;
};

struct tb_metrics {
    struct met_family *first, *last;
    /* Open-addressing index over every series: lookups cost one hash and one compare, so
     * recording on each request stays cheap however many series there are. */
    struct met_series **slots;
    size_t nslots; /* power of two */
    size_t nseries;
    struct {
        metrics_collect_fn fn;
        void *ud;
    } collectors[MET_COLLECTORS_MAX];
    size_t ncollectors;
};

tb_metrics *metrics_new(void)
{
    tb_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->nslots = 64;
    m->slots = calloc(m->nslots, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void metrics_free(tb_metrics *m)
{
    if (!m)
        return;
    struct met_family *f = m->first;
    while (f) {
        struct met_family *fn = f->next;
        struct met_series *s = f->first;
        while (s) {
            struct met_series *sn = s->next;
            free(s->labels);
            free(s);
            s = sn;
        }
        free(f->name);
        free(f->help);
        free(f);
        f = fn;
    }
    free(m->slots);
    free(m);
}

/* FNV-1a over name, a separator, and labels. */
static uint64_t met_hash(const char *name, const char *labels)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    h = (h ^ 0xff) * 0x100000001b3ull;
    for (const unsigned char *p = (const unsigned char *)labels; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return h;
}

static int met_name_ok(const char *name)
{
    if (!name || !name[0] || (name[0] >= '0' && name[0] <= '9'))
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == ':'))
            return 0;
    return 1;
}

static struct met_family *met_family_find(tb_metrics *m, const char *name)
{
    for (struct met_family *f = m->first; f; f = f->next) /* O(families); only on a new series */
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static int met_index_grow(tb_metrics *m)
{
    size_t n = m->nslots * 2;
    struct met_series **slots = calloc(n, sizeof *slots);
    if (!slots)
        return -ENOMEM;
    for (size_t i = 0; i < m->nslots; i++) {
        struct met_series *s = m->slots[i];
        if (!s)
            continue;
        size_t k = (size_t)s->hash & (n - 1);
        while (slots[k])
            k = (k + 1) & (n - 1);
        slots[k] = s;
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = n;
    return 0;
}

/* The series name{labels} of the given type, created (with its family) on first use.
 * NULL on a type clash, a bad name, or out of memory. */
static struct met_series *met_series_get(tb_metrics *m, const char *name, const char *help,
                                         const char *labels, enum met_type type)
{
    if (!labels)
        labels = "";
    uint64_t h = met_hash(name, labels);
    size_t k = (size_t)h & (m->nslots - 1);
    for (struct met_series *s; (s = m->slots[k]) != NULL; k = (k + 1) & (m->nslots - 1)) {
        if (s->hash == h && strcmp(s->fam->name, name) == 0 && strcmp(s->labels, labels) == 0)
            return s->fam->type == type ? s : NULL;
    }
    if (!met_name_ok(name))
        return NULL;
    if ((m->nseries + 1) * 2 > m->nslots && met_index_grow(m))
        return NULL;
    struct met_family *f = met_family_find(m, name);
    int new_family = 0;
    if (f && f->type != type)
        return NULL;
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
        new_family = 1;
    }
    struct met_series *s = calloc(1, sizeof *s);
    char *lab = s ? strdup(labels) : NULL;
    if (!lab) {
        free(s);
        if (new_family) {
            free(f->name);
            free(f->help);
            free(f);
        }
        return NULL;
    }
    s->fam = f;
    s->labels = lab;
    s->hash = h;
    if (new_family) {
        if (m->last)
            m->last->next = f;
        else
            m->first = f;
        m->last = f;
    }
    if (f->last)
        f->last->next = s;
    else
        f->first = s;
    f->last = s;
    k = (size_t)h & (m->nslots - 1); /* the index may have grown */
    while (m->slots[k])
        k = (k + 1) & (m->nslots - 1);
    m->slots[k] = s;
    m->nseries++;
    return s;
}

int metrics_counter_add(tb_metrics *m, const char *name, const char *help, const char *labels,
                        double v)
{
    if (!(v >= 0)) /* counters only go up; NaN refused too */
        return -1;
    struct met_series *s = met_series_get(m, name, help, labels, MET_COUNTER);
    if (!s)
        return -1;
    s->value += v;
    return 0;
}

int metrics_gauge_set(tb_metrics *m, const char *name, const char *help, const char *labels,
                      double v)
{
    struct met_series *s = met_series_get(m, name, help, labels, MET_GAUGE);
    if (!s)
        return -1;
    s->value = v;
    return 0;
}

int metrics_gauge_add(tb_metrics *m, const char *name, const char *help, const char *labels,
                      double v)
{
    struct met_series *s = met_series_get(m, name, help, labels, MET_GAUGE);
    if (!s)
        return -1;
    s->value += v;
    return 0;
}

int metrics_hist_observe(tb_metrics *m, const char *name, const char *help, const char *labels,
                         double v)
{
    if (isnan(v))
        return -1;
    struct met_series *s = met_series_get(m, name, help, labels, MET_HISTOGRAM);
    if (!s)
        return -1;
    size_t b = 0;
    while (b < MET_NBUCKETS - 1 && v > met_bounds[b])
        b++;
    s->buckets[b]++;
    s->count++;
    s->value += v;
    return 0;
}

int metrics_on_collect(tb_metrics *m, metrics_collect_fn fn, void *ud)
{
    if (m->ncollectors == MET_COLLECTORS_MAX)
        return -ENOSPC;
    m->collectors[m->ncollectors].fn = fn;
    m->collectors[m->ncollectors].ud = ud;
    m->ncollectors++;
    return 0;
}

/* ---- rendering ---- */

static int met_value(tbuf *out, double v)
{
    if (isnan(v))
        return tbuf_printf(out, "NaN");
    if (isinf(v))
        return tbuf_printf(out, v > 0 ? "+Inf" : "-Inf");
    if (v == floor(v) && fabs(v) < 1e15)
        return tbuf_printf(out, "%.0f", v);
    return tbuf_printf(out, "%.15g", v);
}

/* `name{labels}` or `name{labels,extra}`, then " value\n". */
static int met_line(tbuf *out, const char *name, const char *suffix, const char *labels,
                    const char *extra, double v)
{
    int rc = tbuf_printf(out, "%s%s", name, suffix);
    if (!rc && (labels[0] || extra))
        rc =
            tbuf_printf(out, "{%s%s%s}", labels, labels[0] && extra ? "," : "", extra ? extra : "");
    if (!rc)
        rc = tbuf_addc(out, ' ');
    if (!rc)
        rc = met_value(out, v);
    if (!rc)
        rc = tbuf_addc(out, '\n');
    return rc;
}

/* HELP text: backslash and newline escaped, as the format requires. */
static int met_help(tbuf *out, const struct met_family *f)
{
    int rc = tbuf_printf(out, "# HELP %s ", f->name);
    for (const char *p = f->help; !rc && *p; p++) {
        if (*p == '\\')
            rc = tbuf_add(out, "\\\\", 2);
        else if (*p == '\n')
            rc = tbuf_add(out, "\\n", 2);
        else
            rc = tbuf_addc(out, *p);
    }
    static const char *const types[] = {"counter", "gauge", "histogram"};
    if (!rc)
        rc = tbuf_printf(out, "\n# TYPE %s %s\n", f->name, types[f->type]);
    return rc;
}

static int met_render_hist(tbuf *out, const struct met_family *f, const struct met_series *s)
{
    uint64_t cum = 0;
    char le[32];
    int rc = 0;
    for (size_t b = 0; !rc && b < MET_NBUCKETS; b++) {
        cum += s->buckets[b];
        if (b < MET_NBUCKETS - 1)
            snprintf(le, sizeof le, "le=\"%g\"", met_bounds[b]);
        else
            snprintf(le, sizeof le, "le=\"+Inf\"");
        rc = met_line(out, f->name, "_bucket", s->labels, le, (double)cum);
    }
    if (!rc)
        rc = met_line(out, f->name, "_sum", s->labels, NULL, s->value);
    if (!rc)
        rc = met_line(out, f->name, "_count", s->labels, NULL, (double)s->count);
    return rc;
}

int metrics_render(tb_metrics *m, tbuf *out)
{
    for (size_t i = 0; i < m->ncollectors; i++)
        m->collectors[i].fn(m, m->collectors[i].ud);
    int rc = 0;
    for (const struct met_family *f = m->first; !rc && f; f = f->next) {
        rc = met_help(out, f);
        for (const struct met_series *s = f->first; !rc && s; s = s->next)
            rc = f->type == MET_HISTOGRAM ? met_render_hist(out, f, s)
                                          : met_line(out, f->name, "", s->labels, NULL, s->value);
    }
    return rc ? -ENOMEM : 0;
}
