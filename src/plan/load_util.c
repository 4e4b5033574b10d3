/* load_util.c — the plan loader's error collection and checked getters (keys, types,
 * durations, numbers, templates and their variables). */
#include "plan/load_int.h"
#include "util/suggest.h"
#include "util/units.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_err(struct ld *l, int line, int col, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    /* a node reached twice through an alias would report the same thing twice */
    for (int i = 0; i < l->nerrs; i++)
        if (l->errs[i].line == line && l->errs[i].col == col && !strcmp(l->errs[i].msg, msg))
            return;
    if (l->nerrs >= LD_MAX_ERRORS) {
        l->dropped++;
        return;
    }
    if (l->nerrs == l->caperrs) {
        int cap = l->caperrs ? l->caperrs * 2 : 16;
        struct ld_err *e = realloc(l->errs, (size_t)cap * sizeof *e);
        if (!e) {
            l->oom = 1;
            return;
        }
        l->errs = e;
        l->caperrs = cap;
    }
    char *m = strdup(msg);
    if (!m) {
        l->oom = 1;
        return;
    }
    l->errs[l->nerrs] = (struct ld_err){line, col, l->nerrs, m};
    l->nerrs++;
}

void ld_err(struct ld *l, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_err(l, line, col, fmt, ap);
    va_end(ap);
}

void ld_errn(struct ld *l, const struct ynode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_err(l, n ? n->line : 0, n ? n->col : 0, fmt, ap);
    va_end(ap);
}

