/* prom.c — the Prometheus text exposition format 0.0.4 parser, series selectors, series
 * names and histogram quantiles. */
#include "watch/prom.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ parsing state */

struct pp {
    const char *s;
    size_t len;
    size_t ls;      /* where the current line starts */
    int line;       /* 1-based */
    prom_doc *d;
    int last_fam;   /* index of the family the last sample resolved to, or -1 */
    int samples_cap, families_cap;
    char *err;
    int errlen;
    int eline, ecol;
};

static int perr(struct pp *p, size_t at, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->eline = p->line;
    p->ecol = (int)(at - p->ls) + 1;
    if (p->errlen > 0)
        snprintf(p->err, (size_t)p->errlen, "line %d col %d: %s", p->eline, p->ecol, msg);
    return -EINVAL;
}

static char *dupn(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (r) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static size_t skip_blanks(const char *s, size_t i, size_t e)
{
    while (i < e && is_blank(s[i]))
        i++;
    return i;
}

static int name_start(char c, int colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static int name_char(char c, int colon)
{
    return name_start(c, colon) || (c >= '0' && c <= '9');
}

/* A metric name (colon 1) or label name (colon 0) at i: @return its end, or i if none. */
static size_t scan_name(const char *s, size_t i, size_t e, int colon)
{
    if (i >= e || !name_start(s[i], colon))
        return i;
    i++;
    while (i < e && name_char(s[i], colon))
        i++;
    return i;
}

const char *prom_type_name(enum prom_type t)
{
    switch (t) {
    case PROM_COUNTER: return "counter";
    case PROM_GAUGE: return "gauge";
    case PROM_HISTOGRAM: return "histogram";
    case PROM_SUMMARY: return "summary";
    default: return "untyped";
    }
}

/* ------------------------------------------------------------------ families */

static int fam_find(const prom_doc *d, const char *name, size_t n)
{
    for (int i = 0; i < d->nfamilies; i++)
        if (strlen(d->families[i].name) == n && memcmp(d->families[i].name, name, n) == 0)
            return i;
    return -1;
}

/* The family named s[0..n), made when new. @return its index or -ENOMEM. */
static int fam_get(struct pp *p, const char *name, size_t n)
{
    int i = fam_find(p->d, name, n);
    if (i >= 0)
        return i;
    if (p->d->nfamilies == p->families_cap) {
        int cap = p->families_cap ? p->families_cap * 2 : 16;
        struct prom_family *f = realloc(p->d->families, (size_t)cap * sizeof *f);
        if (!f)
            return -ENOMEM;
        p->d->families = f;
        p->families_cap = cap;
    }
    struct prom_family *f = &p->d->families[p->d->nfamilies];
    memset(f, 0, sizeof *f);
    f->name = dupn(name, n);
    if (!f->name)
        return -ENOMEM;
    return p->d->nfamilies++;
}

/* # HELP name text / # TYPE name type, from i (just after the keyword). */
static int parse_meta(struct pp *p, size_t i, size_t e, int is_type)
{
    const char *s = p->s;
    if (i >= e || !is_blank(s[i]))
        return perr(p, i, "metric name expected after # %s", is_type ? "TYPE" : "HELP");
    i = skip_blanks(s, i, e);
    size_t ne = scan_name(s, i, e, 1);
    if (ne == i)
        return perr(p, i, "metric name expected after # %s", is_type ? "TYPE" : "HELP");
    int fi = fam_get(p, s + i, ne - i);
    if (fi < 0)
        return fi;
    struct prom_family *f = &p->d->families[fi];
    if (ne < e && !is_blank(s[ne]))
        return perr(p, ne, "bad character '%c' in metric name", s[ne]);
    if (is_type) {
        size_t t = skip_blanks(s, ne, e);
        size_t te = t;
        while (te < e && !is_blank(s[te]))
            te++;
        static const struct { const char *w; enum prom_type t; } types[] = {
            {"counter", PROM_COUNTER}, {"gauge", PROM_GAUGE}, {"histogram", PROM_HISTOGRAM},
            {"summary", PROM_SUMMARY}, {"untyped", PROM_UNTYPED}};
        int found = -1;
        for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
            if (strlen(types[k].w) == te - t && memcmp(types[k].w, s + t, te - t) == 0)
                found = (int)k;
        if (found < 0)
            return perr(p, t, "unknown metric type '%.*s'", (int)(te - t > 40 ? 40 : te - t),
                        s + t);
        if (skip_blanks(s, te, e) != e)
            return perr(p, skip_blanks(s, te, e), "unexpected text after the type");
        if (f->typed)
            return perr(p, t, "second TYPE line for %s", f->name);
        f->type = types[found].t;
        f->typed = 1;
        return 0;
    }
    /* HELP: one blank, then the docstring to the end of the line; \\ and \n unescaped */
    if (f->help)
        return perr(p, i, "second HELP line for %s", f->name);
    size_t h = ne < e ? ne + 1 : ne;
    char *txt = malloc(e - h + 1);
    if (!txt)
        return -ENOMEM;
    size_t o = 0;
    for (size_t k = h; k < e; k++) {
        if (s[k] == '\\' && k + 1 < e && (s[k + 1] == '\\' || s[k + 1] == 'n')) {
            txt[o++] = s[k + 1] == 'n' ? '\n' : '\\';
            k++;
        } else {
            txt[o++] = s[k];
        }
    }
    txt[o] = '\0';
    f->help = txt;
    return 0;
}

/* ------------------------------------------------------------------ samples */

static void sample_clear(struct prom_sample *x)
{
    for (int i = 0; i < x->nlabels; i++) {
        free(x->labels[i].name);
        free(x->labels[i].value);
    }
    free(x->labels);
    free(x->name);
    memset(x, 0, sizeof *x);
}

/* A quoted label value at i (s[i] == '"'): unescaped into *out. @return the index after
 * the closing quote, or an error. */
static int parse_lvalue(struct pp *p, size_t i, size_t e, char **out, size_t *end)
{
    const char *s = p->s;
    size_t q = i;
    char *v = malloc(e - i + 1);
    if (!v)
        return -ENOMEM;
    size_t o = 0;
    i++;
    for (;;) {
        if (i >= e) {
            free(v);
            return perr(p, q, "unterminated label value");
        }
        char c = s[i];
        if (c == '"')
            break;
        if (c == '\\') {
            if (i + 1 >= e) {
                free(v);
                return perr(p, q, "unterminated label value");
            }
            char n = s[i + 1];
            if (n == '\\' || n == '"')
                v[o++] = n;
            else if (n == 'n')
                v[o++] = '\n';
            else {
                free(v);
                return perr(p, i, "bad escape '\\%c' in label value (\\\\, \\\" and \\n only)",
                            n);
            }
            i += 2;
            continue;
        }
        v[o++] = c;
        i++;
    }
    v[o] = '\0';
    *out = v;
    *end = i + 1;
    return 0;
}

static int parse_labels(struct pp *p, struct prom_sample *x, size_t i, size_t e, size_t *end)
{
    const char *s = p->s;
    int cap = 0;
    i++; /* '{' */
    for (;;) {
        i = skip_blanks(s, i, e);
        if (i < e && s[i] == '}') {
            *end = i + 1;
            return 0;
        }
        size_t ne = scan_name(s, i, e, 0);
        if (ne == i)
            return i >= e ? perr(p, i, "'}' expected") : perr(p, i, "label name expected");
        for (int k = 0; k < x->nlabels; k++)
            if (strlen(x->labels[k].name) == ne - i &&
                memcmp(x->labels[k].name, s + i, ne - i) == 0)
                return perr(p, i, "label '%.*s' given twice", (int)(ne - i), s + i);
        if (x->nlabels == cap) {
            cap = cap ? cap * 2 : 4;
            struct prom_label *l = realloc(x->labels, (size_t)cap * sizeof *l);
            if (!l)
                return -ENOMEM;
            x->labels = l;
        }
        struct prom_label *l = &x->labels[x->nlabels];
        l->value = NULL;
        l->name = dupn(s + i, ne - i);
        if (!l->name)
            return -ENOMEM;
        x->nlabels++;
        i = skip_blanks(s, ne, e);
        if (i >= e || s[i] != '=')
            return perr(p, i, "'=' expected after label name");
        i = skip_blanks(s, i + 1, e);
        if (i >= e || s[i] != '"')
            return perr(p, i, "'\"' expected (label values are quoted)");
        int rc = parse_lvalue(p, i, e, &l->value, &i);
        if (rc)
            return rc;
        i = skip_blanks(s, i, e);
        if (i < e && s[i] == ',') {
            i++;
            continue;
        }
        if (i < e && s[i] == '}') {
            *end = i + 1;
            return 0;
        }
        return perr(p, i, "',' or '}' expected");
    }
}

static int parse_value(struct pp *p, size_t i, size_t e, double *v)
{
    const char *s = p->s;
    size_t n = e - i;
    const char *t = s + i;
    if ((n == 3 && strncasecmp(t, "nan", 3) == 0)) {
        *v = NAN;
        return 0;
    }
    if ((n == 4 && strncasecmp(t, "+inf", 4) == 0) || (n == 3 && strncasecmp(t, "inf", 3) == 0)) {
        *v = INFINITY;
        return 0;
    }
    if (n == 4 && strncasecmp(t, "-inf", 4) == 0) {
        *v = -INFINITY;
        return 0;
    }
    char buf[64];
    if (n == 0)
        return perr(p, i, "value expected");
    if (n >= sizeof buf)
        return perr(p, i, "bad value (too long)");
    int digits = 0;
    for (size_t k = 0; k < n; k++) {
        char c = t[k];
        if (c >= '0' && c <= '9')
            digits = 1;
        else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-')
            return perr(p, i + k, "bad value '%.*s'", (int)n, t);
    }
    memcpy(buf, t, n);
    buf[n] = '\0';
    char *endp;
    errno = 0;
    double d = strtod(buf, &endp);
    if (!digits || endp != buf + n || errno == EINVAL)
        return perr(p, i, "bad value '%s'", buf);
    *v = d; /* overflow gives +-HUGE_VAL = +-Inf, as Go's ParseFloat */
    return 0;
}

static int parse_ts(struct pp *p, size_t i, size_t e, int64_t *ts)
{
    const char *s = p->s;
    size_t k = i;
    if (k < e && (s[k] == '-' || s[k] == '+'))
        k++;
    if (k >= e)
        return perr(p, i, "bad timestamp");
    for (size_t j = k; j < e; j++)
        if (s[j] < '0' || s[j] > '9')
            return perr(p, j, "bad timestamp (milliseconds, an integer)");
    char buf[24];
    if (e - i >= sizeof buf)
        return perr(p, i, "timestamp out of range");
    memcpy(buf, s + i, e - i);
    buf[e - i] = '\0';
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno == ERANGE)
        return perr(p, i, "timestamp out of range");
    *ts = (int64_t)v;
    return 0;
}

/* The family a sample of name s[0..n) belongs to: its own, or the histogram / summary
 * whose _bucket, _sum or _count it is. @return the index, or -1 (untyped, no family). */
static int resolve_family(struct pp *p, const char *name, size_t n)
{
    const prom_doc *d = p->d;
    if (p->last_fam >= 0) {
        const struct prom_family *f = &d->families[p->last_fam];
        size_t fl = strlen(f->name);
        if (fl == n && memcmp(f->name, name, n) == 0)
            return p->last_fam;
    }
    static const struct { const char *suf; int hist_only; } sufs[] = {
        {"_bucket", 1}, {"_sum", 0}, {"_count", 0}};
    for (size_t k = 0; k < sizeof sufs / sizeof sufs[0]; k++) {
        size_t sl = strlen(sufs[k].suf);
        if (n <= sl || memcmp(name + n - sl, sufs[k].suf, sl) != 0)
            continue;
        int fi = -1;
        if (p->last_fam >= 0 && strlen(d->families[p->last_fam].name) == n - sl &&
            memcmp(d->families[p->last_fam].name, name, n - sl) == 0)
            fi = p->last_fam;
        else
            fi = fam_find(d, name, n - sl);
        if (fi >= 0 && (d->families[fi].type == PROM_HISTOGRAM ||
                        (!sufs[k].hist_only && d->families[fi].type == PROM_SUMMARY)))
            return fi;
    }
    return fam_find(d, name, n);
}

static int parse_sample(struct pp *p, size_t i, size_t e)
{
    const char *s = p->s;
    prom_doc *d = p->d;
    size_t ne = scan_name(s, i, e, 1);
    if (ne == i)
        return perr(p, i, "metric name expected");
    if (d->nsamples == p->samples_cap) {
        int cap = p->samples_cap ? p->samples_cap * 2 : 64;
        struct prom_sample *x = realloc(d->samples, (size_t)cap * sizeof *x);
        if (!x)
            return -ENOMEM;
        d->samples = x;
        p->samples_cap = cap;
    }
    struct prom_sample *x = &d->samples[d->nsamples];
    memset(x, 0, sizeof *x);
    int rc;
    x->name = dupn(s + i, ne - i);
    if (!x->name)
        return -ENOMEM;
    i = skip_blanks(s, ne, e);
    if (i < e && s[i] == '{') {
        if ((rc = parse_labels(p, x, i, e, &i)) != 0)
            goto fail;
    } else if (i == ne && i < e) {
        rc = perr(p, i, "bad character '%c' in metric name", s[i]);
        goto fail;
    }
    i = skip_blanks(s, i, e);
    size_t ve = i;
    while (ve < e && !is_blank(s[ve]))
        ve++;
    if ((rc = parse_value(p, i, ve, &x->value)) != 0)
        goto fail;
    i = skip_blanks(s, ve, e);
    if (i < e) {
        size_t te = i;
        while (te < e && !is_blank(s[te]))
            te++;
        if ((rc = parse_ts(p, i, te, &x->ts_ms)) != 0)
            goto fail;
        x->has_ts = 1;
        i = skip_blanks(s, te, e);
        if (i < e) {
            rc = perr(p, i, "unexpected text after the timestamp");
            goto fail;
        }
    }
    int fi = resolve_family(p, x->name, strlen(x->name));
    if (fi >= 0) {
        p->last_fam = fi;
        x->type = d->families[fi].type;
        x->family = d->families[fi].name;
    } else {
        x->type = PROM_UNTYPED;
        x->family = x->name;
    }
    d->nsamples++;
    return 0;
fail:
    sample_clear(x);
    return rc;
}

static int parse_line(struct pp *p, size_t i, size_t e)
{
    const char *s = p->s;
    i = skip_blanks(s, i, e);
    if (i == e)
        return 0;
    if (s[i] != '#')
        return parse_sample(p, i, e);
    i = skip_blanks(s, i + 1, e);
    size_t w = i;
    while (w < e && !is_blank(s[w]))
        w++;
    if (w - i == 4 && memcmp(s + i, "HELP", 4) == 0)
        return parse_meta(p, w, e, 0);
    if (w - i == 4 && memcmp(s + i, "TYPE", 4) == 0)
        return parse_meta(p, w, e, 1);
    return 0; /* a comment */
}

void prom_doc_free(prom_doc *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->nsamples; i++)
        sample_clear(&d->samples[i]);
    free(d->samples);
    for (int i = 0; i < d->nfamilies; i++) {
        free(d->families[i].name);
        free(d->families[i].help);
    }
    free(d->families);
    free(d);
}

