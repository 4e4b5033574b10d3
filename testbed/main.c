/* main.c — surge-testbed's entry point: flags, start, pid file, signals, clean stop. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <ev.h>

#include "faults.h"
#include "jobs.h"
#include "routes_core.h"
#include "server.h"

#ifndef SURGE_VERSION
#define SURGE_VERSION "dev"
#endif

#define MAIN_EXIT_USAGE 2

struct main_opts {
    const char *listen;    /* --listen HOST:PORT */
    const char *pid_file;  /* --pid-file FILE, or NULL */
    struct jobs_opts jobs; /* --profile jobs and its flags (jobs_flag) */
};

static void main_usage(FILE *f)
{
    fprintf(f,
            "usage: surge-testbed [--listen HOST:PORT] [--pid-file FILE] [--profile jobs ...]\n"
            "\n"
            "The ground-truth HTTP/1.1 server surge's integration tests measure against.\n"
            "\n"
            "  --listen HOST:PORT  address to serve on (default 127.0.0.1:8080); port 0 picks a\n"
            "                      free one; IPv6 as [::1]:PORT. Prints\n"
            "                      'listening on http://HOST:PORT' once ready.\n"
            "  --pid-file FILE     write the process id to FILE (removed on exit)\n"
            "  --help              this text\n"
            "  --version           print the version\n"
            "\n"
            "Routes:\n"
            "  GET  /echo?delay_ms=D&jitter_ms=J&size=B&status=S   reply after D+U[0,J] ms\n"
            "  GET  /health                                        200 ok\n"
            "  POST /admin/pause?ms=M                              freeze the server M ms\n"
            "  /fault/reset /fault/close-mid-body /fault/malformed /fault/slow-headers?ms=M\n"
            "  /fault/huge-headers?kb=N /fault/bad-chunked /fault/no-response\n"
            "\n%s"
            "\n"
            "Stops cleanly (exit 0) on SIGTERM or SIGINT.\n",
            jobs_usage());
}

/* Parses argv. Returns 0 to run, 1 after printing --help/--version (exit 0), or
 * MAIN_EXIT_USAGE after one line on stderr naming the bad flag. */
static int main_flags(int argc, char **argv, struct main_opts *o)
{
    o->listen = "127.0.0.1:8080";
    o->pid_file = NULL;
    jobs_opts_default(&o->jobs);
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
        const char *names[] = {"--listen", "--pid-file"};
        const char **slots[] = {&o->listen, &o->pid_file};
        int known = 0;
        for (size_t k = 0; k < sizeof names / sizeof names[0] && !known; k++) {
            size_t len = strlen(names[k]);
            if (strncmp(a, names[k], len) != 0 || (a[len] != '\0' && a[len] != '='))
                continue;
            known = 1;
            const char *v = a[len] == '=' ? a + len + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !v[0]) {
                fprintf(stderr, "surge-testbed: %s needs a value (see --help)\n", names[k]);
                return MAIN_EXIT_USAGE;
            }
            *slots[k] = v;
        }
        if (!known && strncmp(a, "--", 2) == 0) { /* a profile's flag? */
            char name[64], err[256];
            const char *eq = strchr(a, '=');
            size_t nl = eq ? (size_t)(eq - a) : strlen(a);
            snprintf(name, sizeof name, "%.*s", (int)nl, a);
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
            int rc = nl < sizeof name ? jobs_flag(&o->jobs, name, v, err, sizeof err) : 0;
            if (rc < 0) {
                fprintf(stderr, "surge-testbed: %s\n", err);
                return MAIN_EXIT_USAGE;
            }
            known = rc > 0;
            if (known && !eq)
                i++;
        }
        if (!known) {
            fprintf(stderr, "surge-testbed: unknown %s '%s' (see --help)\n",
                    a[0] == '-' ? "flag" : "argument", a);
            return MAIN_EXIT_USAGE;
        }
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
    struct main_opts o;
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
    if (core_routes_register(srv) || fault_routes_register(srv) ||
        (o.jobs.enabled && jobs_register(srv, &o.jobs))) {
        fprintf(stderr, "surge-testbed: out of memory registering routes\n");
        goto out;
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
    jobs_unregister();
    srv_free(srv);
    if (pid_written)
        unlink(o.pid_file);
    ev_loop_destroy(loop);
    return status;
}
