/* expr.c — the criteria language: lexing, unit checking, tiers, and the quantities read
 * from a results document or one series.ndjson line. */
#include "judge/expr.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/perr.h"
#include "util/suggest.h"

/* Dimensions a quantity (and a unit) can have. */
enum dim {
    D_COUNT,  /* a number of things: bare numbers only */
    D_TIME,   /* canonical seconds */
    D_RATIO,  /* canonical fraction 0..1, written in % */
    D_GROWTH, /* canonical fraction per hour, written in %/h */
    D_BYTES,  /* canonical bytes */
    D_RATE,   /* canonical per second */
    D_PCT,    /* a watched percentage 0..100: bare or %, as written */
    D_ANY,    /* a watched figure of unknown unit: bare only */
};

static const char *const DIM_NAME[] = {
    [D_COUNT] = "a count (a bare number)",
    [D_TIME] = "a time (ms, s, m, h)",
    [D_RATIO] = "a rate (in %, e.g. 1%)",
    [D_GROWTH] = "a growth (in %/h, e.g. 5%/h)",
    [D_BYTES] = "a size (B, KB, MB, GB, KiB, MiB, GiB)",
    [D_RATE] = "a rate per time (bare, /s, /min, /h)",
    [D_PCT] = "a percentage (bare or %)",
    [D_ANY] = "a figure of unknown unit (a bare number)",
};

static const char *const DIM_UNIT[] = {
    [D_COUNT] = "", [D_TIME] = "s", [D_RATIO] = "%",  [D_GROWTH] = "%/h",
    [D_BYTES] = "B", [D_RATE] = "/s", [D_PCT] = "%", [D_ANY] = "",
};

/* canonical = written * mul / div */
struct unit {
    const char *name;
    enum dim dim;
    double mul, div;
};

static const struct unit UNITS[] = {
    {"ms", D_TIME, 1, 1000},      {"s", D_TIME, 1, 1},         {"m", D_TIME, 60, 1},
    {"h", D_TIME, 3600, 1},       {"%/h", D_GROWTH, 1, 100},   {"%", D_RATIO, 1, 100},
    {"B", D_BYTES, 1, 1},         {"KB", D_BYTES, 1e3, 1},     {"MB", D_BYTES, 1e6, 1},
    {"GB", D_BYTES, 1e9, 1},      {"KiB", D_BYTES, 1024, 1},   {"MiB", D_BYTES, 1048576, 1},
    {"GiB", D_BYTES, 1073741824, 1}, {"/s", D_RATE, 1, 1},     {"/min", D_RATE, 1, 60},
    {"/h", D_RATE, 1, 3600},
};
#define NUNITS (sizeof UNITS / sizeof UNITS[0])

enum qkind {
    Q_ERROR_RATE, Q_SUCCESS_RATE, Q_UPTIME, Q_RECOVERY, Q_MEMORY_GROWTH, Q_DROPPED, Q_RPS,
    Q_REQUESTS, Q_FAILED, Q_ITERATIONS, Q_ITER_FAILED, /* names, in NAMES order */
    Q_LAT, Q_WATCH, Q_STATUS, Q_ERRORS,
};

static const struct {
    const char *name;
    enum dim dim;
} NAMES[] = {
    {"error_rate", D_RATIO}, {"success_rate", D_RATIO},  {"uptime", D_RATIO},
    {"recovery", D_TIME},    {"memory_growth", D_GROWTH}, {"dropped", D_COUNT},
    {"rps", D_RATE},         {"requests", D_COUNT},       {"failed", D_COUNT},
    {"iterations", D_COUNT}, {"iterations_failed", D_COUNT},
};
#define NNAMES (int)(sizeof NAMES / sizeof NAMES[0])

/* Functions: latency figures (fields of latency_ms), watch figures, counters. */
static const char *const FUNCS[] = {"p50", "p90", "p95",   "p99",  "p999",     "avg",    "min",
                                    "max", "stdev", "last", "status", "errors", "baseline", NULL};
static const char *const LAT_FUNCS[] = {"p50", "p90", "p95", "p99", "p999",
                                        "avg", "min", "max", "stdev", NULL};
static const char *const WATCH_FUNCS[] = {"p50", "p90", "p95", "p99", "p999", "avg",
                                          "min", "max", "last", "baseline", NULL};
static const char *const ERR_CLASSES[] = {
    "dns", "connect_refused", "connect_timeout", "connect_error", "timeout",
    "reset", "closed_early", "tls", "parse", "io", "fd_limit", "no_ports", "expect", "extract",
    "poll_timeout", "template", "ws_handshake", "ws_protocol", "ws_closed", NULL};

enum op { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE, OP_IN };

struct bound {
    enum op op;
    double a, b; /* canonical; b only for OP_IN */
};

