/* load_flow.c — the plan loader's `flows:`: request, think and transaction steps, with
 * their headers, bodies, expectations, extractions and polls, checked and compiled. */
#include "engine/origin.h"
#include "flow/cond.h"
#include "flow/jpath.h"
#include "plan/load_int.h"
#include "util/units.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const METHODS[] = {"get",    "post", "put",     "patch",
                                      "delete", "head", "options", NULL};
static const char *const REQ_KEYS[] = {"get",     "post",    "put",     "patch",     "delete",
                                       "head",    "options", "name",    "headers",   "query",
                                       "body",    "json",    "form",    "multipart", "expect",
                                       "extract", "poll",    "timeout", "cookies",   NULL};
static const char *const COOKIES_KEYS[] = {"clear", "set", NULL};
static const char *const STEP_WORDS[] = {"get",     "post",  "put",         "patch", "delete",
                                         "head",    "options", "think", "transaction", "ws", NULL};
static const char *const WS_KEYS[] = {"ws",           "name",      "headers",      "query",
                                      "send",         "receive",   "each_message", "reconnect",
                                      "resume_check", "drop_after", "timeout",     NULL};
static const char *const RECEIVE_KEYS[] = {"until", "timeout", "extract", NULL};
static const char *const EACH_KEYS[] = {"count", "extract", NULL};
static const char *const RECONNECT_KEYS[] = {"attempts", "backoff", NULL};
static const char *const THINK_KEYS[] = {"think", NULL};
static const char *const TXN_KEYS[] = {"transaction", "steps", NULL};
static const char *const EXPECT_KEYS[] = {"status", "body", "json", NULL};
static const char *const POLL_KEYS[] = {"every", "until", "timeout", NULL};
static const char *const PART_KEYS[] = {"name", "value", "files", NULL};
static const char *const EXTRACT_FROM[] = {"json", "header", "cookie", "regex", "group", NULL};
static const char *const BODY_KEYS[] = {"body", "json", "form", "multipart", NULL};

#define POLL_DEFAULT_TIMEOUT_US (10ull * 60 * 1000000)
#define JSON_BUDGET 100000

/* The flow being built. */
struct fb {
    struct plan_flow *f;
    int capsteps, captxns;
};

static struct plan_step *add_step(struct ld *l, struct fb *fb, const struct ynode *at)
{
    if (--l->steps_left < 0) {
        if (l->steps_left == -1)
            ld_errn(l, at, "too many steps: a plan may have at most %d in all its flows",
                    LD_MAX_STEPS);
        return NULL;
    }
    struct plan_flow *f = fb->f;
    if (f->nsteps == fb->capsteps) {
        int cap = fb->capsteps ? 2 * fb->capsteps : 8;
        struct plan_step *s = realloc(f->steps, (size_t)cap * sizeof *s);
        if (!s) {
            l->oom = 1;
            return NULL;
        }
        f->steps = s;
        fb->capsteps = cap;
    }
    struct plan_step *st = &f->steps[f->nsteps++];
    memset(st, 0, sizeof *st);
    st->loc = (struct plan_loc){at->line, at->col};
    st->body_payload = -1;
    st->txn = -1;
    return st;
}

/* Is `name` already a request step's or a transaction's name in this flow? */
static const struct plan_step *name_taken(const struct plan_flow *f, const char *name, int upto)
{
    for (int i = 0; i < upto; i++) {
        const struct plan_step *s = &f->steps[i];
        if ((s->kind == STEP_REQUEST || s->kind == STEP_TXN_BEGIN || s->kind == STEP_WS ||
             s->kind == STEP_WS_CONNECT) && s->name &&
            !strcmp(s->name, name))
            return s;
    }
    return NULL;
}

static int payload_index(struct ld *l, const struct ynode *at, const char *name, const char *what)
{
    const struct plan *p = l->p;
    for (int i = 0; i < p->npayloads; i++)
        if (!strcmp(p->payloads[i].name, name))
            return i;
    const char *names[64];
    int n = 0;
    for (int i = 0; i < p->npayloads && n < 63; i++)
        names[n++] = p->payloads[i].name;
    names[n] = NULL;
    const char *s = ld_suggest(name, names);
    if (s)
        ld_errn(l, at, "%s: unknown data payload '%s' (did you mean '%s'?)", what, name, s);
    else if (n)
        ld_errn(l, at, "%s: unknown data payload '%s' (data: has %d: %s%s)", what, name, n,
                names[0], n > 1 ? ", ..." : "");
    else
        ld_errn(l, at, "%s: unknown data payload '%s' (the plan has no data: section)", what, name);
    return -1;
}

static int header_name_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s))
            return 0;
    return 1;
}

void ld_kv_map(struct ld *l, const struct ynode *m, const char *what, int headers,
               struct plan_kv **kv, int *nkv)
{
    if (ld_want_map(l, m, what) != 0)
        return;
    struct plan_kv *a = realloc(*kv, (size_t)(*nkv + m->n + 1) * sizeof *a);
    if (!a) {
        l->oom = 1;
        return;
    }
    *kv = a;
    for (int i = 0; i < m->n; i++) {
        const struct ynode *k = m->items[2 * i], *v = m->items[2 * i + 1];
        if (headers && !header_name_ok(k->str)) {
            ld_errn(l, k, "%s: '%s' is not a valid %s name", what, k->str,
                    headers == 2 ? "cookie" : "header");
            continue;
        }
        char w[160];
        snprintf(w, sizeof w, "%s %s", what, k->str);
        tmpl *t = ld_tmpl(l, v, w);
        if (!t)
            continue;
        char *name = ld_strdup(l, k->str);
        if (!name) {
            tmpl_free(t);
            continue;
        }
        a[*nkv] = (struct plan_kv){name, t, {k->line, k->col}};
        (*nkv)++;
    }
}

/* Does the step set a header `name` itself? */
static int step_sets_header(const struct ynode *hm, const char *name)
{
    if (!hm || hm->kind != YN_MAP)
        return 0;
    for (int i = 0; i < hm->n; i++)
        if (!strcasecmp(hm->items[2 * i]->str, name))
            return 1;
    return 0;
}

