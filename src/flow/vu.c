/* vu.c — the virtual user state machine: builds each request step from its templates
 * (URL, query, headers, cookies, body), sends it on the user's connection, checks
 * expectations, extracts values, polls, thinks, times transactions and iterations. */
#include "flow/vu.h"

#include <errno.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "engine/ws.h"
#include "flow/body.h"
#include "flow/cond.h"
#include "flow/cookies.h"
#include "flow/jpath.h"
#include "flow/trace.h"
#include "plan/payload.h"
#include "plan/tmpl.h"
#include "util/clock.h"
#include "util/redact.h"
#include "util/sbuf.h"

#define CAPTURE_BODY_MAX (1u << 20) /* body bytes kept for expect/extract/poll */
#define MAX_HEADERS 64
#define WS_TRACE_MSGS 20 /* messages of a ws step shown by --trace */
#define SHOW_MAX 200 /* bytes of what an extract looked at, in its failure reason */

struct var {
    const char *name;  /* points into the plan */
    struct sbuf val;
    int set;
};

struct vu {
    struct vu_ctx *ctx;
    int id;
    conn *c;               /* to the target */
    conn **oc;             /* per other origin (plan->origins): its keep-alive connection,
                              made on its first step; NULL when the plan has none */
    conn *cur;             /* the connection of the request in flight or just answered
                              (c or one of oc); NULL after it was dropped */
    cookiejar *jar;        /* one jar: cookies are kept per host (flow/cookies.h) */
    struct var *vars;      /* plan vars (expanded once), then extracted names */
    int nvars, nplanvars;
    struct sbuf head, hdrs, body, scratch;
    struct sbuf ck;        /* a step's own Cookie header, cookies: set values */
    struct body_multipart mp;
    struct iovec *iov;
    int iov_cap;
    json_t *json;          /* the last response's body, parsed on demand */
    int json_tried;
    /* the iteration in flight */
    int busy, in_iterate, step;
    int ending;            /* the end is due from the loop (it came inside vu_iterate) */
    uint64_t iteration, iter_start_us, intended_us;
    int failed;
    uint64_t *txn_start;   /* per transaction; 0: not open */
    int *txn_failed;
    uint64_t poll_start_us;
    int polling;
    struct ptimer_entry wake;
    vu_done_fn done;
    void *done_ud;
    trace *tr;             /* VU 1 of the first worker under --trace: its trace, else NULL */
    char reason[ERR_EXAMPLE_LEN];
    /* the ws step in flight (STEP_WS) */
    ws *ws;                /* the VU's WebSocket client, made on its first ws step */
    int ws_phase;          /* WSP_*; WSP_NONE when no ws step is in flight */
    int ws_reconnects;     /* made in this step */
    int ws_dropped;        /* drop_after has fired */
    int ws_met;            /* the condition held */
    int ws_status;         /* the last handshake's HTTP status */
    int ws_live;           /* an open connection is counted (ws_active) */
    const struct plan_step *sub; /* resume_check in flight, else NULL */
    uint64_t ws_start_us, ws_deadline_us, ws_drop_at_us, ws_retry_at_us;
    uint64_t ws_msgs;      /* messages received in this step */
    struct ws_counts ws_seen; /* the ws's counters already recorded */
};

enum { WSP_NONE, WSP_OPENING, WSP_OPEN, WSP_BACKOFF, WSP_CLOSING };

static void advance(vu *v);
static void end_iteration(vu *v);
static void ws_begin(vu *v);
static void ws_wake(vu *v);
static void ws_resumed(vu *v, const struct conn_result *r);

static vu *of_wake(struct ptimer_entry *e)
{
    return (vu *)((char *)e - offsetof(struct vu, wake));
}

/* A request step's server: the target, or the other origin its absolute URL names. */
static const struct origin *step_origin(const vu *v, const struct plan_step *st)
{
    return st->origin > 0 ? &v->ctx->origins[st->origin - 1] : NULL;
}

/* The host a step's cookies are stored and sent for, and whether it is https. */
static const char *step_host(const vu *v, const struct plan_step *st)
{
    const struct origin *o = step_origin(v, st);
    return o ? o->url.host : v->ctx->target->host;
}

static int step_https(const vu *v, const struct plan_step *st)
{
    const struct origin *o = step_origin(v, st);
    return o ? o->url.tls : v->ctx->https;
}

/* ---- variables -------------------------------------------------------------------- */

static const char *lookup(void *ud, const char *name, size_t *len)
{
    vu *v = ud;
    /* extracted values shadow plan vars of the same name */
    for (int i = v->nvars - 1; i >= 0; i--) {
        if (v->vars[i].set && !strcmp(v->vars[i].name, name)) {
            *len = v->vars[i].val.len;
            return sbuf_str(&v->vars[i].val);
        }
    }
    return NULL;
}

/* ${cookie.NAME}: what the jar would send the target (for path, when given). */
static const char *cookie_lookup(void *ud, const char *name, const char *path, size_t *len)
{
    vu *v = ud;
    return cookiejar_get(v->jar, v->ctx->target->host, path, v->ctx->https, (int64_t)time(NULL),
                         name, len);
}

static struct tmpl_ctx tctx(vu *v)
{
    return (struct tmpl_ctx){.lookup = lookup, .ud = v, .vu = (uint64_t)v->id,
                             .iteration = v->iteration, .rng = &v->ctx->rng,
                             .cookie = cookie_lookup};
}

static struct var *var_slot(vu *v, const char *name)
{
    for (int i = v->nplanvars; i < v->nvars; i++)
        if (!strcmp(v->vars[i].name, name))
            return &v->vars[i];
    return NULL;
}

static int setup_vars(vu *v)
{
    const struct plan *p = v->ctx->plan;
    const struct plan_flow *f = v->ctx->flow;
    int n = p->nvars;
    for (int s = 0; s < f->nsteps; s++) {
        const struct plan_ws *w = f->steps[s].ws;
        n += f->steps[s].nextract;
        if (w)
            n += w->neach + 1 + (w->resume ? w->resume->nextract : 0);
    }
    if (!(v->vars = calloc((size_t)(n ? n : 1), sizeof *v->vars)))
        return -1;
    struct tmpl_ctx t = tctx(v);
    for (int i = 0; i < p->nvars; i++) {
        struct var *x = &v->vars[v->nvars++];
        x->name = p->vars[i].name;
        v->nplanvars = v->nvars - 1; /* earlier plan vars are visible to later ones */
        if (tmpl_expand(p->vars[i].value, &t, &x->val))
            return -1;
        x->set = 1;
    }
    v->nplanvars = v->nvars;
    for (int s = 0; s < f->nsteps; s++) {
        for (int e = 0; e < f->steps[s].nextract; e++)
            if (!var_slot(v, f->steps[s].extract[e].var))
                v->vars[v->nvars++].name = f->steps[s].extract[e].var;
        const struct plan_ws *w = f->steps[s].ws;
        for (int e = 0; w && e < w->neach; e++)
            if (!var_slot(v, w->each[e].var))
                v->vars[v->nvars++].name = w->each[e].var;
        if (w && w->count_var && !var_slot(v, w->count_var))
            v->vars[v->nvars++].name = w->count_var;
        for (int e = 0; w && w->resume && e < w->resume->nextract; e++)
            if (!var_slot(v, w->resume->extract[e].var))
                v->vars[v->nvars++].name = w->resume->extract[e].var;
    }
    return 0;
}