struct expr {
    enum qkind k;
    char fn[32];          /* Q_LAT / Q_WATCH: the function */
    char *arg;            /* Q_LAT: part name; Q_WATCH: metric (after "watch."); Q_ERRORS */
    int code;             /* Q_STATUS */
    enum dim dim;
    double wscale;        /* Q_WATCH: the metric's value times this is canonical */
    const char *unit;     /* display unit */
    double umul, udiv;    /* display = canonical * udiv / umul */
    char *qtext, *ttext, *atext;
    struct bound t, acc;
    int has_acc;
};

/* ---- helpers ---- */


static int in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(s, list[i]))
            return 1;
    return 0;
}

static void join(char *buf, size_t len, const char *const *list)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; list[i] && off < len; i++) {
        int n = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", list[i]);
        if (n < 0)
            break;
        off += (size_t)n;
    }
}

static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t ls = strlen(s), lf = strlen(suf);
    return ls >= lf && !strcmp(s + ls - lf, suf);
}

/* A watched metric's dimension and scale, from the naming rules of docs/model.md. */
static enum dim watch_dim(const char *m, double *scale)
{
    char base[256];
    snprintf(base, sizeof base, "%s", m);
    char *brace = strchr(base, '{'); /* labels do not name the unit */
    if (brace)
        *brace = '\0';
    *scale = 1;
    if (has_suffix(base, ":rate"))
        return D_RATE;
    if (has_suffix(base, "_bytes"))
        return D_BYTES;
    if (has_suffix(base, "_ms")) {
        *scale = 1e-3;
        return D_TIME;
    }
    if (has_suffix(base, "_seconds") || has_suffix(base, "_s"))
        return D_TIME;
    if (has_suffix(base, "_pct") || has_suffix(base, "_percent"))
        return D_PCT;
    return D_ANY;
}

/* ---- parsing ---- */

struct lex {
    struct perr e;
    const char *p;
};

/* A number: digits with an optional fraction ("75", "0.5", ".5"); a '.' followed by
 * another '.' ends it (ranges: 75..90). */
static int lex_number(struct lex *x, double *out)
{
    const char *s = x->p, *p = s;
    char buf[64];
    size_t n = 0;
    int digits = 0;
    if (*p == '-' || *p == '+')
        buf[n++] = *p++;
    while (isdigit((unsigned char)*p) && n < sizeof buf - 2)
        buf[n++] = *p++, digits++;
    if (*p == '.' && isdigit((unsigned char)p[1])) {
        buf[n++] = *p++;
        while (isdigit((unsigned char)*p) && n < sizeof buf - 2)
            buf[n++] = *p++, digits++;
    }
    if (!digits) {
        char sh[16];
        return perr_at(&x->e, s, "expected a number, got %s", perr_show(*s, sh));
    }
    if (isdigit((unsigned char)*p))
        return perr_at(&x->e, s, "number too long");
    buf[n] = '\0';
    *out = strtod(buf, NULL);
    x->p = p;
    return 0;
}

/* An optional unit right after a number (blanks allowed between). *u NULL when none. */
static int lex_unit(struct lex *x, const struct unit **u)
{
    const char *p = skip_blanks(x->p), *s = p;
    char tok[8];
    size_t n = 0;
    *u = NULL;
    if (*p == '%') {
        p++;
        if (p[0] == '/' && p[1] == 'h' && !isalnum((unsigned char)p[2]))
            p += 2;
    } else if (*p == '/' || isalpha((unsigned char)*p)) {
        p += *p == '/';
        while (isalpha((unsigned char)*p))
            p++;
    } else {
        return 0;
    }
    n = (size_t)(p - s);
    if (n >= sizeof tok)
        return perr_at(&x->e, s, "unknown unit '%.*s' (units: ms s m h %% %%/h B KB MB GB "
                                 "KiB MiB GiB /s /min /h)", (int)(n > 20 ? 20 : n), s);
    memcpy(tok, s, n);
    tok[n] = '\0';
    for (size_t i = 0; i < NUNITS; i++)
        if (!strcmp(tok, UNITS[i].name)) {
            *u = &UNITS[i];
            x->p = p;
            return 0;
        }
    return perr_at(&x->e, s, "unknown unit '%s' (units: ms s m h %% %%/h B KB MB GB KiB MiB "
                             "GiB /s /min /h)", tok);
}

/* A unit (or none) checked against the quantity's dimension. */
static int check_unit(struct lex *x, struct expr *e, const struct unit *u, const char *at,
                      double v, double *canon)
{
    enum dim d = e->dim;
    if (!u) {
        if (d == D_TIME || d == D_RATIO || d == D_GROWTH)
            return perr_at(&x->e, at, "%s is %s: '%g' needs a unit", e->qtext, DIM_NAME[d], v);
        *canon = v; /* counts, bytes, per second, watched figures */
        return 0;
    }
    int ok = u->dim == d || (d == D_PCT && u->dim == D_RATIO);
    if (!ok)
        return perr_at(&x->e, at, "%s is %s, not a %s figure ('%s')", e->qtext, DIM_NAME[d],
                       u->dim == D_TIME ? "time" : u->dim == D_RATIO ? "percent"
                       : u->dim == D_GROWTH ? "growth" : u->dim == D_BYTES ? "size" : "rate",
                       u->name);
    if (d == D_PCT)
        *canon = v; /* a watched percentage stays 0..100 */
    else
        *canon = v * u->mul / u->div;
    return 0;
}

