/* main.c — surge-testbed's entry point: flags, start, pid file, signals, clean stop. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <ev.h>

#include "faults.h"
#include "jobs.h"
#include "opts.h"
#include "routes_core.h"
#include "server.h"
#include "upload.h"

#ifndef SURGE_VERSION
#define SURGE_VERSION "dev"
#endif

#define MAIN_EXIT_USAGE 2
#define MAIN_DEFAULT_ACCESS_CODE "letmein"

/* The jobs profile keeps its own flag parser (jobs_flag); here it gets the server-wide
 * time scale and metrics registry. */
static int main_jobs_register(tb_server *s, const struct tb_opts *o)
{
    static struct jobs_opts jo; /* jobs_register may keep the pointer */
    jo = o->jobs;
    jo.enabled = 1;
    jo.time_scale = o->time_scale;
    jo.metrics = srv_metrics(s);
    return jobs_register(s, &jo);
}

/* ---- profiles: each one's register function, called when --profile selects it ---- */
static const struct main_profile {
    const char *name;
    int bit;                                           /* PROFILE_* */
    int (*reg)(tb_server *s, const struct tb_opts *o); /* registers its routes */
} main_profiles[] = {
    {"upload", PROFILE_UPLOAD, upload_register},
    {"jobs", PROFILE_JOBS, main_jobs_register},
};

/* ---- flags: one table row per flag; defaults in main_defaults ---- */
enum main_flag_kind {
    MF_STR,     /* const char * */
    MF_INT,     /* long long in [lo, hi] */
    MF_NUM,     /* double in [lo, hi] */
    MF_DUR,     /* double, milliseconds, in [lo, hi]: "500ms", "10s", "30m", "1h", "2" (= s) */
    MF_PROFILE, /* int: upload | jobs | all, or a comma list */
    MF_SWITCH,  /* long long set to 1 by the bare flag (no value) */
};

static const struct main_flag {
    const char *name;
    enum main_flag_kind kind;
    size_t off; /* offsetof(struct tb_opts, ...) */
    double lo, hi;
    const char *arg, *help;
} main_flags_tab[] = {
    {"--listen", MF_STR, offsetof(struct tb_opts, listen), 0, 0, "HOST:PORT",
     "address to serve on (default 127.0.0.1:8080); port 0 picks a\n"
     "free one; IPv6 as [::1]:PORT. Prints 'listening on\nhttp://HOST:PORT' once ready."},
    {"--pid-file", MF_STR, offsetof(struct tb_opts, pid_file), 0, 0, "FILE",
     "write the process id to FILE (removed on exit)"},
    {"--profile", MF_PROFILE, offsetof(struct tb_opts, profile), 0, 0, "NAME",
     "services to run: upload, jobs or all (default all); a comma list works too"},
    {"--time-scale", MF_NUM, offsetof(struct tb_opts, time_scale), 1e-6, 1e6, "F",
     "multiply every simulated duration by F (default 1; 0.01 makes 82 s 0.82 s)"},
    /* profile upload */
    {"--access-code", MF_STR, offsetof(struct tb_opts, access_code), 0, 0, "CODE",
     "login code (default $SURGE_TESTBED_ACCESS_CODE, else '" MAIN_DEFAULT_ACCESS_CODE "')"},
    {"--workers", MF_INT, offsetof(struct tb_opts, workers), 1, 4096, "W",
     "worker processes (default 4)"},
    {"--threads", MF_INT, offsetof(struct tb_opts, threads), 1, 4096, "T",
     "threads per worker (default 4): W*T uploads in service at once"},
    {"--backlog", MF_INT, offsetof(struct tb_opts, backlog), 0, 1000000, "N",
     "uploads waiting for a worker (default 64); beyond: 503 Server busy"},
    {"--work-ms", MF_NUM, offsetof(struct tb_opts, work_ms), 0, 3600000, "MS",
     "processing time per accepted image (default 30; scaled)"},
    {"--max-sessions", MF_INT, offsetof(struct tb_opts, max_sessions), 1, 10000000, "N",
     "live sessions (default 100); a new login beyond: 503"},
    {"--session-ttl", MF_DUR, offsetof(struct tb_opts, session_ttl_ms), 1, 864e5 * 365, "DUR",
     "session lifetime from login (default 30m; scaled); 500ms, 10s, 30m, 1h"},
    {"--keep-uploads", MF_INT, offsetof(struct tb_opts, keep_uploads), 0, 1, "0|1",
     "1 (default): hold each session's image bytes in memory until it expires"},
    {"--csrf", MF_SWITCH, offsetof(struct tb_opts, csrf), 0, 1, "",
     "login also sets a csrftoken cookie; every other POST needs\n"
     "header X-CSRF-Token equal to it, else 403"},
    /* >>> profile jobs: its flags go here <<< */
};

