/* jobs.c — the `jobs` profile: an asynchronous 2D-to-3D GPU job service imitated on the loop:
 * GPU slots, a FIFO queue, cold/warm durations, memory per running job, failures, OOM, leaks,
 * WebSocket progress and Prometheus metrics. */
#include "jobs.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ws.h"

#define JOBS_RING 16384      /* jobs remembered (ring by id); older finished ones are forgotten */
#define JOBS_SLOTS_MAX 256   /* --gpu-slots upper bound */
#define JOBS_QUEUE_MAX 10000 /* --queue-limit upper bound (slots + queue < JOBS_RING) */
#define JOBS_DURATION_MAX 86400 /* --job-s / --cold-job-s upper bound, seconds */
#define JOBS_MEM_MAX (16ULL << 30)
#define JOBS_RESULT_MIN 64
#define JOBS_RESULT_MAX (64ULL << 20)
#define JOBS_ID_LEN 36         /* xxxxxxxx-xxxx-4xxx-8xxx-NNNNNNNNNNNN: salt, then the sequence */
#define JOBS_SALT_LEN 24       /* the per-process part before the 12 hex digits of sequence */
#define JOBS_WS_MIN_TICK_S 0.1 /* WebSocket updates: at most every 0.1 s of scaled time ... */
#define JOBS_WS_STEPS 100      /* ... and at least every 1% of the job */

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_COMPLETED, JOB_FAILED };
static const char *const jobs_state_names[] = {"queued", "running", "completed", "failed"};

struct job;

/* One WebSocket following a job. */
struct jobs_watch {
    ws_conn *ws;
    struct job *job;
    struct jobs_watch *next;
    int drop; /* --ws-drop-rate chose it: dropped after its second message */
    int sent; /* messages sent to it */
};

struct job {
    uint64_t seq; /* 1, 2, ...: the id's last 12 hex digits */
    enum job_state state;
    const char *error;      /* JOB_FAILED: why */
    int64_t start_ns;       /* JOB_RUNNING and after: when it got a slot */
    int64_t end_ns;         /* finished: when */
    double dur_s;           /* planned running time, scaled, jitter included */
    double fail_at;         /* fraction of dur_s at which it fails; < 0: it completes */
    int end_progress;       /* progress when it finished */
    int last_sent;          /* progress last sent to watchers; -1 none yet */
    struct jobs_memop *mem; /* running: its memory's release order, sent when it ends */
    ptm_timer end_timer;    /* running: fires at completion or failure */
    ptm_timer tick_timer;   /* running and watched: next WebSocket update */
    struct job *qnext;      /* queued: next in the FIFO */
    struct jobs_watch *watchers;
};

/* An order for the memory worker. Allocating and touching pages is slow (page faults: about
 * 2-8 ms per MB on a VM), so it happens on a worker thread and the loop never waits for it.
 * One worker, orders done in FIFO order: a job's FREE always runs after its ALLOC. */
enum jobs_memop_kind { MEMOP_ALLOC, MEMOP_FREE, MEMOP_LEAK, MEMOP_STOP };
struct jobs_memop {
    enum jobs_memop_kind kind;
    size_t len;
    void *p;                 /* ALLOC: the mapping; written and read by the worker only */
    struct jobs_memop *peer; /* FREE: its ALLOC (the worker frees both) */
    struct jobs_memop *next; /* queue link */
};

/* The service; one per process (routes carry no user data). */
struct jobs {
    tb_server *srv;
    struct jobs_opts o;
    tb_metrics *m;
    int own_metrics; /* m is ours: free it, serve /metrics */
    char salt[JOBS_SALT_LEN + 1];
    uint64_t next_seq;
    struct job *ring[JOBS_RING]; /* by seq % JOBS_RING */
    struct job *qhead, *qtail;
    long queued;           /* jobs in the FIFO */
    long running;          /* jobs holding a slot (subset of jobs not finished) */
    int warmed;            /* a job has started: later ones are warm */
    unsigned char *result; /* the model every completed job returns */
    size_t result_len;
    long ws_active;                         /* WebSocket connections open */
    pthread_t mem_thread;                   /* the memory worker */
    int mem_started;                        /* mem_thread runs */
    pthread_mutex_t mem_mu;                 /* guards the order queue */
    pthread_cond_t mem_cv;                  /* signalled on each new order */
    struct jobs_memop *mem_head, *mem_tail; /* orders not yet taken */
    struct jobs_memop mem_stop;             /* the last order */
};

static struct jobs *jobs_g;

/* Leaked blocks chain through their first bytes from here: reachable, so leak checkers that
 * scan memory (LSan) stay quiet, but never freed. Only the memory worker touches it. */
static void *jobs_leaked;

/* ---- flags ---- */

void jobs_opts_default(struct jobs_opts *o)
{
    memset(o, 0, sizeof *o);
    o->gpu_slots = 3;
    o->queue_limit = 50;
    o->job_s = 82;
    o->cold_job_s = 167;
    o->jitter = 0.05;
    o->time_scale = 1;
    o->job_mem = 64ULL << 20;
    o->oom_above = -1;
    o->result_bytes = 300ULL << 10;
}