/* VALUE: NUMBER UNIT? */
static int lex_value(struct lex *x, const struct unit **unit, double *raw, const char **at)
{
    *at = x->p;
    if (lex_number(x, raw) || lex_unit(x, unit))
        return -EINVAL;
    return 0;
}

static int parse_bound(struct lex *x, struct expr *e, struct bound *b, int first)
{
    const char *p = skip_blanks(x->p);
    char sh[16];
    if (p[0] == '<' && p[1] == '=')
        b->op = OP_LE, p += 2;
    else if (p[0] == '>' && p[1] == '=')
        b->op = OP_GE, p += 2;
    else if (p[0] == '=' && p[1] == '=')
        b->op = OP_EQ, p += 2;
    else if (p[0] == '!' && p[1] == '=')
        b->op = OP_NE, p += 2;
    else if (p[0] == '<')
        b->op = OP_LT, p += 1;
    else if (p[0] == '>')
        b->op = OP_GT, p += 1;
    else if (p[0] == 'i' && p[1] == 'n' && !isalnum((unsigned char)p[2]) && p[2] != '_')
        b->op = OP_IN, p += 2;
    else if (p[0] == '=')
        return perr_at(&x->e, p, "'=' is not an operator: write '=='");
    else
        return perr_at(&x->e, p, "expected an operator (< <= > >= == != in), got %s",
                       perr_show(*p, sh));
    x->p = skip_blanks(p);
    const struct unit *u1 = NULL, *u2 = NULL;
    double r1, r2 = 0;
    const char *at1, *at2 = NULL;
    if (lex_value(x, &u1, &r1, &at1))
        return -EINVAL;
    if (b->op == OP_IN) {
        p = skip_blanks(x->p);
        if (p[0] != '.' || p[1] != '.')
            return perr_at(&x->e, p, "expected '..' in a range (in 75s..90s), got %s",
                           perr_show(*p, sh));
        x->p = skip_blanks(p + 2);
        if (lex_value(x, &u2, &r2, &at2))
            return -EINVAL;
        if (!u1)
            u1 = u2; /* a bare end takes the other end's unit */
        if (!u2)
            u2 = u1;
    }
    if (check_unit(x, e, u1, at1, r1, &b->a))
        return -EINVAL;
    if (b->op == OP_IN) {
        if (check_unit(x, e, u2, at2, r2, &b->b))
            return -EINVAL;
        if (b->a > b->b)
            return perr_at(&x->e, at1, "empty range: %g is above %g", r1, r2);
    }
    if (first && u1 && e->dim != D_PCT) {
        e->unit = u1->name;
        e->umul = u1->mul;
        e->udiv = u1->div;
    }
    p = skip_blanks(x->p);
    if (*p)
        return perr_at(&x->e, p, "unexpected %s after the value", perr_show(*p, sh));
    x->p = p;
    return 0;
}