/* defaults.headers (already checked when the defaults were read) compiled again for
 * this step, less those the step sets itself. */
static void default_headers(struct ld *l, struct plan_step *st, const struct ynode *own)
{
    const struct ynode *d = l->def_headers;
    if (!d || d->kind != YN_MAP || !d->n)
        return;
    st->headers = calloc((size_t)d->n, sizeof *st->headers);
    if (!st->headers) {
        l->oom = 1;
        return;
    }
    for (int i = 0; i < d->n; i++) {
        const struct ynode *k = d->items[2 * i], *v = d->items[2 * i + 1];
        if (step_sets_header(own, k->str) || !header_name_ok(k->str) || v->kind != YN_SCALAR)
            continue;
        tmpl *t = NULL;
        if (tmpl_compile(v->str, &t, NULL, 0, NULL) != 0)
            continue; /* reported with the defaults */
        char *name = ld_strdup(l, k->str);
        if (!name) {
            tmpl_free(t);
            continue;
        }
        st->headers[st->nheaders++] = (struct plan_kv){name, t, {k->line, k->col}};
    }
}

/* A request or ws step's name (as given in nn, else defname; unique in the flow) and its
 * headers (the defaults', less those it sets, then its own) and query. */
static void step_name_headers(struct ld *l, struct fb *fb, struct plan_step *st,
                              const struct ynode *m, const struct ynode *nn, const char *defname)
{
    const char *name = nn ? ld_str(l, nn, "name") : NULL;
    if (!name)
        name = defname;
    st->name = ld_strdup(l, name);
    const struct plan_step *dup = st->name ? name_taken(fb->f, st->name, fb->f->nsteps - 1) : NULL;
    if (dup)
        ld_errn(l, nn ? nn : m,
                "duplicate step name '%s' in flow '%s' (first at line %d); "
                "names must be unique within a flow",
                name, fb->f->name, dup->loc.line);
    const struct ynode *hm = yaml_map_get(m, "headers");
    default_headers(l, st, hm);
    if (hm)
        ld_kv_map(l, hm, "headers", 1, &st->headers, &st->nheaders);
    const struct ynode *q = yaml_map_get(m, "query");
    if (q)
        ld_kv_map(l, q, "query", 0, &st->query, &st->nquery);
}

/* Check every string inside a `json:` value as a template (at its own position). */
static void json_check(struct ld *l, const struct ynode *n, long *budget)
{
    if (--*budget < 0)
        return;
    if (n->kind == YN_SCALAR) {
        if (strstr(n->str, "${")) {
            tmpl *t = ld_tmpl(l, n, "json");
            tmpl_free(t);
        }
        return;
    }
    for (int i = 0; i < n->n; i++) {
        if (n->kind == YN_MAP) {
            json_check(l, n->items[2 * i], budget);
            json_check(l, n->items[2 * i + 1], budget);
        } else {
            json_check(l, n->items[i], budget);
        }
    }
}

static void body_json(struct ld *l, struct plan_step *st, const struct ynode *n)
{
    long budget = JSON_BUDGET;
    int before = l->nerrs;
    json_check(l, n, &budget);
    if (l->nerrs != before)
        return;
    budget = JSON_BUDGET;
    json_t *j = yaml_to_json(n, &budget);
    if (!j) {
        ld_errn(l, n,
                "json: cannot convert to JSON (more than %d values, nested deeper than "
                "256, or text that is not UTF-8)",
                JSON_BUDGET);
        return;
    }
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    if (!text) {
        l->oom = 1;
        return;
    }
    char err[256];
    int ecol = 0;
    tmpl *t = NULL;
    if (tmpl_compile_json(text, &t, err, sizeof err, &ecol) != 0) {
        ld_errn(l, n, "json: %s (in the JSON text at byte %d)", err, ecol);
    } else {
        st->body = BODY_JSON;
        st->body_text = t;
    }
    free(text);
}

static void body_text(struct ld *l, struct plan_step *st, const struct ynode *n)
{
    const char *s = ld_str(l, n, "body");
    if (!s)
        return;
    if (s[0] == '@' && s[1] != '@') {
        int i = payload_index(l, n, s + 1, "body");
        if (i >= 0) {
            st->body = BODY_PAYLOAD;
            st->body_payload = i;
        }
        return;
    }
    /* "@@..." is the literal text "@..." */
    int skip = s[0] == '@' ? 1 : 0;
    tmpl *t = ld_tmpl_text(l, s + skip, n->line, n->col + skip, "body");
    if (t) {
        st->body = BODY_TEXT;
        st->body_text = t;
    }
}

static void multipart(struct ld *l, struct plan_step *st, const struct ynode *n)
{
    if (ld_want_seq(l, n, "multipart") != 0)
        return;
    if (!n->n) {
        ld_errn(l, n, "multipart: the list of parts is empty");
        return;
    }
    st->parts = calloc((size_t)n->n, sizeof *st->parts);
    if (!st->parts) {
        l->oom = 1;
        return;
    }
    st->body = BODY_MULTIPART;
    for (int i = 0; i < n->n; i++) {
        const struct ynode *pm = n->items[i];
        if (ld_want_map(l, pm, "multipart part") != 0)
            continue;
        ld_check_keys(l, pm, "a multipart part", PART_KEYS);
        const struct ynode *name = yaml_map_get(pm, "name"), *value = yaml_map_get(pm, "value"),
                           *files = yaml_map_get(pm, "files");
        if (!name) {
            ld_errn(l, pm, "multipart part: 'name' is required (the form field's name)");
            continue;
        }
        const char *nm = ld_str(l, name, "multipart name");
        if (!nm)
            continue;
        if (!value == !files) {
            ld_errn(l, value ? value : pm,
                    "multipart part '%s': give either value: (a text field) or files: (a data "
                    "payload), %s",
                    nm, value ? "not both" : "one of them");
            continue;
        }
        struct plan_part part = {NULL, NULL, -1, {pm->line, pm->col}};
        if (value) {
            char w[160];
            snprintf(w, sizeof w, "multipart '%s' value", nm);
            part.value = ld_tmpl(l, value, w);
            if (!part.value)
                continue;
        } else {
            const char *pn = ld_str(l, files, "multipart files");
            if (!pn || (part.payload = payload_index(l, files, pn, "multipart files")) < 0)
                continue;
        }
        part.name = ld_strdup(l, nm);
        st->parts[st->nparts++] = part;
    }
}

