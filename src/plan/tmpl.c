/* tmpl.c — compiling `${...}` templates into parts and expanding them per request. */
#include "plan/tmpl.h"

#include "util/sbuf.h"
#include "util/perr.h"
#include "util/redact.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum part_kind { P_LIT, P_VAR, P_ENV, P_VU, P_ITER, P_UUID, P_RANDOM, P_TS, P_COOKIE };

struct part {
    int kind;     /* enum part_kind */
    uint32_t off; /* P_LIT: bytes at text+off; P_VAR/P_ENV/P_COOKIE: NUL-terminated name
                     as written ("user", "env.HOME", "cookie.sid") */
    uint32_t len; /* P_LIT: byte count */
    int64_t a, b; /* P_RANDOM: bounds, a <= b; P_COOKIE: a = offset of the NUL-terminated
                     @path in text, or -1 when none was given */
};

struct tmpl {
    struct part *parts; /* in output order */
    int nparts;
    char *text;         /* literal runs and names, each NUL-terminated */
    size_t lit_total;   /* bytes of literal text: reserved up front in tmpl_expand */
    int literal;        /* no ${} at all: the whole text is at text+0 */
    size_t literal_len; /* its length when literal */
    uint32_t *vars;     /* offsets of distinct variable names in text */
    int nvars;
    uint32_t *envs; /* offsets of distinct env names (after "env.") in text */
    int nenvs;
    int uses_rng; /* has P_RANDOM or P_UUID */
    int json;     /* values are escaped as JSON string contents (tmpl_compile_json) */
};

/* "cookie" is not reserved: ${cookie} is a variable (plans have used that name),
 * ${cookie.NAME} the jar. */
static const char *const reserved[] = {"vu", "iteration", "uuid", "timestamp", "random", "env"};

int tmpl_is_reserved(const char *name)
{
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (!strcmp(name, reserved[i]))
            return 1;
    return 0;
}

/* ---- compiling ---- */

struct cstate {
    const char *s;    /* the whole source, for columns */
    struct sbuf text; /* becomes t->text */
    struct part *parts;
    int nparts, cap;
    uint32_t *vars, *envs;
    int nvars, nenvs, varcap, envcap;
    struct perr e; /* message and column of the first problem */
};

static int is_id0(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static int is_id(char ch)
{
    return is_id0(ch) || (ch >= '0' && ch <= '9');
}

/* A cookie-name byte: an RFC 7230 tchar ('@' and '}' are not). */
static int is_tchar(char ch)
{
    return is_id(ch) || (ch && strchr("!#$%&'*+-.^`|~", ch));
}

/* A byte of a cookie's @path: visible ASCII but '}' (blanks end it). */
static int is_path_char(char ch)
{
    return ch > ' ' && ch < 0x7f && ch != '}';
}

static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static int add_part(struct cstate *c, struct part p)
{
    if (c->nparts == c->cap) {
        int cap = c->cap ? c->cap * 2 : 8;
        struct part *np = realloc(c->parts, (size_t)cap * sizeof *np);
        if (!np)
            return -ENOMEM;
        c->parts = np;
        c->cap = cap;
    }
    c->parts[c->nparts++] = p;
    return 0;
}

/* Append a NUL-terminated name to text; returns its offset via *off. */
static int add_name(struct cstate *c, const char *p, size_t n, uint32_t *off)
{
    *off = (uint32_t)c->text.len;
    int rc = sbuf_append(&c->text, p, n);
    return rc ? rc : sbuf_append(&c->text, "", 1);
}

/* Record name (offset into text) in a distinct list unless already there. */
static int add_distinct(struct cstate *c, uint32_t **list, int *n, int *cap, uint32_t off)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(c->text.buf + (*list)[i], c->text.buf + off))
            return 0;
    if (*n == *cap) {
        int ncap = *cap ? *cap * 2 : 4;
        uint32_t *nl = realloc(*list, (size_t)ncap * sizeof *nl);
        if (!nl)
            return -ENOMEM;
        *list = nl;
        *cap = ncap;
    }
    (*list)[(*n)++] = off;
    return 0;
}

/* Parse a decimal int64 at *pp (optional '-'). */
static int parse_int(struct cstate *c, const char **pp, int64_t *out)
{
    const char *p = *pp, *start = p;
    char b[16];
    int neg = 0;
    if (*p == '-')
        neg = 1, p++;
    if (*p < '0' || *p > '9')
        return perr_at(&c->e, p, "random(A,B) wants integers, got %s", perr_show(*p, b));
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (lim - d) / 10)
            return perr_at(&c->e, start, "integer out of range in random(A,B)");
        v = v * 10 + d;
        p++;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    *pp = p;
    return 0;
}