const char *ld_suggest(const char *s, const char *const *valid)
{
    return suggest_closest(s, valid, -1);
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

int ld_check_keys(struct ld *l, const struct ynode *map, const char *where,
                  const char *const *valid)
{
    int bad = 0;
    if (!map || map->kind != YN_MAP)
        return 0;
    for (int i = 0; i < map->n; i++) {
        const struct ynode *k = map->items[2 * i];
        int ok = 0;
        for (int j = 0; valid[j] && !ok; j++)
            ok = !strcmp(k->str, valid[j]);
        if (ok)
            continue;
        char list[512];
        join(list, sizeof list, valid);
        const char *s = ld_suggest(k->str, valid);
        if (s)
            ld_errn(l, k, "unknown key '%s' in %s (did you mean '%s'?); valid keys: %s", k->str,
                    where, s, list);
        else
            ld_errn(l, k, "unknown key '%s' in %s; valid keys: %s", k->str, where, list);
        bad++;
    }
    return bad;
}

static int want(struct ld *l, const struct ynode *n, enum ynode_kind kind, const char *what)
{
    if (n && n->kind == kind)
        return 0;
    ld_errn(l, n, "%s: expected %s, got %s", what, kind == YN_MAP ? "a mapping" : "a list",
            yaml_kind_name(n));
    return -1;
}

int ld_want_map(struct ld *l, const struct ynode *n, const char *what)
{
    return want(l, n, YN_MAP, what);
}

int ld_want_seq(struct ld *l, const struct ynode *n, const char *what)
{
    return want(l, n, YN_SEQ, what);
}

const char *ld_str(struct ld *l, const struct ynode *n, const char *what)
{
    if (n && n->kind == YN_SCALAR && !yaml_is_null(n)) {
        if (strlen(n->str) != n->len) {
            ld_errn(l, n, "%s: the text holds a NUL byte", what);
            return NULL;
        }
        return n->str;
    }
    ld_errn(l, n, "%s: expected a string, got %s", what, yaml_kind_name(n));
    return NULL;
}

char *ld_strdup(struct ld *l, const char *s)
{
    char *r = strdup(s ? s : "");
    if (!r)
        l->oom = 1;
    return r;
}

uint64_t ld_scaled(const struct ld *l, uint64_t us)
{
    if (l->scale == 1.0 || us == 0)
        return us;
    double v = (double)us * l->scale;
    if (v >= 1.8e19)
        return UINT64_MAX;
    uint64_t r = (uint64_t)llround(v);
    return r ? r : 1; /* a scaled pause is shorter, never gone */
}

uint64_t ld_net_timeout(const struct ld *l, uint64_t us, int connect)
{
    if (connect)
        return us;
    uint64_t scaled = ld_scaled(l, us), floor = us < 1000000 ? us : 1000000;
    return scaled > floor ? scaled : floor;
}

int ld_timeout(struct ld *l, const struct ynode *n, const char *what, uint64_t *us, int connect)
{
    double scale = l->scale;
    l->scale = 1.0;
    int rc = ld_duration(l, n, what, us);
    l->scale = scale;
    if (rc == 0)
        *us = ld_net_timeout(l, *us, connect);
    return rc;
}

int ld_duration(struct ld *l, const struct ynode *n, const char *what, uint64_t *us)
{
    if (!n || n->kind != YN_SCALAR || yaml_is_null(n)) {
        ld_errn(l, n, "%s: expected a duration such as 30s, got %s", what, yaml_kind_name(n));
        return -1;
    }
    uint64_t v;
    if (units_parse_duration(n->str, 0, &v) != 0) {
        ld_errn(l, n,
                "%s: bad duration '%s': use a number with a unit: us, ms, s, m or h "
                "(250ms, 30s, 1m30s)",
                what, n->str);
        return -1;
    }
    *us = ld_scaled(l, v);
    return 0;
}

int ld_int(struct ld *l, const struct ynode *n, const char *what, long long min, long long max,
           long long *out)
{
    long long v;
    if (!n || n->kind != YN_SCALAR || yaml_get_int(n, &v) != 0) {
        ld_errn(l, n, "%s: expected a whole number, got %s%s%s%s", what, yaml_kind_name(n),
                n && n->kind == YN_SCALAR ? " '" : "", n && n->kind == YN_SCALAR ? n->str : "",
                n && n->kind == YN_SCALAR ? "'" : "");
        return -1;
    }
    if (v < min || v > max) {
        if (max == LLONG_MAX)
            ld_errn(l, n, "%s: %lld is out of range: must be at least %lld", what, v, min);
        else
            ld_errn(l, n, "%s: %lld is out of range: must be %lld to %lld", what, v, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int ld_number(struct ld *l, const struct ynode *n, const char *what, double min, int strict,
              double *out)
{
    double v;
    if (!n || n->kind != YN_SCALAR || yaml_get_number(n, &v) != 0) {
        ld_errn(l, n, "%s: expected a number, got %s%s%s%s", what, yaml_kind_name(n),
                n && n->kind == YN_SCALAR ? " '" : "", n && n->kind == YN_SCALAR ? n->str : "",
                n && n->kind == YN_SCALAR ? "'" : "");
        return -1;
    }
    if (strict ? !(v > min) : !(v >= min)) {
        ld_errn(l, n, "%s: %s must be %s %g", what, n->str, strict ? "greater than" : "at least",
                min);
        return -1;
    }
    *out = v;
    return 0;
}

int ld_bool(struct ld *l, const struct ynode *n, const char *what, int *out)
{
    if (yaml_get_bool(n, out) == 0)
        return 0;
    ld_errn(l, n, "%s: expected true or false, got %s", what, yaml_kind_name(n));
    return -1;
}

int ld_is_ident(const char *s)
{
    if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (s++; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

int ld_text_col(const struct ynode *n, int off)
{
    return n->col + off;
}

int ld_var_known(const struct ld *l, const char *name)
{
    for (int i = 0; i < l->vars_visible && i < l->p->nvars; i++)
        if (!strcmp(l->p->vars[i].name, name))
            return 1;
    for (int i = 0; i < l->nextracted; i++)
        if (!strcmp(l->extracted[i], name))
            return 1;
    return 0;
}

/* Where `${ [env.]name` is first written in s (0-based byte offset), or 0. */
static int name_offset(const char *s, const char *prefix, const char *name)
{
    size_t ln = strlen(name), lp = strlen(prefix);
    for (const char *p = strstr(s, "${"); p; p = strstr(p + 1, "${")) {
        const char *q = p + 2;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncmp(q, prefix, lp) || strncmp(q + lp, name, ln))
            continue;
        char c = q[lp + ln];
        if (!isalnum((unsigned char)c) && c != '_' && c != '.')
            return (int)(q - s);
    }
    return 0;
}

int ld_tmpl_names(struct ld *l, const tmpl *t, const char *s, int line, int col, const char *what)
{
    int rc = 0;
    int base = col;
    for (int i = 0; i < tmpl_var_count(t); i++) {
        const char *name = tmpl_var_name(t, i);
        if (ld_var_known(l, name))
            continue;
        ld_err(l, line, base + name_offset(s, "", name),
               "%s: undefined variable '%s' (define it in vars:, with --var, or extract it in "
               "an earlier step)",
               what, name);
        rc = -1;
    }
    for (int i = 0; i < tmpl_env_count(t); i++) {
        const char *name = tmpl_env_name(t, i);
        if (getenv(name))
            continue;
        ld_err(l, line, base + name_offset(s, "env.", name),
               "%s: environment variable %s is not set", what, name);
        rc = -1;
    }
    return rc;
}

tmpl *ld_tmpl_text(struct ld *l, const char *s, int line, int col, const char *what)
{
    char err[256];
    int ecol = 0;
    tmpl *t = NULL;
    int rc = tmpl_compile(s, &t, err, sizeof err, &ecol);
    if (rc != 0) {
        if (ecol <= 0) {
            l->oom = 1;
            ld_err(l, line, col, "%s: out of memory", what);
        } else {
            ld_err(l, line, col + ecol - 1, "%s: %s", what, err);
        }
        return NULL;
    }
    if (ld_tmpl_names(l, t, s, line, col, what) != 0) {
        tmpl_free(t);
        return NULL;
    }
    return t;
}

tmpl *ld_tmpl(struct ld *l, const struct ynode *n, const char *what)
{
    const char *s = ld_str(l, n, what);
    if (!s)
        return NULL;
    return ld_tmpl_text(l, s, n->line, n->col, what);
}