/* One status entry: 200, "200" or "2xx". @return 0 or -1 (reported). */
static int status_one(struct ld *l, const struct ynode *n, struct plan_expect *e)
{
    long long v;
    if (n->kind == YN_SCALAR && yaml_get_int(n, &v) == 0) {
        if (v < 100 || v > 599) {
            ld_errn(l, n, "expect status: %lld is not an HTTP status (100 to 599)", v);
            return -1;
        }
        e->status[v / 8] |= (uint8_t)(1u << (v % 8));
        return 0;
    }
    if (n->kind == YN_SCALAR && n->len == 3 && n->str[0] >= '1' && n->str[0] <= '5' &&
        tolower((unsigned char)n->str[1]) == 'x' && tolower((unsigned char)n->str[2]) == 'x') {
        int base = (n->str[0] - '0') * 100;
        for (int c = base; c < base + 100; c++)
            e->status[c / 8] |= (uint8_t)(1u << (c % 8));
        return 0;
    }
    ld_errn(l, n,
            "expect status: bad status %s%s%s: use a code (200), a class (\"2xx\", 1xx to 5xx) "
            "or a list of them",
            n->kind == YN_SCALAR ? "'" : "", n->kind == YN_SCALAR ? n->str : yaml_kind_name(n),
            n->kind == YN_SCALAR ? "'" : "");
    return -1;
}

static struct cond *compile_cond(struct ld *l, const struct ynode *n, const char *what)
{
    const char *s = ld_str(l, n, what);
    if (!s)
        return NULL;
    char err[256];
    int ecol = 0;
    struct cond *c = NULL;
    if (cond_compile(s, &c, err, sizeof err, &ecol) != 0) {
        ld_err(l, n->line, ld_text_col(n, ecol > 0 ? ecol - 1 : 0), "%s: bad condition: %s", what,
               err);
        return NULL;
    }
    return c;
}

static void expect(struct ld *l, struct plan_step *st, const struct ynode *n)
{
    if (ld_want_map(l, n, "expect") != 0)
        return;
    ld_check_keys(l, n, "expect", EXPECT_KEYS);
    const struct ynode *s = yaml_map_get(n, "status");
    struct plan_expect *e = &st->expect;
    if (s) {
        int ok = 1;
        if (s->kind == YN_SEQ) {
            if (!s->n) {
                ld_errn(l, s, "expect status: the list is empty");
                ok = 0;
            }
            for (int i = 0; i < s->n; i++)
                ok &= status_one(l, s->items[i], e) == 0;
        } else {
            ok = status_one(l, s, e) == 0;
        }
        e->has_status = ok;
        if (!ok)
            memset(e->status, 0, sizeof e->status);
    }
    const struct ynode *b = yaml_map_get(n, "body");
    if (b)
        e->body_contains = ld_tmpl(l, b, "expect body");
    const struct ynode *j = yaml_map_get(n, "json");
    if (j)
        e->json = compile_cond(l, j, "expect json");
}

/* POSIX extended regex with the \d \w \s (and \D \W \S) shorthands users type from
 * other engines, turned into bracket expressions outside brackets. */