int prom_parse(const char *text, size_t len, prom_doc **out, char *err, int errlen, int *line,
               int *col)
{
    if (errlen > 0)
        err[0] = '\0';
    struct pp p = {.s = text, .len = len, .line = 1, .last_fam = -1, .err = err,
                   .errlen = errlen};
    p.d = calloc(1, sizeof *p.d);
    if (!p.d)
        return -ENOMEM;
    size_t pos = 0;
    int rc = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t next = nl ? (size_t)(nl - text) + 1 : len;
        size_t e = nl ? (size_t)(nl - text) : len;
        if (e > pos && text[e - 1] == '\r')
            e--;
        p.ls = pos;
        if ((rc = parse_line(&p, pos, e)) != 0)
            break;
        pos = next;
        p.line++;
    }
    if (rc) {
        if (rc == -ENOMEM && errlen > 0)
            snprintf(err, (size_t)errlen, "out of memory");
        if (line)
            *line = p.eline;
        if (col)
            *col = p.ecol;
        prom_doc_free(p.d);
        return rc;
    }
    /* samples seen before their family's # TYPE line keep the type they had then */
    *out = p.d;
    return 0;
}

/* ------------------------------------------------------------------ selectors */

enum sel_op { SEL_EQ, SEL_NE, SEL_RE, SEL_NRE };