static int jobs_num(const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno == ERANGE || !isfinite(d) || d < lo || d > hi)
        return -1;
    *out = d;
    return 0;
}

/* "512KB", "64MB", "4MiB", "1G", "1000": K/M/G are powers of 1024. */
static int jobs_size(const char *v, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || errno == ERANGE || !isfinite(d) || d < 0)
        return -1;
    static const struct {
        const char *suffix;
        double mult;
    } units[] = {{"", 1},
                 {"b", 1},
                 {"k", 1024},
                 {"kb", 1024},
                 {"kib", 1024},
                 {"m", 1048576},
                 {"mb", 1048576},
                 {"mib", 1048576},
                 {"g", 1073741824.0},
                 {"gb", 1073741824.0},
                 {"gib", 1073741824.0}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(end, units[i].suffix) == 0) {
            d *= units[i].mult;
            if (d > (double)hi)
                return -1;
            *out = (uint64_t)(d + 0.5);
            return 0;
        }
    }
    return -1;
}

int jobs_flag(struct jobs_opts *o, const char *name, const char *value, char *err, size_t errlen)
{
    enum { F_LONG, F_NUM, F_SIZE, F_PROFILE };
    static const struct {
        const char *name;
        int kind;
        double lo, hi;
        size_t off;
    } flags[] = {
        {"--profile", F_PROFILE, 0, 0, 0},
        {"--gpu-slots", F_LONG, 1, JOBS_SLOTS_MAX, offsetof(struct jobs_opts, gpu_slots)},
        {"--queue-limit", F_LONG, 0, JOBS_QUEUE_MAX, offsetof(struct jobs_opts, queue_limit)},
        {"--job-s", F_NUM, 0, JOBS_DURATION_MAX, offsetof(struct jobs_opts, job_s)},
        {"--cold-job-s", F_NUM, 0, JOBS_DURATION_MAX, offsetof(struct jobs_opts, cold_job_s)},
        {"--job-jitter", F_NUM, 0, 1, offsetof(struct jobs_opts, jitter)},
        {"--time-scale", F_NUM, 1e-6, 1e6, offsetof(struct jobs_opts, time_scale)},
        {"--job-mem", F_SIZE, 0, (double)JOBS_MEM_MAX, offsetof(struct jobs_opts, job_mem)},
        {"--leak-per-job", F_SIZE, 0, (double)JOBS_MEM_MAX,
         offsetof(struct jobs_opts, leak_per_job)},
        {"--fail-rate", F_NUM, 0, 1, offsetof(struct jobs_opts, fail_rate)},
        {"--ws-drop-rate", F_NUM, 0, 1, offsetof(struct jobs_opts, ws_drop_rate)},
        {"--oom-above", F_LONG, 0, JOBS_SLOTS_MAX, offsetof(struct jobs_opts, oom_above)},
        {"--result-size", F_SIZE, JOBS_RESULT_MIN, (double)JOBS_RESULT_MAX,
         offsetof(struct jobs_opts, result_bytes)},
    };
    size_t k = 0, n = sizeof flags / sizeof flags[0];
    while (k < n && strcmp(name, flags[k].name) != 0)
        k++;
    if (k == n)
        return 0;
    if (flags[k].kind == F_PROFILE) {
        if (!value || strcmp(value, "jobs") != 0)
            return 0; /* another profile: main.c's business */
        o->enabled = 1;
        return 1;
    }
    if (!value || !value[0]) {
        snprintf(err, errlen, "%s needs a value (see --help)", name);
        return -1;
    }
    char *field = (char *)o + flags[k].off;
    double d;
    uint64_t u;
    int bad = 0;
    switch (flags[k].kind) {
    case F_LONG:
        bad = strspn(value, "0123456789") != strlen(value) ||
              jobs_num(value, flags[k].lo, flags[k].hi, &d);
        if (!bad)
            *(long *)(void *)field = (long)d;
        break;
    case F_NUM:
        bad = jobs_num(value, flags[k].lo, flags[k].hi, &d) != 0;
        if (!bad)
            *(double *)(void *)field = d;
        break;
    default:
        bad = jobs_size(value, (uint64_t)flags[k].hi, &u) != 0 || (double)u < flags[k].lo;
        if (!bad)
            *(uint64_t *)(void *)field = u;
        break;
    }
    if (bad && flags[k].kind == F_SIZE)
        snprintf(err, errlen, "bad %s '%.64s': want a size like 512KB or 64MB, %.0f B to %.0f MB",
                 name, value, flags[k].lo, flags[k].hi / 1048576);
    else if (bad)
        snprintf(err, errlen, "bad %s '%.64s': want %s in [%g, %g]", name, value,
                 flags[k].kind == F_LONG ? "an integer" : "a number", flags[k].lo, flags[k].hi);
    if (bad)
        return -1;
    return 1;
}