/* Parse the expression after "${" (dollar points at the '$'); *pp ends after '}'. */
static int parse_expr(struct cstate *c, const char *dollar, const char **pp)
{
    const char *p = skip_blanks(*pp);
    char b[16];
    if (*p == '\0')
        return perr_at(&c->e, dollar, "unterminated ${");
    if (*p == '}')
        return perr_at(&c->e, dollar, "empty ${}");
    if (!is_id0(*p))
        return perr_at(&c->e, p, "expected a name in ${...}, got %s", perr_show(*p, b));
    const char *id = p;
    while (is_id(*p))
        p++;
    size_t idn = (size_t)(p - id);
    struct part part = {0};
    int rc;

    if (idn == 3 && !memcmp(id, "env", 3)) {
        if (*p != '.')
            return perr_at(&c->e, p, "env needs a name: ${env.NAME}");
        p++;
        if (!is_id0(*p))
            return perr_at(&c->e, p, "expected a name after 'env.', got %s", perr_show(*p, b));
        while (is_id(*p))
            p++;
        part.kind = P_ENV;
        if ((rc = add_name(c, id, (size_t)(p - id), &part.off)))
            return rc;
        if ((rc = add_distinct(c, &c->envs, &c->nenvs, &c->envcap, part.off + 4)))
            return rc;
    } else if (idn == 6 && !memcmp(id, "cookie", 6) && *p == '.') {
        p++;
        const char *nm = p;
        while (is_tchar(*p))
            p++;
        if (p == nm)
            return perr_at(&c->e, p, "expected a cookie name after 'cookie.', got %s",
                           perr_show(*p, b));
        part.kind = P_COOKIE;
        part.a = -1;
        if ((rc = add_name(c, id, (size_t)(p - id), &part.off)))
            return rc;
        if (*p == '@') {
            p++;
            if (*p != '/')
                return perr_at(&c->e, p, "a cookie's path starts with '/': ${cookie.%.*s@/path}",
                               (int)(p - 1 - nm > 64 ? 64 : p - 1 - nm), nm);
            const char *ps = p;
            while (is_path_char(*p))
                p++;
            uint32_t po;
            if ((rc = add_name(c, ps, (size_t)(p - ps), &po)))
                return rc;
            part.a = po;
        }
    } else if (*p == '.') {
        return perr_at(&c->e, p,
                       "'.' is only allowed in env.NAME and cookie.NAME (variable names are "
                       "identifiers)");
    } else if (idn == 6 && !memcmp(id, "random", 6)) {
        p = skip_blanks(p);
        if (*p != '(')
            return perr_at(&c->e, p, "random needs bounds: ${random(A,B)}");
        p = skip_blanks(p + 1);
        const char *a_at = p;
        if ((rc = parse_int(c, &p, &part.a)))
            return rc;
        p = skip_blanks(p);
        if (*p != ',')
            return perr_at(&c->e, p, "expected ',' in random(A,B), got %s", perr_show(*p, b));
        p = skip_blanks(p + 1);
        if ((rc = parse_int(c, &p, &part.b)))
            return rc;
        p = skip_blanks(p);
        if (*p != ')')
            return perr_at(&c->e, p, "expected ')' in random(A,B), got %s", perr_show(*p, b));
        p++;
        if (part.a > part.b)
            return perr_at(&c->e, a_at, "random(A,B) needs A <= B");
        part.kind = P_RANDOM;
    } else {
        const char *q = skip_blanks(p);
        if (*q == '(')
            return perr_at(&c->e, id, "unknown function '%.*s' (only random(A,B) takes arguments)",
                           (int)(idn > 32 ? 32 : idn), id);
        if (idn == 2 && !memcmp(id, "vu", 2))
            part.kind = P_VU;
        else if (idn == 9 && !memcmp(id, "iteration", 9))
            part.kind = P_ITER;
        else if (idn == 4 && !memcmp(id, "uuid", 4))
            part.kind = P_UUID;
        else if (idn == 9 && !memcmp(id, "timestamp", 9))
            part.kind = P_TS;
        else {
            part.kind = P_VAR;
            if ((rc = add_name(c, id, idn, &part.off)))
                return rc;
            if ((rc = add_distinct(c, &c->vars, &c->nvars, &c->varcap, part.off)))
                return rc;
        }
    }
    p = skip_blanks(p);
    if (*p == '\0')
        return perr_at(&c->e, dollar, "unterminated ${");
    if (*p != '}')
        return perr_at(&c->e, p, "expected '}' to close ${, got %s", perr_show(*p, b));
    *pp = p + 1;
    return add_part(c, part);
}