struct sel_matcher {
    char *label;
    char *value;
    enum sel_op op;
    regex_t re; /* SEL_RE / SEL_NRE */
};

struct prom_sel {
    char *name;
    struct sel_matcher *m;
    int nm;
};

void prom_sel_free(prom_sel *sel)
{
    if (!sel)
        return;
    for (int i = 0; i < sel->nm; i++) {
        if (sel->m[i].op == SEL_RE || sel->m[i].op == SEL_NRE)
            regfree(&sel->m[i].re);
        free(sel->m[i].label);
        free(sel->m[i].value);
    }
    free(sel->m);
    free(sel->name);
    free(sel);
}

static int sel_err(char *err, int errlen, int *col, size_t at, const char *msg)
{
    if (col)
        *col = (int)at + 1;
    if (errlen > 0)
        snprintf(err, (size_t)errlen, "col %d: %s", (int)at + 1, msg);
    return -EINVAL;
}

/* What glibc's regcomp would take too long over (it copies the tree for each repetition):
 * a repetition of a repetition ("a++", "a{9}*") and counted repetitions multiplying past
 * 1000 (RE2, Prometheus's engine, refuses both too). @return NULL or the reason. */
static const char *re_too_costly(const char *v)
{
    int prev_rep = 0;
    double product = 1;
    for (size_t i = 0; v[i]; i++) {
        char c = v[i];
        if (c == '\\' && v[i + 1]) {
            i++;
            prev_rep = 0;
            continue;
        }
        if (c == '[') { /* a bracket expression: "]" first is literal, [:class:] inside */
            i++;
            if (v[i] == '^')
                i++;
            if (v[i] == ']')
                i++;
            while (v[i] && v[i] != ']') {
                if (v[i] == '[' && (v[i + 1] == ':' || v[i + 1] == '.' || v[i + 1] == '=')) {
                    char d = v[i + 1];
                    i += 2;
                    while (v[i] && !(v[i] == d && v[i + 1] == ']'))
                        i++;
                    if (v[i])
                        i++;
                }
                if (v[i])
                    i++;
            }
            if (!v[i])
                return NULL; /* unbalanced: regcomp says so */
            prev_rep = 0;
            continue;
        }
        if (c == '*' || c == '+' || c == '?' || c == '{') {
            if (prev_rep)
                return "a repetition of a repetition";
            prev_rep = 1;
            if (c == '{') {
                double hi = 0;
                long n = 0;
                size_t j = i + 1;
                for (; v[j] && v[j] != '}'; j++) {
                    if (v[j] >= '0' && v[j] <= '9') {
                        n = n * 10 + (v[j] - '0');
                        if (n > 100000)
                            n = 100000;
                    } else {
                        hi = hi > (double)n ? hi : (double)n;
                        n = 0;
                    }
                }
                hi = hi > (double)n ? hi : (double)n;
                product *= hi > 1 ? hi : 1;
                if (product > 1000)
                    return "repetition counts over 1000";
                if (!v[j])
                    return NULL;
                i = j;
            }
            continue;
        }
        prev_rep = 0;
    }
    return NULL;
}