static void main_defaults(struct tb_opts *o)
{
    memset(o, 0, sizeof *o);
    o->listen = "127.0.0.1:8080";
    o->profile = PROFILE_ALL;
    o->time_scale = 1.0;
    o->workers = 4;
    o->threads = 4;
    o->backlog = 64;
    o->work_ms = 30;
    o->max_sessions = 100;
    o->session_ttl_ms = 30 * 60 * 1000.0;
    o->keep_uploads = 1;
    jobs_opts_default(&o->jobs);
}

static void main_usage(FILE *f)
{
    fprintf(f, "usage: surge-testbed [--listen HOST:PORT] [--profile upload|jobs|all] "
               "[options]\n"
               "\n"
               "The ground-truth HTTP/1.1 server surge's integration tests measure against.\n"
               "\n");
    for (size_t i = 0; i < sizeof main_flags_tab / sizeof main_flags_tab[0]; i++) {
        const struct main_flag *fl = &main_flags_tab[i];
        char left[64];
        snprintf(left, sizeof left, "%s %s", fl->name, fl->arg);
        fprintf(f, "  %-20s ", left);
        for (const char *p = fl->help; *p; p++) {
            fputc(*p, f);
            if (*p == '\n')
                fprintf(f, "  %-20s ", "");
        }
        fputc('\n', f);
    }
    fprintf(f, "  --help               this text\n"
               "  --version            print the version\n"
               "\n"
               "Routes (every profile):\n"
               "  GET  /echo?delay_ms=D&jitter_ms=J&size=B&status=S   reply after D+U[0,J] ms\n"
               "  GET  /health                                        200 ok\n"
               "  GET  /metrics                                       Prometheus text 0.0.4\n"
               "  POST /admin/pause?ms=M                              freeze the server M ms\n"
               "  /fault/reset /fault/close-mid-body /fault/malformed /fault/slow-headers?ms=M\n"
               "  /fault/huge-headers?kb=N /fault/bad-chunked /fault/no-response\n"
               "Profile upload:\n"
               "  POST /api/login    {\"access_code\":\"...\"} or form access_code=...: 200 +\n"
               "                     Set-Cookie session=...; 401 wrong code; 503 max sessions\n"
               "  POST /api/upload   multipart/form-data, one or more image files: 200\n"
               "                     {\"uploaded\":N,\"rejected\":M} (not PNG/JPEG: rejected);\n"
               "                     with --csrf: X-CSRF-Token = the csrftoken cookie, else 403\n"
               "                     401 no session, 400 malformed, 503 Server busy\n"
               "  POST /api/logout   end the session\n"
               "\n");
    fputs(jobs_usage(), f);
    fprintf(f, "\nStops cleanly (exit 0) on SIGTERM or SIGINT.\n");
}

/* "500ms", "10s", "30m", "1h", "1.5" (seconds) -> milliseconds. Returns 0, or -1. */
static int main_duration(const char *v, double *ms)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || errno == ERANGE || !isfinite(d) || d < 0 || v[0] == ' ')
        return -1;
    static const struct {
        const char *unit;
        double ms;
    } units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            *ms = d * units[i].ms;
            return 0;
        }
    }
    return -1;
}