static char *regex_translate(const char *re)
{
    size_t n = strlen(re);
    char *out = malloc(n * 16 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    int in_bracket = 0;
    for (size_t i = 0; i < n; i++) {
        char c = re[i];
        if (!in_bracket && c == '\\' && i + 1 < n && strchr("dDwWsS", re[i + 1])) {
            const char *rep = NULL;
            switch (re[i + 1]) {
            case 'd':
                rep = "[0-9]";
                break;
            case 'D':
                rep = "[^0-9]";
                break;
            case 'w':
                rep = "[[:alnum:]_]";
                break;
            case 'W':
                rep = "[^[:alnum:]_]";
                break;
            case 's':
                rep = "[[:space:]]";
                break;
            default:
                rep = "[^[:space:]]";
                break;
            }
            size_t rl = strlen(rep);
            memcpy(out + o, rep, rl);
            o += rl;
            i++;
            continue;
        }
        if (!in_bracket && c == '\\' && i + 1 < n) {
            out[o++] = c;
            out[o++] = re[++i];
            continue;
        }
        if (!in_bracket && c == '[') {
            in_bracket = 1;
            out[o++] = c;
            /* a ']' right after '[' or '[^' is a literal member */
            if (i + 1 < n && re[i + 1] == '^')
                out[o++] = re[++i];
            if (i + 1 < n && re[i + 1] == ']')
                out[o++] = re[++i];
            continue;
        }
        if (in_bracket && c == '[' && i + 1 < n && strchr(":.=", re[i + 1])) {
            /* [:class:] [.coll.] [=equiv=] inside a bracket */
            char end = re[i + 1];
            const char *close = NULL;
            for (size_t k = i + 2; k + 1 < n; k++)
                if (re[k] == end && re[k + 1] == ']') {
                    close = re + k;
                    break;
                }
            if (close) {
                size_t len = (size_t)(close - (re + i)) + 2;
                memcpy(out + o, re + i, len);
                o += len;
                i += len - 1;
                continue;
            }
        }
        if (in_bracket && c == ']')
            in_bracket = 0;
        out[o++] = c;
    }
    out[o] = '\0';
    return out;
}

/* Compile extract regex r (translated), with its group g (or NULL). 0, or -1 reported. */
static int extract_regex(struct ld *l, const char *w, const struct ynode *r, const struct ynode *g,
                         struct plan_extract *x)
{
    const char *rs = ld_str(l, r, w);
    if (!rs)
        return -1;
    char *tr = regex_translate(rs);
    regex_t *re = calloc(1, sizeof *re);
    if (!tr || !re) {
        free(tr);
        free(re);
        l->oom = 1;
        return -1;
    }
    int rc = regcomp(re, tr, REG_EXTENDED);
    free(tr);
    if (rc != 0) {
        char msg[200];
        regerror(rc, re, msg, sizeof msg);
        ld_errn(l, r, "%s: bad regex '%s': %s", w, rs, msg);
        free(re);
        return -1;
    }
    long long group = re->re_nsub >= 1 ? 1 : 0;
    if (g && ld_int(l, g, "extract group", 0, (long long)re->re_nsub, &group) != 0) {
        regfree(re);
        free(re);
        return -1;
    }
    x->regex = re;
    x->group = (int)group;
    return 0;
}

static void extract_free_one(struct plan_extract *x)
{
    jpath_free(x->path);
    free(x->header);
    free(x->cookie);
    if (x->regex) {
        regfree(x->regex);
        free(x->regex);
    }
}

/* One extract: `VAR: PATH` (JSON), or a map with one source (json:, header:, cookie:)
 * and optionally regex: (+ group:) run on what that source found, or regex: alone (the
 * body). */
static void extract_one(struct ld *l, struct plan_step *st, const struct ynode *k,
                        const struct ynode *v)
{
    char w[160];
    snprintf(w, sizeof w, "extract %s", k->str);
    if (!ld_is_ident(k->str)) {
        ld_errn(l, k,
                "extract: '%s' is not a variable name (letters, digits and _, not "
                "starting with a digit)",
                k->str);
        return;
    }
    if (tmpl_is_reserved(k->str)) {
        ld_errn(l, k, "extract: '%s' is a built-in variable; choose another name", k->str);
        return;
    }
    struct plan_extract x = {.from = EXTRACT_JSON, .loc = {k->line, k->col}};
    const struct ynode *path = v;
    if (v->kind == YN_MAP) {
        ld_check_keys(l, v, w, EXTRACT_FROM);
        const struct ynode *j = yaml_map_get(v, "json"), *h = yaml_map_get(v, "header"),
                           *ck = yaml_map_get(v, "cookie"), *r = yaml_map_get(v, "regex"),
                           *g = yaml_map_get(v, "group");
        int kinds = !!j + !!h + !!ck;
        if (kinds > 1 || (!kinds && !r)) {
            ld_errn(l, v,
                    "%s: give one of json:, header: or cookie: (each may take a regex:), or "
                    "regex: alone for the body",
                    w);
            return;
        }
        if (g && !r) {
            ld_errn(l, g, "%s: group: goes with regex:", w);
            return;
        }
        if (r && extract_regex(l, w, r, g, &x) != 0)
            return;
        if (h) {
            const char *hn = ld_str(l, h, w);
            if (!hn || !header_name_ok(hn)) {
                if (hn)
                    ld_errn(l, h, "%s: '%s' is not a valid header name", w, hn);
                extract_free_one(&x);
                return;
            }
            x.from = EXTRACT_HEADER;
            x.header = ld_strdup(l, hn);
        } else if (ck) {
            const char *cn = ld_str(l, ck, w);
            if (!cn || !header_name_ok(cn)) {
                if (cn)
                    ld_errn(l, ck, "%s: '%s' is not a valid cookie name", w, cn);
                extract_free_one(&x);
                return;
            }
            x.from = EXTRACT_COOKIE;
            x.cookie = ld_strdup(l, cn);
        } else if (!j) {
            x.from = EXTRACT_REGEX;
        }
        path = j;
    }
    if (x.from == EXTRACT_JSON) {
        const char *ps = ld_str(l, path, w);
        char err[256];
        int ecol = 0;
        struct jpath *jp = NULL;
        if (ps && jpath_compile(ps, &jp, err, sizeof err, &ecol) != 0) {
            ld_err(l, path->line, ld_text_col(path, ecol > 0 ? ecol - 1 : 0),
                   "%s: bad JSON path '%s': %s", w, ps, err);
            ps = NULL;
        }
        if (!ps) {
            extract_free_one(&x);
            return;
        }
        x.path = jp;
    }
    x.var = ld_strdup(l, k->str);
    st->extract[st->nextract++] = x;
}

static void extract(struct ld *l, struct plan_step *st, const struct ynode *n)
{
    if (ld_want_map(l, n, "extract") != 0)
        return;
    st->extract = calloc((size_t)n->n + 1, sizeof *st->extract);
    if (!st->extract) {
        l->oom = 1;
        return;
    }
    for (int i = 0; i < n->n; i++)
        extract_one(l, st, n->items[2 * i], n->items[2 * i + 1]);
}

static void poll(struct ld *l, struct plan_step *st, const struct ynode *n)
{
    if (ld_want_map(l, n, "poll") != 0)
        return;
    ld_check_keys(l, n, "poll", POLL_KEYS);
    const struct ynode *every = yaml_map_get(n, "every"), *until = yaml_map_get(n, "until"),
                       *to = yaml_map_get(n, "timeout");
    if (!every || !until) {
        ld_errn(l, n,
                "poll: needs every: (how often) and until: (a condition on the JSON "
                "body)");
        return;
    }
    struct plan_poll *p = calloc(1, sizeof *p);
    if (!p) {
        l->oom = 1;
        return;
    }
    int ok = ld_duration(l, every, "poll every", &p->every_us) == 0;
    if (ok && p->every_us == 0) {
        ld_errn(l, every, "poll every: must be more than 0s");
        ok = 0;
    }
    p->timeout_us = ld_scaled(l, POLL_DEFAULT_TIMEOUT_US);
    if (to && ld_duration(l, to, "poll timeout", &p->timeout_us) != 0)
        ok = 0;
    p->until = compile_cond(l, until, "poll until");
    if (!p->until)
        ok = 0;
    if (!ok) {
        cond_free(p->until);
        free(p);
        return;
    }
    st->poll = p;
}

/* cookies: {clear: true, set: {name: value}} */
static void cookies_opt(struct ld *l, struct plan_step *st, const struct ynode *n)
{
    if (ld_want_map(l, n, "cookies") != 0)
        return;
    ld_check_keys(l, n, "cookies", COOKIES_KEYS);
    const struct ynode *c = yaml_map_get(n, "clear"), *set = yaml_map_get(n, "set");
    if (c)
        ld_bool(l, c, "cookies clear", &st->cookies_clear);
    if (set)
        ld_kv_map(l, set, "cookies set", 2, &st->cookies_set, &st->ncookies_set);
}

static int add_extracted(struct ld *l, const char *name)
{
    for (int i = 0; i < l->nextracted; i++)
        if (!strcmp(l->extracted[i], name))
            return 0;
    if (l->nextracted == l->capextracted) {
        int cap = l->capextracted ? 2 * l->capextracted : 8;
        char **a = realloc(l->extracted, (size_t)cap * sizeof *a);
        if (!a) {
            l->oom = 1;
            return -1;
        }
        l->extracted = a;
        l->capextracted = cap;
    }
    l->extracted[l->nextracted++] = (char *)name; /* owned by the step's plan_extract */
    return 0;
}

static int is_absolute_url(const char *s)
{
    return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

/* The origin of the absolute URL us, written out in the step at node url: 0 when it
 * is the target's (the target's connection, the URL sent as written), else 1 + its
 * index in p->origins (added on first sight). -1 after an error. */
static int step_origin(struct ld *l, const struct ynode *url, const char *mk, const char *us)
{
    char key[ORIGIN_KEY_MAX], tkey[ORIGIN_KEY_MAX], err[256];
    const char *sep = strstr(us, "://");
    if (sep && memchr(us, '$', (size_t)(sep + 3 + strcspn(sep + 3, "/?#") - us))) {
        ld_errn(l, url,
                "%s: '%s': write the scheme, host and port of an absolute URL out (${} only "
                "after them)",
                mk, us);
        return -1;
    }
    if (origin_key(us, key, sizeof key, NULL, err, sizeof err)) {
        ld_errn(l, url, "%s: %s", mk, err);
        return -1;
    }
    if (l->p->target && !origin_key(l->p->target, tkey, sizeof tkey, NULL, err, sizeof err) &&
        !strcmp(key, tkey))
        return 0;
    for (int i = 0; i < l->p->norigins; i++)
        if (!strcmp(l->p->origins[i].key, key))
            return i + 1;
    struct plan_origin *a =
        realloc(l->p->origins, (size_t)(l->p->norigins + 1) * sizeof *a);
    if (!a) {
        l->oom = 1;
        return -1;
    }
    l->p->origins = a;
    struct plan_origin *o = &a[l->p->norigins];
    *o = (struct plan_origin){.key = ld_strdup(l, key), .url = ld_strdup(l, us),
                              .loc = {url->line, url->col}};
    if (!o->key || !o->url) {
        free(o->key);
        free(o->url);
        return -1;
    }
    return ++l->p->norigins;
}

static void request_step(struct ld *l, struct fb *fb, const struct ynode *m)
{
    ld_check_keys(l, m, "a request step", REQ_KEYS);
    const struct ynode *mk = NULL, *url = NULL;
    for (int i = 0; i < m->n; i++) {
        const struct ynode *k = m->items[2 * i];
        for (int j = 0; METHODS[j]; j++) {
            if (strcmp(k->str, METHODS[j]))
                continue;
            if (mk)
                ld_errn(l, k, "a step sends one request: it has both '%s' and '%s'", mk->str,
                        k->str);
            else
                mk = k, url = m->items[2 * i + 1];
        }
    }
    struct plan_step *st = add_step(l, fb, m);
    if (!st)
        return;
    st->kind = STEP_REQUEST;
    char method[16];
    size_t ml = strlen(mk->str);
    for (size_t i = 0; i <= ml; i++)
        method[i] = (char)toupper((unsigned char)mk->str[i]);
    st->method = ld_strdup(l, method);
    const char *us = ld_str(l, url, mk->str);
    if (us) {
        st->url = ld_tmpl(l, url, mk->str);
        if (st->url && strncmp(us, "${", 2) != 0) {
            if (!is_absolute_url(us) && us[0] != '/')
                ld_errn(l, url, "%s: '%s' is neither a path starting with '/' nor an http(s) URL",
                        mk->str, us);
            else if (!is_absolute_url(us) && !l->p->target)
                ld_errn(l, url,
                        "%s: the path '%s' needs a target: set target: in the plan or "
                        "pass --target",
                        mk->str, us);
            else if (is_absolute_url(us) && (st->origin = step_origin(l, url, mk->str, us)) < 0)
                st->origin = 0;
        }
    }
    /* the name labels the metrics: as given, else "METHOD url-as-written" */
    const struct ynode *nn = yaml_map_get(m, "name");
    char defname[512];
    snprintf(defname, sizeof defname, "%s %s", method, us ? us : "?");
    step_name_headers(l, fb, st, m, nn, defname);

    const struct ynode *body = NULL;
    for (int i = 0; i < m->n; i++) {
        const struct ynode *k = m->items[2 * i], *v = m->items[2 * i + 1];
        int is_body = 0;
        for (int j = 0; BODY_KEYS[j]; j++)
            is_body |= !strcmp(k->str, BODY_KEYS[j]);
        if (!is_body)
            continue;
        if (body) {
            ld_errn(l, k, "a step has one body: it has both '%s' and '%s'", body->str, k->str);
            continue;
        }
        body = k;
        if (!strcmp(k->str, "body")) {
            body_text(l, st, v);
        } else if (!strcmp(k->str, "json")) {
            body_json(l, st, v);
        } else if (!strcmp(k->str, "form")) {
            ld_kv_map(l, v, "form", 0, &st->form, &st->nform);
            if (v->kind == YN_MAP)
                st->body = BODY_FORM;
        } else {
            multipart(l, st, v);
        }
    }

    const struct ynode *e = yaml_map_get(m, "expect");
    if (e)
        expect(l, st, e);
    const struct ynode *x = yaml_map_get(m, "extract");
    if (x)
        extract(l, st, x);
    const struct ynode *pn = yaml_map_get(m, "poll");
    if (pn)
        poll(l, st, pn);
    const struct ynode *cn = yaml_map_get(m, "cookies");
    if (cn)
        cookies_opt(l, st, cn);
    st->timeout_us = l->p->defaults.timeout_us;
    const struct ynode *to = yaml_map_get(m, "timeout");
    if (to)
        ld_timeout(l, to, "timeout", &st->timeout_us, 0);

    /* later steps may read what this one extracts */
    for (int i = 0; i < st->nextract; i++)
        if (st->extract[i].var)
            add_extracted(l, st->extract[i].var);
}

static void think_step(struct ld *l, struct fb *fb, const struct ynode *m)
{
    ld_check_keys(l, m, "a think step", THINK_KEYS);
    const struct ynode *v = yaml_map_get(m, "think");
    const char *s = ld_str(l, v, "think");
    if (!s)
        return;
    uint64_t lo, hi;
    const char *dots = strstr(s, "..");
    int ok;
    if (dots) {
        char a[64];
        size_t n = (size_t)(dots - s);
        ok = n < sizeof a;
        if (ok) {
            memcpy(a, s, n);
            a[n] = '\0';
            ok =
                units_parse_duration(a, 0, &lo) == 0 && units_parse_duration(dots + 2, 0, &hi) == 0;
        }
    } else {
        ok = units_parse_duration(s, 0, &lo) == 0;
        hi = lo;
    }
    if (!ok) {
        ld_errn(l, v,
                "think: bad duration '%s': use a duration (2s) or a range (30s..90s), each a "
                "number with a unit: us, ms, s, m or h",
                s);
        return;
    }
    if (lo > hi) {
        ld_errn(l, v, "think: the range '%s' goes down: write the shorter time first", s);
        return;
    }
    struct plan_step *st = add_step(l, fb, m);
    if (!st)
        return;
    st->kind = STEP_THINK;
    char name[128];
    snprintf(name, sizeof name, "think %s", s);
    st->name = ld_strdup(l, name);
    st->think_min_us = ld_scaled(l, lo);
    st->think_max_us = ld_scaled(l, hi);
}

static void steps(struct ld *l, struct fb *fb, const struct ynode *seq, int depth);

static void txn_step(struct ld *l, struct fb *fb, const struct ynode *m, int depth)
{
    ld_check_keys(l, m, "a transaction", TXN_KEYS);
    const struct ynode *tn = yaml_map_get(m, "transaction"), *ss = yaml_map_get(m, "steps");
    const char *name = ld_str(l, tn, "transaction");
    if (!name)
        return;
    if (depth >= LD_MAX_TXN_DEPTH) {
        ld_errn(l, tn, "transaction '%s': transactions nest at most %d deep", name,
                LD_MAX_TXN_DEPTH);
        return;
    }
    if (!ss) {
        ld_errn(l, m, "transaction '%s': needs steps: (a list of steps)", name);
        return;
    }
    if (ld_want_seq(l, ss, "steps") != 0)
        return;
    struct plan_flow *f = fb->f;
    const struct plan_step *dup = name_taken(f, name, f->nsteps);
    if (dup)
        ld_errn(l, tn,
                "duplicate name '%s' in flow '%s' (first at line %d); step and "
                "transaction names must be unique within a flow",
                name, f->name, dup->loc.line);
    if (f->ntxns == fb->captxns) {
        int cap = fb->captxns ? 2 * fb->captxns : 4;
        char **t = realloc(f->txns, (size_t)cap * sizeof *t);
        if (!t) {
            l->oom = 1;
            return;
        }
        f->txns = t;
        fb->captxns = cap;
    }
    int txn = f->ntxns;
    f->txns[f->ntxns++] = ld_strdup(l, name);
    struct plan_step *b = add_step(l, fb, m);
    if (!b)
        return;
    b->kind = STEP_TXN_BEGIN;
    b->txn = txn;
    b->name = ld_strdup(l, name);
    if (!ss->n)
        ld_errn(l, ss, "transaction '%s': the list of steps is empty", name);
    steps(l, fb, ss, depth + 1);
    struct plan_step *e = add_step(l, fb, m);
    if (!e)
        return;
    e->kind = STEP_TXN_END;
    e->txn = txn;
    e->name = ld_strdup(l, name);
}

/* Extracts of a ws step (receive:, each_message:): from a message, so json: paths and
 * regex: only. */
static void ws_extracts(struct ld *l, const struct ynode *n, const char *what,
                        struct plan_extract **out, int *nout)
{
    struct plan_step tmp = {0};
    extract(l, &tmp, n);
    for (int i = 0; i < tmp.nextract; i++) {
        struct plan_extract *x = &tmp.extract[i];
        if (x->from == EXTRACT_HEADER || x->from == EXTRACT_COOKIE)
            ld_err(l, x->loc.line, x->loc.col,
                   "%s: '%s' takes json: or regex: (a message has no headers or cookies)", what,
                   x->var);
        add_extracted(l, x->var);
    }
    *out = tmp.extract;
    *nout = tmp.nextract;
}

static void ws_send_list(struct ld *l, struct plan_ws *w, const struct ynode *n)
{
    int cnt = n->kind == YN_SEQ ? n->n : 1;
    if (!(w->send = calloc((size_t)cnt + 1, sizeof *w->send))) {
        l->oom = 1;
        return;
    }
    for (int i = 0; i < cnt; i++) {
        const struct ynode *m = n->kind == YN_SEQ ? n->items[i] : n;
        struct plan_step tmp = {0};
        if (m->kind == YN_SCALAR) {
            tmp.body_text = ld_tmpl(l, m, "send");
        } else {
            body_json(l, &tmp, m); /* a mapping or a list: sent as JSON */
        }
        if (tmp.body_text)
            w->send[w->nsend++] = tmp.body_text;
    }
}

static void ws_receive(struct ld *l, struct plan_step *st, const struct ynode *n)
{
    if (ld_want_map(l, n, "receive") != 0)
        return;
    ld_check_keys(l, n, "receive", RECEIVE_KEYS);
    const struct ynode *u = yaml_map_get(n, "until"), *to = yaml_map_get(n, "timeout"),
                       *x = yaml_map_get(n, "extract");
    if (!u) {
        ld_errn(l, n, "receive: needs until: (a condition on a JSON message)");
        return;
    }
    st->ws->until = compile_cond(l, u, "receive until");
    if (to)
        ld_timeout(l, to, "receive timeout", &st->ws->receive_timeout_us, 0);
    if (x)
        ws_extracts(l, x, "receive extract", &st->extract, &st->nextract);
}

static void ws_each(struct ld *l, struct plan_ws *w, const struct ynode *n)
{
    if (ld_want_map(l, n, "each_message") != 0)
        return;
    ld_check_keys(l, n, "each_message", EACH_KEYS);
    const struct ynode *c = yaml_map_get(n, "count"), *x = yaml_map_get(n, "extract");
    if (c) {
        const char *v = ld_str(l, c, "each_message count");
        if (v && (!ld_is_ident(v) || tmpl_is_reserved(v)))
            ld_errn(l, c, "each_message count: '%s' is not a variable name of your own", v);
        else if (v && (w->count_var = ld_strdup(l, v)))
            add_extracted(l, w->count_var);
    }
    if (x)
        ws_extracts(l, x, "each_message extract", &w->each, &w->neach);
}

static void ws_reconnect(struct ld *l, struct plan_ws *w, const struct ynode *n)
{
    if (ld_want_map(l, n, "reconnect") != 0)
        return;
    ld_check_keys(l, n, "reconnect", RECONNECT_KEYS);
    const struct ynode *a = yaml_map_get(n, "attempts"), *b = yaml_map_get(n, "backoff");
    long long v = 3;
    if (a && ld_int(l, a, "reconnect attempts", 0, 1000, &v) != 0)
        v = 0;
    w->reconnect_attempts = (int)v;
    if (b)
        ld_duration(l, b, "reconnect backoff", &w->reconnect_backoff_us);
}

static void request_step(struct ld *l, struct fb *fb, const struct ynode *m);

/* resume_check: one request step, kept apart from the flow's steps. */
static void ws_resume(struct ld *l, struct fb *fb, struct plan_ws *w, const struct ynode *n)
{
    if (ld_want_map(l, n, "resume_check") != 0)
        return;
    int method = 0;
    for (int j = 0; j < n->n; j++)
        for (int t = 0; METHODS[t]; t++)
            method |= !strcmp(n->items[2 * j]->str, METHODS[t]);
    if (!method) {
        ld_errn(l, n, "resume_check: a request step (get:, post:, ...)");
        return;
    }
    struct plan_flow one = {.name = fb->f->name};
    struct fb sub = {.f = &one};
    request_step(l, &sub, n);
    if (one.nsteps == 1 && one.steps[0].origin)
        ld_errn(l, n, "resume_check: goes over the ws step's connection, to the target: "
                      "a URL on another origin is not supported there");
    if (one.nsteps == 1 && !one.steps[0].poll) {
        w->resume = one.steps;
        return;
    }
    if (one.nsteps == 1)
        ld_errn(l, n, "resume_check: takes no poll: (the ws step waits)");
    one.name = NULL;
    ld_flow_free(&one);
}

static void ws_step(struct ld *l, struct fb *fb, const struct ynode *m)
{
    ld_check_keys(l, m, "a ws step", WS_KEYS);
    const struct ynode *url = yaml_map_get(m, "ws");
    struct plan_step *st = add_step(l, fb, m);
    if (!st)
        return;
    st->kind = STEP_WS;
    st->method = ld_strdup(l, "GET");
    if (!(st->ws = calloc(1, sizeof *st->ws))) {
        l->oom = 1;
        return;
    }
    const char *us = ld_str(l, url, "ws");
    if (us) {
        st->url = ld_tmpl(l, url, "ws");
        if (st->url && us[0] != '/' && strncmp(us, "${", 2) != 0)
            ld_errn(l, url, "ws: '%s' is not a path starting with '/' (the scheme and host "
                    "come from the target: ws:// for http, wss:// for https)", us);
        else if (st->url && !l->p->target)
            ld_errn(l, url, "ws: the path '%s' needs a target: set target: in the plan or pass "
                    "--target", us);
    }
    const struct ynode *nn = yaml_map_get(m, "name");
    char defname[512];
    snprintf(defname, sizeof defname, "WS %s", us ? us : "?");
    step_name_headers(l, fb, st, m, nn, defname);
    st->timeout_us = l->p->defaults.timeout_us;
    const struct ynode *to = yaml_map_get(m, "timeout");
    if (to)
        ld_timeout(l, to, "timeout", &st->timeout_us, 0);
    struct plan_ws *w = st->ws;
    w->receive_timeout_us = st->timeout_us;
    w->reconnect_backoff_us = ld_scaled(l, 1000000);
    const struct ynode *n;
    if ((n = yaml_map_get(m, "send")))
        ws_send_list(l, w, n);
    if ((n = yaml_map_get(m, "receive")))
        ws_receive(l, st, n);
    if ((n = yaml_map_get(m, "each_message")))
        ws_each(l, w, n);
    if ((n = yaml_map_get(m, "reconnect")))
        ws_reconnect(l, w, n);
    if ((n = yaml_map_get(m, "resume_check"))) {
        if (!w->until)
            ld_errn(l, n, "resume_check: goes with receive: until: (it is checked on the "
                    "check's JSON body)");
        ws_resume(l, fb, w, n);
    }
    if ((n = yaml_map_get(m, "drop_after")) &&
        ld_duration(l, n, "drop_after", &w->drop_after_us) == 0 && !w->drop_after_us)
        ld_errn(l, n, "drop_after: must be more than 0s");
    /* the handshakes' stats key */
    char cname[600];
    snprintf(cname, sizeof cname, "%s connect", st->name ? st->name : "?");
    size_t at = (size_t)(st - fb->f->steps);
    struct plan_step *cs = add_step(l, fb, m);
    if (!cs)
        return;
    st = &fb->f->steps[at]; /* add_step may have moved the steps */
    cs->kind = STEP_WS_CONNECT;
    cs->name = ld_strdup(l, cname);
}

static void steps(struct ld *l, struct fb *fb, const struct ynode *seq, int depth)
{
    for (int i = 0; i < seq->n && l->steps_left >= 0; i++) {
        const struct ynode *m = seq->items[i];
        if (m->kind != YN_MAP) {
            ld_errn(l, m, "step: expected a mapping (a request, think: or transaction:), got %s",
                    yaml_kind_name(m));
            continue;
        }
        int method = 0, think = 0, txn = 0, wsk = 0;
        for (int j = 0; j < m->n; j++) {
            const char *k = m->items[2 * j]->str;
            for (int t = 0; METHODS[t]; t++)
                method |= !strcmp(k, METHODS[t]);
            think |= !strcmp(k, "think");
            txn |= !strcmp(k, "transaction");
            wsk |= !strcmp(k, "ws");
        }
        if (method + think + txn + wsk > 1) {
            ld_errn(l, m,
                    "a step is one of a request (get:, post:, ...), ws:, think: or "
                    "transaction:, not several");
        } else if (wsk) {
            ws_step(l, fb, m);
        } else if (method) {
            request_step(l, fb, m);
        } else if (think) {
            think_step(l, fb, m);
        } else if (txn) {
            txn_step(l, fb, m, depth);
        } else {
            /* no step word at all: a typo of one ("pst:") is the likeliest cause */
            const struct ynode *k0 = m->n ? m->items[0] : m;
            const char *s = NULL;
            for (int j = 0; j < m->n && !s; j++) {
                s = ld_suggest(m->items[2 * j]->str, STEP_WORDS);
                if (s)
                    k0 = m->items[2 * j];
            }
            if (s)
                ld_errn(l, k0,
                        "unknown key '%s' in a step (did you mean '%s'?); a step needs "
                        "one of get, post, put, patch, delete, head, options, ws, think or "
                        "transaction",
                        k0->str, s);
            else
                ld_errn(l, m,
                        "a step needs one of get, post, put, patch, delete, head, "
                        "options, ws, think or transaction");
        }
    }
}

void ld_flows(struct ld *l, const struct ynode *flows)
{
    struct plan *p = l->p;
    if (ld_want_map(l, flows, "flows") != 0)
        return;
    p->flows = calloc((size_t)flows->n + 1, sizeof *p->flows);
    if (!p->flows) {
        l->oom = 1;
        return;
    }
    for (int i = 0; i < flows->n; i++) {
        const struct ynode *k = flows->items[2 * i], *v = flows->items[2 * i + 1];
        struct plan_flow *f = &p->flows[p->nflows++];
        f->name = ld_strdup(l, k->str);
        f->loc = (struct plan_loc){k->line, k->col};
        if (!k->len)
            ld_errn(l, k, "flows: a flow needs a name");
        char w[160];
        snprintf(w, sizeof w, "flow '%s'", k->str);
        if (ld_want_seq(l, v, w) != 0)
            continue;
        if (!v->n) {
            ld_errn(l, v, "flow '%s' has no steps", k->str);
            continue;
        }
        struct fb fb = {.f = f};
        l->nextracted = 0;
        l->vars_visible = p->nvars;
        steps(l, &fb, v, 0);
        l->nextracted = 0;
    }
}

static void ws_free_fields(struct plan_ws *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->nsend; i++)
        tmpl_free(w->send[i]);
    free(w->send);
    cond_free(w->until);
    free(w->count_var);
    for (int i = 0; i < w->neach; i++) {
        free(w->each[i].var);
        extract_free_one(&w->each[i]);
    }
    free(w->each);
    if (w->resume) {
        struct plan_flow one = {.steps = w->resume, .nsteps = 1};
        ld_flow_free(&one);
    }
    free(w);
}

void ld_flow_free(struct plan_flow *f)
{
    free(f->name);
    for (int i = 0; i < f->nsteps; i++) {
        struct plan_step *s = &f->steps[i];
        free(s->name);
        free(s->method);
        tmpl_free(s->url);
        for (int j = 0; j < s->nheaders; j++) {
            free(s->headers[j].name);
            tmpl_free(s->headers[j].value);
        }
        free(s->headers);
        for (int j = 0; j < s->nquery; j++) {
            free(s->query[j].name);
            tmpl_free(s->query[j].value);
        }
        free(s->query);
        tmpl_free(s->body_text);
        for (int j = 0; j < s->nform; j++) {
            free(s->form[j].name);
            tmpl_free(s->form[j].value);
        }
        free(s->form);
        for (int j = 0; j < s->nparts; j++) {
            free(s->parts[j].name);
            tmpl_free(s->parts[j].value);
        }
        free(s->parts);
        tmpl_free(s->expect.body_contains);
        cond_free(s->expect.json);
        for (int j = 0; j < s->nextract; j++) {
            free(s->extract[j].var);
            extract_free_one(&s->extract[j]);
        }
        for (int j = 0; j < s->ncookies_set; j++) {
            free(s->cookies_set[j].name);
            tmpl_free(s->cookies_set[j].value);
        }
        free(s->cookies_set);
        free(s->extract);
        if (s->poll) {
            cond_free(s->poll->until);
            free(s->poll);
        }
        ws_free_fields(s->ws);
    }
    free(f->steps);
    for (int i = 0; i < f->ntxns; i++)
        free(f->txns[i]);
    free(f->txns);
}

int plan_dry_run(struct plan *p, uint64_t max_duration_us)
{
    struct plan_scenario *sc = calloc((size_t)p->nflows + 1, sizeof *sc);
    if (!sc)
        return -ENOMEM;
    for (int i = 0; i < p->nflows; i++) {
        size_t n = strlen(p->flows[i].name) + 1;
        if (!(sc[i].name = malloc(n))) {
            while (i--)
                free(sc[i].name);
            free(sc);
            return -ENOMEM;
        }
        memcpy(sc[i].name, p->flows[i].name, n); /* named after its flow */
        sc[i].loc = p->flows[i].loc;
        sc[i].flow = i;
        sc[i].exec = EXEC_PER_VU_ITERATIONS;
        sc[i].vus = 1;
        sc[i].iterations = 1;
        sc[i].max_duration_us = max_duration_us;
        sc[i].start_after_previous = 1;
    }
    for (int i = 0; i < p->nscenarios; i++) {
        free(p->scenarios[i].name);
        free(p->scenarios[i].levels);
        free(p->scenarios[i].stages);
    }
    free(p->scenarios);
    p->scenarios = sc;
    p->nscenarios = p->nflows;
    return 0;
}