int prom_sel_parse(const char *s, prom_sel **out, char *err, int errlen, int *col)
{
    size_t e = strlen(s), i = skip_blanks(s, 0, e);
    int rc = -ENOMEM;
    prom_sel *sel = calloc(1, sizeof *sel);
    if (!sel)
        return -ENOMEM;
    size_t ne = scan_name(s, i, e, 1);
    if (ne == i) {
        rc = sel_err(err, errlen, col, i, "metric name expected");
        goto fail;
    }
    if (!(sel->name = dupn(s + i, ne - i)))
        goto fail;
    i = skip_blanks(s, ne, e);
    if (i < e && s[i] == '{') {
        int cap = 0;
        i++;
        for (;;) {
            i = skip_blanks(s, i, e);
            if (i < e && s[i] == '}')
                break;
            size_t le = scan_name(s, i, e, 0);
            if (le == i) {
                rc = sel_err(err, errlen, col, i, "label name expected");
                goto fail;
            }
            if (sel->nm == cap) {
                cap = cap ? cap * 2 : 4;
                struct sel_matcher *m = realloc(sel->m, (size_t)cap * sizeof *m);
                if (!m)
                    goto fail;
                sel->m = m;
            }
            struct sel_matcher *m = &sel->m[sel->nm];
            memset(m, 0, sizeof *m);
            m->op = SEL_EQ; /* nothing to regfree until compiled */
            if (!(m->label = dupn(s + i, le - i)))
                goto fail;
            sel->nm++;
            i = skip_blanks(s, le, e);
            enum sel_op op;
            if (i + 1 < e && s[i] == '=' && s[i + 1] == '~')
                op = SEL_RE, i += 2;
            else if (i + 1 < e && s[i] == '!' && s[i + 1] == '=')
                op = SEL_NE, i += 2;
            else if (i + 1 < e && s[i] == '!' && s[i + 1] == '~')
                op = SEL_NRE, i += 2;
            else if (i < e && s[i] == '=')
                op = SEL_EQ, i += 1;
            else {
                rc = sel_err(err, errlen, col, i, "'=', '!=', '=~' or '!~' expected");
                goto fail;
            }
            i = skip_blanks(s, i, e);
            if (i >= e || s[i] != '"') {
                rc = sel_err(err, errlen, col, i, "'\"' expected (values are quoted)");
                goto fail;
            }
            /* the value: \\ \" \n escapes, as in the exposition */
            size_t q = i++;
            char *v = malloc(e - i + 1);
            if (!v)
                goto fail;
            size_t o = 0;
            while (i < e && s[i] != '"') {
                if (s[i] == '\\' && i + 1 < e) {
                    v[o++] = s[i + 1] == 'n' ? '\n' : s[i + 1];
                    i += 2;
                } else {
                    v[o++] = s[i++];
                }
            }
            v[o] = '\0';
            m->value = v;
            if (i >= e) {
                rc = sel_err(err, errlen, col, q, "unterminated value");
                goto fail;
            }
            i++;
            if (op == SEL_RE || op == SEL_NRE) {
                const char *why = re_too_costly(v);
                if (why) {
                    char msg[96];
                    snprintf(msg, sizeof msg, "regex refused: %s", why);
                    rc = sel_err(err, errlen, col, q, msg);
                    goto fail;
                }
                size_t n = strlen(v) + 5;
                char *anch = malloc(n);
                if (!anch)
                    goto fail;
                snprintf(anch, n, "^(%s)$", v);
                int r = regcomp(&m->re, anch, REG_EXTENDED | REG_NOSUB);
                free(anch);
                if (r != 0) {
                    char rb[96], msg[128];
                    regerror(r, &m->re, rb, sizeof rb);
                    snprintf(msg, sizeof msg, "bad regex: %s", rb);
                    rc = sel_err(err, errlen, col, q, msg);
                    goto fail;
                }
            }
            m->op = op;
            i = skip_blanks(s, i, e);
            if (i < e && s[i] == ',') {
                i++;
                continue;
            }
            if (i < e && s[i] == '}')
                break;
            rc = sel_err(err, errlen, col, i, "',' or '}' expected");
            goto fail;
        }
        i++;
    }
    i = skip_blanks(s, i, e);
    if (i < e) {
        rc = sel_err(err, errlen, col, i, "unexpected text after the selector");
        goto fail;
    }
    *out = sel;
    return 0;
fail:
    if (rc == -ENOMEM && errlen > 0)
        snprintf(err, (size_t)errlen, "out of memory");
    prom_sel_free(sel);
    return rc;
}