const char *jobs_usage(void)
{
    return "Profile jobs (--profile jobs): an async 2D-to-3D GPU job service.\n"
           "  POST /api/generate           image upload (multipart file part, or a raw body)\n"
           "                               -> 202 {\"job_id\":ID}; queue full -> 503\n"
           "  GET  /api/jobs/ID            {\"status\":queued|running|completed|failed,\n"
           "                               \"progress\":0-100[,\"error\":...]}\n"
           "  GET  /api/jobs/ID/result     the model (model/gltf-binary); 409 before\n"
           "  GET  /ws/jobs/ID             WebSocket: {\"progress\":P,\"status\":S} frames\n"
           "  GET  /metrics                Prometheus text\n"
           "  --gpu-slots S      jobs running at once (default 3)\n"
           "  --queue-limit Q    jobs waiting beyond that (default 50); more -> 503\n"
           "  --job-s SEC        warm job duration (default 82)\n"
           "  --cold-job-s SEC   the first job's duration (default 167)\n"
           "  --job-jitter F     durations vary uniformly by +-F (default 0.05)\n"
           "  --time-scale F     multiply every duration by F (e.g. 0.01 in tests)\n"
           "  --job-mem SIZE     memory mapped and touched per running job (default 64MB)\n"
           "  --leak-per-job SIZE  leak that much per finished job (default 0)\n"
           "  --fail-rate P      share of jobs failing at a random point (default 0)\n"
           "  --ws-drop-rate P   share of /ws/jobs connections dropped (no close frame)\n"
           "                     after their second message while the job runs (default 0)\n"
           "  GET  /ws/bad?kind=K  WebSocket that sends one invalid frame: masked, opcode,\n"
           "                     rsv, control (ping over 125 bytes), close_code (999), utf8\n"
           "  --oom-above N      jobs beyond N running fail \"out of memory\" (default off)\n"
           "  --result-size SIZE bytes of each result (default 300KB)\n"
           "  SIZE: bytes, or with K/KB/KiB, M/MB/MiB, G/GB/GiB (all powers of 1024).\n";
}

/* ---- metrics ---- */

static void jobs_count(struct jobs *J, const char *name, const char *help, const char *labels)
{
    metrics_counter_add(J->m, name, help, labels, 1);
}

static void jobs_collect(tb_metrics *m, void *ud)
{
    struct jobs *J = ud;
    metrics_gauge_set(m, "job_queue_size", "Jobs waiting for a GPU slot", "", (double)J->queued);
    metrics_gauge_set(m, "jobs_running", "Jobs holding a GPU slot", "", (double)J->running);
    metrics_gauge_set(m, "gpu_usage_percent", "GPU slots in use, percent", "",
                      100.0 * (double)J->running / (double)J->o.gpu_slots);
    metrics_gauge_set(m, "gpu_memory_bytes", "Simulated GPU memory in use (running x job-mem)", "",
                      (double)J->running * (double)J->o.job_mem);
    metrics_gauge_set(m, "websocket_connections_active", "WebSocket connections open", "",
                      (double)J->ws_active);
}

/* Declares every family, so a scrape before the first job shows them at zero. */
static int jobs_metrics_init(struct jobs *J)
{
    int rc = metrics_on_collect(J->m, jobs_collect, J);
    if (!rc)
        rc = metrics_counter_add(J->m, "generation_success_total", "Jobs completed", "", 0);
    if (!rc)
        rc = metrics_counter_add(J->m, "generation_failure_total", "Jobs failed, by reason",
                                 "reason=\"error\"", 0);
    if (!rc)
        rc = metrics_counter_add(J->m, "generation_failure_total", "Jobs failed, by reason",
                                 "reason=\"oom\"", 0);
    if (!rc)
        rc = metrics_counter_add(J->m, "jobs_submitted_total", "Jobs accepted (202)", "", 0);
    if (!rc)
        rc = metrics_counter_add(J->m, "jobs_rejected_total", "Submits refused, by reason",
                                 "reason=\"queue_full\"", 0);
    if (!rc)
        rc = metrics_counter_add(J->m, "websocket_messages_sent_total",
                                 "WebSocket text frames sent", "", 0);
    return rc ? -ENOMEM : 0;
}

/* ---- ids ---- */

static void jobs_id(const struct jobs *J, const struct job *j, char out[JOBS_ID_LEN + 1])
{
    snprintf(out, JOBS_ID_LEN + 1, "%s%012" PRIx64, J->salt, j->seq);
}

