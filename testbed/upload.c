/* upload.c — profile "upload": an image-metadata service as seen from outside. Login with an
 * access code gives a session cookie; uploads are multipart bundles of images that a pool of
 * workers*threads slots "processes" (--work-ms per image) with a bounded FIFO in front
 * (beyond it: 503 Server busy); each session keeps its images' bytes in memory until it
 * expires. The pool is event-driven: a slot is a count and a timer, a waiter a deferred
 * request, not a thread. */
#include "upload.h"

#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "multipart.h"
#include "query.h"
#include "tbuf.h"

#define UP_TOKEN_LEN 32 /* hex characters in a session token */
#define UP_BUCKETS_MAX 65536
#define UP_TRIM_BYTES (1 << 20) /* give freed memory back to the OS past this much */

/* Image bytes kept for a session (one malloc each, so RSS grows by what is held). */
struct up_blob {
    struct up_blob *next;
    size_t len;
    unsigned char data[];
};

struct up_session {
    struct up_server *up;
    struct up_session *hnext; /* hash chain */
    char token[UP_TOKEN_LEN + 1];
    char csrf[UP_TOKEN_LEN + 1]; /* --csrf: the csrftoken cookie's value */
    ptm_timer expiry;      /* fires at login + TTL */
    struct up_blob *blobs; /* kept images, newest first */
    size_t bytes;          /* bytes in blobs */
};

/* One upload in the pool: the request's ctx from admission until it is answered or aborted. */
struct up_job {
    struct up_server *up;
    tb_req *r;
    struct up_job *prev, *next; /* FIFO links while queued */
    char token[UP_TOKEN_LEN + 1];
    int images;   /* PNG/JPEG file parts */
    int rejected; /* other file parts (subset of the file parts, disjoint from images) */
    int queued;   /* 1: in the FIFO; 0: holding a slot */
};

struct up_server {
    tb_server *srv;
    char *access_code;
    double work_ms;   /* per image, scaled */
    double ttl_s;     /* session lifetime, scaled */
    int keep_uploads; /* hold image bytes per session */
    int csrf;         /* --csrf: POSTs but login need X-CSRF-Token == the csrftoken cookie */
    size_t slots;     /* workers * threads */
    size_t busy;      /* slots in use (subset of slots) */
    size_t backlog;   /* FIFO capacity */
    size_t queued;    /* jobs in the FIFO (at most backlog) */
    struct up_job *qhead, *qtail;
    struct up_session **buckets; /* session hash; nbuckets a power of two */
    size_t nbuckets;
    size_t max_sessions;
    size_t nsessions;  /* live sessions (at most max_sessions) */
    size_t held_bytes; /* image bytes held over all sessions */
};

/* ---- sessions ---- */

static size_t up_hash(const struct up_server *up, const char *token)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)token; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return (size_t)h & (up->nbuckets - 1);
}

static struct up_session *up_session_find(struct up_server *up, const char *token, size_t len)
{
    if (len != UP_TOKEN_LEN)
        return NULL;
    char t[UP_TOKEN_LEN + 1];
    memcpy(t, token, UP_TOKEN_LEN);
    t[UP_TOKEN_LEN] = '\0';
    for (struct up_session *s = up->buckets[up_hash(up, t)]; s; s = s->hnext)
        if (strcmp(s->token, t) == 0)
            return s;
    return NULL;
}

/* Unlinks and frees s with everything it holds. */
static void up_session_free(struct up_session *s)
{
    struct up_server *up = s->up;
    struct up_session **pp = &up->buckets[up_hash(up, s->token)];
    while (*pp && *pp != s)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = s->hnext;
    ptm_stop(srv_timers(up->srv), &s->expiry);
    size_t freed = s->bytes;
    for (struct up_blob *b = s->blobs, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    up->held_bytes -= freed;
    up->nsessions--;
    free(s);
    if (freed >= UP_TRIM_BYTES)
        malloc_trim(0); /* so RSS really drops when a session's images go */
}

static void up_on_expiry(ptm_timer *t)
{
    up_session_free((struct up_session *)((char *)t - offsetof(struct up_session, expiry)));
}

static void up_token(struct up_server *up, char out[UP_TOKEN_LEN + 1])
{
    unsigned char raw[UP_TOKEN_LEN / 2];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, GRND_NONBLOCK);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    for (; got < sizeof raw; got++) /* no entropy yet: the server's generator will do */
        raw[got] = (unsigned char)(srv_rand01(up->srv) * 256);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[UP_TOKEN_LEN] = '\0';
}