/* ---- life cycle -------------------------------------------------------------------- */

static void on_wake(struct ptimer_entry *e);

vu *vu_new(struct vu_ctx *ctx, int id)
{
    vu *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->ctx = ctx;
    v->id = id;
    ptimer_entry_init(&v->wake, on_wake);
    body_mp_init(&v->mp, ctx->rng ^ (uint64_t)id * 0x9e3779b97f4a7c15ull);
    int nt = ctx->flow->ntxns;
    v->c = conn_new(ctx->loop, ctx->target);
    v->jar = cookiejar_new();
    if (ctx->plan->norigins && !(v->oc = calloc((size_t)ctx->plan->norigins, sizeof *v->oc))) {
        vu_free(v);
        return NULL;
    }
    v->tr = id == 1 ? ctx->trace : NULL;
    v->txn_start = calloc((size_t)(nt ? nt : 1), sizeof *v->txn_start);
    v->txn_failed = calloc((size_t)(nt ? nt : 1), sizeof *v->txn_failed);
    if (!v->c || !v->jar || !v->txn_start || !v->txn_failed || setup_vars(v)) {
        vu_free(v);
        return NULL;
    }
    return v;
}

void vu_free(vu *v)
{
    if (!v)
        return;
    ptimer_cancel(v->ctx->timers, &v->wake);
    conn_free(v->c);
    for (int i = 0; v->oc && i < v->ctx->plan->norigins; i++)
        conn_free(v->oc[i]);
    free(v->oc);
    ws_free(v->ws);
    cookiejar_free(v->jar);
    for (int i = 0; i < v->nvars; i++)
        sbuf_free(&v->vars[i].val);
    free(v->vars);
    sbuf_free(&v->head);
    sbuf_free(&v->hdrs);
    sbuf_free(&v->body);
    sbuf_free(&v->scratch);
    sbuf_free(&v->ck);
    body_mp_release(&v->mp);
    free(v->iov);
    json_decref(v->json);
    free(v->txn_start);
    free(v->txn_failed);
    free(v);
}

int vu_busy(const vu *v)
{
    return v->busy;
}

int vu_id(const vu *v)
{
    return v->id;
}

/* ---- recording ------------------------------------------------------------------- */

static void record(vu *v, int key, uint64_t now, const struct stats_sample *s)
{
    if (key >= 0)
        shard_record(v->ctx->sh, key, now, s);
}

static void record_request(vu *v, int step, uint64_t now, const struct stats_sample *s)
{
    if (s->failed && s->err != ERR_NONE && v->ctx->examples && !v->ctx->examples[s->err][0])
        snprintf(v->ctx->examples[s->err], sizeof v->ctx->examples[0], "%.60s: %.380s",
                 v->ctx->flow->steps[step].name, v->reason);
    record(v, v->ctx->keys.scenario, now, s);
    record(v, v->ctx->keys.step0 + step, now, s);
    record(v, v->ctx->keys.level, now, s);
}

/* A step failed without a response to time (a request that could not be built). */
static void trace_what(vu *v, char *buf, size_t n)
{
    const struct plan_scenario *sc = v->ctx->scenario;
    snprintf(buf, n, "scenario %s, flow %s, VU %d, iteration %llu, step '%s'",
             sc ? sc->name : "?", v->ctx->flow->name, v->id, (unsigned long long)v->iteration,
             v->ctx->flow->steps[v->step].name);
}

static void step_failed(vu *v, enum errclass e, const char *why)
{
    if (why != v->reason)
        snprintf(v->reason, sizeof v->reason, "%s", why);
    if (v->tr && trace_want(v->tr)) {
        char what[256];
        trace_what(v, what, sizeof what);
        trace_skip(v->tr, what, errclass_name(e), v->reason);
    }
    struct stats_sample s = {.err = e, .failed = 1};
    record_request(v, v->step, clock_us(), &s);
    v->failed = 1;
    end_iteration(v);
}

/* ---- building a request ------------------------------------------------------------ */

static int expand(vu *v, const struct tmpl *t, struct sbuf *out)
{
    struct tmpl_ctx c = tctx(v);
    int rc = tmpl_expand(t, &c, out);
    if (rc == -ENOENT) {
        const char *name = tmpl_first_undefined(t, &c);
        if (name && !strncmp(name, "cookie.", 7))
            snprintf(v->reason, sizeof v->reason,
                     "${%s}: no cookie '%s' in the jar for this target", name, name + 7);
        else
            snprintf(v->reason, sizeof v->reason, "${%s} has no value", name ? name : "?");
    } else if (rc) {
        snprintf(v->reason, sizeof v->reason, "cannot build the request: %s", strerror(-rc));
    }
    return rc;
}

static int has_header(const struct http1_header *h, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcasecmp(h[i].name, name))
            return 1;
    return 0;
}

static int add_kv(vu *v, const struct plan_kv *kv, struct http1_header *h, size_t *vo, int *n)
{
    if (*n >= MAX_HEADERS)
        return 0;
    vo[*n] = v->hdrs.len;
    if (expand(v, kv->value, &v->hdrs) || sbuf_putc(&v->hdrs, '\0'))
        return -1;
    h[*n].name = kv->name;
    (*n)++;
    return 0;
}

static int iov_room(vu *v, int n)
{
    if (n <= v->iov_cap)
        return 0;
    struct iovec *ni = realloc(v->iov, (size_t)n * sizeof *ni);
    if (!ni)
        return -1;
    v->iov = ni;
    v->iov_cap = n;
    return 0;
}

