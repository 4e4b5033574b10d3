/* jpath.c — compiling JSON paths into key/index steps and walking jansson values. */
#include "flow/jpath.h"

#include "util/sbuf.h"
#include "util/perr.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STEP_KEY, STEP_INDEX };

struct step {
    int kind;     /* STEP_KEY or STEP_INDEX */
    uint32_t off; /* STEP_KEY: NUL-terminated key at text+off */
    uint32_t len; /* STEP_KEY: key length */
    long long ix; /* STEP_INDEX: negative counts from the end */
};

struct jpath {
    struct step *steps;
    int n;
    char *text;   /* keys, each NUL-terminated, then the source */
    uint32_t src; /* offset of the source in text */
};

#define JPATH_MAX_INDEX 2147483647LL

struct pstate {
    const char *s;
    struct sbuf text;
    struct step *steps;
    int n, cap;
    struct perr e; /* message and column of the first problem */
};

static int is_name(char ch)
{
    unsigned char u = (unsigned char)ch;
    if (u <= 0x20 || u == 0x7f)
        return 0;
    return !strchr(".[]'\"=!<>()&|,", ch);
}

static int add_step(struct pstate *c, struct step st)
{
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 4;
        struct step *ns = realloc(c->steps, (size_t)cap * sizeof *ns);
        if (!ns)
            return -ENOMEM;
        c->steps = ns;
        c->cap = cap;
    }
    c->steps[c->n++] = st;
    return 0;
}

static int key_step(struct pstate *c, size_t start)
{
    struct step st = {
        .kind = STEP_KEY, .off = (uint32_t)start, .len = (uint32_t)(c->text.len - start)};
    int rc = sbuf_putc(&c->text, '\0');
    return rc ? rc : add_step(c, st);
}

static int parse_name(struct pstate *c, const char **pp)
{
    const char *p = *pp;
    char b[16];
    if (!is_name(*p))
        return perr_at(&c->e, p, "expected a name, got %s", perr_show(*p, b));
    const char *q = p;
    while (is_name(*q))
        q++;
    size_t start = c->text.len;
    int rc = sbuf_append(&c->text, p, (size_t)(q - p));
    if (rc)
        return rc;
    *pp = q;
    return key_step(c, start);
}

static int parse_bracket(struct pstate *c, const char **pp)
{
    const char *open = *pp, *p = open + 1;
    char b[16];
    int rc;
    if (*p == '"' || *p == '\'') {
        char quote = *p++;
        size_t start = c->text.len;
        while (*p && *p != quote) {
            if (*p == '\\' && p[1])
                p++;
            if ((rc = sbuf_putc(&c->text, *p)))
                return rc;
            p++;
        }
        if (!*p)
            return perr_at(&c->e, open, "unterminated quoted key");
        p++;
        if (*p != ']')
            return perr_at(&c->e, p, "expected ']' after the quoted key, got %s", perr_show(*p, b));
        if ((rc = key_step(c, start)))
            return rc;
    } else {
        const char *num = p;
        int neg = 0;
        if (*p == '-')
            neg = 1, p++;
        if (*p < '0' || *p > '9')
            return perr_at(&c->e, p, "expected an index or a quoted key in [], got %s", perr_show(*p, b));
        long long v = 0;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (*p - '0');
            if (v > JPATH_MAX_INDEX)
                return perr_at(&c->e, num, "index out of range");
            p++;
        }
        if (*p != ']')
            return perr_at(&c->e, p, "expected ']' after the index, got %s", perr_show(*p, b));
        struct step st = {.kind = STEP_INDEX, .ix = neg ? -v : v};
        if ((rc = add_step(c, st)))
            return rc;
    }
    *pp = p + 1;
    return 0;
}

static int parse(struct pstate *c, const char *s, size_t *used, int whole)
{
    const char *p = s;
    char b[16];
    int rc;
    if (!*p)
        return perr_at(&c->e, p, "empty path");
    if (p[0] == '$' && (p[1] == '.' || p[1] == '[' || !is_name(p[1]))) {
        p++;
        if (*p == '.')
            p++, rc = parse_name(c, &p);
        else if (*p == '[')
            rc = parse_bracket(c, &p);
        else
            rc = 0;
    } else if (*p == '[') {
        rc = parse_bracket(c, &p);
    } else {
        rc = parse_name(c, &p);
    }
    while (!rc && (*p == '.' || *p == '[')) {
        if (*p == '.')
            p++, rc = parse_name(c, &p);
        else
            rc = parse_bracket(c, &p);
    }
    if (rc)
        return rc;
    if (whole && *p)
        return perr_at(&c->e, p, "unexpected %s in path", perr_show(*p, b));
    *used = (size_t)(p - s);
    return 0;
}