/* The job named by id[0..len), or NULL (malformed, another process's, or forgotten). */
static struct job *jobs_find(struct jobs *J, const char *id, size_t len)
{
    if (len != JOBS_ID_LEN || memcmp(id, J->salt, JOBS_SALT_LEN) != 0)
        return NULL;
    uint64_t seq = 0;
    for (size_t i = JOBS_SALT_LEN; i < JOBS_ID_LEN; i++) {
        char c = id[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            return NULL;
        seq = seq << 4 | (uint64_t)v;
    }
    struct job *j = J->ring[seq % JOBS_RING];
    return j && j->seq == seq ? j : NULL;
}

/* ---- progress and WebSocket updates ---- */

static int jobs_progress(const struct job *j, int64_t now)
{
    switch (j->state) {
    case JOB_QUEUED:
        return 0;
    case JOB_RUNNING: {
        if (j->dur_s <= 0)
            return 99;
        double p = 100.0 * (double)(now - j->start_ns) / (j->dur_s * 1e9);
        return p < 0 ? 0 : p >= 99 ? 99 : (int)p;
    }
    default:
        return j->end_progress;
    }
}

/* {"status":..,"progress":..[,"error":..]} without braces' contents beyond these fields. */
static void jobs_status_json(const struct job *j, int progress, char *out, size_t outsz)
{
    if (j->state == JOB_FAILED)
        snprintf(out, outsz, "\"status\":\"failed\",\"progress\":%d,\"error\":\"%s\"", progress,
                 j->error);
    else
        snprintf(out, outsz, "\"status\":\"%s\",\"progress\":%d", jobs_state_names[j->state],
                 progress);
}

/* Sends the job's state to every watcher if the progress or status changed (always if force). */
static void jobs_notify(struct jobs *J, struct job *j, int force)
{
    int p = jobs_progress(j, ptm_now_ns());
    int key = (int)j->state * 1000 + p;
    if (!j->watchers || (!force && key == j->last_sent))
        return;
    j->last_sent = key;
    char body[160], msg[192];
    jobs_status_json(j, p, body, sizeof body);
    int n = snprintf(msg, sizeof msg, "{%s}", body);
    struct jobs_watch *nx;
    for (struct jobs_watch *w = j->watchers; w; w = nx) {
        nx = w->next; /* a dropped one is unlinked and freed */
        if (ws_send_text(w->ws, msg, (size_t)n) == 0)
            jobs_count(J, "websocket_messages_sent_total", "WebSocket text frames sent", "");
        if (w->drop && ++w->sent >= 2 && j->state == JOB_RUNNING) {
            jobs_count(J, "websocket_dropped_total", "WebSockets dropped by --ws-drop-rate", "");
            ws_abort(w->ws); /* mid-job, without a close frame: a network drop */
        }
    }
}

/* Seconds to the next WebSocket update of a running job: just past its next whole percent,
 * but not sooner than 0.1 s of scaled time (whichever is coarser). */
static double jobs_tick_s(const struct jobs *J, const struct job *j)
{
    double floor_s = JOBS_WS_MIN_TICK_S * J->o.time_scale;
    double elapsed = (double)(ptm_now_ns() - j->start_ns) / 1e9;
    int p = jobs_progress(j, ptm_now_ns());
    double t = (p + 1) * j->dur_s / JOBS_WS_STEPS - elapsed + 1e-6;
    return t > floor_s ? t : floor_s;
}

static void jobs_on_tick(ptm_timer *t)
{
    struct job *j = (struct job *)(void *)((char *)t - offsetof(struct job, tick_timer));
    struct jobs *J = jobs_g;
    if (j->state != JOB_RUNNING || !j->watchers)
        return;
    jobs_notify(J, j, 0);
    ptm_start(srv_timers(J->srv), &j->tick_timer, jobs_tick_s(J, j), jobs_on_tick);
}

static void jobs_arm_tick(struct jobs *J, struct job *j)
{
    if (j->state == JOB_RUNNING && j->watchers && !ptm_armed(&j->tick_timer))
        ptm_start(srv_timers(J->srv), &j->tick_timer, jobs_tick_s(J, j), jobs_on_tick);
}

/* Final frame is sent by the caller; this closes every watcher (status 1000). */
static void jobs_close_watchers(struct job *j)
{
    for (struct jobs_watch *w = j->watchers; w; w = w->next)
        ws_close(w->ws, 1000);
}

/* ---- the memory worker ---- */

static void jobs_touch(void *p, size_t len)
{
    for (size_t i = 0; i < len; i += 4096)
        ((volatile unsigned char *)p)[i] = 1;
    if (len)
        ((volatile unsigned char *)p)[len - 1] = 1;
}

static void *jobs_mem_worker(void *arg)
{
    struct jobs *J = arg;
    for (;;) {
        pthread_mutex_lock(&J->mem_mu);
        while (!J->mem_head)
            pthread_cond_wait(&J->mem_cv, &J->mem_mu);
        struct jobs_memop *op = J->mem_head;
        J->mem_head = op->next;
        if (!J->mem_head)
            J->mem_tail = NULL;
        pthread_mutex_unlock(&J->mem_mu);
        switch (op->kind) {
        case MEMOP_ALLOC: /* populated and touched: RSS shows it; a failed map is let go */
            op->p = mmap(NULL, op->len, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
            if (op->p == MAP_FAILED)
                op->p = NULL;
            else
                jobs_touch(op->p, op->len);
            break; /* the FREE order frees op */
        case MEMOP_FREE:
            if (op->peer->p)
                munmap(op->peer->p, op->peer->len);
            free(op->peer);
            free(op);
            break;
        case MEMOP_LEAK: {
            size_t n = op->len < sizeof(void *) ? sizeof(void *) : op->len;
            void **p = malloc(n);
            if (p) { /* a leak that cannot happen is no error */
                jobs_touch(p, n);
                *p = jobs_leaked;
                jobs_leaked = p;
            }
            free(op);
            break;
        }
        case MEMOP_STOP:
            return NULL;
        }
    }
}

static void jobs_mem_send(struct jobs *J, struct jobs_memop *op)
{
    op->next = NULL;
    pthread_mutex_lock(&J->mem_mu);
    if (J->mem_tail)
        J->mem_tail->next = op;
    else
        J->mem_head = op;
    J->mem_tail = op;
    pthread_cond_signal(&J->mem_cv);
    pthread_mutex_unlock(&J->mem_mu);
}

/* Orders the job's memory (mapped and touched on the worker). Returns 0 or -ENOMEM. */
static int jobs_mem_get(struct jobs *J, struct job *j)
{
    if (!J->o.job_mem)
        return 0;
    struct jobs_memop *a = calloc(1, sizeof *a), *f = calloc(1, sizeof *f);
    if (!a || !f) {
        free(a);
        free(f);
        return -ENOMEM;
    }
    a->kind = MEMOP_ALLOC;
    a->len = (size_t)J->o.job_mem;
    f->kind = MEMOP_FREE;
    f->peer = a;
    jobs_mem_send(J, a);
    j->mem = f;
    return 0;
}

/* Orders the release of the job's memory (after its allocation, FIFO). */
static void jobs_mem_put(struct jobs *J, struct job *j)
{
    if (j->mem)
        jobs_mem_send(J, j->mem);
    j->mem = NULL;
}

static void jobs_mem_leak(struct jobs *J, uint64_t bytes)
{
    struct jobs_memop *op = calloc(1, sizeof *op);
    if (!op)
        return;
    op->kind = MEMOP_LEAK;
    op->len = (size_t)bytes;
    jobs_mem_send(J, op);
}

/* Starts the worker. Returns 0 or -errno. */
static int jobs_mem_start(struct jobs *J)
{
    if (pthread_mutex_init(&J->mem_mu, NULL))
        return -ENOMEM;
    if (pthread_cond_init(&J->mem_cv, NULL)) {
        pthread_mutex_destroy(&J->mem_mu);
        return -ENOMEM;
    }
    int rc = pthread_create(&J->mem_thread, NULL, jobs_mem_worker, J);
    if (rc) {
        pthread_cond_destroy(&J->mem_cv);
        pthread_mutex_destroy(&J->mem_mu);
        return -rc;
    }
    J->mem_started = 1;
    return 0;
}

/* Lets the worker finish every order sent, then joins it. No-op if it is not running. */
static void jobs_mem_stop(struct jobs *J)
{
    if (!J->mem_started)
        return;
    J->mem_stop.kind = MEMOP_STOP;
    jobs_mem_send(J, &J->mem_stop);
    pthread_join(J->mem_thread, NULL);
    pthread_cond_destroy(&J->mem_cv);
    pthread_mutex_destroy(&J->mem_mu);
    J->mem_started = 0;
}

/* ---- running jobs ---- */

static void jobs_pump(struct jobs *J);

/* Ends a running or starting job: frees its memory, counts it, tells its watchers. */
static void jobs_finish(struct jobs *J, struct job *j, const char *error, const char *reason)
{
    int64_t now = ptm_now_ns();
    if (j->state == JOB_RUNNING) {
        J->running--;
        j->end_progress = jobs_progress(j, now);
    }
    jobs_mem_put(J, j);
    ptm_stop(srv_timers(J->srv), &j->end_timer);
    ptm_stop(srv_timers(J->srv), &j->tick_timer);
    j->end_ns = now;
    if (error) {
        j->state = JOB_FAILED;
        j->error = error;
        char labels[48];
        snprintf(labels, sizeof labels, "reason=\"%s\"", reason);
        jobs_count(J, "generation_failure_total", "Jobs failed, by reason", labels);
    } else {
        j->state = JOB_COMPLETED;
        j->end_progress = 100;
        jobs_count(J, "generation_success_total", "Jobs completed", "");
        metrics_hist_observe(J->m, "model_3d_duration_seconds",
                             "Generation time of completed jobs (running, wall seconds)", "",
                             (double)(now - j->start_ns) / 1e9);
    }
    if (J->o.leak_per_job)
        jobs_mem_leak(J, J->o.leak_per_job);
    jobs_notify(J, j, 1);
    jobs_close_watchers(j);
}

static void jobs_on_end(ptm_timer *t)
{
    struct job *j = (struct job *)(void *)((char *)t - offsetof(struct job, end_timer));
    struct jobs *J = jobs_g;
    if (j->fail_at >= 0)
        jobs_finish(J, j, "generation failed", "error");
    else
        jobs_finish(J, j, NULL, NULL);
    jobs_pump(J);
}

/* Gives j a GPU slot: it runs, or fails at once when it would be one too many (--oom-above)
 * or its memory cannot be had. */
static void jobs_start(struct jobs *J, struct job *j)
{
    j->start_ns = ptm_now_ns();
    if (J->o.oom_above >= 0 && J->running + 1 > J->o.oom_above) {
        jobs_finish(J, j, "out of memory", "oom");
        return;
    }
    if (jobs_mem_get(J, j)) {
        jobs_finish(J, j, "out of memory", "oom");
        return;
    }
    double base = J->warmed ? J->o.job_s : J->o.cold_job_s;
    J->warmed = 1;
    double f = 1 + J->o.jitter * (2 * srv_rand01(J->srv) - 1);
    j->dur_s = base * (f > 0 ? f : 0) * J->o.time_scale;
    j->fail_at =
        J->o.fail_rate > 0 && srv_rand01(J->srv) < J->o.fail_rate ? srv_rand01(J->srv) : -1;
    j->state = JOB_RUNNING;
    J->running++;
    double at = j->fail_at >= 0 ? j->fail_at * j->dur_s : j->dur_s;
    if (ptm_start(srv_timers(J->srv), &j->end_timer, at, jobs_on_end)) {
        jobs_finish(J, j, "out of memory", "oom");
        return;
    }
    jobs_notify(J, j, 1);
    jobs_arm_tick(J, j);
}

/* Starts queued jobs while slots are free. */
static void jobs_pump(struct jobs *J)
{
    while (J->qhead && J->running < J->o.gpu_slots) {
        struct job *j = J->qhead;
        J->qhead = j->qnext;
        if (!J->qhead)
            J->qtail = NULL;
        j->qnext = NULL;
        J->queued--;
        jobs_start(J, j);
    }
}

/* Forgets a finished job: its ring slot is wanted. Watchers still in their close handshake
 * are cut off. */
static void jobs_forget(struct jobs *J, struct job *j)
{
    while (j->watchers)
        ws_abort(j->watchers->ws); /* jobs_ws_closed unlinks it */
    J->ring[j->seq % JOBS_RING] = NULL;
    free(j);
}

/* ---- routes ---- */

/* 1 if the upload looks like an image upload: a multipart body with a file part, or any
 * non-empty body. Otherwise answers 400 and returns 0. */
static int jobs_upload_ok(tb_req *r)
{
    size_t n;
    const char *body = req_body(r, &n);
    if (!body || n == 0) {
        req_error(r, 400, "empty upload: send the image as a multipart/form-data file part");
        return 0;
    }
    const char *ct = req_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "multipart/", 10) != 0)
        return 1; /* a raw image body */
    const char *b = strcasestr(ct, "boundary=");
    char delim[80] = "--";
    size_t bl = 0;
    if (b) {
        b += 9;
        int quoted = *b == '"';
        b += quoted;
        while (b[bl] && bl < 70 && (quoted ? b[bl] != '"' : b[bl] != ';' && b[bl] != ' '))
            bl++;
    }
    if (bl == 0) {
        req_error(r, 400, "multipart upload without a boundary");
        return 0;
    }
    memcpy(delim + 2, b, bl);
    if (!memmem(body, n, delim, bl + 2)) {
        req_error(r, 400, "multipart upload without a part (no '%s' line)", delim);
        return 0;
    }
    if (!memmem(body, n, "filename=", 9)) {
        req_error(r, 400, "multipart upload without a file part (no filename=)");
        return 0;
    }
    return 1;
}