static int parse_quantity(struct lex *x, struct expr *e)
{
    const char *p = skip_blanks(x->p), *s = p;
    char sh[16], id[32], list[512];
    size_t n = 0;
    if (!isalpha((unsigned char)*p) && *p != '_')
        return perr_at(&x->e, p, "expected a quantity (error_rate, p95(NAME), ...), got %s",
                       perr_show(*p, sh));
    while ((isalnum((unsigned char)*p) || *p == '_') && n < sizeof id - 1)
        id[n++] = *p++;
    id[n] = '\0';
    if (isalnum((unsigned char)*p) || *p == '_')
        return perr_at(&x->e, s, "name too long");
    const char *q = skip_blanks(p);
    if (*q != '(') {
        for (int i = 0; i < NNAMES; i++)
            if (!strcmp(id, NAMES[i].name)) {
                e->k = (enum qkind)i;
                e->dim = NAMES[i].dim;
                e->qtext = strdup(id);
                x->p = p;
                return e->qtext ? 0 : -ENOMEM;
            }
        const char *names[NNAMES + 1];
        for (int i = 0; i < NNAMES; i++)
            names[i] = NAMES[i].name;
        names[NNAMES] = NULL;
        const char *sg = suggest_closest(id, names, NNAMES);
        if (!sg && in_list(id, FUNCS))
            return perr_at(&x->e, s, "%s needs an argument: %s(NAME)", id, id);
        join(list, sizeof list, names);
        if (sg)
            return perr_at(&x->e, s, "unknown quantity '%s' (did you mean '%s'?)", id, sg);
        return perr_at(&x->e, s, "unknown quantity '%s'; known: %s, or FUNC(NAME)", id, list);
    }
    if (!in_list(id, FUNCS)) {
        const char *sg = suggest_closest(id, FUNCS, -1);
        join(list, sizeof list, FUNCS);
        if (sg)
            return perr_at(&x->e, s, "unknown function '%s' (did you mean '%s'?)", id, sg);
        return perr_at(&x->e, s, "unknown function '%s'; known: %s", id, list);
    }
    const char *a = skip_blanks(q + 1), *close = strchr(a, ')');
    if (!close)
        return perr_at(&x->e, q, "'(' is never closed");
    const char *ae = close;
    while (ae > a && (ae[-1] == ' ' || ae[-1] == '\t'))
        ae--;
    if (ae == a)
        return perr_at(&x->e, close, "%s() needs an argument", id);
    size_t al = (size_t)(ae - a);
    if (al > 200)
        return perr_at(&x->e, a, "argument too long");
    char arg[256];
    memcpy(arg, a, al);
    arg[al] = '\0';
    snprintf(e->fn, sizeof e->fn, "%s", id);
    if (!strcmp(id, "status")) {
        char *end;
        long c = strtol(arg, &end, 10);
        if (*end || c < 100 || c > 599 || !isdigit((unsigned char)arg[0]))
            return perr_at(&x->e, a, "status() takes an HTTP status code (100 to 599), not '%s'",
                           arg);
        e->k = Q_STATUS, e->code = (int)c, e->dim = D_COUNT;
    } else if (!strcmp(id, "errors")) {
        if (!in_list(arg, ERR_CLASSES)) {
            const char *sg = suggest_closest(arg, ERR_CLASSES, -1);
            join(list, sizeof list, ERR_CLASSES);
            if (sg)
                return perr_at(&x->e, a, "unknown error class '%s' (did you mean '%s'?)", arg,
                               sg);
            return perr_at(&x->e, a, "unknown error class '%s'; classes: %s", arg, list);
        }
        e->k = Q_ERRORS, e->dim = D_COUNT;
    } else if (!strncmp(arg, "watch.", 6)) {
        if (!in_list(id, WATCH_FUNCS)) {
            join(list, sizeof list, WATCH_FUNCS);
            return perr_at(&x->e, s, "%s() does not apply to a watched metric; use %s", id,
                           list);
        }
        if (!arg[6])
            return perr_at(&x->e, a, "watch. needs a metric name (watch.process.rss_bytes)");
        e->k = Q_WATCH;
        e->dim = watch_dim(arg + 6, &e->wscale);
    } else {
        if (!in_list(id, LAT_FUNCS)) {
            join(list, sizeof list, LAT_FUNCS);
            return perr_at(&x->e, s, "%s() takes a watched metric (watch.NAME); latency "
                                     "figures are %s", id, list);
        }
        e->k = Q_LAT, e->dim = D_TIME;
    }
    size_t tl = strlen(id) + al + 3;
    e->arg = strdup(e->k == Q_WATCH ? arg + 6 : arg);
    e->qtext = malloc(tl);
    if (!e->arg || !e->qtext)
        return -ENOMEM;
    memcpy(e->qtext, id, strlen(id));
    e->qtext[strlen(id)] = '(';
    memcpy(e->qtext + strlen(id) + 1, arg, al);
    memcpy(e->qtext + strlen(id) + 1 + al, ")", 2);
    x->p = close + 1;
    return 0;
}