/* Build step st into v->iov; returns the number of iovecs, or -1 (reason set). */
static int build_request(vu *v, const struct plan_step *st)
{
    const struct plan *p = v->ctx->plan;
    struct http1_header h[MAX_HEADERS];
    size_t vo[MAX_HEADERS];
    int nh = 0;
    sbuf_reset(&v->scratch);
    sbuf_reset(&v->hdrs);
    sbuf_reset(&v->body);
    /* URL: the target's path prefix, then the step's (relative) path and query; a URL on
     * another origin goes in origin form ("/path"), its origin being the connection's */
    const struct origin *og = step_origin(v, st);
    if (sbuf_puts(&v->scratch, og ? "" : v->ctx->base_path) || expand(v, st->url, &v->scratch))
        return -1;
    if (og) {
        const char *u = sbuf_str(&v->scratch), *sep = strstr(u, "://");
        size_t n = sep ? (size_t)(sep + 3 + strcspn(sep + 3, "/?#") - u) : 0;
        memmove(v->scratch.buf, u + n, v->scratch.len - n + 1);
        v->scratch.len -= n;
        if (v->scratch.buf[0] != '/') { /* "http://h" or "http://h?q": the path is "/" */
            if (sbuf_putc(&v->scratch, '\0'))
                return -1;
            memmove(v->scratch.buf + 1, v->scratch.buf, v->scratch.len);
            v->scratch.buf[0] = '/';
        }
    }
    if (st->nquery) {
        int q = strchr(sbuf_str(&v->scratch), '?') != NULL;
        for (int i = 0; i < st->nquery; i++) {
            struct sbuf val = SBUF_INIT;
            if (expand(v, st->query[i].value, &val)) {
                sbuf_free(&val);
                return -1;
            }
            struct body_pair pr = {st->query[i].name, sbuf_str(&val)};
            size_t need = body_urlencode(&pr, 1, NULL, 0);
            int rc = sbuf_putc(&v->scratch, q++ ? '&' : '?') || sbuf_reserve(&v->scratch, need + 1);
            if (!rc) {
                body_urlencode(&pr, 1, v->scratch.buf + v->scratch.len, need + 1);
                v->scratch.len += need;
            }
            sbuf_free(&val);
            if (rc)
                return -1;
        }
    }
    const struct plan_kv *own_cookie = NULL; /* merged with the jar below */
    for (int i = 0; i < st->nheaders; i++) { /* the defaults are merged in by the loader */
        const char *hn = st->headers[i].name;
        if ((hn[0] | 0x20) == 'c' && !strcasecmp(hn, "Cookie")) {
            own_cookie = &st->headers[i];
            continue;
        }
        if (add_kv(v, &st->headers[i], h, vo, &nh))
            return -1;
    }
    /* body */
    const char *ctype = NULL;
    const void *body = NULL;
    uint64_t blen = 0;
    int niov = 1;
    switch (st->body) {
    case BODY_NONE:
        break;
    case BODY_TEXT:
    case BODY_JSON:
        if (expand(v, st->body_text, &v->body))
            return -1;
        body = v->body.buf, blen = v->body.len;
        ctype = st->body == BODY_JSON ? "application/json" : NULL;
        break;
    case BODY_PAYLOAD: {
        const struct payload_item *it = payload_item(p->payloads[st->body_payload].data, 0);
        body = it->data, blen = it->len, ctype = it->content_type;
        break;
    }
    case BODY_FORM: {
        struct body_pair pr[MAX_HEADERS];
        size_t off[MAX_HEADERS];
        int n = st->nform < MAX_HEADERS ? st->nform : MAX_HEADERS;
        /* the values go into scratch after the URL and its NUL, and are dropped again
         * once encoded */
        size_t url_len = v->scratch.len;
        if (sbuf_putc(&v->scratch, '\0'))
            return -1;
        for (int i = 0; i < n; i++) {
            off[i] = v->scratch.len;
            if (expand(v, st->form[i].value, &v->scratch) || sbuf_putc(&v->scratch, '\0'))
                return -1;
        }
        for (int i = 0; i < n; i++) /* scratch has stopped moving: offsets to pointers */
            pr[i] = (struct body_pair){st->form[i].name, v->scratch.buf + off[i]};
        size_t need = body_urlencode(pr, (size_t)n, NULL, 0);
        if (sbuf_reserve(&v->body, need + 1))
            return -1;
        body_urlencode(pr, (size_t)n, v->body.buf, need + 1);
        v->body.len = need;
        v->scratch.len = url_len; /* the URL again, without the values */
        v->scratch.buf[url_len] = '\0';
        body = v->body.buf, blen = need;
        ctype = "application/x-www-form-urlencoded";
        break;
    }
    case BODY_MULTIPART: {
        body_mp_reset(&v->mp);
        for (int i = 0; i < st->nparts; i++) {
            const struct plan_part *pt = &st->parts[i];
            int rc;
            if (pt->value) {
                sbuf_reset(&v->body);
                if (expand(v, pt->value, &v->body))
                    return -1;
                rc = body_mp_add_field(&v->mp, pt->name, sbuf_str(&v->body));
            } else {
                rc = body_mp_add_set(&v->mp, pt->name, p->payloads[pt->payload].data);
            }
            if (rc) {
                snprintf(v->reason, sizeof v->reason, "multipart: out of memory");
                return -1;
            }
        }
        if (body_mp_finish(&v->mp, v->reason, sizeof v->reason))
            return -1;
        blen = v->mp.content_length;
        ctype = v->mp.content_type;
        niov = 1 + v->mp.iovcnt;
        break;
    }
    }
    /* cookies for this URL, into the same buffer as the expanded header values; the
     * step's own Cookie pairs first, winning by name over the jar's */
    if ((own_cookie || cookiejar_count(v->jar)) && nh < MAX_HEADERS) {
        size_t ck = v->hdrs.len;
        sbuf_reset(&v->ck);
        if (own_cookie && expand(v, own_cookie->value, &v->ck))
            return -1;
        if (cookiejar_header_merge(v->jar, step_host(v, st), sbuf_str(&v->scratch),
                                   step_https(v, st), (int64_t)time(NULL), sbuf_str(&v->ck),
                                   v->ck.len, &v->hdrs) > 0) {
            if (sbuf_putc(&v->hdrs, '\0'))
                return -1;
            vo[nh] = ck;
            h[nh++].name = "Cookie";
        } else {
            sbuf_truncate(&v->hdrs, ck);
        }
    }
    /* hdrs has stopped growing: offsets become pointers */
    for (int i = 0; i < nh; i++)
        h[i].value = v->hdrs.buf + vo[i];
    if (ctype && nh < MAX_HEADERS && !has_header(h, nh, "Content-Type"))
        h[nh++] = (struct http1_header){"Content-Type", ctype};
    /* head */
    int hl;
    for (size_t cap = 4096;; cap *= 2) {
        sbuf_reset(&v->head);
        if (sbuf_reserve(&v->head, cap))
            return -1;
        hl = http1_write_head(v->head.buf, cap, st->method, sbuf_str(&v->scratch),
                              og ? og->url.authority : v->ctx->authority, h, nh,
                              st->body == BODY_NONE ? -1 : (int64_t)blen);
        if (hl != -ENOSPC || cap > (1u << 20))
            break;
    }
    if (hl < 0) {
        snprintf(v->reason, sizeof v->reason, "bad request: CR or LF in the URL or a header");
        return -1;
    }
    v->head.len = (size_t)hl;
    if (st->body != BODY_MULTIPART && blen)
        niov = 2; /* head, then the body */
    if (iov_room(v, niov))
        return -1;
    v->iov[0] = (struct iovec){v->head.buf, (size_t)hl};
    if (st->body == BODY_MULTIPART)
        memcpy(&v->iov[1], v->mp.iov, (size_t)v->mp.iovcnt * sizeof *v->iov);
    else if (blen)
        v->iov[1] = (struct iovec){(void *)body, (size_t)blen};
    return niov;
}

/* ---- responses --------------------------------------------------------------------- */

static json_t *body_json(vu *v)
{
    if (!v->json_tried) {
        v->json_tried = 1;
        size_t len;
        const char *b = http1_resp_body(conn_response(v->cur), &len);
        v->json = json_loadb(b, len, JSON_DECODE_ANY, NULL);
    }
    return v->json;
}

static void forget_response(vu *v)
{
    json_decref(v->json);
    v->json = NULL;
    v->json_tried = 0;
}

static void take_cookies(vu *v, const struct plan_step *st, const char *path)
{
    const http1_resp *r = conn_response(v->cur);
    int n = http1_resp_header_count(r);
    for (int i = 0; i < n; i++) {
        const char *name, *value;
        http1_resp_header(r, i, &name, &value);
        if (name && !strcasecmp(name, "Set-Cookie"))
            cookiejar_set(v->jar, value, step_host(v, st), path, (int64_t)time(NULL));
    }
}

