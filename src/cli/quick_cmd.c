/* quick_cmd.c — quick mode: flags to a plan (URL, resolved address, TLS context,
 * request bytes), the run, then the summary and results.json. */
#include "cli/quick_cmd.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>

#include "cli/quick_args.h"
#include "cli/watch_setup.h"
#include "engine/tls.h"
#include "engine/url.h"
#include "exec/fdlim.h"
#include "exec/quick.h"
#include "flow/trace.h"
#include "util/clock.h"
#include "judge/judge.h"

/* Read a whole file; NULL with errno on failure. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, nc);
            if (!nb) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = nb, cap = nc;
        }
        errno = 0;
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            int e = ferror(f) ? (errno ? errno : EIO) : 0;
            fclose(f);
            if (e) {
                free(buf);
                errno = e;
                return NULL;
            }
            *len = n;
            return buf;
        }
    }
}

static volatile sig_atomic_t baseline_signal; /* SIGINT/SIGTERM in the baseline window */

static void on_baseline_signal(int sig)
{
    baseline_signal = sig;
}

/* Wait out the watch's baseline window; a SIGINT/SIGTERM ends it (and the run) early.
 * @return 0, or the signal. */
static int baseline_wait(double s)
{
    struct sigaction sa = {.sa_handler = on_baseline_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    uint64_t end = clock_us() + (uint64_t)(s * 1e6);
    while (!baseline_signal && clock_us() < end) {
        uint64_t left = end - clock_us();
        struct timespec ts = {0, (long)(left < 100000 ? left : 100000) * 1000};
        nanosleep(&ts, NULL); /* the signal may land on a watch thread: poll the flag */
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return baseline_signal;
}

/* Resolve host:port into t->addr. @return 0 or the getaddrinfo error. */
static int resolve(const struct url *u, struct conn_target *t)
{
    /* A numeric host needs no lookup: AI_NUMERICHOST skips AI_ADDRCONFIG's netlink dump and
     * the nscd probe (about 0.5 ms of start-up). */
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = u->host_is_ip ? AI_NUMERICHOST : AI_ADDRCONFIG};
    struct addrinfo *res;
    char port[8];
    snprintf(port, sizeof port, "%u", u->port);
    int rc = getaddrinfo(u->host, port, &hints, &res);
    if (rc == EAI_BADFLAGS || (rc && u->host_is_ip)) { /* AI_ADDRCONFIG vs loopback-only hosts */
        hints.ai_flags = 0;
        rc = getaddrinfo(u->host, port, &hints, &res);
    }
    if (rc)
        return rc;
    memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
    t->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int quick_cmd(int argc, char **argv)
{
    struct quick_args a;
    char err[512];
    int status = 2;
    struct url u = {0};
    SSL_CTX *tls = NULL;
    char *body = NULL, head[16384];
    quick_run *q = NULL;
    trace *tr = NULL;
    watch *w = NULL;
    judge *jd = NULL;
    json_t *doc = NULL;
    struct srcaddr src = {0};

    if (quick_args_parse(argc, argv, &a, err, sizeof err)) {
        fprintf(stderr, "surge: %s\n", err);
        goto out;
    }
    if (a.help) {
        fputs(quick_args_usage(), stdout);
        status = 0;
        goto out;
    }
    if (a.version) {
        printf("surge %s\n", SURGE_VERSION);
        status = 0;
        goto out;
    }
    if (url_parse(a.url, &u, err, sizeof err)) {
        fprintf(stderr, "surge: bad URL '%s': %s\n", a.url, err);
        goto out;
    }
    char what[48];
    snprintf(what, sizeof what, "-c %d", a.connections);
    if (fdlim_ensure((uint64_t)a.connections, 0, what, "lower -c", err, sizeof err) == -EMFILE) {
        fprintf(stderr, "surge: %s\n", err);
        goto out;
    }
    struct conn_reach reach = {0};
    struct conn_target t = {.host = u.host, .host_is_ip = u.host_is_ip,
                            .connect_timeout_us = a.connect_timeout_us, .reach = &reach};
    int rc = resolve(&u, &t);
    if (rc) {
        fprintf(stderr, "surge: cannot resolve host '%s' in %s: %s\n", u.host, a.url,
                gai_strerror(rc));
        goto out;
    }
    if (a.source_addresses) {
        if (srcaddr_parse(a.source_addresses, &src, err, sizeof err)) {
            fprintf(stderr, "surge: --source-addresses: %s\n", err);
            goto out;
        }
        if (src.family != t.addr.ss_family) {
            fprintf(stderr, "surge: --source-addresses %s: not the address family of %s\n",
                    a.source_addresses, a.url);
            goto out;
        }
        t.src = &src;
    }
    if (a.cacert && !u.tls) { /* checked all the same: a typo should not pass silently */
        FILE *f = fopen(a.cacert, "r");
        if (!f) {
            fprintf(stderr, "surge: --cacert: cannot read CA file '%s': %s\n", a.cacert,
                    strerror(errno));
            goto out;
        }
        fclose(f);
    }
    if (u.tls) {
        struct tls_opts to = {.insecure = a.insecure, .cacert = a.cacert};
        if (!(tls = tls_ctx_new(&to, err, sizeof err))) {
            fprintf(stderr, "surge: --cacert: %s\n", err);
            goto out;
        }
        t.tls = tls;
    }
    size_t body_len = 0;
    if (a.body && a.body[0] == '@') {
        if (!(body = read_file(a.body + 1, &body_len))) {
            fprintf(stderr, "surge: cannot read body file '%s' (--body): %s\n", a.body + 1,
                    strerror(errno));
            goto out;
        }
    } else if (a.body) {
        body_len = strlen(a.body);
        if (!(body = strdup(a.body)))
            goto out;
    }
    int hl = http1_write_head(head, sizeof head, a.method, u.path, u.authority, a.headers,
                              a.nheaders, a.body ? (int64_t)body_len : -1);
    if (hl < 0) {
        fprintf(stderr, "surge: %s\n",
                hl == -ENOSPC ? "request head too large (over 16 KiB of headers)"
                              : "bad request: CR or LF in the method, path or a header");
        goto out;
    }
    struct iovec iov[2] = {{head, (size_t)hl}, {body, body_len}};
    int is_head = !strcmp(a.method, "HEAD");
    struct quick_plan p = {
        .target = &t,
        .iov = iov,
        .iovcnt = body_len ? 2 : 1,
        .is_head = is_head,
        .timeout_us = a.timeout_us,
        .connections = a.connections,
        .threads = a.threads,
        .duration_us = a.duration_us,
        .count = a.count,
        .rate = a.rate,
        .co_correct = a.co_correct,
        .abort_unreachable_us = a.abort_unreachable_us,
        .on_saturation_abort = a.on_saturation_abort,
        .notes = a.quiet ? NULL : stderr,
    };
    if (a.trace && !(tr = trace_new(stderr, (long)a.trace))) {
        fprintf(stderr, "surge: out of memory\n");
        status = 1;
        goto out;
    }
    p.trace = tr;
    /* with --json - stdout carries the JSON alone; the human text goes to stderr */
    FILE *human = a.json_path && !strcmp(a.json_path, "-") ? stderr : stdout;
    if (!a.quiet) {
        char dur[32] = "";
        if (a.duration_us)
            snprintf(dur, sizeof dur, "%.3gs ", (double)a.duration_us / 1e6);
        fprintf(human, "Running %stest @ %s\n  %d threads and %d connections", dur, a.url,
                a.threads, a.connections);
        if (a.count)
            fprintf(human, ", %llu requests", (unsigned long long)a.count);
        if (a.rate > 0)
            fprintf(human, ", %.6g requests/s", a.rate);
        fprintf(human, "\n");
        fflush(human);
    }
    struct watch_quick wq = {.pid = a.watch_pid, .prom_url = a.watch_prom,
                             .health_url = a.health_url, .interval_s = a.watch_interval_s,
                             .baseline_s = a.watch_baseline_s};
    if (watch_setup_quick(&wq, &w, err, sizeof err)) {
        fprintf(stderr, "surge: %s\n", err);
        goto out;
    }
    if (w) {
        if (watch_start(w, err, sizeof err)) {
            fprintf(stderr, "surge: %s\n", err);
            status = 3;
            goto out;
        }
        double b = watch_baseline_s(w);
        if (b > 0) {
            if (!a.quiet)
                fprintf(human, "  watching the target's baseline for %gs\n", b);
            fflush(human);
            int sig = baseline_wait(b);
            if (sig) {
                fprintf(stderr, "surge: interrupted in the watch's baseline window: no load sent\n");
                status = 128 + sig;
                goto out;
            }
        }
        watch_mark_t0(w, clock_us());
    }
    struct scenario_result sc = {0};
    struct run_result r = {.target = a.url, .url = a.url, .sc = &sc};
    if (!(jd = judge_new()))
        goto oom;
    for (int i = 0; i < a.ncriteria; i++) {
        json_t *c = json_string(a.criteria[i]);
        int rc2 = c ? judge_add(jd, NULL, c, err, sizeof err) : -ENOMEM;
        json_decref(c);
        if (rc2) { /* checked when parsed: only memory can fail here */
            fprintf(stderr, "surge: --criteria '%s': %s\n", a.criteria[i], err);
            status = rc2 == -ENOMEM ? 3 : 2;
            goto out;
        }
    }
    if (!(q = quick_run_start(&p, &r, err, sizeof err))) {
        fprintf(stderr, "surge: %s\n", err);
        status = 3;
        goto out;
    }
    watch_stop(w);
    struct watch_window win = {.name = sc.name[0] ? sc.name : "quick", .from_s = 0,
                               .to_s = r.duration_s};
    /* the run is over (or interrupted): judge what was measured, watch figures included */
    int verdict = 0;
    if (!(doc = results_json_build(&r)) || watch_json_add(w, doc, &win, 1) ||
        (verdict = judge_doc(jd, doc)) < 0)
        goto oom;
    if (!a.quiet) {
        results_summary_print(human, &r, a.latency);
        watch_summary_print(w, human, &win, 1);
        judge_print(human, doc);
    }
    status = r.interrupted ? 128 + r.interrupted : verdict == 1 ? 1 : 0;
    if (r.unreachable && !r.interrupted) {
        fprintf(stderr,
                "surge: stopped: target %s unreachable: no connect succeeded and every connect "
                "failed for %gs (%s); exit 3\n",
                a.url, r.unreachable_s, r.unreachable_detail);
        status = 3;
    }
    if (r.saturated_abort && !r.interrupted && !r.unreachable) {
        fprintf(stderr, "surge: stopped: surge itself was saturated (--on-saturation abort); "
                        "exit 3\n");
        status = 3;
    }
    if (a.json_path && results_json_save(doc, a.json_path, err, sizeof err)) {
        fprintf(stderr, "surge: --json: %s\n", err);
        status = 3;
    }
    goto out;
oom:
    fprintf(stderr, "surge: out of memory judging the results\n");
    status = 3;
out:
    watch_free(w);
    json_decref(doc);
    judge_free(jd);
    quick_run_free(q);
    trace_free(tr);
    free(body);
    tls_ctx_free(tls);
    url_free(&u);
    srcaddr_free(&src);
    quick_args_free(&a);
    return status;
}