/* A new session, or NULL (out of memory). The caller checked max_sessions. */
static struct up_session *up_session_new(struct up_server *up)
{
    struct up_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->up = up;
    do
        up_token(up, s->token);
    while (up_session_find(up, s->token, UP_TOKEN_LEN));
    up_token(up, s->csrf);
    if (ptm_start(srv_timers(up->srv), &s->expiry, up->ttl_s, up_on_expiry)) {
        free(s);
        return NULL;
    }
    size_t h = up_hash(up, s->token);
    s->hnext = up->buckets[h];
    up->buckets[h] = s;
    up->nsessions++;
    return s;
}

/* The live session named by the request's "session" cookie, or NULL. */
static struct up_session *up_session_of(struct up_server *up, const tb_req *r)
{
    size_t n = req_header_count(r);
    for (size_t i = 0; i < n; i++) {
        const char *name, *v;
        if (req_header_at(r, i, &name, &v) || strcasecmp(name, "Cookie") != 0)
            continue;
        while (*v) {
            while (*v == ' ' || *v == ';' || *v == '\t')
                v++;
            size_t len = strcspn(v, ";");
            size_t vlen = len;
            while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (vlen > 8 && strncmp(v, "session=", 8) == 0) {
                const char *t = v + 8;
                size_t tlen = vlen - 8;
                if (tlen >= 2 && t[0] == '"' && t[tlen - 1] == '"') {
                    t++;
                    tlen -= 2;
                }
                struct up_session *s = up_session_find(up, t, tlen);
                if (s)
                    return s;
            }
            v += len;
        }
    }
    return NULL;
}

/* ---- POST /api/login ---- */

static struct up_server *up_of(tb_req *r);

/* Finds the access_code field of a multipart login form. */
static int up_login_part(const struct mp_part *p, void *ud)
{
    tbuf *code = ud;
    if (p->filename || p->name_len != 11 || memcmp(p->name, "access_code", 11) != 0)
        return 0;
    if (tbuf_add(code, p->data, p->len) || tbuf_addc(code, '\0'))
        return -ENOMEM;
    return 1;
}

/* The access code the login request carries, into code (NUL-terminated). Returns 0, or -1 if
 * there is none. JSON {"access_code":"..."}, a urlencoded or a multipart form field. */
static int up_login_code(tb_req *r, tbuf *code)
{
    size_t len;
    const char *body = req_body(r, &len);
    const char *ct = req_header(r, "Content-Type");
    if (!body || len == 0)
        return -1;
    if (ct && strncasecmp(ct, "multipart/", 10) == 0) {
        char boundary[MP_BOUNDARY_MAX + 1];
        if (mp_boundary(ct, boundary, NULL) < 0)
            return -1;
        return mp_parse(body, len, boundary, up_login_part, code, NULL) == 1 ? 0 : -1;
    }
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    if ((ct && strncasecmp(ct, "application/json", 16) == 0) || (i < len && body[i] == '{')) {
        json_t *j = json_loadb(body, len, 0, NULL);
        const char *v = j ? json_string_value(json_object_get(j, "access_code")) : NULL;
        int rc = v ? tbuf_add(code, v, strlen(v) + 1) : -1;
        json_decref(j);
        return rc ? -1 : 0;
    }
    tbuf pairs = {0};
    int n = qs_parse(body, len, &pairs);
    const char *v = n > 0 ? qs_get(&pairs, n, "access_code") : NULL;
    int rc = v ? tbuf_add(code, v, strlen(v) + 1) : -1;
    tbuf_free(&pairs);
    return rc ? -1 : 0;
}