/* "upload", "jobs", "all" or a comma list of them -> PROFILE_* bits. Returns 0, or -1. */
static int main_profile_bits(const char *v, int *bits)
{
    static const struct {
        const char *name;
        int bits;
    } names[] = {{"upload", PROFILE_UPLOAD}, {"jobs", PROFILE_JOBS}, {"all", PROFILE_ALL}};
    int b = 0;
    while (*v) {
        size_t len = strcspn(v, ",");
        int found = 0;
        for (size_t i = 0; i < sizeof names / sizeof names[0] && !found; i++) {
            if (strlen(names[i].name) == len && strncmp(v, names[i].name, len) == 0) {
                b |= names[i].bits;
                found = 1;
            }
        }
        if (!found)
            return -1;
        v += len;
        if (*v == ',' && *++v == '\0')
            return -1;
    }
    *bits = b;
    return b ? 0 : -1;
}

/* Stores value v of flag fl into o. Returns 0, or MAIN_EXIT_USAGE after one line on stderr. */
static int main_flag_set(const struct main_flag *fl, const char *v, struct tb_opts *o)
{
    char *slot = (char *)o + fl->off;
    char *end;
    switch (fl->kind) {
    case MF_STR:
        *(const char **)(void *)slot = v;
        return 0;
    case MF_INT: {
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (end == v || *end || v[0] == ' ' || errno == ERANGE || x < fl->lo || x > fl->hi)
            break;
        *(long long *)(void *)slot = x;
        return 0;
    }
    case MF_NUM: {
        errno = 0;
        double d = strtod(v, &end);
        if (end == v || *end || v[0] == ' ' || errno == ERANGE || !isfinite(d) || d < fl->lo ||
            d > fl->hi)
            break;
        *(double *)(void *)slot = d;
        return 0;
    }
    case MF_DUR: {
        double ms;
        if (main_duration(v, &ms) || ms < fl->lo || ms > fl->hi)
            break;
        *(double *)(void *)slot = ms;
        return 0;
    }
    case MF_PROFILE:
        if (main_profile_bits(v, (int *)(void *)slot))
            break;
        return 0;
    case MF_SWITCH:
        break;
    }
    static const char *const want[] = {
        [MF_STR] = "a value",
        [MF_INT] = "an integer",
        [MF_NUM] = "a number",
        [MF_DUR] = "a duration like 500ms, 10s, 30m, 1h",
        [MF_PROFILE] = "upload, jobs or all",
        [MF_SWITCH] = "no value",
    };
    if (fl->kind == MF_INT || fl->kind == MF_NUM)
        fprintf(stderr, "surge-testbed: %s: bad value '%s' (want %s in [%g, %g])\n", fl->name, v,
                want[fl->kind], fl->lo, fl->hi);
    else
        fprintf(stderr, "surge-testbed: %s: bad value '%s' (want %s)\n", fl->name, v,
                want[fl->kind]);
    return MAIN_EXIT_USAGE;
}

/* Parses argv. Returns 0 to run, 1 after printing --help/--version (exit 0), or
 * MAIN_EXIT_USAGE after one line on stderr naming the bad flag. */
static int main_flags(int argc, char **argv, struct tb_opts *o)
{
    main_defaults(o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            main_usage(stdout);
            return 1;
        }
        if (strcmp(a, "--version") == 0) {
            printf("surge-testbed %s\n", SURGE_VERSION);
            return 1;
        }
        const struct main_flag *fl = NULL;
        size_t len = 0;
        for (size_t k = 0; k < sizeof main_flags_tab / sizeof main_flags_tab[0] && !fl; k++) {
            len = strlen(main_flags_tab[k].name);
            if (strncmp(a, main_flags_tab[k].name, len) == 0 && (a[len] == '\0' || a[len] == '='))
                fl = &main_flags_tab[k];
        }
        if (!fl && a[0] == '-' && a[1] == '-') { /* the jobs profile's own flags */
            char name[64], err[256];
            size_t nl = strcspn(a, "=");
            const char *jv = a[nl] == '=' ? a + nl + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
            int jr = 0;
            if (nl < sizeof name) {
                memcpy(name, a, nl);
                name[nl] = '\0';
                jr = jobs_flag(&o->jobs, name, jv, err, sizeof err);
            }
            if (jr < 0) {
                fprintf(stderr, "surge-testbed: %s\n", err);
                return MAIN_EXIT_USAGE;
            }
            if (jr > 0) {
                if (a[nl] != '=')
                    i++;
                continue;
            }
        }
        if (!fl) {
            fprintf(stderr, "surge-testbed: unknown %s '%s' (see --help)\n",
                    a[0] == '-' ? "flag" : "argument", a);
            return MAIN_EXIT_USAGE;
        }
        if (fl->kind == MF_SWITCH) {
            if (a[len] == '=') {
                fprintf(stderr, "surge-testbed: %s takes no value\n", fl->name);
                return MAIN_EXIT_USAGE;
            }
            *(long long *)(void *)((char *)o + fl->off) = 1;
            continue;
        }
        const char *v = a[len] == '=' ? a + len + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v || !v[0]) {
            fprintf(stderr, "surge-testbed: %s needs a value (see --help)\n", fl->name);
            return MAIN_EXIT_USAGE;
        }
        int rc = main_flag_set(fl, v, o);
        if (rc)
            return rc;
    }
    if (!o->access_code) {
        const char *env = getenv("SURGE_TESTBED_ACCESS_CODE");
        o->access_code = env && env[0] ? env : MAIN_DEFAULT_ACCESS_CODE;
    }
    return 0;
}

