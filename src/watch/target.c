/* target.c — start, readiness, exit polling and stop of the service surge owns. */
#include "watch/target.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "watch/httpget.h"

extern char **environ;

/* The command runs under a keeper: surge forks the keeper (leader of a new process
 * group), the keeper forks the command and waits for it, then writes its wait status
 * into a pipe. So its status survives whoever reaps surge's own children (libev's
 * default loop reaps every child on SIGCHLD). */
struct target {
    struct target_cfg cfg;
    atomic_int pid;     /* the command while running, 0 when none */
    int keeper;         /* the keeper's pid = the process group; 0 when none */
    int rfd;            /* the keeper's pipe: the command's wait status, then EOF */
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
    t->rfd = -1;
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
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC)) {
        snprintf(err, (size_t)errlen, "target: pipe: %s", strerror(errno));
        free(envp);
        close(logfd);
        return -1;
    }
    pid_t parent = getpid();
    pid_t keeper = fork();
    if (keeper < 0) {
        snprintf(err, (size_t)errlen, "target: fork: %s", strerror(errno));
        free(envp);
        close(logfd);
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (keeper == 0) {
        /* the keeper: only async-signal-safe calls from here on */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* surge gone: so is the keeper */
        if (getppid() != parent)
            _exit(127);
        sigset_t none;
        sigemptyset(&none);
        pthread_sigmask(SIG_SETMASK, &none, NULL);
        struct sigaction dfl = {.sa_handler = SIG_DFL}, ign = {.sa_handler = SIG_IGN};
        for (int sig = 1; sig < 32; sig++)
            if (sig != SIGKILL && sig != SIGSTOP)
                sigaction(sig, &dfl, NULL);
        pid_t me = getpid();
        pid_t cmd = fork();
        if (cmd == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM); /* the keeper killed: stop the command */
            if (getppid() != me)
                _exit(127);
            int nul = open("/dev/null", O_RDONLY);
            if (nul >= 0)
                dup2(nul, 0);
            dup2(logfd, 1);
            dup2(logfd, 2);
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
        if (cmd < 0)
            _exit(126);
        /* the group's SIGTERM is for the command; the keeper waits for its end */
        sigaction(SIGTERM, &ign, NULL);
        sigaction(SIGINT, &ign, NULL);
        sigaction(SIGHUP, &ign, NULL);
        int pv = (int)cmd, ws = 0;
        if (write(pfd[1], &pv, sizeof pv) != (ssize_t)sizeof pv)
            _exit(126);
        while (waitpid(cmd, &ws, 0) < 0 && errno == EINTR)
            ;
        if (write(pfd[1], &ws, sizeof ws) != (ssize_t)sizeof ws)
            _exit(126);
        _exit(0);
    }
    setpgid(keeper, keeper); /* also here: no race with a signal to the group */
    free(envp);
    close(logfd);
    close(pfd[1]);
    int cmd = 0;
    ssize_t n;
    while ((n = read(pfd[0], &cmd, sizeof cmd)) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof cmd || cmd <= 0) {
        snprintf(err, (size_t)errlen, "target: cannot start the command (fork failed)");
        kill(-keeper, SIGKILL);
        close(pfd[0]);
        waitpid(keeper, NULL, 0);
        return -1;
    }
    fcntl(pfd[0], F_SETFL, O_NONBLOCK);
    t->keeper = keeper;
    t->rfd = pfd[0];
    atomic_store(&t->pid, cmd);
    return 0;
}

static int decode(int ws)
{
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : ws;
}

/* The command ended (its status read, or the keeper gone): clean up the group, the
 * keeper and the pipe. */
static void ended(target *t)
{
    kill(-t->keeper, SIGKILL); /* what it left running in its group */
    waitpid(t->keeper, NULL, WNOHANG); /* ECHILD when libev reaped it: fine */
    close(t->rfd);
    t->rfd = -1;
    t->keeper = 0;
    atomic_store(&t->pid, 0);
}

/* Read the status from the keeper's pipe. @return 1 ended (*status), 0 running. */
static int check(target *t, int *status)
{
    int ws;
    ssize_t n = read(t->rfd, &ws, sizeof ws);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    *status = n == (ssize_t)sizeof ws ? decode(ws) : 128 + SIGKILL; /* keeper killed */
    ended(t);
    return 1;
}

int target_poll(target *t, int *status)
{
    if (!atomic_load(&t->pid))
        return -1;
    return check(t, status);
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
    if (!atomic_load(&t->pid))
        return 0;
    int st = -1;
    kill(-t->keeper, SIGTERM); /* the keeper ignores it */
    uint64_t deadline = clock_us() + (uint64_t)(t->cfg.stop_grace_s * 1e6);
    int done = 0;
    while (!(done = check(t, &st)) && clock_us() < deadline) {
        struct pollfd p = {.fd = t->rfd, .events = POLLIN};
        uint64_t left = deadline - clock_us();
        poll(&p, 1, left > 50000 ? 50 : (int)(left / 1000) + 1);
    }
    if (!done) {
        kill(atomic_load(&t->pid), SIGKILL);
        struct pollfd p = {.fd = t->rfd, .events = POLLIN};
        for (int i = 0; i < 100 && !(done = check(t, &st)); i++)
            poll(&p, 1, 20);
        if (!done) {
            st = 128 + SIGKILL;
            ended(t);
        }
    }
    if (status)
        *status = st;
    return 1;
}

void target_free(target *t)
{
    if (!t)
        return;
    target_stop(t, NULL);
    free(t);
}