static void up_login(tb_req *r)
{
    struct up_server *up = up_of(r);
    tbuf code = {0};
    int ok = up_login_code(r, &code) == 0 && strcmp(code.p, up->access_code) == 0;
    tbuf_free(&code);
    if (!ok) {
        req_error(r, 401, "Invalid access code");
        return;
    }
    struct up_session *s = up_session_of(up, r); /* logged in already: same session */
    if (!s) {
        if (up->nsessions >= up->max_sessions) {
            req_error(r, 503, "Too many active sessions (%zu/%zu)", up->nsessions,
                      up->max_sessions);
            return;
        }
        s = up_session_new(up);
        if (!s) {
            req_error(r, 500, "out of memory creating a session");
            return;
        }
        metrics_counter_add(srv_metrics(up->srv), "logins_total", "Sessions created by /api/login",
                            "", 1);
    }
    char cookie[UP_TOKEN_LEN + 64];
    snprintf(cookie, sizeof cookie, "session=%s; Path=/; HttpOnly", s->token);
    req_add_header(r, "Set-Cookie", cookie);
    if (up->csrf) {
        snprintf(cookie, sizeof cookie, "csrftoken=%s; Path=/; SameSite=Lax", s->csrf);
        req_add_header(r, "Set-Cookie", cookie);
    }
    req_reply_json(r, 200, "{\"success\":true,\"active_sessions\":%zu,\"max_sessions\":%zu}",
                   up->nsessions, up->max_sessions);
}

/* --csrf: whether the request may go on; if not it was answered 403. A request with a
 * session must carry X-CSRF-Token equal to that session's csrftoken cookie. */
static int up_csrf_ok(struct up_server *up, tb_req *r, const struct up_session *s)
{
    if (!up->csrf || !s)
        return 1;
    const char *h = req_header(r, "X-CSRF-Token");
    if (h && strcmp(h, s->csrf) == 0)
        return 1;
    req_error(r, 403, "CSRF token %s (send header X-CSRF-Token: the csrftoken cookie)",
              h ? "does not match" : "missing");
    return 0;
}

/* POST /api/logout — ends the cookie's session (its images are freed). 200 either way. */
static void up_logout(tb_req *r)
{
    struct up_session *s = up_session_of(up_of(r), r);
    if (!up_csrf_ok(up_of(r), r, s))
        return;
    if (s)
        up_session_free(s);
    req_add_header(r, "Set-Cookie", "session=; Path=/; HttpOnly; Max-Age=0");
    req_reply_json(r, 200, "{\"success\":true}");
}

/* ---- POST /api/upload: checking the bundle ---- */

static int up_is_image(const struct mp_part *p)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const unsigned char jpeg[3] = {0xff, 0xd8, 0xff};
    return (p->len >= sizeof png && memcmp(p->data, png, sizeof png) == 0) ||
           (p->len >= sizeof jpeg && memcmp(p->data, jpeg, sizeof jpeg) == 0);
}

/* A file part, not the empty one a browser sends for a file input left empty. */
static int up_is_file(const struct mp_part *p)
{
    return p->filename && (p->filename_len > 0 || p->len > 0);
}

static int up_count_part(const struct mp_part *p, void *ud)
{
    struct up_job *job = ud;
    if (up_is_file(p)) {
        if (up_is_image(p))
            job->images++;
        else
            job->rejected++;
    }
    return 0;
}

/* Copies each image of the bundle into the session (the copy touches every page). */
static int up_keep_part(const struct mp_part *p, void *ud)
{
    struct up_session *s = ud;
    if (!up_is_file(p) || !up_is_image(p))
        return 0;
    struct up_blob *b = malloc(sizeof *b + p->len);
    if (!b)
        return -ENOMEM;
    b->len = p->len;
    memcpy(b->data, p->data, p->len);
    b->next = s->blobs;
    s->blobs = b;
    s->bytes += p->len;
    s->up->held_bytes += p->len;
    return 0;
}