static int main_write_pid(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    int rc = write(fd, buf, (size_t)n) == n ? 0 : -EIO;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

static void main_on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)w;
    (void)revents;
    ev_break(loop, EVBREAK_ALL);
}

/* Thousands of client connections need descriptors: take the hard limit. */
static void main_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl); /* best effort */
    }
}

int main(int argc, char **argv)
{
    struct tb_opts o;
    int rc = main_flags(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;

    signal(SIGPIPE, SIG_IGN);
    main_raise_nofile();
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* precise timer wake-ups (default slack: 50 us) */

    int status = 1, pid_written = 0;
    tb_server *srv = NULL;
    struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
    if (!loop) {
        fprintf(stderr, "surge-testbed: cannot create the event loop\n");
        return 1;
    }
    rc = srv_new(loop, &srv);
    if (rc) {
        fprintf(stderr, "surge-testbed: cannot start: %s\n", strerror(-rc));
        goto out;
    }
    srv_set_time_scale(srv, o.time_scale);
    srv_set_profile(srv, o.profile);
    if (core_routes_register(srv) || fault_routes_register(srv)) {
        fprintf(stderr, "surge-testbed: out of memory registering routes\n");
        goto out;
    }
    for (size_t i = 0; i < sizeof main_profiles / sizeof main_profiles[0]; i++) {
        if (!(o.profile & main_profiles[i].bit))
            continue;
        rc = main_profiles[i].reg(srv, &o);
        if (rc) {
            fprintf(stderr, "surge-testbed: cannot start profile %s: %s\n", main_profiles[i].name,
                    strerror(-rc));
            goto out;
        }
    }
    char url[512];
    rc = srv_listen(srv, o.listen, url, sizeof url);
    if (rc) {
        fprintf(stderr, "surge-testbed: --listen: %s\n", url);
        status = rc == -EINVAL ? MAIN_EXIT_USAGE : 1;
        goto out;
    }
    if (o.pid_file) {
        rc = main_write_pid(o.pid_file);
        if (rc) {
            fprintf(stderr, "surge-testbed: --pid-file %s: %s\n", o.pid_file, strerror(-rc));
            goto out;
        }
        pid_written = 1;
    }
    ev_signal sigterm, sigint;
    ev_signal_init(&sigterm, main_on_signal, SIGTERM);
    ev_signal_init(&sigint, main_on_signal, SIGINT);
    ev_signal_start(loop, &sigterm);
    ev_signal_start(loop, &sigint);

    printf("listening on %s\n", url);
    fflush(stdout);
    ev_run(loop, 0);
    ev_signal_stop(loop, &sigterm);
    ev_signal_stop(loop, &sigint);
    status = 0;
out:
    if (o.profile & PROFILE_JOBS)
        jobs_unregister();
    srv_free(srv);
    if (pid_written)
        unlink(o.pid_file);
    ev_loop_destroy(loop);
    return status;
}
