/* yaml_util.c — YAML file to a positioned node tree (libfyaml events), scalar
 * conversions, YAML to JSON. */
#include "plan/yaml_util.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define YAML_MAX_FILE (16 << 20) /* bytes: a plan is a few KB; this stops a runaway file */

struct yaml_anchor {
    char *name;
    struct ynode *node;
};

/* An open mapping or list while events arrive. */
struct frame {
    struct ynode *node;
    char *anchor; /* anchor to register when the node ends, or NULL */
};

struct builder {
    struct yaml_doc *doc;
    yaml_err_fn err;
    void *ud;
    int failed;
    struct frame *stack;
    int depth, cap;
};

static void report(struct builder *b, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(struct builder *b, int line, int col, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    b->failed = 1;
    b->err(b->ud, line, col, msg);
}

static struct ynode *node_new(struct builder *b, enum ynode_kind kind, const struct fy_mark *m)
{
    struct ynode *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->line = m ? m->line + 1 : 1;
    n->col = m ? m->column + 1 : 1;
    n->next = b->doc->all;
    b->doc->all = n;
    return n;
}

static int seq_push(struct ynode *seq, struct ynode *child)
{
    if (seq->n == seq->cap) {
        int cap = seq->cap ? seq->cap * 2 : 8;
        struct ynode **items = realloc(seq->items, (size_t)cap * sizeof *items);
        if (!items)
            return -1;
        seq->items = items;
        seq->cap = cap;
    }
    seq->items[seq->n++] = child;
    return 0;
}

static int anchor_add(struct builder *b, char *name, struct ynode *node)
{
    struct yaml_doc *d = b->doc;
    struct yaml_anchor *a = realloc(d->anchors, (size_t)(d->nanchors + 1) * sizeof *a);
    if (!a) {
        free(name);
        return -1;
    }
    d->anchors = a;
    a[d->nanchors].name = name;
    a[d->nanchors].node = node;
    d->nanchors++;
    return 0;
}

static struct ynode *anchor_find(struct builder *b, const char *name, size_t len)
{
    for (int i = b->doc->nanchors - 1; i >= 0; i--) {
        const char *an = b->doc->anchors[i].name;
        if (strlen(an) == len && memcmp(an, name, len) == 0)
            return b->doc->anchors[i].node;
    }
    return NULL;
}

static char *token_dup(struct fy_token *t)
{
    size_t len = 0;
    const char *s = t ? fy_token_get_text(t, &len) : NULL;
    if (!s)
        return NULL;
    char *r = malloc(len + 1);
    if (r) {
        memcpy(r, s, len);
        r[len] = '\0';
    }
    return r;
}

/* Attach a finished node to the open container (or make it the root). */
static int attach(struct builder *b, struct ynode *n, int *pending)
{
    if (b->depth == 0) {
        b->doc->root = n;
        return 0;
    }
    struct ynode *parent = b->stack[b->depth - 1].node;
    if (parent->kind == YN_SEQ)
        return seq_push(parent, n);
    /* A mapping fills key, value, key, value...: `n` counts complete pairs and a key
     * waits at items[2n] until its value comes (pending). */
    int slot = 2 * parent->n + pending[b->depth - 1];
    if (slot + 1 >= parent->cap) {
        int cap = parent->cap ? parent->cap * 2 : 8;
        struct ynode **items = realloc(parent->items, (size_t)cap * sizeof *items);
        if (!items)
            return -1;
        parent->items = items;
        parent->cap = cap;
    }
    parent->items[slot] = n;
    if (!pending[b->depth - 1]) {
        /* a key: a scalar, and not one the mapping already has */
        if (n->kind != YN_SCALAR) {
            report(b, n->line, n->col, "mapping keys must be strings, not %s", yaml_kind_name(n));
        } else {
            for (int i = 0; i < parent->n; i++) {
                const struct ynode *k = parent->items[2 * i];
                if (k->kind == YN_SCALAR && k->len == n->len && !memcmp(k->str, n->str, n->len)) {
                    report(b, n->line, n->col, "duplicate key '%s' (first at line %d)", n->str,
                           k->line);
                    break;
                }
            }
        }
        pending[b->depth - 1] = 1;
    } else {
        parent->n++;
        pending[b->depth - 1] = 0;
    }
    return 0;
}

static void diag_errors(struct builder *b, struct fy_diag *diag, int line, int col)
{
    void *it = NULL;
    struct fy_diag_error *de;
    int any = 0;
    while ((de = fy_diag_errors_iterate(diag, &it)) != NULL) {
        if (de->type < FYET_ERROR)
            continue;
        /* libfyaml's collected positions are already 1-based */
        report(b, de->line > 0 ? de->line : 1, de->column > 0 ? de->column : 1, "%s",
               de->msg ? de->msg : "YAML syntax error");
        any = 1;
    }
    if (!any)
        report(b, line, col, "YAML syntax error");
}

/* The whole file, NUL-terminated, at most YAML_MAX_FILE bytes. NULL after a report. */
static char *read_file(struct builder *b, const char *path, size_t *lenp)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        report(b, 0, 0, "cannot read: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1 == cap) {
            if (cap > YAML_MAX_FILE) {
                report(b, 0, 0, "the file is larger than %d MB", YAML_MAX_FILE >> 20);
                free(buf);
                fclose(f);
                return NULL;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (!buf) {
        report(b, 0, 0, "out of memory reading the plan");
        return NULL;
    }
    if (err) {
        report(b, 0, 0, "cannot read: %s", strerror(err));
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    *lenp = len;
    return buf;
}

/* Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
 * @return 0, or -1 with the 1-based line and column (in characters) of the first bad byte. */
static int utf8_check(const char *s, size_t len, int *line, int *col)
{
    const unsigned char *u = (const unsigned char *)s;
    int ln = 1, cl = 1;
    for (size_t i = 0; i < len;) {
        unsigned c = u[i];
        size_t n = c < 0x80             ? 1
                   : (c & 0xe0) == 0xc0 ? 2
                   : (c & 0xf0) == 0xe0 ? 3
                   : (c & 0xf8) == 0xf0 ? 4
                                        : 0;
        int ok = n != 0 && i + n <= len;
        for (size_t k = 1; ok && k < n; k++)
            ok = (u[i + k] & 0xc0) == 0x80;
        if (ok && n > 1) {
            unsigned cp = c & (0x7f >> n);
            for (size_t k = 1; k < n; k++)
                cp = (cp << 6) | (u[i + k] & 0x3f);
            ok = !((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
                   cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff));
        }
        if (!ok) {
            *line = ln;
            *col = cl;
            return -1;
        }
        if (c == '\n')
            ln++, cl = 1;
        else
            cl++;
        i += n;
    }
    return 0;
}

int yaml_doc_load(const char *path, yaml_err_fn err, void *ud, struct yaml_doc **out)
{
    struct builder b = {.err = err, .ud = ud};
    struct fy_diag *diag = NULL;
    struct fy_parser *fyp = NULL;
    int *pending = NULL;
    int docs = 0, last_line = 1, last_col = 1, oom = 0;

    size_t text_len = 0;
    char *text = read_file(&b, path, &text_len);
    if (!text)
        return -1;
    /* libfyaml 0.7.12 can loop forever on some invalid UTF-8 (in a directive): check first */
    int bad_line, bad_col;
    if (utf8_check(text, text_len, &bad_line, &bad_col) != 0) {
        report(&b, bad_line, bad_col, "not valid UTF-8 (a plan is UTF-8 text)");
        free(text);
        return -1;
    }

    b.doc = calloc(1, sizeof *b.doc);
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = NULL;
    dcfg.colorize = false;
    diag = b.doc ? fy_diag_create(&dcfg) : NULL;
    if (!diag)
        goto nomem;
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg cfg = {
        .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_JSON_NONE,
        .diag = diag,
    };
    fyp = fy_parser_create(&cfg);
    if (!fyp || fy_parser_set_string(fyp, text, text_len) != 0)
        goto nomem;

    struct fy_event *e;
    while (!oom && (e = fy_parser_parse(fyp)) != NULL) {
        const struct fy_mark *m = fy_event_start_mark(e);
        if (m) {
            last_line = m->line + 1;
            last_col = m->column + 1;
        }
        struct ynode *n = NULL;
        struct fy_token *anchor = NULL;
        switch (e->type) {
        case FYET_DOCUMENT_START:
            if (++docs == 2)
                report(&b, last_line, last_col,
                       "a plan is one YAML document; a second one starts here");
            break;
        case FYET_SCALAR:
            anchor = e->scalar.anchor;
            n = node_new(&b, YN_SCALAR, m);
            if (!n)
                break;
            {
                size_t len = 0;
                const char *s = fy_token_get_text(e->scalar.value, &len);
                n->str = malloc(len + 1);
                if (n->str) {
                    if (len)
                        memcpy(n->str, s, len);
                    n->str[len] = '\0';
                    n->len = len;
                }
                enum fy_scalar_style st = fy_token_scalar_style(e->scalar.value);
                n->plain = st == FYSS_PLAIN;
                n->quoted = st == FYSS_SINGLE_QUOTED || st == FYSS_DOUBLE_QUOTED;
            }
            break;
        case FYET_ALIAS: {
            size_t len = 0;
            const char *name = fy_token_get_text(e->alias.anchor, &len);
            n = name ? anchor_find(&b, name, len) : NULL;
            if (!n) {
                report(&b, last_line, last_col, "undefined alias '%.*s'", (int)len,
                       name ? name : "");
                /* keep the structure: a null in its place */
                n = node_new(&b, YN_SCALAR, m);
                if (n)
                    n->str = calloc(1, 1), n->plain = 1;
            }
            break;
        }
        case FYET_MAPPING_START:
        case FYET_SEQUENCE_START: {
            int map = e->type == FYET_MAPPING_START;
            struct ynode *c = node_new(&b, map ? YN_MAP : YN_SEQ, m);
            if (!c)
                break;
            if (b.depth == b.cap) {
                int cap = b.cap ? 2 * b.cap : 16;
                struct frame *st = realloc(b.stack, (size_t)cap * sizeof *st);
                int *pd = realloc(pending, (size_t)cap * sizeof *pd);
                if (st)
                    b.stack = st;
                if (pd)
                    pending = pd;
                if (!st || !pd) {
                    oom = 1;
                    break;
                }
                b.cap = cap;
            }
            b.stack[b.depth].node = c;
            b.stack[b.depth].anchor =
                token_dup(map ? e->mapping_start.anchor : e->sequence_start.anchor);
            pending[b.depth] = 0;
            b.depth++;
            break;
        }
        case FYET_MAPPING_END:
        case FYET_SEQUENCE_END:
            if (b.depth > 0) {
                struct frame fr = b.stack[--b.depth];
                if (attach(&b, fr.node, pending) < 0)
                    oom = 1;
                if (fr.anchor && anchor_add(&b, fr.anchor, fr.node) < 0)
                    oom = 1;
            }
            break;
        default:
            break;
        }
        if (n) {
            if ((n->kind == YN_SCALAR && !n->str) || attach(&b, n, pending) < 0)
                oom = 1;
            if (anchor) {
                char *name = token_dup(anchor);
                if (!name || anchor_add(&b, name, n) < 0)
                    oom = 1;
            }
        } else if ((e->type == FYET_SCALAR || e->type == FYET_ALIAS)) {
            oom = 1;
        }
        fy_parser_event_free(fyp, e);
    }
    if (oom)
        goto nomem;
    if (fy_parser_get_stream_error(fyp))
        diag_errors(&b, diag, last_line, last_col);

    for (int i = 0; i < b.depth; i++)
        free(b.stack[i].anchor);
    free(b.stack);
    free(pending);
    fy_parser_destroy(fyp);
    fy_diag_destroy(diag);
    free(text);
    if (b.failed) {
        yaml_doc_free(b.doc);
        return -1;
    }
    *out = b.doc;
    return 0;

nomem:
    report(&b, 0, 0, "out of memory reading the plan");
    for (int i = 0; i < b.depth; i++)
        free(b.stack[i].anchor);
    free(b.stack);
    free(pending);
    if (fyp)
        fy_parser_destroy(fyp);
    if (diag)
        fy_diag_destroy(diag);
    free(text);
    yaml_doc_free(b.doc);
    return -1;
}

void yaml_doc_free(struct yaml_doc *d)
{
    if (!d)
        return;
    for (struct ynode *n = d->all, *next; n; n = next) {
        next = n->next;
        free(n->str);
        free(n->items);
        free(n);
    }
    for (int i = 0; i < d->nanchors; i++)
        free(d->anchors[i].name);
    free(d->anchors);
    free(d);
}

struct ynode *yaml_map_get(const struct ynode *map, const char *key)
{
    if (!map || map->kind != YN_MAP)
        return NULL;
    for (int i = 0; i < map->n; i++) {
        const struct ynode *k = map->items[2 * i];
        if (k->kind == YN_SCALAR && strcmp(k->str, key) == 0)
            return map->items[2 * i + 1];
    }
    return NULL;
}

int yaml_is_null(const struct ynode *n)
{
    if (!n || n->kind != YN_SCALAR || !n->plain)
        return 0;
    return n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
           !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

int yaml_get_bool(const struct ynode *n, int *out)
{
    if (!n || n->kind != YN_SCALAR || !n->plain)
        return -1;
    if (!strcmp(n->str, "true") || !strcmp(n->str, "True") || !strcmp(n->str, "TRUE")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(n->str, "false") || !strcmp(n->str, "False") || !strcmp(n->str, "FALSE")) {
        *out = 0;
        return 0;
    }
    return -1;
}

int yaml_get_int(const struct ynode *n, long long *out)
{
    if (!n || n->kind != YN_SCALAR || n->len == 0 || strlen(n->str) != n->len)
        return -1;
    const char *s = n->str;
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (!s[i])
        return -1;
    for (size_t j = i; s[j]; j++)
        if (!isdigit((unsigned char)s[j]))
            return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* A number as JSON and YAML 1.2 write it: -?digits(.digits)?([eE][+-]?digits)?
 * (a leading '+' and a bare ".5" are taken too). */
static int looks_numeric(const char *s)
{
    size_t i = 0, digits = 0;
    if (s[i] == '-' || s[i] == '+')
        i++;
    while (isdigit((unsigned char)s[i]))
        i++, digits++;
    if (s[i] == '.') {
        i++;
        while (isdigit((unsigned char)s[i]))
            i++, digits++;
    }
    if (!digits)
        return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        i++;
        if (s[i] == '-' || s[i] == '+')
            i++;
        if (!isdigit((unsigned char)s[i]))
            return 0;
        while (isdigit((unsigned char)s[i]))
            i++;
    }
    return s[i] == '\0';
}

int yaml_get_number(const struct ynode *n, double *out)
{
    if (!n || n->kind != YN_SCALAR || n->len == 0 || strlen(n->str) != n->len ||
        !looks_numeric(n->str))
        return -1;
    char *end;
    double v = strtod(n->str, &end);
    if (*end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

const char *yaml_kind_name(const struct ynode *n)
{
    if (!n)
        return "nothing";
    if (n->kind == YN_MAP)
        return "a mapping";
    if (n->kind == YN_SEQ)
        return "a list";
    if (yaml_is_null(n))
        return "null";
    int b;
    double d;
    if (n->plain && yaml_get_bool(n, &b) == 0)
        return "true/false";
    if (n->plain && yaml_get_number(n, &d) == 0)
        return "a number";
    return "a string";
}

static json_t *to_json(const struct ynode *n, long *budget, int depth)
{
    if (--*budget < 0 || depth > 256)
        return NULL;
    if (n->kind == YN_SCALAR) {
        if (!n->plain)
            return json_stringn(n->str, n->len);
        int b;
        long long i;
        double d;
        if (yaml_is_null(n))
            return json_null();
        if (yaml_get_bool(n, &b) == 0)
            return json_boolean(b);
        if (yaml_get_int(n, &i) == 0)
            return json_integer((json_int_t)i);
        if (yaml_get_number(n, &d) == 0)
            return json_real(d);
        return json_stringn(n->str, n->len);
    }
    json_t *j = n->kind == YN_MAP ? json_object() : json_array();
    if (!j)
        return NULL;
    for (int i = 0; i < n->n; i++) {
        const struct ynode *v = n->kind == YN_MAP ? n->items[2 * i + 1] : n->items[i];
        json_t *c = to_json(v, budget, depth + 1);
        int rc;
        if (!c)
            rc = -1;
        else if (n->kind == YN_MAP)
            rc = json_object_setn_new(j, n->items[2 * i]->str, n->items[2 * i]->len, c);
        else
            rc = json_array_append_new(j, c);
        if (rc != 0) {
            json_decref(j);
            return NULL;
        }
    }
    return j;
}

void *yaml_to_json(const struct ynode *n, long *budget)
{
    if (!n)
        return NULL;
    return to_json(n, budget, 0);
}