/* Close the literal run that started at text offset `start`, if not empty. */
static int flush_lit(struct cstate *c, size_t start)
{
    size_t n = c->text.len - start;
    if (!n)
        return 0;
    struct part part = {.kind = P_LIT, .off = (uint32_t)start, .len = (uint32_t)n};
    int rc = sbuf_append(&c->text, "", 1);
    return rc ? rc : add_part(c, part);
}

int tmpl_compile(const char *s, tmpl **out, char *err, int errlen, int *err_col)
{
    struct cstate c = {.s = s, .e = {.src = s, .err = err, .errlen = errlen}};
    tmpl *t = NULL;
    int rc;
    if (err && errlen > 0)
        err[0] = '\0';
    if (strlen(s) > (size_t)1 << 28) {
        rc = -E2BIG;
        perr_at(&c.e, s, "template too long");
        goto fail;
    }
    if ((rc = sbuf_reserve(&c.text, strlen(s) + 1)))
        goto fail;
    size_t run = 0, lit_total = 0;
    int exprs = 0;
    const char *p = s;
    while (*p) {
        if (p[0] == '$' && p[1] == '$') {
            rc = sbuf_putc(&c.text, '$');
            p += 2;
        } else if (p[0] == '$' && p[1] == '{') {
            lit_total += c.text.len - run;
            if ((rc = flush_lit(&c, run)))
                goto fail;
            const char *dollar = p;
            p += 2;
            if ((rc = parse_expr(&c, dollar, &p)))
                goto fail;
            run = c.text.len;
            exprs++;
        } else {
            const char *q = p + 1;
            while (*q && *q != '$')
                q++;
            rc = sbuf_append(&c.text, p, (size_t)(q - p));
            p = q;
        }
        if (rc)
            goto fail;
    }
    lit_total += c.text.len - run;
    if (exprs && (rc = flush_lit(&c, run)))
        goto fail;

    t = calloc(1, sizeof *t);
    if (!t) {
        rc = -ENOMEM;
        goto fail;
    }
    t->literal = exprs == 0;
    t->literal_len = t->literal ? c.text.len : 0;
    t->lit_total = lit_total;
    t->text = sbuf_detach(&c.text);
    if (!t->text) {
        rc = -ENOMEM;
        goto fail;
    }
    t->parts = c.parts, t->nparts = c.nparts;
    t->vars = c.vars, t->nvars = c.nvars;
    t->envs = c.envs, t->nenvs = c.nenvs;
    for (int i = 0; i < t->nparts; i++)
        if (t->parts[i].kind == P_RANDOM || t->parts[i].kind == P_UUID)
            t->uses_rng = 1;
    /* what ${env.NAME} gives is a secret: never printed by --trace or error examples */
    for (int i = 0; i < t->nenvs; i++)
        redact_add_secret(getenv(t->text + t->envs[i]));
    *out = t;
    return 0;

fail:
    if (rc == -ENOMEM) {
        if (err && errlen > 0)
            snprintf(err, (size_t)errlen, "out of memory");
        c.e.col = 0;
    }
    if (err_col)
        *err_col = c.e.col;
    if (t) {
        t->parts = NULL; /* still owned by c */
        tmpl_free(t);
    }
    sbuf_free(&c.text);
    free(c.parts);
    free(c.vars);
    free(c.envs);
    return rc;
}

void tmpl_free(tmpl *t)
{
    if (!t)
        return;
    free(t->parts);
    free(t->text);
    free(t->vars);
    free(t->envs);
    free(t);
}

int tmpl_is_literal(const tmpl *t)
{
    return t->literal;
}

const char *tmpl_literal(const tmpl *t)
{
    return t->literal ? t->text : NULL;
}

size_t tmpl_literal_len(const tmpl *t)
{
    return t->literal_len;
}

int tmpl_var_count(const tmpl *t)
{
    return t->nvars;
}

const char *tmpl_var_name(const tmpl *t, int i)
{
    return i >= 0 && i < t->nvars ? t->text + t->vars[i] : NULL;
}

int tmpl_env_count(const tmpl *t)
{
    return t->nenvs;
}

const char *tmpl_env_name(const tmpl *t, int i)
{
    return i >= 0 && i < t->nenvs ? t->text + t->envs[i] : NULL;
}

int tmpl_uses_rng(const tmpl *t)
{
    return t->uses_rng;
}

int tmpl_uses_cookies(const tmpl *t)
{
    for (int i = 0; i < t->nparts; i++)
        if (t->parts[i].kind == P_COOKIE)
            return 1;
    return 0;
}