/* POST /api/generate */
static void jobs_generate(tb_req *r)
{
    struct jobs *J = jobs_g;
    if (!jobs_upload_ok(r))
        return;
    int run_now = J->running < J->o.gpu_slots && !J->qhead;
    if (!run_now && J->queued >= J->o.queue_limit) {
        jobs_count(J, "jobs_rejected_total", "Submits refused, by reason", "reason=\"queue_full\"");
        req_add_header(r, "Retry-After", "5");
        req_error(r, 503, "queue full: %ld jobs running, %ld waiting (limit %ld)", J->running,
                  J->queued, J->o.queue_limit);
        return;
    }
    uint64_t seq = J->next_seq;
    struct job *old = J->ring[seq % JOBS_RING];
    if (old && (old->state == JOB_QUEUED || old->state == JOB_RUNNING)) {
        req_error(r, 503, "too many jobs in flight to track (%d)", JOBS_RING);
        return;
    }
    struct job *j = calloc(1, sizeof *j);
    if (!j) {
        req_error(r, 503, "out of memory");
        return;
    }
    if (old)
        jobs_forget(J, old);
    J->next_seq++;
    j->seq = seq;
    j->state = JOB_QUEUED;
    j->last_sent = -1;
    J->ring[seq % JOBS_RING] = j;
    jobs_count(J, "jobs_submitted_total", "Jobs accepted (202)", "");
    if (J->qtail)
        J->qtail->qnext = j;
    else
        J->qhead = j;
    J->qtail = j;
    J->queued++;
    jobs_pump(J);
    char id[JOBS_ID_LEN + 1], loc[64];
    jobs_id(J, j, id);
    snprintf(loc, sizeof loc, "/api/jobs/%s", id);
    req_add_header(r, "Location", loc);
    req_reply_json(r, 202, "{\"job_id\":\"%s\",\"status\":\"%s\"}", id, jobs_state_names[j->state]);
}

