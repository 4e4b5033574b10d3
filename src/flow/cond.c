/* cond.c — parsing expect/until conditions into a tree of comparisons and evaluating it. */
#include "flow/cond.h"

#include "flow/jpath.h"
#include "util/sbuf.h"
#include "util/perr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COND_MAX_DEPTH 32
#define DESCRIBE_MAX 64 /* bytes of a value shown by cond_describe */

enum kind { N_AND, N_OR, N_LEAF };
enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_EXISTS, OP_NEXISTS };
enum lit { L_NUM, L_STR, L_TRUE, L_FALSE, L_NULL };

static const char *const op_text[] = {"==", "!=", "<", "<=", ">", ">=", "exists", "!exists"};

struct node {
    int kind;           /* enum kind */
    struct node **kids; /* N_AND / N_OR: 2+ children */
    int nkids;
    jpath *path;    /* N_LEAF */
    int op;         /* enum op */
    int lit;        /* enum lit (comparisons only) */
    int lit_int;    /* L_NUM: the literal is an integer that fits in long long */
    long long inum; /* L_NUM when lit_int */
    double num;     /* L_NUM; also a L_STR that holds a number (when str_num) */
    int str_num;    /* L_STR: the string is a number literal */
    char *str;      /* L_STR: unescaped bytes */
    size_t slen;
    char *src; /* the value as written, for cond_describe */
};

struct cond {
    struct node *root;
    char *src;
};

/* ---- numbers ---- */

/* Is s[0..n) a whole number literal: -?digits(.digits)?([eE][+-]?digits)? ? On success
 * fills *d, and *i with *is_int when it is an integer fitting in long long. */
static int parse_number(const char *s, size_t n, double *d, long long *i, int *is_int)
{
    size_t k = 0;
    int integral = 1;
    if (n == 0 || n > 64)
        return 0;
    if (s[k] == '-')
        k++;
    size_t digits = k;
    while (k < n && s[k] >= '0' && s[k] <= '9')
        k++;
    if (k == digits)
        return 0;
    if (k < n && s[k] == '.') {
        integral = 0;
        size_t f = ++k;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++;
        if (k == f)
            return 0;
    }
    if (k < n && (s[k] == 'e' || s[k] == 'E')) {
        integral = 0;
        k++;
        if (k < n && (s[k] == '+' || s[k] == '-'))
            k++;
        size_t e = k;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++;
        if (k == e)
            return 0;
    }
    if (k != n)
        return 0;
    char tmp[72];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    *d = strtod(tmp, NULL);
    *is_int = 0;
    if (integral) {
        errno = 0;
        long long v = strtoll(tmp, NULL, 10);
        if (!errno) {
            *i = v;
            *is_int = 1;
        }
    }
    return 1;
}

/* ---- parsing ---- */

struct pstate {
    const char *s;
    struct perr e; /* message and column of the first problem */
};

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static const char *skip(const char *p)
{
    while (is_blank(*p))
        p++;
    return p;
}

/* Ends a bare word or a keyword. */
static int is_stop(char ch)
{
    return !ch || is_blank(ch) || strchr("()&|=<>!", ch);
}

static void node_free(struct node *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->nkids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    jpath_free(n->path);
    free(n->str);
    free(n->src);
    free(n);
}