int prom_sel_match(const prom_sel *sel, const char *name, const struct prom_label *labels,
                   int nlabels)
{
    if (strcmp(sel->name, name) != 0)
        return 0;
    for (int i = 0; i < sel->nm; i++) {
        const struct sel_matcher *m = &sel->m[i];
        const char *v = ""; /* an absent label matches as empty, as in PromQL */
        for (int k = 0; k < nlabels; k++)
            if (strcmp(labels[k].name, m->label) == 0)
                v = labels[k].value;
        int ok;
        switch (m->op) {
        case SEL_EQ: ok = strcmp(v, m->value) == 0; break;
        case SEL_NE: ok = strcmp(v, m->value) != 0; break;
        case SEL_RE: ok = regexec(&m->re, v, 0, NULL, 0) == 0; break;
        default: ok = regexec(&m->re, v, 0, NULL, 0) != 0; break;
        }
        if (!ok)
            return 0;
    }
    return 1;
}

const char *prom_sel_name(const prom_sel *sel)
{
    return sel->name;
}

/* ------------------------------------------------------------------ names, quantiles */

struct outbuf {
    char *b;
    size_t n, len;
};

static void put(struct outbuf *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, o->len++)
        if (o->len + 1 < o->n)
            o->b[o->len] = s[i];
}