/* GET /api/jobs/{id} and GET /api/jobs/{id}/result */
static void jobs_get(tb_req *r)
{
    struct jobs *J = jobs_g;
    const char *id = req_path(r) + strlen("/api/jobs/");
    const char *slash = strchr(id, '/');
    size_t idlen = slash ? (size_t)(slash - id) : strlen(id);
    int result = slash && strcmp(slash, "/result") == 0;
    if (idlen == 0 || (slash && !result)) {
        req_error(r, 404, "no route for %s %s", req_method(r), req_path(r));
        return;
    }
    struct job *j = jobs_find(J, id, idlen);
    if (!j) {
        req_error(r, 404, "unknown job '%.*s'", (int)(idlen > 64 ? 64 : idlen), id);
        return;
    }
    int p = jobs_progress(j, ptm_now_ns());
    char st[160];
    jobs_status_json(j, p, st, sizeof st);
    char idstr[JOBS_ID_LEN + 1];
    jobs_id(J, j, idstr);
    if (!result) {
        req_reply_json(r, 200, "{\"job_id\":\"%s\",%s}", idstr, st);
        return;
    }
    if (j->state != JOB_COMPLETED) {
        req_reply_json(r, 409, "{\"error\":\"job %s has no result (%s)\",\"job_id\":\"%s\",%s}",
                       idstr, jobs_state_names[j->state], idstr, st);
        return;
    }
    char cd[96];
    snprintf(cd, sizeof cd, "attachment; filename=\"%s.glb\"", idstr);
    req_add_header(r, "Content-Disposition", cd);
    req_reply(r, 200, "model/gltf-binary", J->result, J->result_len);
}

