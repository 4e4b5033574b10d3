/* quick_cmd.c — quick mode: flags to a plan (URL, resolved address, TLS context,
 * request bytes), the run, then the summary and results.json. */
#include "cli/quick_cmd.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/quick_args.h"
#include "engine/tls.h"
#include "engine/url.h"
#include "exec/quick.h"
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

/* Resolve host:port into t->addr. @return 0 or the getaddrinfo error. */
static int resolve(const struct url *u, struct conn_target *t)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
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
    judge *jd = NULL;
    json_t *doc = NULL;

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
    struct conn_target t = {.host = u.host, .host_is_ip = u.host_is_ip,
                            .connect_timeout_us = a.connect_timeout_us};
    int rc = resolve(&u, &t);
    if (rc) {
        fprintf(stderr, "surge: cannot resolve host '%s' in %s: %s\n", u.host, a.url,
                gai_strerror(rc));
        goto out;
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
    };
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
    struct scenario_result sc = {0};
    struct run_result r = {.target = a.url, .sc = &sc};
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
    /* the run is over (or interrupted): judge what was measured */
    int verdict = 0;
    if (!(doc = results_json_build(&r)) || (verdict = judge_doc(jd, doc)) < 0)
        goto oom;
    if (r.interrupted)
        json_object_set_new(doc, "interrupted_by",
                            json_string(r.interrupted == 2 ? "SIGINT" : "SIGTERM"));
    if (!a.quiet) {
        results_summary_print(human, &r, a.latency);
        judge_print(human, doc);
    }
    status = r.interrupted ? 128 + r.interrupted : verdict == 1 ? 1 : 0;
    if (a.json_path && results_json_save(doc, a.json_path, err, sizeof err)) {
        fprintf(stderr, "surge: --json: %s\n", err);
        status = 3;
    }
    goto out;
oom:
    fprintf(stderr, "surge: out of memory judging the results\n");
    status = 3;
out:
    json_decref(doc);
    judge_free(jd);
    quick_run_free(q);
    free(body);
    tls_ctx_free(tls);
    url_free(&u);
    quick_args_free(&a);
    return status;
}