/* ---- the pool ---- */

static void up_start(struct up_job *job);

/* A slot came free: the oldest waiter gets it. */
static void up_slot_free(struct up_server *up)
{
    up->busy--;
    while (up->qhead && up->busy < up->slots) {
        struct up_job *job = up->qhead;
        up->qhead = job->next;
        if (up->qhead)
            up->qhead->prev = NULL;
        else
            up->qtail = NULL;
        job->next = job->prev = NULL;
        job->queued = 0;
        up->queued--;
        up_start(job);
    }
}

static void up_done(tb_req *r);

/* Takes a slot and "works" work_ms per image. */
static void up_start(struct up_job *job)
{
    struct up_server *up = job->up;
    up->busy++;
    if (req_after(job->r, up->work_ms * job->images, up_done)) {
        free(job); /* req_after answered 500; r is gone */
        up_slot_free(up);
    }
}

static void up_done(tb_req *r)
{
    struct up_job *job = req_ctx(r);
    struct up_server *up = job->up;
    tb_metrics *m = srv_metrics(up->srv);
    struct up_session *s = up_session_find(up, job->token, UP_TOKEN_LEN);
    int status = 200;
    if (!s) {
        status = 401; /* the session expired while the upload waited or worked */
    } else if (up->keep_uploads) {
        size_t len;
        const char *body = req_body(r, &len);
        char boundary[MP_BOUNDARY_MAX + 1];
        if (mp_boundary(req_header(r, "Content-Type"), boundary, NULL) < 0 ||
            mp_parse(body, len, boundary, up_keep_part, s, NULL) < 0)
            status = 500; /* out of memory (the bundle parsed at admission) */
    }
    int images = job->images, rejected = job->rejected;
    req_set_ctx(r, NULL);
    free(job);
    up_slot_free(up); /* the next waiter starts (its answer is timed, never synchronous) */
    if (status == 401) {
        req_error(r, 401, "Session expired");
        return;
    }
    if (status == 500) {
        req_error(r, 500, "out of memory keeping the images");
        return;
    }
    metrics_counter_add(m, "images_uploaded_total", "Image files accepted by /api/upload", "",
                        images);
    metrics_counter_add(m, "images_rejected_total",
                        "Files rejected by /api/upload (not PNG or JPEG)", "", rejected);
    req_reply_json(r, 200, "{\"uploaded\":%d,\"rejected\":%d}", images, rejected);
}

/* The client went away while its upload waited or worked. */
static void up_abort(tb_req *r)
{
    struct up_job *job = req_ctx(r);
    if (!job)
        return;
    struct up_server *up = job->up;
    req_set_ctx(r, NULL);
    if (job->queued) {
        if (job->prev)
            job->prev->next = job->next;
        else
            up->qhead = job->next;
        if (job->next)
            job->next->prev = job->prev;
        else
            up->qtail = job->prev;
        up->queued--;
        free(job);
        return;
    }
    free(job);
    up_slot_free(up);
}

static void up_upload(tb_req *r)
{
    struct up_server *up = up_of(r);
    struct up_session *s = up_session_of(up, r);
    if (!s) {
        req_error(r, 401, "Not logged in (POST /api/login first)");
        return;
    }
    if (!up_csrf_ok(up, r, s))
        return;
    char boundary[MP_BOUNDARY_MAX + 1];
    const char *why = NULL;
    if (mp_boundary(req_header(r, "Content-Type"), boundary, &why) < 0) {
        req_error(r, 400, "%s", why);
        return;
    }
    struct up_job probe;
    memset(&probe, 0, sizeof probe);
    size_t len;
    const char *body = req_body(r, &len);
    if (mp_parse(body, len, boundary, up_count_part, &probe, &why) < 0) {
        req_error(r, 400, "malformed multipart body: %s", why);
        return;
    }
    if (probe.images + probe.rejected == 0) {
        req_error(r, 400, "No images provided (want file fields in multipart/form-data)");
        return;
    }
    if (up->busy >= up->slots && up->queued >= up->backlog) {
        req_error(r, 503, "Server busy");
        return;
    }
    struct up_job *job = malloc(sizeof *job);
    if (!job) {
        req_error(r, 500, "out of memory");
        return;
    }
    *job = probe;
    job->up = up;
    job->r = r;
    memcpy(job->token, s->token, sizeof job->token);
    req_set_ctx(r, job);
    req_on_abort(r, up_abort);
    if (up->busy < up->slots) {
        up_start(job);
        return;
    }
    req_defer(r);
    job->queued = 1;
    job->prev = up->qtail;
    if (up->qtail)
        up->qtail->next = job;
    else
        up->qhead = job;
    up->qtail = job;
    up->queued++;
}