static void jobs_ws_closed(ws_conn *ws, void *ud)
{
    (void)ws;
    struct jobs_watch *w = ud;
    struct jobs *J = jobs_g;
    if (w->job) { /* NULL only if ws_accept failed */
        struct jobs_watch **pp = &w->job->watchers;
        while (*pp && *pp != w)
            pp = &(*pp)->next;
        if (*pp)
            *pp = w->next;
    }
    if (J)
        J->ws_active--;
    free(w);
}

static void jobs_ws_bad_closed(ws_conn *ws, void *ud)
{
    (void)ws;
    (void)ud;
}

/* GET /ws/bad?kind=K: a WebSocket whose first frame breaks RFC 6455 in the way K says. */
static void jobs_ws_bad(tb_req *r)
{
    static const struct {
        const char *kind;
        unsigned char bytes[140];
        size_t len;
    } bad[] = {
        {"masked", {0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2}, 8},     /* server frames: unmasked */
        {"opcode", {0x83, 0x00}, 2},                                   /* 3: reserved */
        {"rsv", {0xc1, 0x02, 'h', 'i'}, 4},                            /* RSV1 unnegotiated */
        {"control", {0x89, 126, 0, 126}, 130},                         /* ping of 126 bytes */
        {"close_code", {0x88, 0x02, 999 >> 8, 999 & 0xff}, 4},         /* 999: not a close code */
        {"utf8", {0x81, 0x02, 0xc3, 0x28}, 4},                         /* invalid UTF-8 text */
    };
    const char *kind = req_query(r, "kind");
    size_t i = 0;
    while (i < sizeof bad / sizeof bad[0] && (!kind || strcmp(kind, bad[i].kind)))
        i++;
    if (i == sizeof bad / sizeof bad[0]) {
        req_error(r, 400, "kind: one of masked, opcode, rsv, control, close_code, utf8");
        return;
    }
    if (ws_check(r))
        return;
    ws_conn *w;
    if (ws_accept(r, jobs_ws_bad_closed, NULL, &w))
        return;
    ws_send_raw(w, bad[i].bytes, bad[i].len);
}

/* GET /ws/jobs/{id} */
static void jobs_ws(tb_req *r)
{
    struct jobs *J = jobs_g;
    const char *id = req_path(r) + strlen("/ws/jobs/");
    struct job *j = jobs_find(J, id, strlen(id));
    if (!j) {
        req_close_after(r);
        req_error(r, 404, "unknown job '%.64s'", id);
        return;
    }
    if (ws_check(r))
        return;
    struct jobs_watch *w = calloc(1, sizeof *w);
    if (!w) {
        req_error(r, 503, "out of memory");
        return;
    }
    if (ws_accept(r, jobs_ws_closed, w, &w->ws)) {
        free(w);
        return;
    }
    J->ws_active++;
    w->drop = J->o.ws_drop_rate > 0 && srv_rand01(J->srv) < J->o.ws_drop_rate;
    w->job = j;
    w->next = j->watchers;
    j->watchers = w;
    /* The current state at once; a finished job's is also the last. */
    char body[160], msg[192];
    jobs_status_json(j, jobs_progress(j, ptm_now_ns()), body, sizeof body);
    int n = snprintf(msg, sizeof msg, "{%s}", body);
    if (ws_send_text(w->ws, msg, (size_t)n) == 0)
        jobs_count(J, "websocket_messages_sent_total", "WebSocket text frames sent", "");
    if (j->state == JOB_COMPLETED || j->state == JOB_FAILED)
        ws_close(w->ws, 1000);
    else
        jobs_arm_tick(J, j);
}