static char *trimmed_dup(const char *s)
{
    s = skip_blanks(s);
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static struct expr *expr_new(void)
{
    struct expr *e = calloc(1, sizeof *e);
    if (e)
        e->umul = e->udiv = 1;
    return e;
}

static void set_default_unit(struct expr *e)
{
    e->unit = DIM_UNIT[e->dim];
    e->umul = 1, e->udiv = 1;
    if (e->dim == D_RATIO || e->dim == D_GROWTH)
        e->udiv = 100;
}

static int finish(struct expr *e, int rc, struct lex *x, expr **out, int *err_col)
{
    if (rc == 0) {
        *out = e;
        return 0;
    }
    if (err_col)
        *err_col = rc == -EINVAL ? x->e.col : 0;
    if (rc == -ENOMEM && x->e.err && x->e.errlen > 0)
        snprintf(x->e.err, (size_t)x->e.errlen, "out of memory");
    expr_free(e);
    return rc;
}

int expr_compile(const char *src, expr **out, char *err, int errlen, int *err_col)
{
    struct expr *e = expr_new();
    struct lex x = {.e = {.src = src, .err = err, .errlen = errlen}, .p = src};
    if (!e)
        return finish(e, -ENOMEM, &x, out, err_col);
    int rc = parse_quantity(&x, e);
    if (rc == 0) {
        set_default_unit(e);
        const char *t = x.p;
        rc = parse_bound(&x, e, &e->t, 1);
        if (rc == 0 && !(e->ttext = trimmed_dup(t)))
            rc = -ENOMEM;
    }
    return finish(e, rc, &x, out, err_col);
}

int expr_compile_tiers(const char *quantity, const char *target, const char *acceptable,
                       expr **out, char *err, int errlen, int *which, int *err_col)
{
    if (!target) {
        if (err && errlen > 0)
            snprintf(err, (size_t)errlen, "a tiered criterion needs a target bound");
        if (which)
            *which = 1;
        if (err_col)
            *err_col = 1;
        return -EINVAL;
    }
    struct expr *e = expr_new();
    struct lex x = {.e = {.src = quantity, .err = err, .errlen = errlen}, .p = quantity};
    int w = 0;
    if (!e)
        return finish(e, -ENOMEM, &x, out, err_col);
    int rc = parse_quantity(&x, e);
    if (rc == 0) {
        const char *p = skip_blanks(x.p);
        char sh[16];
        if (*p)
            rc = perr_at(&x.e, p, "unexpected %s after the quantity (its bounds go in "
                                  "target: and acceptable:)", perr_show(*p, sh));
    }
    if (rc == 0) {
        set_default_unit(e);
        w = 1;
        x = (struct lex){.e = {.src = target, .err = err, .errlen = errlen}, .p = target};
        rc = parse_bound(&x, e, &e->t, 1);
        if (rc == 0 && !(e->ttext = trimmed_dup(target)))
            rc = -ENOMEM;
    }
    if (rc == 0 && acceptable) {
        w = 2;
        x = (struct lex){.e = {.src = acceptable, .err = err, .errlen = errlen}, .p = acceptable};
        rc = parse_bound(&x, e, &e->acc, 0);
        e->has_acc = 1;
        if (rc == 0 && !(e->atext = trimmed_dup(acceptable)))
            rc = -ENOMEM;
    }
    if (rc && which)
        *which = w;
    return finish(e, rc, &x, out, err_col);
}

void expr_free(expr *e)
{
    if (!e)
        return;
    free(e->arg);
    free(e->qtext);
    free(e->ttext);
    free(e->atext);
    free(e);
}

/* ---- tiers ---- */

static int meets(const struct bound *b, double v)
{
    if (isnan(v))
        return 0;
    switch (b->op) {
    case OP_LT: return v < b->a;
    case OP_LE: return v <= b->a;
    case OP_GT: return v > b->a;
    case OP_GE: return v >= b->a;
    case OP_EQ: return v == b->a;
    case OP_NE: return v != b->a;
    case OP_IN: return v >= b->a && v <= b->b;
    }
    return 0;
}

static double miss(const struct bound *b, double v)
{
    switch (b->op) {
    case OP_LT:
    case OP_LE: return v - b->a;
    case OP_GT:
    case OP_GE: return b->a - v;
    case OP_EQ: return fabs(v - b->a);
    case OP_NE: return 0;
    case OP_IN: return v < b->a ? b->a - v : v - b->b;
    }
    return 0;
}

enum expr_tier expr_judge(const expr *e, double value, double *margin)
{
    if (meets(&e->t, value))
        return EXPR_TARGET;
    if (e->has_acc && meets(&e->acc, value))
        return EXPR_ACCEPTABLE;
    if (margin) {
        double m = miss(e->has_acc ? &e->acc : &e->t, value);
        *margin = isnan(m) ? NAN : expr_display(e, m < 0 ? 0 : m);
    }
    return EXPR_FAILURE;
}

int expr_meets(const expr *e, double value, int acceptable)
{
    return meets(acceptable && e->has_acc ? &e->acc : &e->t, value);
}

const char *expr_unit(const expr *e) { return e->unit; }
double expr_display(const expr *e, double v) { return v * e->udiv / e->umul; }
const char *expr_quantity(const expr *e) { return e->qtext; }
const char *expr_target(const expr *e) { return e->ttext; }
const char *expr_acceptable(const expr *e) { return e->has_acc ? e->atext : NULL; }

const char *expr_tier_name(enum expr_tier t)
{
    return t == EXPR_TARGET ? "target" : t == EXPR_ACCEPTABLE ? "acceptable" : "failure";
}

/* ---- values from the results document ---- */

static double num(const json_t *o, const char *key, int *found)
{
    const json_t *v = json_object_get(o, key);
    if (found)
        *found = json_is_number(v);
    return json_is_number(v) ? json_number_value(v) : 0;
}

static const json_t *scenario_obj(const json_t *doc, const char *name)
{
    const json_t *a = json_object_get(doc, "scenarios"), *s;
    size_t i;
    json_array_foreach(a, i, s) {
        const char *n = json_string_value(json_object_get(s, "name"));
        if (n && !strcmp(n, name))
            return s;
    }
    return NULL;
}

/* Names of every scenario, step and transaction (for "did you mean"). */
static int part_names(const json_t *doc, const char *only, const char **names, int max)
{
    int n = 0;
    const json_t *a = json_object_get(doc, "scenarios"), *s;
    size_t i;
    names[n++] = "latency";
    names[n++] = "iteration";
    json_array_foreach(a, i, s) {
        const char *sn = json_string_value(json_object_get(s, "name"));
        if (only && (!sn || strcmp(sn, only)))
            continue;
        if (sn && n < max)
            names[n++] = sn;
        const char *lists[] = {"steps", "transactions"};
        for (int l = 0; l < 2; l++) {
            const json_t *arr = json_object_get(s, lists[l]), *p;
            size_t j;
            json_array_foreach(arr, j, p) {
                const char *pn = json_string_value(json_object_get(p, "name"));
                if (pn && n < max)
                    names[n++] = pn;
            }
        }
    }
    names[n] = NULL;
    return n;
}

/* The latency_ms object of the part named arg in scenario s, or NULL. */
static const json_t *part_latency(const json_t *s, const char *arg)
{
    if (!strcmp(arg, "latency"))
        return json_object_get(s, "latency_ms");
    if (!strcmp(arg, "iteration"))
        return json_object_get(s, "iteration_ms");
    const char *lists[] = {"transactions", "steps"};
    for (int l = 0; l < 2; l++) {
        const json_t *arr = json_object_get(s, lists[l]), *p;
        size_t j;
        json_array_foreach(arr, j, p) {
            const char *pn = json_string_value(json_object_get(p, "name"));
            if (pn && !strcmp(pn, arg))
                return json_object_get(p, "latency_ms");
        }
    }
    const char *sn = json_string_value(json_object_get(s, "name"));
    if (sn && !strcmp(sn, arg))
        return json_object_get(s, "latency_ms");
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A percentile (nearest rank) of a watched metric's series values within [from, to]. */
static int series_pct(const json_t *series, double pct, double from, double to, double *out)
{
    size_t n = json_array_size(series), k = 0;
    if (!n)
        return -ENOENT;
    double *v = malloc(n * sizeof *v);
    if (!v)
        return -ENOMEM;
    const json_t *pt;
    size_t i;
    json_array_foreach(series, i, pt) {
        double t = json_number_value(json_array_get(pt, 0));
        const json_t *val = json_array_get(pt, 1);
        if (json_is_number(val) && t >= from && t <= to)
            v[k++] = json_number_value(val);
    }
    int rc = -ENOENT;
    if (k) {
        qsort(v, k, sizeof *v, cmp_double);
        size_t r = (size_t)ceil(pct / 100.0 * (double)k);
        *out = v[r ? r - 1 : 0];
        rc = 0;
    }
    free(v);
    return rc;
}

static int watch_value(const expr *e, const json_t *doc, const json_t *sc, double *value,
                       char *why, int whylen)
{
    const json_t *metrics = json_object_get(json_object_get(doc, "watch"), "metrics"), *m;
    const json_t *metric = NULL;
    size_t i;
    json_array_foreach(metrics, i, m) {
        const char *n = json_string_value(json_object_get(m, "name"));
        if (n && !strcmp(n, e->arg))
            metric = m;
    }
    const json_t *scw = sc ? json_object_get(json_object_get(sc, "watch"), e->arg) : NULL;
    if (!metric && !scw) {
        const char *names[128];
        int n = 0;
        json_array_foreach(metrics, i, m) {
            const char *mn = json_string_value(json_object_get(m, "name"));
            if (mn && n < 127)
                names[n++] = mn;
        }
        names[n] = NULL;
        const char *sg = suggest_closest(e->arg, names, n);
        if (sg)
            snprintf(why, (size_t)whylen, "no watched metric '%s' (did you mean '%s'?)", e->arg,
                     sg);
        else
            snprintf(why, (size_t)whylen, "no watched metric '%s'%s", e->arg,
                     n ? "" : " (nothing was watched)");
        return -ENOENT;
    }
    int found = 0;
    double v = 0;
    if (e->fn[0] == 'p') {
        double pct = !strcmp(e->fn, "p999") ? 99.9 : strtod(e->fn + 1, NULL);
        double from = 0, to = INFINITY;
        if (sc) {
            from = num(sc, "start_s", NULL);
            to = from + num(sc, "duration_s", NULL);
        }
        found = series_pct(json_object_get(metric, "series"), pct, from, to, &v) == 0;
    } else {
        v = num(scw ? scw : metric, e->fn, &found);
    }
    if (!found) {
        snprintf(why, (size_t)whylen, "watched metric '%s' has no %s figure", e->arg, e->fn);
        return -ENOENT;
    }
    *value = v * e->wscale;
    return 0;
}

/* memory_growth from a growth object {pct_per_h, r2}: 0 when the fit is too poor to call
 * a trend (a noisy sawtooth is not a leak). */
static double growth_value(const json_t *g)
{
    double r2 = num(g, "r2", NULL), pct = num(g, "pct_per_h", NULL);
    return r2 >= 0.5 ? pct / 100.0 : 0;
}

static int memory_metric(const char *name)
{
    return !strncmp(name, "process.rss_bytes", 17) || !strncmp(name, "cgroup.memory_bytes", 19) ||
           has_suffix(name, "memory_bytes");
}

int expr_value(const expr *e, const json_t *doc, const char *scenario, double *value,
               char *why, int whylen)
{
    const json_t *scs = json_object_get(doc, "scenarios"), *s;
    const json_t *one = NULL;
    char dummy[8];
    if (!why || whylen <= 0)
        why = dummy, whylen = sizeof dummy;
    why[0] = '\0';
    if (scenario && !(one = scenario_obj(doc, scenario))) {
        snprintf(why, (size_t)whylen, "no scenario '%s' in the results", scenario);
        return -ENOENT;
    }
    double requests = 0, failed = 0, sum = 0, best = NAN;
    int any = 0;
    size_t i;
    switch (e->k) {
    case Q_UPTIME: {
        int f;
        double u = num(json_object_get(json_object_get(doc, "watch"), "health"), "uptime_pct", &f);
        if (!f) {
            snprintf(why, (size_t)whylen, "uptime: no health check was watched (watch: health:)");
            return -ENOENT;
        }
        *value = u / 100.0;
        return 0;
    }
    case Q_RECOVERY: {
        const json_t *rec = json_object_get(json_object_get(doc, "analysis"), "recovery"), *r;
        json_array_foreach(rec, i, r) {
            const char *sn = json_string_value(json_object_get(r, "scenario"));
            if (scenario && (!sn || strcmp(sn, scenario)))
                continue;
            const json_t *rs = json_object_get(r, "recovery_s");
            double v = json_is_number(rs) ? json_number_value(rs) : INFINITY;
            best = any && best > v ? best : v;
            any = 1;
        }
        if (!any) {
            snprintf(why, (size_t)whylen, "recovery: no spike (a ramp that rises then falls) "
                                          "to recover from");
            return -ENOENT;
        }
        *value = best;
        return 0;
    }
    case Q_MEMORY_GROWTH: {
        if (one) {
            const json_t *w = json_object_get(one, "watch"), *m;
            const char *k;
            json_object_foreach((json_t *)w, k, m) {
                if (memory_metric(k) && json_object_get(m, "growth")) {
                    *value = growth_value(json_object_get(m, "growth"));
                    return 0;
                }
            }
        }
        const json_t *mem = json_object_get(json_object_get(doc, "analysis"), "memory");
        if (mem) {
            const char *verdict = json_string_value(json_object_get(mem, "verdict"));
            *value = verdict && !strcmp(verdict, "growing") ? num(mem, "pct_per_h", NULL) / 100.0
                                                            : 0;
            return 0;
        }
        const json_t *metrics = json_object_get(json_object_get(doc, "watch"), "metrics"), *m;
        json_array_foreach(metrics, i, m) {
            const char *n = json_string_value(json_object_get(m, "name"));
            if (n && memory_metric(n) && json_object_get(m, "growth")) {
                *value = growth_value(json_object_get(m, "growth"));
                return 0;
            }
        }
        snprintf(why, (size_t)whylen, "memory_growth: no memory was watched (watch: the "
                                      "process or its cgroup)");
        return -ENOENT;
    }
    case Q_WATCH:
        return watch_value(e, doc, one, value, why, whylen);
    case Q_LAT: {
        json_array_foreach(scs, i, s) {
            if (one && s != one)
                continue;
            const json_t *lat = part_latency(s, e->arg);
            int f;
            double v = num(lat, e->fn, &f);
            if (!lat || !f)
                continue;
            if (!any || (!strcmp(e->fn, "min") ? v < best : v > best))
                best = v;
            any = 1;
        }
        if (!any) {
            const char *names[256];
            int n = part_names(doc, scenario, names, 255);
            const char *sg = suggest_closest(e->arg, names, n);
            snprintf(why, (size_t)whylen, "no step, transaction or scenario named '%s'%s%s%s%s",
                     e->arg, scenario ? " in scenario " : "", scenario ? scenario : "",
                     sg ? " (did you mean '" : "", sg ? sg : "");
            if (sg) {
                size_t l = strlen(why);
                snprintf(why + l, (size_t)whylen - l, "'?)");
            }
            return -ENOENT;
        }
        *value = best / 1000.0;
        return 0;
    }
    default:
        break;
    }
    /* counters summed over the scenarios in scope */
    int have_iter = 0;
    json_array_foreach(scs, i, s) {
        if (one && s != one)
            continue;
        any = 1;
        requests += num(s, "requests", NULL);
        failed += num(s, "failed", NULL);
        switch (e->k) {
        case Q_DROPPED: sum += num(s, "dropped", NULL); break;
        case Q_ITERATIONS:
        case Q_ITER_FAILED: {
            int f;
            sum += num(s, e->k == Q_ITERATIONS ? "iterations" : "iterations_failed", &f);
            have_iter |= f;
            break;
        }
        case Q_STATUS: {
            char k[8];
            snprintf(k, sizeof k, "%d", e->code);
            sum += num(json_object_get(s, "status"), k, NULL);
            break;
        }
        case Q_ERRORS: sum += num(json_object_get(s, "errors"), e->arg, NULL); break;
        case Q_RPS: sum += num(s, "rps", NULL); break;
        default: break;
        }
    }
    if (!any) {
        snprintf(why, (size_t)whylen, "the results have no scenarios");
        return -ENOENT;
    }
    switch (e->k) {
    case Q_ERROR_RATE: *value = requests > 0 ? failed / requests : 0; break;
    case Q_SUCCESS_RATE: *value = requests > 0 ? (requests - failed) / requests : 1; break;
    case Q_REQUESTS: *value = requests; break;
    case Q_FAILED: *value = failed; break;
    case Q_RPS: {
        int f;
        double d = num(doc, "duration_s", &f);
        *value = one ? sum : (f && d > 0 ? requests / d : sum);
        break;
    }
    case Q_ITERATIONS:
    case Q_ITER_FAILED:
        if (!have_iter) {
            snprintf(why, (size_t)whylen, "%s: quick mode counts requests, not iterations",
                     e->qtext);
            return -ENOENT;
        }
        *value = sum;
        break;
    default: *value = sum; break;
    }
    return 0;
}

/* ---- live values from one series.ndjson line ---- */

int expr_is_time(const expr *e)
{
    return e->dim == D_TIME;
}

int expr_is_live(const expr *e)
{
    switch (e->k) {
    case Q_ERROR_RATE: case Q_SUCCESS_RATE: case Q_FAILED: case Q_REQUESTS: case Q_RPS:
    case Q_DROPPED: case Q_WATCH:
        return 1;
    case Q_LAT:
        return !strcmp(e->arg, "latency") &&
               (!strcmp(e->fn, "p50") || !strcmp(e->fn, "p90") || !strcmp(e->fn, "p95") ||
                !strcmp(e->fn, "p99") || !strcmp(e->fn, "max"));
    default:
        return 0;
    }
}

int expr_value_point(const expr *e, const json_t *line, const char *scenario, double *value)
{
    if (!expr_is_live(e))
        return -ENOENT;
    if (e->k == Q_WATCH) {
        const json_t *v = json_object_get(json_object_get(line, "watch"), e->arg);
        if (!json_is_number(v))
            return -ENOENT;
        *value = json_number_value(v) * e->wscale;
        return 0;
    }
    const json_t *scs = json_object_get(line, "scenarios"), *pt;
    const char *name;
    double requests = 0, failed = 0, dropped = 0, lat = 0, span = 1;
    int any = 0, have_lat = 0;
    char field[48];
    snprintf(field, sizeof field, "%s_ms", e->fn);
    json_object_foreach((json_t *)scs, name, pt) {
        if (scenario && strcmp(name, scenario))
            continue;
        any = 1;
        requests += num(pt, "requests", NULL);
        failed += num(pt, "failed", NULL);
        dropped += num(pt, "dropped", NULL);
        int f;
        double sp = num(pt, "span", &f);
        if (f && sp > 0)
            span = sp;
        double l = num(pt, field, &f);
        if (f && num(pt, "requests", NULL) > 0 && (!have_lat || l > lat))
            lat = l, have_lat = 1;
    }
    if (!any)
        return -ENOENT;
    switch (e->k) {
    case Q_ERROR_RATE:
        if (requests <= 0)
            return -ENOENT;
        *value = failed / requests;
        return 0;
    case Q_SUCCESS_RATE:
        if (requests <= 0)
            return -ENOENT;
        *value = (requests - failed) / requests;
        return 0;
    case Q_FAILED: *value = failed; return 0;
    case Q_REQUESTS: *value = requests; return 0;
    case Q_RPS: *value = requests / span; return 0;
    case Q_DROPPED: *value = dropped; return 0;
    case Q_LAT:
        if (!have_lat)
            return -ENOENT;
        *value = lat / 1000.0;
        return 0;
    default:
        return -ENOENT;
    }
}

int expr_parse_rate(const char *s, double *per_s)
{
    struct lex x = {.e = {.src = s}, .p = skip_blanks(s)};
    double v;
    const struct unit *u = NULL;
    if (lex_number(&x, &v) || lex_unit(&x, &u) || *skip_blanks(x.p) || !(v > 0) ||
        (u && u->dim != D_RATE))
        return -EINVAL;
    *per_s = u ? v * u->mul / u->div : v;
    return 0;
}