int prom_series_name(char *buf, size_t n, const char *name, const struct prom_label *labels,
                     int nlabels, const char *skip)
{
    struct outbuf o = {buf, n, 0};
    put(&o, name, strlen(name));
    const char *prev = NULL;
    int first = 1;
    for (;;) { /* labels in name order: each round takes the least name above prev */
        const struct prom_label *best = NULL;
        for (int i = 0; i < nlabels; i++) {
            const char *ln = labels[i].name;
            if ((skip && strcmp(ln, skip) == 0) || (prev && strcmp(ln, prev) <= 0))
                continue;
            if (!best || strcmp(ln, best->name) < 0)
                best = &labels[i];
        }
        if (!best)
            break;
        put(&o, first ? "{" : ",", 1);
        first = 0;
        put(&o, best->name, strlen(best->name));
        put(&o, "=\"", 2);
        for (const char *v = best->value; *v; v++) {
            if (*v == '\\' || *v == '"')
                put(&o, "\\", 1), put(&o, v, 1);
            else if (*v == '\n')
                put(&o, "\\n", 2);
            else
                put(&o, v, 1);
        }
        put(&o, "\"", 1);
        prev = best->name;
    }
    if (!first)
        put(&o, "}", 1);
    if (n)
        buf[o.len < n ? o.len : n - 1] = '\0';
    return (int)o.len;
}

