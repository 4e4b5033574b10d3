/* target.c — start, readiness, exit polling and stop of the service surge owns. */
#include "watch/target.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "watch/httpget.h"

extern char **environ;

struct target {
    struct target_cfg cfg;
    atomic_int pid;     /* running child (its process group id too), 0 when none */
};

target *target_new(const struct target_cfg *c)
{
    target *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = *c;
    if (!(t->cfg.ready_timeout_s > 0))
        t->cfg.ready_timeout_s = 30;
    if (!(t->cfg.stop_grace_s > 0))
        t->cfg.stop_grace_s = 10;
    atomic_init(&t->pid, 0);
    return t;
}

int target_pid(const target *t)
{
    return t ? atomic_load(&((target *)t)->pid) : 0;
}

/* surge's environment with cfg.env on top (same names replaced). */
static char **make_env(const struct target_cfg *c)
{
    int n = 0;
    while (environ && environ[n])
        n++;
    char **e = calloc((size_t)(n + c->nenv + 1), sizeof *e);
    if (!e)
        return NULL;
    int k = 0;
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        int replaced = 0;
        for (int j = 0; j < c->nenv; j++)
            if (!strncmp(c->env[j], environ[i], nl) && c->env[j][nl] == '=')
                replaced = 1;
        if (!replaced)
            e[k++] = environ[i];
    }
    for (int j = 0; j < c->nenv; j++)
        e[k++] = (char *)c->env[j];
    e[k] = NULL;
    return e;
}

int target_start(target *t, char *err, int errlen)
{
    const struct target_cfg *c = &t->cfg;
    int logfd = open(c->log_path ? c->log_path : "/dev/null",
                     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logfd < 0) {
        snprintf(err, (size_t)errlen, "target: cannot open the log '%s': %s",
                 c->log_path ? c->log_path : "/dev/null", strerror(errno));
        return -1;
    }
    char **envp = make_env(c);
    const char *sh[] = {"/bin/sh", "-c", c->command, NULL};
    const char *const *argv = c->argv ? c->argv : sh;
    if (!envp || !argv[0]) {
        free(envp);
        close(logfd);
        snprintf(err, (size_t)errlen, "target: %s", envp ? "no command" : "out of memory");
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, (size_t)errlen, "target: fork: %s", strerror(errno));
        free(envp);
        close(logfd);
        return -1;
    }
    if (pid == 0) {
        /* the child: only async-signal-safe calls until exec */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* surge killed hard: do not leave it behind */
        if (getppid() != parent)
            _exit(127);
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0)
            dup2(nul, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        if (c->cwd && chdir(c->cwd)) {
            static const char m[] = "surge: target: cannot change to its cwd\n";
            if (write(2, m, sizeof m - 1) < 0)
                _exit(127);
            _exit(127);
        }
        execvpe(argv[0], (char *const *)argv, envp);
        static const char m[] = "surge: target: cannot run the command (exec failed)\n";
        if (write(2, m, sizeof m - 1) < 0)
            _exit(127);
        _exit(127);
    }
    setpgid(pid, pid); /* also here: no race with a signal to the group */
    free(envp);
    close(logfd);
    atomic_store(&t->pid, pid);
    return 0;
}

static int decode(int ws)
{
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : ws;
}

int target_poll(target *t, int *status)
{
    int pid = atomic_load(&t->pid);
    if (!pid)
        return -1;
    int ws;
    pid_t r = waitpid(pid, &ws, WNOHANG);
    if (r == 0)
        return 0;
    if (r < 0 && errno != ECHILD)
        return 0;
    atomic_store(&t->pid, 0);
    *status = r == pid ? decode(ws) : -1;
    kill(-pid, SIGKILL); /* what it left running in its group */
    return 1;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

void target_log_tail(const target *t, int lines, char *buf, int len)
{
    buf[0] = '\0';
    if (!t->cfg.log_path || len < 2)
        return;
    int fd = open(t->cfg.log_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > len - 1 ? end - (len - 1) : 0;
    ssize_t n = pread(fd, buf, (size_t)(end - from), from);
    close(fd);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    buf[n] = '\0';
    while (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    int seen = 0;
    for (ssize_t i = n - 1; i >= 0; i--)
        if (buf[i] == '\n' && ++seen == lines) {
            memmove(buf, buf + i + 1, (size_t)(n - i));
            return;
        }
}

int target_wait_ready(target *t, char *err, int errlen)
{
    const struct target_cfg *c = &t->cfg;
    uint64_t deadline = clock_us() + (uint64_t)(c->ready_timeout_s * 1e6);
    char last[256] = "no answer yet";
    for (;;) {
        int st;
        if (target_poll(t, &st) == 1) {
            char tail[1024];
            target_log_tail(t, 10, tail, sizeof tail);
            snprintf(err, (size_t)errlen, "target exited with status %d before it was ready; "
                     "last lines of %s:\n%s", st, c->log_path ? c->log_path : "its log", tail);
            return -1;
        }
        if (!atomic_load(&t->pid)) {
            snprintf(err, (size_t)errlen, "target is not running");
            return -1;
        }
        if (!c->ready_url)
            return 0;
        uint64_t now = clock_us();
        if (now >= deadline)
            break;
        double left = (double)(deadline - now) / 1e6;
        struct http_get_opts o = {.timeout_s = left < 1 ? left : 1, .max_body = 1 << 20,
                                  .insecure = 1};
        struct http_get_result r = {0};
        char e2[256];
        if (http_get(c->ready_url, &o, &r, e2, sizeof e2) == 0) {
            int ok = r.status >= 200 && r.status < 300;
            http_get_result_free(&r);
            if (ok)
                return 0;
            snprintf(last, sizeof last, "status %d", r.status);
        } else {
            snprintf(last, sizeof last, "%s", e2);
        }
        sleep_s(0.1);
    }
    char tail[1024];
    target_log_tail(t, 10, tail, sizeof tail);
    snprintf(err, (size_t)errlen, "target not ready after %gs: %s (%s); last lines of %s:\n%s",
             c->ready_timeout_s, c->ready_url, last, c->log_path ? c->log_path : "its log",
             tail[0] ? tail : "(empty)");
    return -1;
}

int target_stop(target *t, int *status)
{
    int pid = atomic_load(&t->pid);
    if (!pid)
        return 0;
    kill(-pid, SIGTERM);
    uint64_t deadline = clock_us() + (uint64_t)(t->cfg.stop_grace_s * 1e6);
    int ws = 0;
    pid_t r;
    while ((r = waitpid(pid, &ws, WNOHANG)) == 0 && clock_us() < deadline)
        sleep_s(0.02);
    if (r == 0) {
        kill(-pid, SIGKILL);
        r = waitpid(pid, &ws, 0);
    }
    kill(-pid, SIGKILL); /* children that outlived their parent in the group */
    atomic_store(&t->pid, 0);
    if (status)
        *status = r == pid ? decode(ws) : -1;
    return 1;
}

void target_free(target *t)
{
    if (!t)
        return;
    target_stop(t, NULL);
    free(t);
}