static char *dup_n(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

static int parse_value(struct pstate *c, struct node *n, const char **pp)
{
    const char *p = *pp, *start = p;
    char b[16];
    if (*p == '"' || *p == '\'') {
        char quote = *p++;
        struct sbuf v = SBUF_INIT;
        while (*p && *p != quote) {
            if (*p == '\\' && p[1])
                p++;
            if (sbuf_putc(&v, *p++)) {
                sbuf_free(&v);
                return -ENOMEM;
            }
        }
        if (!*p) {
            sbuf_free(&v);
            return perr_at(&c->e, start, "unterminated string");
        }
        p++;
        n->lit = L_STR;
        n->slen = v.len;
        n->str = sbuf_detach(&v);
        if (!n->str)
            return -ENOMEM;
        n->str_num = parse_number(n->str, n->slen, &n->num, &n->inum, &n->lit_int);
    } else {
        while (!is_stop(*p))
            p++;
        size_t len = (size_t)(p - start);
        if (!len)
            return perr_at(&c->e, start, "expected a value after '%s', got %s", op_text[n->op],
                           perr_show(*p, b));
        if (len == 4 && !memcmp(start, "true", 4))
            n->lit = L_TRUE;
        else if (len == 5 && !memcmp(start, "false", 5))
            n->lit = L_FALSE;
        else if (len == 4 && !memcmp(start, "null", 4))
            n->lit = L_NULL;
        else if (parse_number(start, len, &n->num, &n->inum, &n->lit_int))
            n->lit = L_NUM;
        else {
            n->lit = L_STR;
            n->slen = len;
            if (!(n->str = dup_n(start, len)))
                return -ENOMEM;
        }
    }
    if (n->op != OP_EQ && n->op != OP_NE && n->lit != L_NUM && n->lit != L_STR)
        return perr_at(&c->e, start, "'%s' needs a number or a string", op_text[n->op]);
    if (!(n->src = dup_n(start, (size_t)(p - start))))
        return -ENOMEM;
    *pp = p;
    return 0;
}

static int parse_leaf(struct pstate *c, const char **pp, struct node **out)
{
    const char *p = *pp;
    char b[16];
    int rc;
    if (!*p || *p == ')' || *p == '&' || *p == '|')
        return perr_at(&c->e, p, "expected a path, got %s", perr_show(*p, b));
    struct node *n = calloc(1, sizeof *n);
    if (!n)
        return -ENOMEM;
    n->kind = N_LEAF;
    size_t used = 0;
    int col = 0;
    rc = jpath_parse(p, &used, &n->path, c->e.err, c->e.errlen, &col);
    if (rc) {
        c->e.col = rc == -EINVAL ? col + (int)(p - c->s) : 0;
        goto fail;
    }
    p = skip(p + used);
    if (!strncmp(p, "exists", 6) && is_stop(p[6])) {
        n->op = OP_EXISTS, p += 6;
    } else if (!strncmp(p, "!exists", 7) && is_stop(p[7])) {
        n->op = OP_NEXISTS, p += 7;
    } else {
        if (p[0] == '=' && p[1] == '=')
            n->op = OP_EQ, p += 2;
        else if (p[0] == '!' && p[1] == '=')
            n->op = OP_NE, p += 2;
        else if (p[0] == '<' && p[1] == '=')
            n->op = OP_LE, p += 2;
        else if (p[0] == '>' && p[1] == '=')
            n->op = OP_GE, p += 2;
        else if (p[0] == '<')
            n->op = OP_LT, p += 1;
        else if (p[0] == '>')
            n->op = OP_GT, p += 1;
        else if (p[0] == '=') {
            rc = perr_at(&c->e, p, "use '==' to compare, not '='");
            goto fail;
        } else {
            rc = perr_at(&c->e, p, "expected an operator (== != < <= > >= exists !exists), got %s",
                         perr_show(*p, b));
            goto fail;
        }
        p = skip(p);
        if ((rc = parse_value(c, n, &p)))
            goto fail;
    }
    *pp = p;
    *out = n;
    return 0;
fail:
    node_free(n);
    return rc;
}

static int parse_or(struct pstate *c, const char **pp, int depth, struct node **out);

static int parse_prim(struct pstate *c, const char **pp, int depth, struct node **out)
{
    const char *p = skip(*pp);
    int rc;
    if (*p != '(') {
        rc = parse_leaf(c, &p, out);
    } else {
        const char *open = p;
        char b[16];
        if (depth >= COND_MAX_DEPTH)
            return perr_at(&c->e, open, "parentheses nested deeper than %d", COND_MAX_DEPTH);
        p++;
        if ((rc = parse_or(c, &p, depth + 1, out)))
            return rc;
        p = skip(p);
        if (*p != ')') {
            node_free(*out);
            *out = NULL;
            if (!*p)
                return perr_at(&c->e, open, "unclosed '('");
            return perr_at(&c->e, p, "expected ')' or && or ||, got %s", perr_show(*p, b));
        }
        p++;
    }
    if (!rc)
        *pp = p;
    return rc;
}

/* A chain of prims joined by `tok` ("&&" or "||"), built by `sub`, into one n-ary node. */
static int parse_chain(struct pstate *c, const char **pp, int depth, struct node **out,
                       const char *tok, int kind,
                       int (*sub)(struct pstate *, const char **, int, struct node **))
{
    const char *p = *pp;
    struct node *first = NULL, *n = NULL, *kid = NULL;
    int rc = sub(c, &p, depth, &first);
    if (rc)
        return rc;
    for (;;) {
        const char *q = skip(p);
        if (q[0] != tok[0] || q[1] != tok[1])
            break;
        p = q + 2;
        if ((rc = sub(c, &p, depth, &kid)))
            goto fail;
        if (!n) {
            n = calloc(1, sizeof *n);
            if (!n) {
                rc = -ENOMEM;
                goto fail;
            }
            n->kind = kind;
        }
        struct node **k = realloc(n->kids, (size_t)(n->nkids + 2) * sizeof *k);
        if (!k) {
            rc = -ENOMEM;
            goto fail;
        }
        n->kids = k;
        if (!n->nkids)
            n->kids[n->nkids++] = first, first = NULL;
        n->kids[n->nkids++] = kid, kid = NULL;
    }
    *pp = p;
    *out = n ? n : first;
    return 0;
fail:
    node_free(first);
    node_free(kid);
    node_free(n);
    return rc;
}

static int parse_and(struct pstate *c, const char **pp, int depth, struct node **out)
{
    return parse_chain(c, pp, depth, out, "&&", N_AND, parse_prim);
}

static int parse_or(struct pstate *c, const char **pp, int depth, struct node **out)
{
    return parse_chain(c, pp, depth, out, "||", N_OR, parse_and);
}

int cond_compile(const char *s, cond **out, char *err, int errlen, int *err_col)
{
    struct pstate c = {.s = s, .e = {.src = s, .err = err, .errlen = errlen}};
    struct node *root = NULL;
    cond *cd = NULL;
    char b[16];
    int rc;
    if (err && errlen > 0)
        err[0] = '\0';
    const char *p = skip(s);
    if (!*p) {
        rc = perr_at(&c.e, p, "empty condition");
        goto fail;
    }
    if ((rc = parse_or(&c, &p, 0, &root)))
        goto fail;
    p = skip(p);
    if (*p) {
        if (*p == ')')
            rc = perr_at(&c.e, p, "unexpected ')'");
        else if (*p == '&' || *p == '|')
            rc = perr_at(&c.e, p, "expected && or ||, got a single '%c'", *p);
        else
            rc = perr_at(&c.e, p, "expected && or || or the end, got %s", perr_show(*p, b));
        goto fail;
    }
    cd = calloc(1, sizeof *cd);
    if (!cd || !(cd->src = dup_n(s, strlen(s)))) {
        rc = -ENOMEM;
        goto fail;
    }
    cd->root = root;
    *out = cd;
    return 0;
fail:
    if (rc == -ENOMEM) {
        if (err && errlen > 0)
            snprintf(err, (size_t)errlen, "out of memory");
        c.e.col = 0;
    }
    if (err_col)
        *err_col = c.e.col;
    node_free(root);
    free(cd);
    return rc;
}

void cond_free(cond *c)
{
    if (!c)
        return;
    node_free(c->root);
    free(c->src);
    free(c);
}

const char *cond_source(const cond *c)
{
    return c->src;
}

/* ---- evaluating ---- */

#define MISMATCH 2

static int cmp3_ll(long long a, long long b)
{
    return (a > b) - (a < b);
}

static int cmp3_d(double a, double b)
{
    return (a > b) - (a < b);
}

/* -1/0/1 comparing the JSON value with the literal, or MISMATCH. */
static int compare(const struct node *n, json_t *v)
{
    double d = 0;
    long long i = 0;
    int is_int = 0;
    int have_num = 0; /* v read as a number into d / i */
    if (json_is_integer(v))
        i = (long long)json_integer_value(v), d = (double)i, is_int = 1, have_num = 1;
    else if (json_is_real(v))
        d = json_real_value(v), have_num = 1;

    switch (n->lit) {
    case L_NUM:
        if (!have_num && json_is_string(v))
            have_num = parse_number(json_string_value(v), json_string_length(v), &d, &i, &is_int);
        if (!have_num)
            return MISMATCH;
        if (is_int && n->lit_int)
            return cmp3_ll(i, n->inum);
        return cmp3_d(d, n->num);
    case L_STR:
        if (json_is_string(v)) {
            size_t vl = json_string_length(v), m = vl < n->slen ? vl : n->slen;
            int r = memcmp(json_string_value(v), n->str, m);
            if (r)
                return r < 0 ? -1 : 1;
            return cmp3_ll((long long)vl, (long long)n->slen);
        }
        if (have_num && n->str_num)
            return is_int && n->lit_int ? cmp3_ll(i, n->inum) : cmp3_d(d, n->num);
        return MISMATCH;
    case L_TRUE:
        return json_is_true(v) ? 0 : MISMATCH;
    case L_FALSE:
        return json_is_false(v) ? 0 : MISMATCH;
    default:
        return json_is_null(v) ? 0 : MISMATCH;
    }
}

static int eval_leaf(const struct node *n, json_t *v)
{
    if (n->op == OP_EXISTS)
        return v != NULL;
    if (n->op == OP_NEXISTS)
        return v == NULL;
    if (!v)
        return 0;
    int r = compare(n, v);
    if (r == MISMATCH)
        return n->op == OP_NE;
    switch (n->op) {
    case OP_EQ:
        return r == 0;
    case OP_NE:
        return r != 0;
    case OP_LT:
        return r < 0;
    case OP_LE:
        return r <= 0;
    case OP_GT:
        return r > 0;
    default:
        return r >= 0;
    }
}

static int eval(const struct node *n, json_t *root)
{
    if (n->kind == N_LEAF)
        return eval_leaf(n, jpath_get(n->path, root));
    for (int i = 0; i < n->nkids; i++) {
        int r = eval(n->kids[i], root);
        if (n->kind == N_AND ? !r : r)
            return r;
    }
    return n->kind == N_AND;
}

int cond_eval(const cond *c, json_t *root)
{
    return eval(c->root, root);
}

/* ---- describing ---- */

struct capped {
    struct sbuf *out;
    size_t limit; /* stop once out->len reaches this */
    int cut;      /* output was cut */
};

static int capped_cb(const char *buf, size_t size, void *data)
{
    struct capped *cp = data;
    size_t room = cp->limit > cp->out->len ? cp->limit - cp->out->len : 0;
    if (size > room) {
        cp->cut = 1;
        if (room && sbuf_append(cp->out, buf, room))
            return -1;
        return -1; /* stop dumping */
    }
    return sbuf_append(cp->out, buf, size) ? -1 : 0;
}

static int put_value(struct sbuf *out, json_t *v)
{
    struct capped cp = {out, out->len + DESCRIBE_MAX, 0};
    size_t entry = out->len;
    if (json_dump_callback(v, capped_cb, &cp, JSON_COMPACT | JSON_ENCODE_ANY) && !cp.cut) {
        sbuf_truncate(out, entry);
        return -ENOMEM;
    }
    if (cp.cut) {
        /* Do not end inside a UTF-8 sequence. */
        size_t len = out->len;
        while (len > entry && ((unsigned char)out->buf[len - 1] & 0xc0) == 0x80)
            len--;
        if (len > entry && (unsigned char)out->buf[len - 1] >= 0xc0)
            len--;
        sbuf_truncate(out, len);
        return sbuf_puts(out, "...");
    }
    return 0;
}

static int describe_leaf(const struct node *n, json_t *v, struct sbuf *why)
{
    int rc = sbuf_puts(why, jpath_source(n->path));
    if (!rc)
        rc = sbuf_puts(why, v ? " is " : " is missing");
    if (!rc && v)
        rc = put_value(why, v);
    if (!rc)
        rc = sbuf_printf(why, ", wanted %s%s%s", op_text[n->op], n->src ? " " : "",
                         n->src ? n->src : "");
    return rc;
}

static int describe(const struct node *n, json_t *root, struct sbuf *why)
{
    if (n->kind == N_LEAF) {
        json_t *v = jpath_get(n->path, root);
        return eval_leaf(n, v) ? 1 : describe_leaf(n, v, why);
    }
    if (eval(n, root))
        return 1;
    for (int i = 0, written = 0; i < n->nkids; i++) {
        if (eval(n->kids[i], root))
            continue;
        if (written++ && sbuf_puts(why, "; "))
            return -ENOMEM;
        int rc = describe(n->kids[i], root, why);
        if (rc < 0)
            return rc;
        if (n->kind == N_AND)
            break;
    }
    return 0;
}

int cond_describe(const cond *c, json_t *root, struct sbuf *why)
{
    size_t entry = why->len;
    int rc = describe(c->root, root, why);
    if (rc < 0)
        sbuf_truncate(why, entry);
    return rc;
}