double prom_histogram_quantile(double q, const double *le, const double *cum, int n)
{
    if (n < 2 || !isinf(le[n - 1]) || le[n - 1] < 0 || isnan(q))
        return NAN;
    if (q < 0)
        return -INFINITY;
    if (q > 1)
        return INFINITY;
    double total = cum[n - 1];
    if (!(total > 0))
        return NAN;
    double rank = q * total;
    int b = 0;
    double prevc = 0, maxc = 0;
    for (b = 0; b < n; b++) { /* counts forced monotonic, as PromQL does */
        double c = cum[b] > maxc ? cum[b] : maxc;
        maxc = c;
        if (c >= rank)
            break;
        prevc = c;
    }
    if (b >= n - 1)
        return le[n - 2];
    if (b == 0 && le[0] <= 0)
        return le[0];
    double start = b > 0 ? le[b - 1] : 0, end = le[b];
    double count = maxc - (b > 0 ? prevc : 0);
    if (!(count > 0))
        return start;
    return start + (end - start) * ((rank - (b > 0 ? prevc : 0)) / count);
}

static int ends_with(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && memcmp(s + n - k, suf, k) == 0;
}

const char *prom_unit_of(const char *name)
{
    size_t n = strcspn(name, "{");
    if (ends_with(name, n, ":rate"))
        return "/s";
    size_t c = strcspn(name, ":"); /* name:p95 keeps the unit of name */
    if (c < n)
        n = c;
    if (ends_with(name, n, "_bytes"))
        return "bytes";
    if (ends_with(name, n, "_percent") || ends_with(name, n, "_pct"))
        return "%";
    return "";
}