int jpath_parse(const char *s, size_t *used, jpath **out, char *err, int errlen, int *err_col)
{
    struct pstate c = {.s = s, .e = {.src = s, .err = err, .errlen = errlen}};
    jpath *jp = NULL;
    size_t n = 0;
    int rc;
    int whole = used == NULL; /* called from jpath_compile */
    if (err && errlen > 0)
        err[0] = '\0';
    if ((rc = parse(&c, s, &n, whole)))
        goto fail;
    uint32_t src = (uint32_t)c.text.len;
    if ((rc = sbuf_append(&c.text, s, n)))
        goto fail;
    jp = calloc(1, sizeof *jp);
    if (!jp) {
        rc = -ENOMEM;
        goto fail;
    }
    jp->text = sbuf_detach(&c.text);
    if (!jp->text) {
        rc = -ENOMEM;
        goto fail;
    }
    jp->src = src;
    jp->steps = c.steps;
    jp->n = c.n;
    if (used)
        *used = n;
    *out = jp;
    return 0;

fail:
    if (rc == -ENOMEM) {
        if (err && errlen > 0)
            snprintf(err, (size_t)errlen, "out of memory");
        c.e.col = 0;
    }
    if (err_col)
        *err_col = c.e.col;
    free(jp);
    sbuf_free(&c.text);
    free(c.steps);
    return rc;
}

int jpath_compile(const char *s, jpath **out, char *err, int errlen, int *err_col)
{
    return jpath_parse(s, NULL, out, err, errlen, err_col);
}

json_t *jpath_get(const jpath *p, json_t *root)
{
    json_t *v = root;
    for (int i = 0; v && i < p->n; i++) {
        const struct step *st = &p->steps[i];
        if (st->kind == STEP_KEY) {
            v = json_is_object(v) ? json_object_getn(v, p->text + st->off, st->len) : NULL;
        } else if (json_is_array(v)) {
            long long size = (long long)json_array_size(v), ix = st->ix;
            if (ix < 0)
                ix += size;
            v = ix >= 0 && ix < size ? json_array_get(v, (size_t)ix) : NULL;
        } else {
            v = NULL;
        }
    }
    return v;
}

const char *jpath_source(const jpath *p)
{
    return p->text + p->src;
}

int jpath_depth(const jpath *p)
{
    return p->n;
}

void jpath_free(jpath *p)
{
    if (!p)
        return;
    free(p->steps);
    free(p->text);
    free(p);
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    return sbuf_append(data, buffer, size) ? -1 : 0;
}

int jpath_to_string(json_t *v, struct sbuf *out)
{
    size_t entry = out->len;
    int rc;
    char num[40];
    if (!v)
        return -EINVAL;
    switch (json_typeof(v)) {
    case JSON_STRING:
        rc = sbuf_append(out, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        rc = sbuf_put_i64(out, (long long)json_integer_value(v));
        break;
    case JSON_REAL: {
        /* %.15g is the shortest form for anything with <= 15 significant digits (%g drops
         * trailing zeros); 16 or 17 digits cover the rest exactly. Subnormals carry fewer
         * digits, so they search from 1. */
        double d = json_real_value(v);
        for (int prec = fabs(d) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
            snprintf(num, sizeof num, "%.*g", prec, d);
            if (strtod(num, NULL) == d)
                break;
        }
        rc = sbuf_puts(out, num);
        break;
    }
    case JSON_TRUE:
        rc = sbuf_puts(out, "true");
        break;
    case JSON_FALSE:
        rc = sbuf_puts(out, "false");
        break;
    case JSON_NULL:
        rc = sbuf_puts(out, "null");
        break;
    default:
        rc = json_dump_callback(v, dump_cb, out, JSON_COMPACT | JSON_ENCODE_ANY) ? -ENOMEM : 0;
        break;
    }
    if (rc)
        sbuf_truncate(out, entry);
    return rc;
}
