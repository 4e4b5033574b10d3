/* content.c — the capacity report's content: which sections, tables and charts a results
 * document gives, in what order, independent of the output format. */
#include "report/content.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/svg.h"
#include "util/sbuf.h"

#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

struct ctx {
    const json_t *doc;
    const struct content_ops *ops;
    void *ud;
};

/* ---- JSON access ---- */

/* A growth slope whose fit explains less than this of the variance is noise, not a
 * trend (the judge's memory verdict uses the same bound). */
#define GROWTH_MIN_R2 0.5

static int jnum(const json_t *o, const char *key, double *v)
{
    const json_t *j = json_object_get(o, key);
    if (!json_is_number(j))
        return 0;
    *v = json_number_value(j);
    return 1;
}

static double jnum0(const json_t *o, const char *key)
{
    double v = 0;
    jnum(o, key, &v);
    return v;
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- formatting ---- */

static void fmt_ms(char *b, size_t n, double v)
{
    double a = fabs(v);
    snprintf(b, n, "%.*f ms", a < 10 ? 2 : a < 100 ? 1 : 0, v);
}

static void fmt_dur(char *b, size_t n, double s)
{
    if (s < 120)
        snprintf(b, n, "%.*f s", s == floor(s) ? 0 : 1, s);
    else if (s < 7200)
        snprintf(b, n, "%dm %02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(b, n, "%dh %02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void fmt_pct(char *b, size_t n, double frac)
{
    snprintf(b, n, "%.2f %%", frac * 100);
}

/* A metric's unit: the watch metric's own "unit" when listed, else from its name. */
static const char *metric_unit(const struct ctx *c, const char *name)
{
    const json_t *ms = json_object_get(json_object_get(c->doc, "watch"), "metrics");
    size_t i;
    const json_t *m;
    json_array_foreach(ms, i, m)
    {
        const char *n = jstr(m, "name");
        if (n && !strcmp(n, name) && jstr(m, "unit"))
            return jstr(m, "unit");
    }
    size_t l = strlen(name);
    if (l > 6 && !strcmp(name + l - 6, "_bytes"))
        return "bytes";
    if (l > 4 && !strcmp(name + l - 4, "_pct"))
        return "%";
    if (l > 3 && !strcmp(name + l - 3, "_ms"))
        return "ms";
    return NULL;
}

/* A generic value: numbers by the key's unit suffix, booleans as yes/no. */
static void fmt_json(char *b, size_t n, const char *key, const json_t *v)
{
    size_t l = key ? strlen(key) : 0;
    if (json_is_number(v)) {
        double d = json_number_value(v);
        if (l > 6 && !strcmp(key + l - 6, "_bytes"))
            svg_fmt_value(b, n, d, "bytes");
        else if (l > 3 && !strcmp(key + l - 3, "_ms"))
            fmt_ms(b, n, d);
        else if (l > 2 && !strcmp(key + l - 2, "_s"))
            fmt_dur(b, n, d);
        else if (l > 4 && !strcmp(key + l - 4, "_pct"))
            snprintf(b, n, "%.2f %%", d);
        else if (json_is_integer(v))
            snprintf(b, n, "%lld", (long long)json_integer_value(v));
        else
            snprintf(b, n, "%.4g", d);
    } else if (json_is_string(v)) {
        snprintf(b, n, "%s", json_string_value(v));
    } else if (json_is_true(v)) {
        snprintf(b, n, "yes");
    } else if (json_is_false(v)) {
        snprintf(b, n, "no");
    } else if (json_is_null(v) || !v) {
        snprintf(b, n, "-");
    } else {
        char *s = json_dumps(v, JSON_COMPACT);
        snprintf(b, n, "%s", s ? s : "?");
        free(s);
    }
}

/* File-name-safe: letters, digits, '-' and '_' kept, anything else '_'. */
static void safe_name(char *b, size_t n, const char *a, const char *suffix)
{
    snprintf(b, n, "%s-%s", a, suffix);
    for (char *p = b; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            *p = '_';
}

/* ---- tables ---- */

struct tbl {
    int ncols;
    const char *const *head;
    const int *right;
    char **cells;
    int n, cap; /* cells used / allocated */
};

static int tbl_cell(struct tbl *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int tbl_cell(struct tbl *t, const char *fmt, ...)
{
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 64;
        char **nc = realloc(t->cells, (size_t)cap * sizeof *nc);
        if (!nc)
            return -ENOMEM;
        t->cells = nc;
        t->cap = cap;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!(t->cells[t->n] = strdup(buf)))
        return -ENOMEM;
    t->n++;
    return 0;
}

static void tbl_free(struct tbl *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->n = t->cap = 0;
}

static int tbl_emit(struct ctx *c, struct tbl *t)
{
    int rc = 0;
    if (t->n && t->n % t->ncols == 0)
        rc = c->ops->table(c->ud, t->ncols, t->head, t->right, (const char *const *)t->cells,
                           t->n / t->ncols);
    else if (t->n)
        rc = -EINVAL;
    tbl_free(t);
    return rc;
}

static int para(struct ctx *c, const char *strong, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int para(struct ctx *c, const char *strong, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return c->ops->para(c->ud, strong, buf);
}

/* A generic object as a two-column table (nested objects and arrays as compact JSON). */
static int kv_table(struct ctx *c, const json_t *o)
{
    static const char *const head[] = {"Field", "Value"};
    static const int right[] = {0, 1};
    struct tbl t = {2, head, right, NULL, 0, 0};
    const char *k;
    const json_t *v;
    char b[256];
    json_object_foreach((json_t *)o, k, v)
    {
        fmt_json(b, sizeof b, k, v);
        if (tbl_cell(&t, "%s", k) || tbl_cell(&t, "%s", b)) {
            tbl_free(&t);
            return -ENOMEM;
        }
    }
    return tbl_emit(c, &t);
}

/* A generic array: objects as a table over the union of their keys, anything else as a list. */
static int array_table(struct ctx *c, const json_t *a)
{
    const char *keys[32];
    int nk = 0, rc = 0;
    size_t i;
    const json_t *e;
    json_array_foreach(a, i, e)
    {
        if (!json_is_object(e)) {
            nk = -1;
            break;
        }
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)e, k, v)
        {
            int seen = 0;
            for (int j = 0; j < nk; j++)
                seen |= !strcmp(keys[j], k);
            if (!seen && nk < 32)
                keys[nk++] = k;
        }
    }
    char b[512];
    if (nk < 0) {
        const char *items[64];
        char *own[64];
        int n = 0;
        json_array_foreach(a, i, e)
        {
            if (n == 64)
                break;
            fmt_json(b, sizeof b, NULL, e);
            if (!(own[n] = strdup(b)))
                break;
            items[n] = own[n];
            n++;
        }
        rc = n ? c->ops->list(c->ud, items, n) : 0;
        for (int j = 0; j < n; j++)
            free(own[j]);
        return rc;
    }
    if (!nk)
        return 0;
    int right[32] = {0};
    struct tbl t = {nk, keys, right, NULL, 0, 0};
    json_array_foreach(a, i, e)
    {
        for (int j = 0; j < nk; j++) {
            fmt_json(b, sizeof b, keys[j], json_object_get(e, keys[j]));
            if (tbl_cell(&t, "%s", b)) {
                tbl_free(&t);
                return -ENOMEM;
            }
        }
    }
    return tbl_emit(c, &t);
}

static int generic(struct ctx *c, const json_t *v)
{
    if (json_is_object(v))
        return kv_table(c, v);
    if (json_is_array(v))
        return array_table(c, v);
    char b[512];
    fmt_json(b, sizeof b, NULL, v);
    return para(c, NULL, "%s", b);
}

/* ---- charts ---- */

static int chart(struct ctx *c, const char *name, const struct svg_chart *ch)
{
    struct sbuf s = SBUF_INIT;
    int rc = svg_chart_write(&s, ch);
    if (!rc)
        rc = c->ops->chart(c->ud, name, ch->title, sbuf_str(&s));
    sbuf_free(&s);
    return rc;
}

/* Vertical markers: the target's restarts and exits, the health outages' starts. */
static int collect_marks(const struct ctx *c, struct svg_mark *m, char labels[][64], int max)
{
    const json_t *w = json_object_get(c->doc, "watch");
    int n = 0;
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(json_object_get(w, "target"), "events"), i, e)
    {
        const char *k = jstr(e, "kind");
        if (!k || !strcmp(k, "start") || !strcmp(k, "ready") || n == max)
            continue;
        m[n].x = jnum0(e, "t");
        snprintf(labels[n], 64, "%s", k);
        m[n].label = labels[n];
        n++;
    }
    json_array_foreach(json_object_get(json_object_get(w, "health"), "outages"), i, e)
    {
        if (n == max)
            break;
        m[n].x = jnum0(e, "start_s");
        snprintf(labels[n], 64, "outage %.0f s", jnum0(e, "duration_s"));
        m[n].label = labels[n];
        n++;
    }
    return n;
}

/* The per-second charts of one scenario's series ser: rps + VUs, latency, errors by class. */
static int scenario_charts_of(struct ctx *c, const json_t *sc, const json_t *ser)
{
    size_t n = json_array_size(ser);
    if (!n)
        return 0;
    const char *name = jstr(sc, "name") ? jstr(sc, "name") : "scenario";
    double start = jnum0(sc, "start_s");
    double *buf = calloc(n * 16, sizeof *buf);
    if (!buf)
        return -ENOMEM;
    double *x = buf, *rps = buf + n, *vus = buf + 2 * n, *p50 = buf + 3 * n, *p95 = buf + 4 * n,
           *p99 = buf + 5 * n;
    const char *classes[8];
    int ncls = 0;
    size_t i;
    const json_t *p;
    json_array_foreach(ser, i, p)
    {
        double t, span = 1;
        x[i] = jnum(p, "t_run", &t) ? t : start + jnum0(p, "t");
        jnum(p, "span", &span);
        rps[i] = jnum0(p, "requests") / (span > 0 ? span : 1);
        vus[i] = jnum0(p, "vus");
        p50[i] = jnum0(p, "p50_ms");
        p95[i] = jnum0(p, "p95_ms");
        p99[i] = jnum0(p, "p99_ms");
        const char *k;
        const json_t *v;
        json_object_foreach(json_object_get(p, "errors"), k, v)
        {
            int seen = 0;
            for (int j = 0; j < ncls; j++)
                seen |= !strcmp(classes[j], k);
            if (!seen && ncls < 8 && json_number_value(v) > 0)
                classes[ncls++] = k;
        }
    }
    struct svg_mark marks[16];
    char labels[16][64];
    int nm = collect_marks(c, marks, labels, 16);
    /* only the marks inside this scenario's window */
    int keep = 0;
    for (int j = 0; j < nm; j++)
        if (marks[j].x >= x[0] && marks[j].x <= x[n - 1] + 1)
            marks[keep++] = marks[j];
    nm = keep;
    char cname[160], title[200];
    int rc;
    struct svg_line l1[2] = {{"requests/s", x, rps, n, 0, 0, 0}, {"active VUs", x, vus, n, 1, 1, 0}};
    struct svg_chart ch = {.title = title, .xlabel = "seconds since the run's start",
                           .ylabel = "requests/s", .y2label = "VUs", .lines = l1, .nlines = 2,
                           .marks = marks, .nmarks = nm};
    snprintf(title, sizeof title, "%s: throughput and active VUs", name);
    safe_name(cname, sizeof cname, name, "rps");
    rc = chart(c, cname, &ch);
    if (!rc) {
        struct svg_line l2[3] = {{"p50", x, p50, n, 0, 0, 0}, {"p95", x, p95, n, 0, 0, 0},
                                 {"p99", x, p99, n, 0, 0, 0}};
        snprintf(title, sizeof title, "%s: latency per second", name);
        ch.lines = l2;
        ch.nlines = 3;
        ch.ylabel = "ms";
        ch.yunit = NULL;
        ch.y2label = NULL;
        safe_name(cname, sizeof cname, name, "latency");
        rc = chart(c, cname, &ch);
    }
    if (!rc && ncls) {
        struct svg_line l3[8];
        double *ev = buf + 6 * n; /* up to 8 classes: 6n..14n */
        for (int j = 0; j < ncls; j++) {
            json_array_foreach(ser, i, p)
            {
                double span = 1;
                jnum(p, "span", &span);
                ev[j * n + i] = jnum0(json_object_get(p, "errors"), classes[j]) / (span > 0 ? span : 1);
            }
            l3[j] = (struct svg_line){classes[j], x, ev + j * n, n, 0, 0, 0};
        }
        snprintf(title, sizeof title, "%s: errors per second by class", name);
        ch.lines = l3;
        ch.nlines = ncls;
        ch.ylabel = "errors/s";
        safe_name(cname, sizeof cname, name, "errors");
        rc = chart(c, cname, &ch);
    }
    int has_ws = 0;
    json_array_foreach(ser, i, p)
        has_ws |= json_object_get(p, "ws_active") != NULL;
    if (!rc && has_ws) { /* open WebSockets and messages received per second */
        double *wa = buf + 14 * n, *wm = buf + 15 * n;
        json_array_foreach(ser, i, p)
        {
            double span = 1;
            jnum(p, "span", &span);
            wa[i] = jnum0(p, "ws_active");
            wm[i] = jnum0(p, "ws_messages_in") / (span > 0 ? span : 1);
        }
        struct svg_line l4[2] = {{"open WebSockets", x, wa, n, 0, 0, 0},
                                 {"messages in/s", x, wm, n, 1, 1, 0}};
        snprintf(title, sizeof title, "%s: open WebSockets", name);
        ch.lines = l4;
        ch.nlines = 2;
        ch.ylabel = "connections";
        ch.y2label = "messages/s";
        safe_name(cname, sizeof cname, name, "ws");
        rc = chart(c, cname, &ch);
    }
    free(buf);
    return rc;
}

/* The part of a scenario's series where it ran: without the leading and trailing seconds
 * in which it had no VU and nothing ended (a results.json of schema /1 holds the whole
 * run's clock for every scenario). */
static json_t *active_series(const json_t *ser)
{
    size_t n = json_array_size(ser), i0 = 0, i1 = n;
#define ACTIVE(i)                                                                                  \
    (json_number_value(json_object_get(json_array_get(ser, i), "requests")) > 0 ||                \
     json_number_value(json_object_get(json_array_get(ser, i), "vus")) > 0)
    while (i0 < n && !ACTIVE(i0))
        i0++;
    while (i1 > i0 && !ACTIVE(i1 - 1))
        i1--;
#undef ACTIVE
    json_t *a = json_array();
    for (size_t i = i0; a && i < i1; i++)
        json_array_append(a, json_array_get(ser, i));
    return a;
}

static int scenario_charts(struct ctx *c, const json_t *sc)
{
    json_t *ser = active_series(json_object_get(sc, "series"));
    if (!ser)
        return -ENOMEM;
    int rc = scenario_charts_of(c, sc, ser);
    json_decref(ser);
    return rc;
}

/* Item i of an analysis member that is one object per scenario (an array, as the judge
 * writes usl and recovery) or a single object (item 0), or NULL past the end. */
static const json_t *analysis_item(const json_t *v, size_t i)
{
    if (json_is_array(v))
        return json_is_object(json_array_get(v, i)) ? json_array_get(v, i) : NULL;
    return i == 0 && json_is_object(v) ? v : NULL;
}

/* The analysis.usl fit of this scenario (or one that names none), or NULL. */
static const json_t *usl_for(const struct ctx *c, const char *name)
{
    const json_t *all = json_object_get(json_object_get(c->doc, "analysis"), "usl"), *u;
    for (size_t i = 0; (u = analysis_item(all, i)); i++) {
        const char *s = jstr(u, "scenario");
        if (!s || !strcmp(s, name))
            return u;
    }
    return NULL;
}

/* Ladders: throughput and p95 against concurrency, with the fitted USL curve. */
static int ladder_charts(struct ctx *c, const json_t *sc, const json_t *levels)
{
    size_t n = json_array_size(levels), i;
    const char *name = jstr(sc, "name") ? jstr(sc, "name") : "scenario";
    enum { NCURVE = 60 };
    double *buf = calloc(3 * n + 2 * NCURVE, sizeof *buf);
    if (!buf)
        return -ENOMEM;
    double *x = buf, *rps = buf + n, *p95 = buf + 2 * n, *cx = buf + 3 * n, *cy = cx + NCURVE;
    const json_t *l;
    double maxn = 0;
    json_array_foreach(levels, i, l)
    {
        x[i] = jnum0(l, "vus");
        rps[i] = jnum0(l, "rps");
        p95[i] = jnum0(json_object_get(l, "latency_ms"), "p95");
        if (x[i] > maxn)
            maxn = x[i];
    }
    struct svg_line ln[2] = {{"measured rps", x, rps, n, 0, 0, 1}, {0}};
    int nl = 1;
    const json_t *u = usl_for(c, name);
    double lam, sig, kap;
    if (u && jnum(u, "lambda", &lam) && jnum(u, "sigma", &sig) && jnum(u, "kappa", &kap)) {
        for (int k = 0; k < NCURVE; k++) {
            double N = 1 + (maxn * 1.25 - 1) * k / (NCURVE - 1);
            cx[k] = N;
            cy[k] = lam * N / (1 + sig * (N - 1) + kap * N * (N - 1));
        }
        ln[1] = (struct svg_line){"USL fit", cx, cy, NCURVE, 0, 1, 0};
        nl = 2;
    }
    char cname[160], title[200];
    snprintf(title, sizeof title, "%s: throughput against concurrency", name);
    safe_name(cname, sizeof cname, name, "throughput-vs-vus");
    struct svg_chart ch = {.title = title, .xlabel = "concurrency (VUs)", .ylabel = "requests/s",
                           .lines = ln, .nlines = nl};
    int rc = chart(c, cname, &ch);
    if (!rc) {
        struct svg_line lp = {"p95", x, p95, n, 0, 0, 1};
        snprintf(title, sizeof title, "%s: p95 latency against concurrency", name);
        safe_name(cname, sizeof cname, name, "p95-vs-vus");
        ch.lines = &lp;
        ch.nlines = 1;
        ch.ylabel = "ms";
        rc = chart(c, cname, &ch);
    }
    free(buf);
    return rc;
}

/* ---- sections ---- */

static int sec_header(struct ctx *c)
{
    const json_t *d = c->doc;
    const char *plan = jstr(d, "plan"), *target = jstr(d, "target");
    if (!target)
        target = jstr(json_object_get(d, "quick"), "url");
    char title[512], b[64];
    const json_t *rep = json_object_get(d, "report"); /* the plan's report: section */
    if (jstr(rep, "title"))
        snprintf(title, sizeof title, "%s", jstr(rep, "title"));
    else
        snprintf(title, sizeof title, "Capacity report: %s", plan ? plan : target ? target : "run");
    TRY(c->ops->heading(c->ud, 1, title));
    if (jstr(rep, "description")) /* one paragraph per blank-line-separated block */
        for (const char *p = jstr(rep, "description"); *p;) {
            const char *e = strstr(p, "\n\n");
            size_t len = e ? (size_t)(e - p) : strlen(p);
            while (len && (p[len - 1] == '\n' || p[len - 1] == ' '))
                len--;
            if (len)
                TRY(para(c, NULL, "%.*s", (int)len, p));
            p = e ? e + 2 : p + strlen(p);
            while (*p == '\n')
                p++;
        }
    const char *items[7];
    char it[7][600];
    int n = 0;
    if (jstr(d, "started"))
        snprintf(it[n++], 600, "Date: %s", jstr(d, "started"));
    if (target)
        snprintf(it[n++], 600, "Target: %s", target);
    if (plan)
        snprintf(it[n++], 600, "Plan: %s", plan);
    fmt_dur(b, sizeof b, jnum0(d, "duration_s"));
    snprintf(it[n++], 600, "Duration: %s", b);
    double ts;
    if (jnum(d, "time_scale", &ts) && ts != 1)
        snprintf(it[n++], 600,
                 "Time scale: %g (a rehearsal: simulated durations ran %g times as long; the "
                 "tables show measured times, criteria on times are judged in the plan's time, "
                 "measured / %g)",
                 ts, ts, ts);
    const json_t *shares = json_object_get(d, "shares"), *sh;
    size_t k;
    int complete = 0;
    json_array_foreach(shares, k, sh)
        complete += json_is_true(json_object_get(sh, "complete"));
    if (json_array_size(shares)) /* a merged distributed run (docs/distributed.md) */
        snprintf(it[n++], 600, "Merged from %zu shares: %d complete%s", json_array_size(shares),
                 complete, complete < (int)json_array_size(shares)
                               ? "; INCOMPLETE: the others' load is missing or cut short "
                                 "(see shares in results.json)"
                               : "");
    else if (jstr(d, "segment"))
        snprintf(it[n++], 600, "Share %s of a distributed run: surge merge joins the shares",
                 jstr(d, "segment"));
    const char *ver = jstr(json_object_get(d, "tool"), "version");
    snprintf(it[n++], 600, "Tool: surge %s (%s)", ver ? ver : "?", jstr(d, "schema") ? jstr(d, "schema") : "?");
    for (int i = 0; i < n; i++)
        items[i] = it[i];
    return c->ops->list(c->ud, items, n);
}

static int sec_verdict(struct ctx *c)
{
    const json_t *d = c->doc;
    const char *v = jstr(d, "verdict");
    const json_t *cr = json_object_get(d, "criteria");
    int nt = 0, na = 0, nf = 0;
    size_t i;
    const json_t *e;
    json_array_foreach(cr, i, e)
    {
        const char *t = jstr(e, "tier");
        nt += t && !strcmp(t, "target");
        na += t && !strcmp(t, "acceptable");
        nf += t && !strcmp(t, "failure");
    }
    char why[256] = "";
    if (json_is_true(json_object_get(d, "interrupted"))) {
        const char *by = jstr(d, "interrupted_by");
        snprintf(why, sizeof why, " The run was interrupted%s%s: figures cover what completed.",
                 by ? " by " : "", by ? by : "");
    }
    const json_t *gen = json_object_get(d, "generator");
    if (json_is_true(json_object_get(gen, "saturated"))) {
        json_int_t from = json_integer_value(json_object_get(gen, "saturated_from_s"));
        size_t n = strlen(why);
        snprintf(why + n, sizeof why - n,
                 " surge was saturated from %02lld:%02lld; results past that point understate "
                 "the service.",
                 (long long)(from / 60), (long long)(from % 60));
    }
    if (!v || !strcmp(v, "none") || !json_array_size(cr))
        return para(c, "Verdict: no criteria.", "The plan gave no criteria to judge.%s", why);
    char strong[64];
    snprintf(strong, sizeof strong, "Verdict: %s.", !strcmp(v, "pass") ? "PASS" : !strcmp(v, "fail") ? "FAIL" : v);
    return para(c, strong, "%d of %zu criteria on target, %d acceptable, %d failed.%s", nt,
                json_array_size(cr), na, nf, why);
}

static int sec_summary(struct ctx *c)
{
    static const char *const head[] = {"Scenario", "Users", "Duration", "Requests", "Success %",
                                       "Avg", "P95", "P99", "Errors"};
    static const int right[] = {0, 1, 1, 1, 1, 1, 1, 1, 1};
    struct tbl t = {9, head, right, NULL, 0, 0};
    size_t i;
    const json_t *s;
    char d[64], a[64], p95[64], p99[64], sr[64];
    TRY(c->ops->heading(c->ud, 2, "Summary"));
    json_array_foreach(json_object_get(c->doc, "scenarios"), i, s)
    {
        const json_t *l = json_object_get(s, "latency_ms");
        fmt_dur(d, sizeof d, jnum0(s, "duration_s"));
        fmt_ms(a, sizeof a, jnum0(l, "avg"));
        fmt_ms(p95, sizeof p95, jnum0(l, "p95"));
        fmt_ms(p99, sizeof p99, jnum0(l, "p99"));
        fmt_pct(sr, sizeof sr, jnum0(s, "success_rate"));
        if (tbl_cell(&t, "%s", jstr(s, "name") ? jstr(s, "name") : "?") ||
            tbl_cell(&t, "%.0f", jnum0(s, "vus_max")) || tbl_cell(&t, "%s", d) ||
            tbl_cell(&t, "%.0f", jnum0(s, "requests")) || tbl_cell(&t, "%s", sr) ||
            tbl_cell(&t, "%s", a) || tbl_cell(&t, "%s", p95) || tbl_cell(&t, "%s", p99) ||
            tbl_cell(&t, "%.0f", jnum0(s, "failed"))) {
            tbl_free(&t);
            return -ENOMEM;
        }
    }
    return tbl_emit(c, &t);
}

static int levels_table(struct ctx *c, const json_t *levels)
{
    static const char *const head[] = {"Concurrency", "Success rate", "Failed", "Duration", "rps",
                                       "P95"};
    static const int right[] = {1, 1, 1, 1, 1, 1};
    struct tbl t = {6, head, right, NULL, 0, 0};
    size_t i;
    const json_t *l;
    char d[64], p[64], sr[64];
    json_array_foreach(levels, i, l)
    {
        fmt_dur(d, sizeof d, jnum0(l, "duration_s"));
        fmt_ms(p, sizeof p, jnum0(json_object_get(l, "latency_ms"), "p95"));
        fmt_pct(sr, sizeof sr, jnum0(l, "success_rate"));
        if (tbl_cell(&t, "%.0f", jnum0(l, "vus")) || tbl_cell(&t, "%s", sr) ||
            tbl_cell(&t, "%.0f", jnum0(l, "failed")) || tbl_cell(&t, "%s", d) ||
            tbl_cell(&t, "%.1f", jnum0(l, "rps")) || tbl_cell(&t, "%s", p)) {
            tbl_free(&t);
            return -ENOMEM;
        }
    }
    return tbl_emit(c, &t);
}

/* Steps (with requests) or transactions (with count). */
static int parts_table(struct ctx *c, const json_t *parts, const char *what, const char *count)
{
    const char *head[] = {what, "Requests", "Failed", "Success %", "Avg", "P95", "P99"};
    static const int right[] = {0, 1, 1, 1, 1, 1, 1};
    if (!strcmp(count, "count"))
        head[1] = "Count";
    struct tbl t = {7, head, right, NULL, 0, 0};
    size_t i;
    const json_t *s;
    char a[64], p95[64], p99[64], sr[64];
    json_array_foreach(parts, i, s)
    {
        const json_t *l = json_object_get(s, "latency_ms");
        double n = jnum0(s, count), f = jnum0(s, "failed");
        fmt_ms(a, sizeof a, jnum0(l, "avg"));
        fmt_ms(p95, sizeof p95, jnum0(l, "p95"));
        fmt_ms(p99, sizeof p99, jnum0(l, "p99"));
        fmt_pct(sr, sizeof sr, n > 0 ? (n - f) / n : 1);
        if (tbl_cell(&t, "%s", jstr(s, "name") ? jstr(s, "name") : "?") ||
            tbl_cell(&t, "%.0f", n) || tbl_cell(&t, "%.0f", f) || tbl_cell(&t, "%s", sr) ||
            tbl_cell(&t, "%s", a) || tbl_cell(&t, "%s", p95) || tbl_cell(&t, "%s", p99)) {
            tbl_free(&t);
            return -ENOMEM;
        }
    }
    return tbl_emit(c, &t);
}

/* ws steps: connections, messages, reconnects; the handshake ("NAME connect") and the
 * time to the condition (the step's own latency) side by side. Nothing without ws. */
static int ws_table(struct ctx *c, const json_t *steps)
{
    static const char *const head[] = {"WebSocket step", "Opened", "Msgs in", "Msgs out",
                                       "Reconnects", "Handshake P95", "To condition P95"};
    static const int right[] = {0, 1, 1, 1, 1, 1, 1};
    struct tbl t = {7, head, right, NULL, 0, 0};
    size_t i, k;
    const json_t *s, *o;
    char hs[64], tc[64];
    json_array_foreach(steps, i, s)
    {
        const json_t *w = json_object_get(s, "ws");
        const char *name = jstr(s, "name");
        if (!json_is_object(w) || !name)
            continue;
        char cname[600];
        snprintf(cname, sizeof cname, "%s connect", name);
        snprintf(hs, sizeof hs, "-");
        json_array_foreach(steps, k, o)
        {
            if (jstr(o, "name") && !strcmp(jstr(o, "name"), cname))
                fmt_ms(hs, sizeof hs, jnum0(json_object_get(o, "latency_ms"), "p95"));
        }
        fmt_ms(tc, sizeof tc, jnum0(json_object_get(s, "latency_ms"), "p95"));
        if (tbl_cell(&t, "%s", name) || tbl_cell(&t, "%.0f", jnum0(w, "opened")) ||
            tbl_cell(&t, "%.0f", jnum0(w, "messages_in")) ||
            tbl_cell(&t, "%.0f", jnum0(w, "messages_out")) ||
            tbl_cell(&t, "%.0f", jnum0(w, "reconnects")) || tbl_cell(&t, "%s", hs) ||
            tbl_cell(&t, "%s", tc)) {
            tbl_free(&t);
            return -ENOMEM;
        }
    }
    if (!t.n)
        return 0;
    TRY(c->ops->heading(c->ud, 3, "WebSocket steps"));
    return tbl_emit(c, &t);
}

static int codes_table(struct ctx *c, const json_t *sc)
{
    static const char *const head[] = {"Status / error class", "Count", "First example"};
    static const int right[] = {0, 1, 0};
    struct tbl t = {3, head, right, NULL, 0, 0};
    const char *k;
    const json_t *v;
    json_object_foreach(json_object_get(sc, "status"), k, v)
    {
        if (json_number_value(v) <= 0)
            continue;
        if (tbl_cell(&t, "HTTP %s", k) || tbl_cell(&t, "%.0f", json_number_value(v)) ||
            tbl_cell(&t, "%s", "")) {
            tbl_free(&t);
            return -ENOMEM;
        }
    }
    const json_t *ex = json_object_get(sc, "error_examples");
    json_object_foreach(json_object_get(sc, "errors"), k, v)
    {
        const char *e = jstr(ex, k);
        if (tbl_cell(&t, "%s", k) || tbl_cell(&t, "%.0f", json_number_value(v)) ||
            tbl_cell(&t, "%s", e ? e : "")) {
            tbl_free(&t);
            return -ENOMEM;
        }
    }
    return tbl_emit(c, &t);
}

/* Per-scenario resource figures (scenario.watch). */
static int scenario_watch_table(struct ctx *c, const json_t *w)
{
    static const char *const head[] = {"Metric", "Baseline", "Min", "Avg", "Peak", "Last",
                                       "Growth"};
    static const int right[] = {0, 1, 1, 1, 1, 1, 1};
    struct tbl t = {7, head, right, NULL, 0, 0};
    const char *k;
    const json_t *m;
    json_object_foreach((json_t *)w, k, m)
    {
        const char *u = metric_unit(c, k);
        char v[5][64], g[96] = "-";
        static const char *const f[] = {"baseline", "min", "avg", "max", "last"};
        for (int j = 0; j < 5; j++) {
            double x;
            if (jnum(m, f[j], &x))
                svg_fmt_value(v[j], sizeof v[j], x, u);
            else
                snprintf(v[j], sizeof v[j], "-");
        }
        const json_t *gr = json_object_get(m, "growth");
        double pct;
        if (jnum(gr, "pct_per_h", &pct) && jnum0(gr, "r2") < GROWTH_MIN_R2)
            snprintf(g, sizeof g, "no trend (r² %.2f)", jnum0(gr, "r2"));
        else if (jnum(gr, "pct_per_h", &pct))
            snprintf(g, sizeof g, "%+.1f %%/h (r² %.2f)", pct, jnum0(gr, "r2"));
        if (tbl_cell(&t, "%s", k) || tbl_cell(&t, "%s", v[0]) || tbl_cell(&t, "%s", v[1]) ||
            tbl_cell(&t, "%s", v[2]) || tbl_cell(&t, "%s", v[3]) || tbl_cell(&t, "%s", v[4]) ||
            tbl_cell(&t, "%s", g)) {
            tbl_free(&t);
            return -ENOMEM;
        }
    }
    return tbl_emit(c, &t);
}

static int sec_scenario(struct ctx *c, const json_t *sc)
{
    const char *name = jstr(sc, "name") ? jstr(sc, "name") : "?";
    const char *ex = jstr(sc, "executor");
    char h[256], b[64], b2[64];
    snprintf(h, sizeof h, "Scenario %s%s%s%s", name, ex ? " (" : "", ex ? ex : "", ex ? ")" : "");
    TRY(c->ops->heading(c->ud, 2, h));
    struct sbuf s = SBUF_INIT;
    double v;
    fmt_dur(b2, sizeof b2, jnum0(sc, "duration_s"));
    if (jnum(sc, "start_s", &v)) {
        fmt_dur(b, sizeof b, v);
        sbuf_printf(&s, "Started at %s on the run clock, ran %s", b, b2);
    } else {
        sbuf_printf(&s, "Ran %s", b2);
    }
    sbuf_printf(&s, "; %.0f requests at %.1f/s", jnum0(sc, "requests"), jnum0(sc, "rps"));
    if (jnum(sc, "rate", &v))
        sbuf_printf(&s, " (target rate %.1f/s)", v);
    sbuf_printf(&s, "; up to %.0f VUs active", jnum0(sc, "vus_max"));
    if (jnum(sc, "vus_allocated", &v))
        sbuf_printf(&s, " of %.0f allocated", v);
    if (jnum(sc, "iterations", &v))
        sbuf_printf(&s, "; %.0f iterations, %.0f failed", v, jnum0(sc, "iterations_failed"));
    if (jnum0(sc, "dropped") > 0)
        sbuf_printf(&s, "; %.0f dropped (no free VU)", jnum0(sc, "dropped"));
    if (jnum0(sc, "aborted") > 0)
        sbuf_printf(&s, "; %.0f aborted at the graceful stop", jnum0(sc, "aborted"));
    if (jnum(sc, "restart_at_s", &v))
        sbuf_printf(&s, "; the target was restarted at %.1f s", v);
    sbuf_putc(&s, '.');
    int rc = para(c, NULL, "%s", sbuf_str(&s));
    sbuf_free(&s);
    TRY(rc);
    const json_t *lv = json_object_get(sc, "levels");
    if (json_array_size(lv)) {
        TRY(c->ops->heading(c->ud, 3, "Concurrency levels"));
        TRY(levels_table(c, lv));
    }
    if (json_array_size(json_object_get(sc, "steps"))) {
        TRY(c->ops->heading(c->ud, 3, "Steps"));
        TRY(parts_table(c, json_object_get(sc, "steps"), "Step", "requests"));
        TRY(ws_table(c, json_object_get(sc, "steps")));
    }
    if (json_array_size(json_object_get(sc, "transactions"))) {
        TRY(c->ops->heading(c->ud, 3, "Transactions"));
        TRY(parts_table(c, json_object_get(sc, "transactions"), "Transaction", "count"));
    }
    if (json_object_size(json_object_get(sc, "status")) ||
        json_object_size(json_object_get(sc, "errors"))) {
        TRY(c->ops->heading(c->ud, 3, "Status codes and errors"));
        TRY(codes_table(c, sc));
    }
    if (json_object_size(json_object_get(sc, "watch"))) {
        TRY(c->ops->heading(c->ud, 3, "Resources during this scenario"));
        TRY(scenario_watch_table(c, json_object_get(sc, "watch")));
    }
    if (json_array_size(json_object_get(sc, "series")) || json_array_size(lv))
        TRY(c->ops->heading(c->ud, 3, "Charts"));
    TRY(scenario_charts(c, sc));
    if (json_array_size(lv))
        TRY(ladder_charts(c, sc, lv));
    return 0;
}

static int sec_resources(struct ctx *c)
{
    const json_t *w = json_object_get(c->doc, "watch");
    if (!json_is_object(w))
        return 0;
    TRY(c->ops->heading(c->ud, 2, "Resource utilisation"));
    static const char *const head[] = {"Metric", "Source", "Baseline", "Avg", "Peak", "Last",
                                       "Growth"};
    static const int right[] = {0, 0, 1, 1, 1, 1, 1};
    struct tbl t = {7, head, right, NULL, 0, 0};
    size_t i;
    const json_t *m;
    const json_t *ms = json_object_get(w, "metrics");
    json_array_foreach(ms, i, m)
    {
        const char *u = jstr(m, "unit");
        char v[4][64], g[96] = "-";
        static const char *const f[] = {"baseline", "avg", "max", "last"};
        for (int j = 0; j < 4; j++) {
            double x;
            if (jnum(m, f[j], &x))
                svg_fmt_value(v[j], sizeof v[j], x, u);
            else
                snprintf(v[j], sizeof v[j], "-");
        }
        const json_t *gr = json_object_get(m, "growth");
        double pct;
        if (jnum(gr, "pct_per_h", &pct) && jnum0(gr, "r2") < GROWTH_MIN_R2) {
            snprintf(g, sizeof g, "no trend (r² %.2f)", jnum0(gr, "r2"));
        } else if (jnum(gr, "pct_per_h", &pct)) {
            char ph[64];
            svg_fmt_value(ph, sizeof ph, jnum0(gr, "per_h"), u);
            snprintf(g, sizeof g, "%+.1f %%/h (%s/h, r² %.2f)", pct, ph, jnum0(gr, "r2"));
        }
        if (tbl_cell(&t, "%s", jstr(m, "name") ? jstr(m, "name") : "?") ||
            tbl_cell(&t, "%s", jstr(m, "source") ? jstr(m, "source") : "") ||
            tbl_cell(&t, "%s", v[0]) || tbl_cell(&t, "%s", v[1]) || tbl_cell(&t, "%s", v[2]) ||
            tbl_cell(&t, "%s", v[3]) || tbl_cell(&t, "%s", g)) {
            tbl_free(&t);
            return -ENOMEM;
        }
    }
    TRY(tbl_emit(c, &t));
    const json_t *s;
    json_array_foreach(json_object_get(w, "sources"), i, s)
    {
        const char *st = jstr(s, "status");
        if (st && strcmp(st, "ok"))
            TRY(para(c, NULL, "Source %s (%s) was %s: %s.", jstr(s, "name") ? jstr(s, "name") : "?",
                     jstr(s, "kind") ? jstr(s, "kind") : "?", st,
                     jstr(s, "reason") ? jstr(s, "reason") : "no reason given"));
    }
    struct svg_mark marks[16];
    char labels[16][64];
    int nm = collect_marks(c, marks, labels, 16);
    json_array_foreach(ms, i, m)
    {
        const json_t *ser = json_object_get(m, "series");
        size_t n = json_array_size(ser), k;
        const char *mn = jstr(m, "name") ? jstr(m, "name") : "metric";
        if (!n)
            continue;
        double *x = calloc(2 * n, sizeof *x);
        if (!x)
            return -ENOMEM;
        double *y = x + n;
        const json_t *p;
        json_array_foreach(ser, k, p)
        {
            x[k] = json_number_value(json_array_get(p, 0));
            const json_t *yv = json_array_get(p, 1);
            y[k] = json_is_number(yv) ? json_number_value(yv) : NAN;
        }
        char title[200], cname[160];
        snprintf(title, sizeof title, "%s over the run (baseline before 0)", mn);
        safe_name(cname, sizeof cname, "watch", mn);
        struct svg_line ln = {mn, x, y, n, 0, 0, 0};
        struct svg_chart ch = {.title = title, .xlabel = "seconds since the run's start",
                               .ylabel = jstr(m, "unit"), .yunit = jstr(m, "unit"), .lines = &ln,
                               .nlines = 1, .marks = marks, .nmarks = nm};
        int rc = chart(c, cname, &ch);
        free(x);
        TRY(rc);
    }
    return 0;
}

static int sec_criteria(struct ctx *c)
{
    const json_t *cr = json_object_get(c->doc, "criteria");
    if (!json_array_size(cr))
        return 0;
    TRY(c->ops->heading(c->ud, 2, "Criteria"));
    static const char *const head[] = {"", "Scenario", "Criterion", "Target", "Acceptable",
                                       "Value", "Tier", "Margin"};
    static const int right[] = {0, 0, 0, 0, 0, 1, 0, 1};
    struct tbl t = {8, head, right, NULL, 0, 0};
    size_t i;
    const json_t *e;
    json_array_foreach(cr, i, e)
    {
        const char *tier = jstr(e, "tier") ? jstr(e, "tier") : "?";
        const char *mark = !strcmp(tier, "target") ? "✔" : !strcmp(tier, "acceptable") ? "~" : "✘";
        const char *u = jstr(e, "unit") ? jstr(e, "unit") : "";
        char val[64] = "-", mar[64] = "-";
        double v;
        if (jnum(e, "value", &v))
            snprintf(val, sizeof val, "%.4g%s%s", v, *u && strcmp(u, "%") ? " " : "", u);
        if (jnum(e, "margin", &v))
            snprintf(mar, sizeof mar, "%.4g%s%s", v, *u && strcmp(u, "%") ? " " : "", u);
        const char *nm = jstr(e, "name") ? jstr(e, "name") : jstr(e, "expr");
        if (tbl_cell(&t, "%s", mark) ||
            tbl_cell(&t, "%s", jstr(e, "scenario") ? jstr(e, "scenario") : "(run)") ||
            tbl_cell(&t, "%s%s", nm ? nm : "?",
                     json_is_true(json_object_get(e, "interrupted")) ? " (interrupted)" : "") ||
            tbl_cell(&t, "%s", jstr(e, "target") ? jstr(e, "target") : "-") ||
            tbl_cell(&t, "%s", jstr(e, "acceptable") ? jstr(e, "acceptable") : "-") ||
            tbl_cell(&t, "%s", val) || tbl_cell(&t, "%s", tier) || tbl_cell(&t, "%s", mar)) {
            tbl_free(&t);
            return -ENOMEM;
        }
    }
    return tbl_emit(c, &t);
}

static int sec_analysis(struct ctx *c)
{
    const json_t *a = json_object_get(c->doc, "analysis"), *v;
    if (!json_is_object(a))
        return 0;
    double x;
    if ((v = json_object_get(a, "readiness"))) {
        TRY(c->ops->heading(c->ud, 2, "Readiness"));
        TRY(generic(c, v));
    }
    if ((v = json_object_get(a, "recovery"))) {
        TRY(c->ops->heading(c->ud, 2, "Recovery"));
        const json_t *e;
        for (size_t i = 0; (e = analysis_item(v, i)); i++) {
            const char *sn = jstr(e, "scenario");
            const json_t *r = json_object_get(e, "recovery_s");
            double tol, hold;
            if (json_is_number(r) && jnum(e, "tolerance_pct", &tol) && jnum(e, "hold_s", &hold))
                TRY(para(c, NULL,
                         "%s%s recovered %.1f s after the peak ended at %.1f s (p95 and error "
                         "rate back within %.0f %% of the baseline for %.0f s).",
                         sn ? "Scenario " : "The service", sn ? sn : "", json_number_value(r),
                         jnum0(e, "peak_end_s"), tol, hold));
            else if (json_is_number(r))
                TRY(para(c, NULL, "%s%s recovered %.1f s after the peak ended at %.1f s.",
                         sn ? "Scenario " : "The service", sn ? sn : "", json_number_value(r),
                         jnum0(e, "peak_end_s")));
            else if (r)
                TRY(para(c, NULL, "%s%s did not recover after the peak ended at %.1f s.",
                         sn ? "Scenario " : "The service", sn ? sn : "", jnum0(e, "peak_end_s")));
        }
        TRY(generic(c, v));
    }
    if ((v = json_object_get(a, "usl"))) {
        TRY(c->ops->heading(c->ud, 2, "Capacity model"));
        const json_t *e;
        for (size_t i = 0; (e = analysis_item(v, i)); i++) {
            const char *sn = jstr(e, "scenario");
            double nstar;
            if (!jnum(e, "peak_vus", &nstar))
                nstar = jnum0(e, "n_star");
            if (jnum(e, "lambda", &x))
                TRY(para(c, NULL,
                         "Universal Scalability Law fit%s%s: X(N) = %.4g N / (1 + %.4g (N-1) + "
                         "%.4g N (N-1)), r² %.3f. Predicted peak %.1f requests/s at N* = %.1f "
                         "VUs.",
                         sn ? " on " : "", sn ? sn : "", x, jnum0(e, "sigma"), jnum0(e, "kappa"),
                         jnum0(e, "r2"), jnum0(e, "peak_rps"), nstar));
            if (jnum(e, "parallelism", &x))
                TRY(para(c, NULL,
                         "Effective parallelism (Little's law at the plateau): %.1f; latency "
                         "starts to grow with concurrency from %.0f VUs.",
                         x, jnum0(e, "knee_vus")));
        }
        TRY(generic(c, v));
    }
    if ((v = json_object_get(a, "memory"))) {
        TRY(c->ops->heading(c->ud, 2, "Memory"));
        if (jstr(v, "verdict"))
            TRY(para(c, NULL, "%s: %s, %+.1f %%/h (r² %.2f).",
                     jstr(v, "metric") ? jstr(v, "metric") : "memory", jstr(v, "verdict"),
                     jnum0(v, "pct_per_h"), jnum0(v, "r2")));
        TRY(generic(c, v));
    }
    if ((v = json_object_get(a, "bottleneck"))) {
        TRY(c->ops->heading(c->ud, 2, "Bottlenecks"));
        TRY(generic(c, v));
    }
    if ((v = json_object_get(a, "projection"))) {
        TRY(c->ops->heading(c->ud, 2, "Resource projection"));
        TRY(generic(c, v));
    }
    return 0;
}

static int sec_events(struct ctx *c)
{
    const json_t *w = json_object_get(c->doc, "watch");
    const json_t *ev = json_object_get(json_object_get(w, "target"), "events");
    const json_t *h = json_object_get(w, "health");
    if (!json_array_size(ev) && !json_is_object(h))
        return 0;
    TRY(c->ops->heading(c->ud, 2, "Restarts and outages"));
    const char *cmd = jstr(json_object_get(w, "target"), "command");
    if (cmd)
        TRY(para(c, NULL, "Target: %s (log: %s).", cmd,
                 jstr(json_object_get(w, "target"), "log") ? jstr(json_object_get(w, "target"), "log")
                                                           : "none"));
    double up;
    if (jnum(h, "uptime_pct", &up))
        TRY(para(c, NULL, "Health %s: %.0f probes, %.0f failed, uptime %.3f %%.",
                 jstr(h, "url") ? jstr(h, "url") : "", jnum0(h, "probes"), jnum0(h, "failed"), up));
    static const char *const head[] = {"Time (s)", "Event", "Detail"};
    static const int right[] = {1, 0, 0};
    struct tbl t = {3, head, right, NULL, 0, 0};
    size_t i;
    const json_t *e;
    int err = 0;
    json_array_foreach(ev, i, e)
    {
        double st;
        char d[64] = "";
        if (jnum(e, "status", &st))
            snprintf(d, sizeof d, "exit status %.0f", st);
        err |= tbl_cell(&t, "%.1f", jnum0(e, "t")) ||
               tbl_cell(&t, "target %s", jstr(e, "kind") ? jstr(e, "kind") : "?") ||
               tbl_cell(&t, "%s", d);
    }
    json_array_foreach(json_object_get(h, "outages"), i, e)
    {
        err |= tbl_cell(&t, "%.1f", jnum0(e, "start_s")) ||
               tbl_cell(&t, "health outage, %.1f s", jnum0(e, "duration_s")) ||
               tbl_cell(&t, "%s", jstr(e, "reason") ? jstr(e, "reason") : "");
    }
    if (err) {
        tbl_free(&t);
        return -ENOMEM;
    }
    return tbl_emit(c, &t);
}

int content_render(const json_t *doc, const struct content_ops *ops, void *ud)
{
    const json_t *sc = json_object_get(doc, "scenarios");
    if (!json_is_array(sc))
        return -EINVAL;
    struct ctx c = {doc, ops, ud};
    TRY(sec_header(&c));
    TRY(sec_verdict(&c));
    TRY(sec_summary(&c));
    TRY(sec_criteria(&c));
    size_t i;
    const json_t *s;
    json_array_foreach(sc, i, s)
        TRY(sec_scenario(&c, s));
    TRY(sec_resources(&c));
    TRY(sec_events(&c));
    TRY(sec_analysis(&c));
    return 0;
}