/* ---- expanding ---- */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [a,b] without modulo bias (rejects the short last bucket). */
static int64_t uniform(uint64_t *state, int64_t a, int64_t b)
{
    uint64_t span = (uint64_t)b - (uint64_t)a;
    uint64_t r = splitmix64(state);
    if (span != UINT64_MAX) {
        uint64_t n = span + 1, threshold = (0 - n) % n;
        while (r < threshold)
            r = splitmix64(state);
        r %= n;
    }
    return (int64_t)((uint64_t)a + r);
}

static int put_uuid(struct sbuf *out, uint64_t *state)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char u[16];
    uint64_t hi = splitmix64(state), lo = splitmix64(state);
    for (int i = 0; i < 8; i++) {
        u[i] = (unsigned char)(hi >> (56 - 8 * i));
        u[8 + i] = (unsigned char)(lo >> (56 - 8 * i));
    }
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* variant 10 */
    char s[36];
    int j = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            s[j++] = '-';
        s[j++] = hex[u[i] >> 4];
        s[j++] = hex[u[i] & 15];
    }
    return sbuf_append(out, s, sizeof s);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A variable's, env's or cookie's value: as is, or JSON-escaped in a JSON template (the
 * built-ins are digits, '-' and hex: nothing to escape). */
static int put_value(const tmpl *t, struct sbuf *out, const char *v, size_t n)
{
    return t->json ? sbuf_put_json_chars(out, v, n) : sbuf_append(out, v, n);
}

int tmpl_compile_json(const char *s, tmpl **out, char *err, int errlen, int *err_col)
{
    tmpl *t = NULL;
    int rc = tmpl_compile(s, &t, err, errlen, err_col);
    if (rc)
        return rc;
    t->json = 1;
    *out = t;
    return 0;
}

int tmpl_expand(const tmpl *t, const struct tmpl_ctx *ctx, struct sbuf *out)
{
    size_t entry = out->len;
    int rc;
    if (t->literal)
        return sbuf_append(out, t->text, t->literal_len);
    if (t->uses_rng && !ctx->rng)
        return -EINVAL;
    if ((rc = sbuf_reserve(out, t->lit_total)))
        return rc;
    for (int i = 0; i < t->nparts; i++) {
        const struct part *p = &t->parts[i];
        const char *v;
        size_t n;
        switch (p->kind) {
        case P_LIT:
            rc = sbuf_append(out, t->text + p->off, p->len);
            break;
        case P_VAR:
            v = ctx->lookup ? ctx->lookup(ctx->ud, t->text + p->off, &n) : NULL;
            rc = v ? put_value(t, out, v, n) : -ENOENT;
            break;
        case P_ENV:
            v = getenv(t->text + p->off + 4);
            rc = v ? put_value(t, out, v, strlen(v)) : -ENOENT;
            break;
        case P_VU:
            rc = sbuf_put_u64(out, ctx->vu);
            break;
        case P_ITER:
            rc = sbuf_put_u64(out, ctx->iteration);
            break;
        case P_UUID:
            rc = put_uuid(out, ctx->rng);
            break;
        case P_RANDOM:
            rc = sbuf_put_i64(out, uniform(ctx->rng, p->a, p->b));
            break;
        case P_TS:
            rc = sbuf_put_i64(out, ctx->now_ms ? ctx->now_ms : now_ms());
            break;
        case P_COOKIE:
            v = ctx->cookie ? ctx->cookie(ctx->ud, t->text + p->off + 7,
                                          p->a >= 0 ? t->text + p->a : NULL, &n)
                            : NULL;
            rc = v ? put_value(t, out, v, n) : -ENOENT;
            break;
        default:
            rc = -EINVAL;
        }
        if (rc) {
            sbuf_truncate(out, entry);
            return rc;
        }
    }
    return 0;
}

const char *tmpl_first_undefined(const tmpl *t, const struct tmpl_ctx *ctx)
{
    for (int i = 0; i < t->nparts; i++) {
        const struct part *p = &t->parts[i];
        size_t n;
        if (p->kind == P_VAR && (!ctx->lookup || !ctx->lookup(ctx->ud, t->text + p->off, &n)))
            return t->text + p->off;
        if (p->kind == P_ENV && !getenv(t->text + p->off + 4))
            return t->text + p->off;
        if (p->kind == P_COOKIE &&
            (!ctx->cookie || !ctx->cookie(ctx->ud, t->text + p->off + 7,
                                          p->a >= 0 ? t->text + p->a : NULL, &n)))
            return t->text + p->off;
    }
    return NULL;
}