static int status_ok(const struct plan_expect *e, int status)
{
    if (!e->has_status)
        return status > 0 && status < 400;
    return status >= 0 && status < 1000 && (e->status[status / 8] >> (status % 8)) & 1;
}

/* Check the expectations of st; 0, or ERR_EXPECT with the reason in v->reason. */
static enum errclass check_expect(vu *v, const struct plan_step *st, int status)
{
    const struct plan_expect *e = &st->expect;
    if (!status_ok(e, status)) {
        snprintf(v->reason, sizeof v->reason, "status %d not expected", status);
        return ERR_EXPECT;
    }
    if (e->body_contains) {
        sbuf_reset(&v->scratch);
        size_t len;
        const char *b = http1_resp_body(conn_response(v->cur), &len);
        if (expand(v, e->body_contains, &v->scratch))
            return ERR_EXPECT;
        if (!memmem(b, len, v->scratch.buf ? v->scratch.buf : "", v->scratch.len)) {
            snprintf(v->reason, sizeof v->reason, "body does not contain '%.80s'",
                     sbuf_str(&v->scratch));
            return ERR_EXPECT;
        }
    }
    if (e->json) {
        json_t *j = body_json(v);
        if (!j || !cond_eval(e->json, j)) {
            sbuf_reset(&v->scratch);
            if (j)
                cond_describe(e->json, j, &v->scratch);
            snprintf(v->reason, sizeof v->reason, "%s",
                     j ? sbuf_str(&v->scratch) : "body is not JSON");
            return ERR_EXPECT;
        }
    }
    return ERR_NONE;
}

/* Append up to SHOW_MAX bytes of what an extract looked at, for its failure reason:
 * quoted, control bytes as '.', secrets (header kind of `name`, or a cookie when name
 * is "Cookie") redacted. */
static void show(struct sbuf *out, const char *name, const char *s, size_t n)
{
    size_t k = n < SHOW_MAX ? n : SHOW_MAX;
    sbuf_putc(out, '\'');
    if (name && redact_header_kind(name) != REDACT_NONE) {
        redact_header(out, name, s, k);
    } else {
        size_t at = out->len;
        sbuf_append(out, s, k);
        for (size_t i = at; i < out->len; i++)
            if ((unsigned char)out->buf[i] < ' ' || out->buf[i] == 0x7f)
                out->buf[i] = '.';
    }
    sbuf_puts(out, n > k ? "'..." : "'");
}

/* s (NUL-terminated, n bytes) into dst, through x's regex when it has one (its group,
 * or the whole match). 1 when a value was taken. */