/* GET /metrics (only while the registry is ours) */
static void jobs_metrics(tb_req *r)
{
    tbuf out = {0};
    if (metrics_render(jobs_g->m, &out)) {
        tbuf_free(&out);
        req_error(r, 503, "out of memory rendering metrics");
        return;
    }
    req_reply(r, 200, "text/plain; version=0.0.4", out.p ? out.p : "", out.len);
    tbuf_free(&out);
}

/* ---- setup ---- */

/* A GLB (binary glTF 2.0) container of exactly n bytes: header, a small JSON chunk, and a
 * BIN chunk of deterministic pseudo-random bytes. n >= JOBS_RESULT_MIN. */
static unsigned char *jobs_make_result(size_t n)
{
    unsigned char *b = malloc(n);
    if (!b)
        return NULL;
    static const char json[] = "{\"asset\":{\"version\":\"2.0\",\"generator\":\"surge-testbed\"}}";
    size_t jl = (sizeof json - 1 + 3) & ~(size_t)3;
    size_t bin = n - 12 - 8 - jl - 8;
    uint32_t words[5] = {0x46546c67u /* "glTF" */, 2, (uint32_t)n, (uint32_t)jl,
                         0x4e4f534au /* "JSON" */};
    memcpy(b, words, sizeof words); /* little-endian hosts (x86-64, arm64) */
    memset(b + 20, ' ', jl);
    memcpy(b + 20, json, sizeof json - 1);
    uint32_t binhdr[2] = {(uint32_t)bin, 0x004e4942u /* "BIN\0" */};
    memcpy(b + 20 + jl, binhdr, sizeof binhdr);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 20 + jl + 8; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b[i] = (unsigned char)x;
    }
    return b;
}

int jobs_register(tb_server *s, const struct jobs_opts *o)
{
    if (jobs_g)
        return -EBUSY;
    struct jobs *J = calloc(1, sizeof *J);
    if (!J)
        return -ENOMEM;
    J->srv = s;
    J->o = *o;
    J->next_seq = 1;
    J->m = o->metrics;
    if (!J->m) {
        J->m = metrics_new();
        J->own_metrics = 1;
    }
    J->result_len = (size_t)o->result_bytes;
    J->result = jobs_make_result(J->result_len);
    if (!J->m || !J->result || jobs_metrics_init(J) || jobs_mem_start(J))
        goto fail;
    uint64_t a = (uint64_t)(srv_rand01(s) * 0x1p53), c = (uint64_t)(srv_rand01(s) * 0x1p53);
    snprintf(J->salt, sizeof J->salt, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-8%03" PRIx64 "-",
             a & 0xffffffffu, (a >> 32) & 0xffffu, c & 0xfffu, (c >> 12) & 0xfffu);
    int rc = srv_route(s, "POST", "/api/generate", SRV_ROUTE_BODY, jobs_generate);
    if (!rc)
        rc = srv_route(s, "GET", "/api/jobs/*", 0, jobs_get);
    if (!rc)
        rc = srv_route(s, "GET", "/ws/jobs/*", 0, jobs_ws);
    if (!rc)
        rc = srv_route(s, "GET", "/ws/bad", 0, jobs_ws_bad);
    if (!rc && J->own_metrics)
        rc = srv_route(s, "GET", "/metrics", 0, jobs_metrics);
    if (rc)
        goto fail;
    jobs_g = J;
    return 0;
fail:
    jobs_mem_stop(J);
    if (J->own_metrics)
        metrics_free(J->m);
    free(J->result);
    free(J);
    return -ENOMEM;
}

void jobs_unregister(void)
{
    struct jobs *J = jobs_g;
    if (!J)
        return;
    for (size_t i = 0; i < JOBS_RING; i++) {
        struct job *j = J->ring[i];
        if (!j)
            continue;
        while (j->watchers)
            ws_abort(j->watchers->ws); /* its closed hook unlinks it */
        ptm_stop(srv_timers(J->srv), &j->end_timer);
        ptm_stop(srv_timers(J->srv), &j->tick_timer);
        jobs_mem_put(J, j);
        free(j);
    }
    jobs_mem_stop(J);
    if (J->own_metrics)
        metrics_free(J->m);
    free(J->result);
    free(J);
    jobs_g = NULL;
}