/* ---- registration ---- */

/* The profile's state: one per process (the server has no per-route data slot). */
static struct up_server *up_state;

static struct up_server *up_of(tb_req *r)
{
    (void)r;
    return up_state;
}

static void up_collect(tb_metrics *m, void *ud)
{
    const struct up_server *up = ud;
    metrics_gauge_set(m, "active_sessions", "Logged-in sessions not expired", "",
                      (double)up->nsessions);
    metrics_gauge_set(m, "max_sessions", "Session limit (--max-sessions)", "",
                      (double)up->max_sessions);
    metrics_gauge_set(m, "upload_queue_size", "Uploads waiting for a worker", "",
                      (double)up->queued);
    metrics_gauge_set(m, "workers_busy", "Worker threads processing an upload", "",
                      (double)up->busy);
    metrics_gauge_set(m, "workers_total", "Worker threads (--workers x --threads)", "",
                      (double)up->slots);
    metrics_gauge_set(m, "session_upload_bytes", "Image bytes held in memory by sessions", "",
                      (double)up->held_bytes);
    metrics_counter_add(m, "logins_total", "Sessions created by /api/login", "", 0);
}

static void up_free(void *ud)
{
    struct up_server *up = ud;
    /* Connections are closed: every job was aborted and freed. */
    for (size_t i = 0; i < up->nbuckets; i++)
        while (up->buckets[i])
            up_session_free(up->buckets[i]);
    free(up->buckets);
    free(up->access_code);
    free(up);
    if (up_state == up)
        up_state = NULL;
}

int upload_register(tb_server *s, const struct tb_opts *o)
{
    if (up_state)
        return -EEXIST;
    struct up_server *up = calloc(1, sizeof *up);
    if (!up)
        return -ENOMEM;
    double scale = srv_time_scale(s);
    up->srv = s;
    up->access_code = strdup(o->access_code);
    up->work_ms = o->work_ms * scale;
    up->ttl_s = o->session_ttl_ms * scale / 1000.0;
    up->keep_uploads = o->keep_uploads != 0;
    up->csrf = o->csrf != 0;
    up->slots = (size_t)(o->workers * o->threads);
    up->backlog = (size_t)o->backlog;
    up->max_sessions = (size_t)o->max_sessions;
    up->nbuckets = 16;
    while (up->nbuckets < up->max_sessions && up->nbuckets < UP_BUCKETS_MAX)
        up->nbuckets *= 2;
    up->buckets = calloc(up->nbuckets, sizeof *up->buckets);
    int rc = -ENOMEM;
    if (!up->access_code || !up->buckets)
        goto fail;
    rc = srv_on_free(s, up_free, up);
    if (rc)
        goto fail;
    up_state = up; /* from here on srv_free frees it through the hook */
    rc = metrics_on_collect(srv_metrics(s), up_collect, up);
    if (!rc)
        rc = srv_route(s, "POST", "/api/login", SRV_ROUTE_BODY, up_login);
    if (!rc)
        rc = srv_route(s, "POST", "/api/logout", 0, up_logout);
    if (!rc)
        rc = srv_route(s, "POST", "/api/upload", SRV_ROUTE_BODY, up_upload);
    return rc;
fail:
    free(up->buckets);
    free(up->access_code);
    free(up);
    return rc;
}