static int take(const struct plan_extract *x, const char *s, size_t n, struct sbuf *dst)
{
    sbuf_reset(dst);
    if (!x->regex)
        return !sbuf_append(dst, s, n);
    regmatch_t m[10];
    int g = x->group < 10 ? x->group : 9;
    if (regexec((const regex_t *)x->regex, s, (size_t)g + 1, m, 0) || m[g].rm_so < 0)
        return 0;
    return !sbuf_append(dst, s + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
}

/* One extract into dst; 1 when it took a value, else 0 with what it found in why. */
static int extract_one(vu *v, const struct plan_step *st, const struct plan_extract *x,
                       struct sbuf *dst, struct sbuf *why)
{
    const http1_resp *r = conn_response(v->cur);
    const char *re = x->regex ? "the regex did not match " : "";
    size_t blen;
    const char *body = http1_resp_body(r, &blen);
    switch (x->from) {
    case EXTRACT_JSON: {
        json_t *j = body_json(v);
        json_t *val = j ? jpath_get(x->path, j) : NULL;
        if (!val) {
            sbuf_printf(why, "json %s: %s ", jpath_source(x->path),
                        j ? "nothing at that path in" : "the body is not JSON:");
            show(why, NULL, body, blen);
            return 0;
        }
        sbuf_reset(&v->ck);
        if (jpath_to_string(val, &v->ck))
            return 0;
        if (take(x, sbuf_str(&v->ck), v->ck.len, dst))
            return 1;
        sbuf_printf(why, "json %s: %s", jpath_source(x->path), re);
        show(why, NULL, sbuf_str(&v->ck), v->ck.len);
        return 0;
    }
    case EXTRACT_HEADER: {
        int n = http1_resp_header_count(r), seen = 0;
        const char *first = NULL;
        for (int i = 0; i < n; i++) {
            const char *name, *value;
            http1_resp_header(r, i, &name, &value);
            if (!name || strcasecmp(name, x->header))
                continue;
            if (take(x, value, strlen(value), dst))
                return 1;
            if (!seen++)
                first = value;
        }
        if (!seen) {
            sbuf_printf(why, "header %s: not in the response (status %d)", x->header,
                        http1_resp_status(r));
            return 0;
        }
        sbuf_printf(why, "header %s: %s", x->header, re);
        show(why, x->header, first, strlen(first));
        if (seen > 1)
            sbuf_printf(why, " (nor %d more line%s)", seen - 1, seen > 2 ? "s" : "");
        return 0;
    }
    case EXTRACT_COOKIE: {
        size_t n;
        const char *c = cookiejar_get(v->jar, step_host(v, st), NULL, step_https(v, st),
                                      (int64_t)time(NULL), x->cookie, &n);
        if (c) {
            sbuf_reset(&v->ck);
            if (sbuf_append(&v->ck, c, n))
                return 0;
            if (take(x, sbuf_str(&v->ck), n, dst))
                return 1;
            sbuf_printf(why, "cookie %s: %s", x->cookie, re);
            redact_value(why, sbuf_str(&v->ck), n);
            return 0;
        }
        sbuf_reset(&v->ck);
        cookiejar_header(v->jar, step_host(v, st), "/", step_https(v, st), (int64_t)time(NULL),
                         &v->ck);
        sbuf_printf(why, "cookie %s: not in the jar, which has ", x->cookie);
        if (v->ck.len)
            show(why, "Cookie", sbuf_str(&v->ck), v->ck.len);
        else
            sbuf_puts(why, "no cookie for this target");
        return 0;
    }
    case EXTRACT_REGEX:
        if (take(x, body, blen, dst))
            return 1;
        sbuf_puts(why, "body: the regex did not match ");
        show(why, NULL, body, blen);
        return 0;
    }
    return 0;
}

static enum errclass do_extract(vu *v, const struct plan_step *st)
{
    for (int i = 0; i < st->nextract; i++) {
        const struct plan_extract *x = &st->extract[i];
        struct var *dst = var_slot(v, x->var);
        if (!dst)
            continue;
        dst->set = 0;
        sbuf_reset(&v->body); /* the request body is sent: its buffer is free */
        dst->set = extract_one(v, st, x, &dst->val, &v->body);
        if (!dst->set) {
            snprintf(v->reason, sizeof v->reason, "extract '%s' from %s", x->var,
                     v->body.len ? sbuf_str(&v->body) : "the response: out of memory");
            return ERR_EXTRACT;
        }
    }
    return ERR_NONE;
}

/* --trace: the response to a traced request, the values its extracts took, its verdict. */
static void trace_exchange(vu *v, const struct plan_step *st, conn *c,
                           const struct conn_result *r, enum errclass err, int again)
{
    trace_response(v->tr, r->err != ERR_NONE ? 0 : r->status, conn_response(c),
                   r->detail ? r->detail : errclass_name(r->err));
    if (again) {
        trace_note(v->tr, "poll: condition not met yet, again in %.3fs",
                   (double)st->poll->every_us / 1e6);
        return;
    }
    for (int i = 0; i < st->nextract && (err == ERR_NONE || err == ERR_EXTRACT); i++) {
        const struct plan_extract *x = &st->extract[i];
        const struct var *dst = var_slot(v, x->var);
        if (!dst || !dst->set)
            break; /* extracts run in order: the rest did not run */
        int secret = x->from == EXTRACT_COOKIE ||
                     (x->from == EXTRACT_HEADER && redact_header_kind(x->header) != REDACT_NONE);
        trace_value(v->tr, x->var, sbuf_str(&dst->val), dst->val.len,
                    x->from == EXTRACT_HEADER && !x->regex ? x->header : NULL, secret);
    }
    if (err != ERR_NONE)
        trace_note(v->tr, "FAILED (%s): %s", errclass_name(err), v->reason);
    else
        trace_note(v->tr, "ok");
}

static void send_step(vu *v);

static void on_response(void *ud, conn *c, const struct conn_result *r)
{
    vu *v = ud;
    if (v->sub) {
        ws_resumed(v, r);
        return;
    }
    const struct plan_step *st = &v->ctx->flow->steps[v->step];
    forget_response(v);
    int again = 0; /* polls again */
    struct stats_sample s = {
        .status = r->status,
        .err = r->err,
        .bytes_in = r->bytes_in,
        .bytes_out = r->bytes_out,
        .new_conn = r->new_conn,
    };
    s.latency_us = conn_result_latency_us(r, 0);
    if (r->err != ERR_NONE) {
        snprintf(v->reason, sizeof v->reason, "%s", r->detail ? r->detail : errclass_name(r->err));
    } else {
        take_cookies(v, st, sbuf_str(&v->scratch));
        s.err = check_expect(v, st, r->status);
        if (s.err == ERR_NONE && st->poll) {
            json_t *j = body_json(v);
            if (!j || !cond_eval(st->poll->until, j)) {
                /* poll again every `every` until the deadline, the last time exactly at
                 * it: only a response at or after the deadline can time the step out */
                uint64_t now = clock_us(), deadline = v->poll_start_us + st->poll->timeout_us;
                if (now < deadline) {
                    again = 1;
                    goto out;
                }
                s.err = ERR_POLL_TIMEOUT;
                sbuf_reset(&v->body);
                if (j)
                    cond_describe(st->poll->until, j, &v->body);
                snprintf(v->reason, sizeof v->reason, "poll: condition not met within %.1fs: %s",
                         (double)st->poll->timeout_us / 1e6,
                         j ? sbuf_str(&v->body) : "body is not JSON");
            }
        }
        if (s.err == ERR_NONE)
            s.err = do_extract(v, st);
    }
out:
    s.failed = s.err != ERR_NONE;
    if (v->tr) /* the only cost of --trace when a response comes */
        trace_exchange(v, st, c, r, s.err, again);
    if (again) {
        record_request(v, v->step, r->t_done_us, &s); /* a normal poll */
        v->polling = 1;
        uint64_t now = clock_us(), deadline = v->poll_start_us + st->poll->timeout_us;
        uint64_t next = now + st->poll->every_us;
        ptimer_arm(v->ctx->timers, &v->wake, next < deadline ? next : deadline);
        return;
    }
    record_request(v, v->step, r->t_done_us, &s);
    v->polling = 0;
    if (s.failed) {
        v->failed = 1;
        end_iteration(v);
        return;
    }
    v->step++;
    advance(v);
}

/* cookies: {clear, set} of st, before its request (not again when it polls). */
static int step_cookies(vu *v, const struct plan_step *st)
{
    if (st->cookies_clear)
        cookiejar_clear(v->jar);
    for (int i = 0; i < st->ncookies_set; i++) {
        const struct plan_kv *kv = &st->cookies_set[i];
        sbuf_reset(&v->ck);
        if (sbuf_puts(&v->ck, kv->name) || sbuf_putc(&v->ck, '=') ||
            expand(v, kv->value, &v->ck) || sbuf_puts(&v->ck, "; Path=/"))
            return -1;
        if (cookiejar_set(v->jar, sbuf_str(&v->ck), step_host(v, st), "/",
                          (int64_t)time(NULL))) {
            snprintf(v->reason, sizeof v->reason,
                     "cookies set %s: not a cookie value (no ';', ',', blanks or control "
                     "bytes; at most 4 KB)",
                     kv->name);
            return -1;
        }
    }
    return 0;
}

static void send_step(vu *v)
{
    const struct plan_step *st = v->sub ? v->sub : &v->ctx->flow->steps[v->step];
    const struct origin *og = step_origin(v, st);
    conn **slot = og ? &v->oc[st->origin - 1] : &v->c;
    if (!*slot && !(*slot = conn_new(v->ctx->loop, og ? &og->target : v->ctx->target))) {
        step_failed(v, ERR_IO, "out of memory");
        return;
    }
    v->cur = *slot;
    if ((st->cookies_clear || st->ncookies_set) && !v->polling && step_cookies(v, st)) {
        step_failed(v, ERR_TEMPLATE, v->reason);
        return;
    }
    int n = build_request(v, st);
    if (n < 0) {
        step_failed(v, ERR_TEMPLATE, v->reason);
        return;
    }
    int capture = st->expect.body_contains || st->expect.json || st->poll || st->nextract;
    if (v->tr) { /* the only cost of --trace on the request path */
        char what[256];
        trace_what(v, what, sizeof what);
        trace_request(v->tr, what, v->iov, n);
        capture |= trace_open(v->tr);
    }
    struct conn_req req = {
        .iov = v->iov,
        .iovcnt = n,
        .is_head = !strcmp(st->method, "HEAD"),
        .timeout_us = st->timeout_us,
        .capture_headers = 1, /* Set-Cookie, extract from headers */
        .capture_body = capture ? CAPTURE_BODY_MAX : 0,
    };
    conn_send(v->cur, &req, on_response, v);
}

/* ---- steps and iterations ------------------------------------------------------------ */

static void on_wake(struct ptimer_entry *e)
{
    vu *v = of_wake(e);
    if (!v->busy)
        return;
    if (v->ending) {
        v->ending = 0;
        end_iteration(v);
        return;
    }
    if (v->ws_phase != WSP_NONE) {
        ws_wake(v);
        return;
    }
    if (v->polling) {
        send_step(v); /* the same step again */
        return;
    }
    v->step++; /* a think step ended */
    advance(v);
}

static uint64_t uniform(uint64_t *rng, uint64_t lo, uint64_t hi)
{
    /* splitmix64 */
    uint64_t z = (*rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return hi > lo ? lo + z % (hi - lo + 1) : lo;
}

/* Run steps until one has to wait (a request, a think, a poll) or the flow ends. */
/* A VU about to wait (think, or between iterations) gives its request buffers back: an
 * idle VU keeps no 4 KiB head buffer (the next request allocates again). */
static void idle_buffers(vu *v)
{
    sbuf_free(&v->head);
    sbuf_free(&v->hdrs);
    sbuf_free(&v->body);
    sbuf_free(&v->scratch);
    sbuf_free(&v->ck);
}

static void advance(vu *v)
{
    const struct plan_flow *f = v->ctx->flow;
    while (v->step < f->nsteps) {
        const struct plan_step *st = &f->steps[v->step];
        uint64_t now = clock_us();
        switch (st->kind) {
        case STEP_REQUEST:
            v->poll_start_us = now;
            send_step(v);
            return;
        case STEP_THINK:
            idle_buffers(v);
            ptimer_arm(v->ctx->timers, &v->wake,
                       now + uniform(&v->ctx->rng, st->think_min_us, st->think_max_us));
            return;
        case STEP_TXN_BEGIN:
            v->txn_start[st->txn] = now;
            v->txn_failed[st->txn] = 0;
            break;
        case STEP_WS:
            ws_begin(v);
            return;
        case STEP_WS_CONNECT:
            break;
        case STEP_TXN_END:
            if (v->txn_start[st->txn]) {
                struct stats_sample s = {.status = 200, .latency_us = now - v->txn_start[st->txn]};
                record(v, v->ctx->keys.txn0 + st->txn, now, &s);
                v->txn_start[st->txn] = 0;
            }
            break;
        }
        v->step++;
    }
    end_iteration(v);
}

static void end_iteration(vu *v)
{
    if (v->in_iterate) { /* never end inside vu_iterate: from the loop instead */
        v->ending = 1;
        ptimer_arm(v->ctx->timers, &v->wake, 0);
        return;
    }
    uint64_t now = clock_us();
    const struct plan_flow *f = v->ctx->flow;
    /* transactions cut short by a failure count as failed */
    for (int t = 0; t < f->ntxns; t++) {
        if (v->txn_start[t]) {
            struct stats_sample s = {.status = 200, .failed = 1, .err = ERR_EXPECT,
                                     .latency_us = now - v->txn_start[t]};
            record(v, v->ctx->keys.txn0 + t, now, &s);
            v->txn_start[t] = 0;
        }
    }
    uint64_t from = v->intended_us && v->intended_us < v->iter_start_us ? v->intended_us
                                                                        : v->iter_start_us;
    struct stats_sample s = {.status = 200, .failed = v->failed, .latency_us = now - from};
    record(v, v->ctx->keys.iteration, now, &s);
    v->busy = 0;
    v->polling = 0;
    if (v->ws_phase != WSP_NONE) { /* a ws step cut short: its connection goes */
        ws_free(v->ws);
        v->ws = NULL;
        v->ws_phase = WSP_NONE;
    }
    v->sub = NULL;
    idle_buffers(v);
    v->done(v, v->done_ud, !v->failed);
}

void vu_iterate(vu *v, uint64_t iteration, uint64_t intended_us, vu_done_fn done, void *ud)
{
    v->busy = 1;
    v->iteration = iteration;
    v->intended_us = intended_us;
    v->iter_start_us = clock_us();
    v->failed = 0;
    v->step = 0;
    v->polling = 0;
    v->ending = 0;
    v->done = done;
    v->done_ud = ud;
    v->reason[0] = '\0';
    for (int i = v->nplanvars; i < v->nvars; i++)
        v->vars[i].set = 0; /* extracted values live for one iteration */
    v->in_iterate = 1;
    advance(v);
    v->in_iterate = 0;
}

void vu_abort(vu *v)
{
    if (!v->busy)
        return;
    ptimer_cancel(v->ctx->timers, &v->wake);
    /* a request in flight is dropped with its connection (another origin's is made
     * again on its next step) */
    for (int i = 0; v->oc && i < v->ctx->plan->norigins; i++) {
        if (v->oc[i] && conn_busy(v->oc[i])) {
            conn_free(v->oc[i]);
            v->oc[i] = NULL;
        }
    }
    conn_free(v->c);
    v->c = conn_new(v->ctx->loop, v->ctx->target);
    v->cur = NULL;
    ws_free(v->ws);
    v->ws = NULL;
    v->ws_phase = WSP_NONE;
    v->sub = NULL;
    for (int t = 0; t < v->ctx->flow->ntxns; t++)
        v->txn_start[t] = 0;
    v->busy = 0;
    v->polling = 0;
    v->ending = 0;
}

/* ---- ws steps ------------------------------------------------------------------------ */

static void ws_on_open(void *ud, ws *w, const struct ws_open_result *r);
static void ws_on_message(void *ud, ws *w, int binary, const uint8_t *data, size_t len);
static void ws_on_closed(void *ud, ws *w, const struct ws_close_result *r);

static const struct ws_callbacks ws_cbs = {ws_on_open, ws_on_message, ws_on_closed};

static const struct plan_step *ws_st(vu *v)
{
    return &v->ctx->flow->steps[v->step];
}

/* Count what the ws did since the last call (and opens/closes/reconnects given) into
 * the step's, the scenario's and the level's keys. */
static void ws_account(vu *v, int opens, int closes, int reconnects)
{
    struct stats_ws d = {.opens = (uint64_t)opens, .closes = (uint64_t)closes,
                         .reconnects = (uint64_t)reconnects};
    if (v->ws) {
        struct ws_counts n = ws_counts(v->ws);
        d.msgs_in = n.msgs_in - v->ws_seen.msgs_in;
        d.msgs_out = n.msgs_out - v->ws_seen.msgs_out;
        d.bytes_in = n.bytes_in - v->ws_seen.bytes_in;
        d.bytes_out = n.bytes_out - v->ws_seen.bytes_out;
        v->ws_seen = n;
    }
    uint64_t now = clock_us();
    int keys[3] = {v->ctx->keys.step0 + v->step, v->ctx->keys.scenario, v->ctx->keys.level};
    for (int i = 0; i < 3; i++)
        if (keys[i] >= 0)
            shard_ws(v->ctx->sh, keys[i], now, &d);
}

/* The open connection counted in ws_active is gone. */
static void ws_gone(vu *v)
{
    if (v->ws_live)
        ws_account(v, 0, 1, 0);
    v->ws_live = 0;
}

static void ws_drop(vu *v)
{
    ws_gone(v);
    ws_free(v->ws);
    v->ws = NULL;
    memset(&v->ws_seen, 0, sizeof v->ws_seen);
}

static void ws_arm(vu *v)
{
    uint64_t t = v->ws_deadline_us;
    if (v->ws_phase == WSP_BACKOFF && v->ws_retry_at_us < t)
        t = v->ws_retry_at_us;
    if (v->ws_phase == WSP_OPEN && v->ws_drop_at_us && !v->ws_dropped && v->ws_drop_at_us < t)
        t = v->ws_drop_at_us;
    ptimer_arm(v->ctx->timers, &v->wake, t);
}

/* The ws step ends: one sample for it (latency: from its start to the condition; a
 * refused handshake keeps its HTTP status), then the next step or the iteration's end. */
static void ws_finish(vu *v, enum errclass err)
{
    ptimer_cancel(v->ctx->timers, &v->wake);
    ws_account(v, 0, 0, 0);
    if (v->sub) { /* a resume_check in flight goes with its connection */
        conn_free(v->c);
        v->c = conn_new(v->ctx->loop, v->ctx->target);
        v->cur = NULL;
        v->sub = NULL;
    }
    ws_drop(v); /* a fresh client per step: no callback of this one reaches a later step */
    v->ws_phase = WSP_NONE;
    uint64_t now = clock_us();
    struct stats_sample s = {.err = err, .failed = err != ERR_NONE};
    if (err == ERR_NONE)
        s.status = 101, s.latency_us = now - v->ws_start_us;
    else if (err == ERR_WS_HANDSHAKE)
        s.status = v->ws_status, s.latency_us = now - v->ws_start_us;
    if (v->tr && trace_open(v->tr)) {
        if (err != ERR_NONE)
            trace_note(v->tr, "FAILED (%s): %s", errclass_name(err), v->reason);
        else
            trace_note(v->tr, "ok: %llu message(s), %d reconnect(s)",
                       (unsigned long long)v->ws_msgs, v->ws_reconnects);
    }
    record_request(v, v->step, now, &s);
    if (err != ERR_NONE) {
        v->failed = 1;
        end_iteration(v);
        return;
    }
    v->step++; /* the connect key's step is skipped by advance */
    advance(v);
}

static void ws_fail(vu *v, enum errclass err, const char *why)
{
    snprintf(v->reason, sizeof v->reason, "%s", why);
    ws_finish(v, err);
}

static void ws_connect(vu *v)
{
    const struct plan_step *st = ws_st(v);
    if (!v->ws && !(v->ws = ws_new(v->ctx->loop, v->ctx->target,
                                   v->ctx->rng ^ (uint64_t)v->id * 0x9e3779b97f4a7c15ull))) {
        ws_fail(v, ERR_IO, "out of memory");
        return;
    }
    int n = build_request(v, st);
    if (n < 0) {
        ws_finish(v, ERR_TEMPLATE);
        return;
    }
    if (v->tr) {
        char what[256];
        trace_what(v, what, sizeof what);
        trace_request(v->tr, what, v->iov, 1);
    }
    v->ws_phase = WSP_OPENING;
    int rc = ws_open(v->ws, v->iov[0].iov_base, v->iov[0].iov_len, st->timeout_us, &ws_cbs, v);
    sbuf_free(&v->head); /* ws_open copied it: a VU holding a WebSocket keeps no 4 KB head */
    if (rc) {
        snprintf(v->reason, sizeof v->reason, "ws: cannot open: %s", strerror(-rc));
        ws_finish(v, ERR_IO);
        return;
    }
    ws_arm(v);
}

static void ws_begin(vu *v)
{
    const struct plan_ws *w = ws_st(v)->ws;
    uint64_t now = clock_us();
    v->ws_start_us = now;
    v->ws_deadline_us = now + w->receive_timeout_us;
    v->ws_drop_at_us = 0;
    v->ws_reconnects = v->ws_dropped = v->ws_met = 0;
    v->ws_status = 0;
    v->ws_msgs = 0;
    v->sub = NULL;
    ws_drop(v);
    ws_connect(v);
}

/* The connection is gone before the condition held: reconnect when attempts remain. */
static void ws_lost(vu *v, enum errclass err, int code, const char *detail)
{
    const struct plan_ws *w = ws_st(v)->ws;
    if (v->tr && trace_open(v->tr))
        trace_note(v->tr, "ws closed: %s", detail);
    if (err == ERR_WS_PROTOCOL || v->ws_reconnects >= w->reconnect_attempts) {
        if (err == ERR_WS_CLOSED)
            snprintf(v->reason, sizeof v->reason,
                     "ws: the connection closed (%d) before the condition held%s", code,
                     w->reconnect_attempts ? ", reconnects used up" : "");
        else
            snprintf(v->reason, sizeof v->reason, "ws: %s", detail);
        ws_finish(v, err == ERR_NONE ? ERR_WS_CLOSED : err);
        return;
    }
    v->ws_reconnects++;
    ws_account(v, 0, 0, 1);
    v->ws_phase = WSP_BACKOFF;
    v->ws_retry_at_us = clock_us() + w->reconnect_backoff_us;
    ws_arm(v);
}

static void ws_on_open(void *ud, ws *w, const struct ws_open_result *r)
{
    (void)w;
    vu *v = ud;
    const struct plan_step *st = ws_st(v);
    v->ws_status = r->status;
    struct stats_sample s = {.status = r->err == ERR_WS_HANDSHAKE || r->err == ERR_NONE
                                           ? r->status : 0,
                             .err = r->err, .failed = r->err != ERR_NONE,
                             .latency_us = r->handshake_us, .new_conn = 1};
    record(v, v->ctx->keys.step0 + v->step + 1, clock_us(), &s);
    if (v->tr && trace_open(v->tr))
        trace_note(v->tr, "ws handshake: %s (HTTP %d, %.1f ms)",
                   r->err == ERR_NONE ? "open" : r->detail, r->status,
                   (double)r->handshake_us / 1e3);
    if (r->err != ERR_NONE) {
        if (v->ws_reconnects && r->err != ERR_WS_HANDSHAKE) { /* the service is coming back? */
            ws_lost(v, ERR_WS_CLOSED, 1006, r->detail);
            return;
        }
        snprintf(v->reason, sizeof v->reason, "ws handshake: %s",
                 r->detail ? r->detail : "failed");
        ws_finish(v, r->err);
        return;
    }
    v->ws_phase = WSP_OPEN;
    ws_account(v, 1, 0, 0);
    v->ws_live = 1;
    if (!v->ws_drop_at_us && st->ws->drop_after_us)
        v->ws_drop_at_us = clock_us() + st->ws->drop_after_us;
    for (int i = 0; i < st->ws->nsend; i++) {
        sbuf_reset(&v->body);
        if (expand(v, st->ws->send[i], &v->body)) {
            ws_finish(v, ERR_TEMPLATE);
            return;
        }
        if (v->tr && trace_open(v->tr))
            trace_note(v->tr, "ws > %.*s", (int)(v->body.len < 300 ? v->body.len : 300),
                       sbuf_str(&v->body));
        if (ws_send(v->ws, 0, v->body.buf ? v->body.buf : "", v->body.len)) {
            ws_fail(v, ERR_IO, "ws send: out of memory");
            return;
        }
    }
    if (!st->ws->until) { /* nothing to wait for */
        v->ws_met = 1;
        v->ws_phase = WSP_CLOSING;
        ws_close(v->ws, 1000);
        ws_arm(v);
        return;
    }
    if (v->ws_reconnects && st->ws->resume && !v->sub) {
        v->sub = st->ws->resume;
        send_step(v); /* ws_resumed takes its response */
        if (!v->busy || v->ws_phase == WSP_NONE)
            return;
    }
    ws_arm(v);
}

/* A value for x from a message (j: the message as JSON, or NULL). 1 when taken. */
static int ws_take(vu *v, const struct plan_extract *x, json_t *j, const uint8_t *data,
                   size_t len, struct sbuf *dst)
{
    if (x->from == EXTRACT_JSON) {
        json_t *val = j ? jpath_get(x->path, j) : NULL;
        sbuf_reset(&v->ck);
        if (!val || jpath_to_string(val, &v->ck))
            return 0;
        return take(x, sbuf_str(&v->ck), v->ck.len, dst);
    }
    sbuf_reset(&v->ck);
    if (sbuf_append(&v->ck, data, len))
        return 0;
    return take(x, sbuf_str(&v->ck), len, dst);
}

/* The step's extracts (receive: extract) from the message on which until held.
 * @return 0, or -1 with the reason set. */
static int ws_extract(vu *v, const struct plan_step *st, json_t *j, const uint8_t *d, size_t n)
{
    for (int i = 0; i < st->nextract; i++) {
        struct var *dst = var_slot(v, st->extract[i].var);
        if (!dst)
            continue;
        dst->set = ws_take(v, &st->extract[i], j, d, n, &dst->val);
        if (!dst->set) {
            snprintf(v->reason, sizeof v->reason, "extract '%s': not in the message '%.*s'",
                     st->extract[i].var, (int)(n < SHOW_MAX ? n : SHOW_MAX), (const char *)d);
            return -1;
        }
        if (v->tr && trace_open(v->tr))
            trace_value(v->tr, st->extract[i].var, sbuf_str(&dst->val), dst->val.len, NULL, 0);
    }
    return 0;
}

static void ws_met(vu *v)
{
    v->ws_met = 1;
    if (v->sub)
        return; /* the resume_check in flight ends the step */
    if (v->ws && ws_is_open(v->ws)) {
        v->ws_phase = WSP_CLOSING;
        ws_close(v->ws, 1000);
        ws_arm(v);
        return;
    }
    ws_finish(v, ERR_NONE);
}

static void ws_on_message(void *ud, ws *w, int binary, const uint8_t *data, size_t len)
{
    (void)w;
    vu *v = ud;
    const struct plan_step *st = ws_st(v);
    const struct plan_ws *pw = st->ws;
    if (v->ws_phase != WSP_OPEN || v->ws_met)
        return;
    v->ws_msgs++;
    if (v->tr && trace_open(v->tr) && v->ws_msgs <= WS_TRACE_MSGS)
        trace_note(v->tr, "ws < %s%.*s", binary ? "(binary) " : "",
                   (int)(len < 300 ? len : 300), binary ? "" : (const char *)data);
    else if (v->tr && trace_open(v->tr) && v->ws_msgs == WS_TRACE_MSGS + 1)
        trace_note(v->tr, "ws < ... (the rest of the messages not shown)");
    if (pw->count_var) {
        struct var *c = var_slot(v, pw->count_var);
        if (c) {
            sbuf_reset(&c->val);
            c->set = !sbuf_printf(&c->val, "%llu", (unsigned long long)v->ws_msgs);
        }
    }
    json_t *j = NULL;
    if (pw->until || pw->neach || st->nextract)
        j = json_loadb((const char *)data, len, JSON_DECODE_ANY, NULL);
    for (int i = 0; i < pw->neach; i++) {
        struct var *dst = var_slot(v, pw->each[i].var);
        sbuf_reset(&v->scratch);
        if (dst && ws_take(v, &pw->each[i], j, data, len, &v->scratch)) {
            sbuf_reset(&dst->val);
            dst->set = !sbuf_append(&dst->val, v->scratch.buf ? v->scratch.buf : "",
                                    v->scratch.len);
        }
    }
    int hit = pw->until && j && cond_eval(pw->until, j);
    if (hit && ws_extract(v, st, j, data, len)) {
        json_decref(j);
        ws_finish(v, ERR_EXTRACT);
        return;
    }
    json_decref(j);
    if (hit)
        ws_met(v);
}

static void ws_on_closed(void *ud, ws *w, const struct ws_close_result *r)
{
    (void)w;
    vu *v = ud;
    ws_gone(v);
    if (v->ws_phase == WSP_CLOSING) {
        ws_finish(v, ERR_NONE);
        return;
    }
    if (v->ws_phase != WSP_OPEN)
        return;
    if (v->ws_met) { /* the resume_check in flight ends the step */
        v->ws_phase = WSP_CLOSING;
        return;
    }
    ws_lost(v, r->err, r->code, r->detail);
}

static void ws_wake(vu *v)
{
    const struct plan_step *st = ws_st(v);
    uint64_t now = clock_us();
    if (now >= v->ws_deadline_us) {
        if (v->ws_met) {
            ws_finish(v, ERR_NONE);
            return;
        }
        snprintf(v->reason, sizeof v->reason,
                 "receive: condition not met within %.1fs (%llu message(s), %d reconnect(s))",
                 (double)st->ws->receive_timeout_us / 1e6, (unsigned long long)v->ws_msgs,
                 v->ws_reconnects);
        if (v->ws_phase == WSP_OPENING && !v->ws_reconnects)
            snprintf(v->reason, sizeof v->reason, "ws handshake: no answer within %.1fs",
                     (double)st->ws->receive_timeout_us / 1e6);
        ws_finish(v, ERR_TIMEOUT);
        return;
    }
    if (v->ws_phase == WSP_BACKOFF && now >= v->ws_retry_at_us) {
        ws_connect(v);
        return;
    }
    if (v->ws_phase == WSP_OPEN && v->ws_drop_at_us && !v->ws_dropped && now >= v->ws_drop_at_us) {
        v->ws_dropped = 1;
        ws_drop(v);
        ws_lost(v, ERR_WS_CLOSED, 1006, "drop_after: dropped by surge");
        return;
    }
    ws_arm(v);
}

/* The response to a resume_check. */
static void ws_resumed(vu *v, const struct conn_result *r)
{
    const struct plan_step *rs = v->sub;
    const struct plan_step *st = ws_st(v);
    v->sub = NULL;
    forget_response(v);
    struct stats_sample s = {.status = r->status, .err = r->err, .bytes_in = r->bytes_in,
                             .bytes_out = r->bytes_out, .new_conn = r->new_conn,
                             .latency_us = conn_result_latency_us(r, 0)};
    enum errclass err = r->err;
    if (err != ERR_NONE) {
        snprintf(v->reason, sizeof v->reason, "resume_check: %s",
                 r->detail ? r->detail : errclass_name(r->err));
    } else {
        take_cookies(v, rs, sbuf_str(&v->scratch));
        err = check_expect(v, rs, r->status);
        if (err == ERR_NONE)
            err = do_extract(v, rs);
    }
    s.err = err;
    s.failed = err != ERR_NONE;
    if (v->tr)
        trace_exchange(v, rs, v->c, r, err, 0);
    record(v, v->ctx->keys.scenario, r->t_done_us, &s);
    record(v, v->ctx->keys.level, r->t_done_us, &s);
    if (err != ERR_NONE) {
        ws_finish(v, err);
        return;
    }
    json_t *j = body_json(v);
    if (!v->ws_met && j && cond_eval(st->ws->until, j)) {
        size_t n;
        const char *b = http1_resp_body(conn_response(v->cur), &n);
        if (ws_extract(v, st, j, (const uint8_t *)b, n)) {
            ws_finish(v, ERR_EXTRACT);
            return;
        }
        v->ws_met = 1;
    }
    if (!v->ws_met)
        return; /* the ws goes on waiting */
    if (v->ws_phase == WSP_CLOSING && !(v->ws && ws_is_open(v->ws))) {
        ws_finish(v, ERR_NONE);
        return;
    }
    ws_met(v);
}
