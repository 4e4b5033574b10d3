/* gpu.c — the `gpu` watch source: runs nvidia-smi (fork/exec, no shell, with a timeout)
 * each sample and emits gpuN.util_pct, gpuN.memory_bytes and gpuN.memory_pct. */
#include "watch/gpu.h"
#include "watch/source.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GPU_MAX 64
#define SMI_TIMEOUT_S 5.0
#define SMI_OUT_MAX 65536

/* ------------------------------------------------------------------ the parser */

static int gerr(char *err, int errlen, int line, const char *fmt, const char *field)
{
    if (errlen > 0) {
        char msg[96];
        snprintf(msg, sizeof msg, fmt, field);
        snprintf(err, (size_t)errlen, "line %d: %s", line, msg);
    }
    return -EINVAL;
}

/* One field s[0..n), trimmed: @return 1 with *v set, 0 for [N/A] / [Not Supported] (any
 * bracketed note), -1 when it is not a number. */
static int field_num(const char *s, size_t n, double *v)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
        return 0;
    if (n == 0 || n >= 32)
        return -1;
    char buf[32];
    memcpy(buf, s, n);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.' || buf[i] == '-' ||
              buf[i] == '+' || buf[i] == 'e' || buf[i] == 'E'))
            return -1;
    char *end;
    *v = strtod(buf, &end);
    return end == buf + n ? 1 : -1;
}

int gpu_parse_smi(const char *text, size_t len, struct gpu_reading *out, int max, char *err,
                  int errlen)
{
    int n = 0, line = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t e = nl ? (size_t)(nl - text) : len;
        size_t next = nl ? e + 1 : len;
        line++;
        if (e > pos && text[e - 1] == '\r')
            e--;
        size_t k = pos;
        while (k < e && (text[k] == ' ' || text[k] == '\t'))
            k++;
        if (k == e) {
            pos = next;
            continue;
        }
        const char *f[4];
        size_t fl[4];
        int nf = 0;
        size_t a = pos;
        for (size_t i = pos; i <= e; i++) {
            if (i == e || text[i] == ',') {
                if (nf == 4)
                    return gerr(err, errlen, line, "%s", "more than 4 fields");
                f[nf] = text + a;
                fl[nf++] = i - a;
                a = i + 1;
            }
        }
        if (nf != 4)
            return gerr(err, errlen, line, "%s",
                        "4 fields expected (index, utilization, memory used, total)");
        if (n == max)
            return gerr(err, errlen, line, "%s", "too many GPUs");
        struct gpu_reading *g = &out[n];
        memset(g, 0, sizeof *g);
        double idx;
        if (field_num(f[0], fl[0], &idx) != 1 || idx < 0 || idx > 1e6 || idx != (int)idx)
            return gerr(err, errlen, line, "%s", "bad GPU index");
        g->index = (int)idx;
        double *dst[3] = {&g->util_pct, &g->mem_used_mib, &g->mem_total_mib};
        int *has[3] = {&g->has_util, &g->has_used, &g->has_total};
        static const char *const what[3] = {"utilization", "memory used", "memory total"};
        for (int j = 0; j < 3; j++) {
            int r = field_num(f[j + 1], fl[j + 1], dst[j]);
            if (r < 0)
                return gerr(err, errlen, line, "bad %s", what[j]);
            *has[j] = r;
        }
        n++;
        pos = next;
    }
    return n;
}

/* ------------------------------------------------------------------ running nvidia-smi */

struct gsrc {
    struct wsrc base;
    char *smi; /* as configured: a path, or a name looked up on PATH each sample */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The executable to run: smi itself when it has a '/', else the first on PATH. @return 0
 * with path in buf, -1 when there is none. */
static int find_exe(const char *smi, char *buf, size_t n)
{
    if (strchr(smi, '/')) {
        snprintf(buf, n, "%s", smi);
        return access(buf, X_OK) == 0 ? 0 : -1;
    }
    const char *p = getenv("PATH");
    if (!p)
        p = "/usr/local/bin:/usr/bin:/bin";
    while (*p) {
        size_t k = strcspn(p, ":");
        if (k == 0)
            snprintf(buf, n, "./%s", smi);
        else
            snprintf(buf, n, "%.*s/%s", (int)k, p, smi);
        if (access(buf, X_OK) == 0)
            return 0;
        p += k;
        if (*p == ':')
            p++;
    }
    return -1;
}

/* Run exe, collecting its stdout. @return 0 (exited 0) with the output, or -1 with reason. */
static int run_smi(struct gsrc *g, const char *exe, char *out, size_t cap, size_t *outlen)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        snprintf(g->base.reason, sizeof g->base.reason, "nvidia-smi: pipe: %s", strerror(errno));
        return -1;
    }
    char *const argv[] = {(char *)exe, "--query-gpu=index,utilization.gpu,memory.used,memory.total",
                          "--format=csv,noheader,nounits", NULL};
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        snprintf(g->base.reason, sizeof g->base.reason, "nvidia-smi: fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) { /* async-signal-safe calls only from here */
        int dn = open("/dev/null", O_RDWR);
        if (dn >= 0) {
            dup2(dn, 0);
            dup2(dn, 2);
        }
        dup2(pfd[1], 1);
        execv(exe, argv);
        _exit(127);
    }
    close(pfd[1]);
    size_t n = 0;
    int timed_out = 0;
    double deadline = now_s() + SMI_TIMEOUT_S;
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        char tmp[4096];
        ssize_t k = read(pfd[0], tmp, sizeof tmp);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        size_t take = (size_t)k < cap - 1 - n ? (size_t)k : cap - 1 - n;
        memcpy(out + n, tmp, take);
        n += take;
    }
    close(pfd[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    out[n] = '\0';
    if (timed_out) {
        snprintf(g->base.reason, sizeof g->base.reason, "nvidia-smi: timed out after %g s",
                 SMI_TIMEOUT_S);
        return -1;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        size_t l = strcspn(out, "\r\n");
        if (WIFEXITED(st))
            snprintf(g->base.reason, sizeof g->base.reason,
                     "nvidia-smi exited with status %d%s%.*s", WEXITSTATUS(st), l ? ": " : "",
                     (int)(l > 160 ? 160 : l), out);
        else
            snprintf(g->base.reason, sizeof g->base.reason, "nvidia-smi killed by signal %d",
                     WTERMSIG(st));
        return -1;
    }
    *outlen = n;
    return 0;
}

static int gsrc_sample(wsrc *s, double t, struct watch_emit *em)
{
    struct gsrc *g = (struct gsrc *)s;
    char exe[4096];
    if (find_exe(g->smi, exe, sizeof exe) != 0) {
        snprintf(s->reason, sizeof s->reason, "nvidia-smi not found");
        s->status = WSRC_UNAVAILABLE;
        return -1;
    }
    char *out = malloc(SMI_OUT_MAX);
    struct gpu_reading *r = malloc(GPU_MAX * sizeof *r);
    size_t n = 0;
    int rc = -1;
    if (!out || !r) {
        snprintf(s->reason, sizeof s->reason, "out of memory");
        goto out;
    }
    if (run_smi(g, exe, out, SMI_OUT_MAX, &n) != 0)
        goto out;
    char err[128];
    int ng = gpu_parse_smi(out, n, r, GPU_MAX, err, sizeof err);
    if (ng < 0) {
        snprintf(s->reason, sizeof s->reason, "nvidia-smi output %s", err);
        goto out;
    }
    if (ng == 0) {
        snprintf(s->reason, sizeof s->reason, "nvidia-smi lists no GPU");
        goto out;
    }
    for (int i = 0; i < ng; i++) {
        char name[48];
        if (r[i].has_util) {
            snprintf(name, sizeof name, "gpu%d.util_pct", r[i].index);
            em->value(em, name, "%", t, r[i].util_pct);
        }
        if (r[i].has_used) {
            snprintf(name, sizeof name, "gpu%d.memory_bytes", r[i].index);
            em->value(em, name, "bytes", t, r[i].mem_used_mib * 1048576.0);
        }
        if (r[i].has_used && r[i].has_total && r[i].mem_total_mib > 0) {
            snprintf(name, sizeof name, "gpu%d.memory_pct", r[i].index);
            em->value(em, name, "%", t, 100.0 * r[i].mem_used_mib / r[i].mem_total_mib);
        }
    }
    rc = 0;
out:
    free(out);
    free(r);
    s->status = rc == 0 ? WSRC_OK : WSRC_UNAVAILABLE;
    return rc;
}

static void gsrc_free(wsrc *s)
{
    struct gsrc *g = (struct gsrc *)s;
    if (!g)
        return;
    free(g->smi);
    free(g);
}

static const struct wsrc_ops gsrc_ops = {.sample = gsrc_sample, .finish = NULL,
                                         .free = gsrc_free};

wsrc *wsrc_gpu_new(const struct watch_gpu_cfg *c, char *err, int errlen)
{
    struct gsrc *g = calloc(1, sizeof *g);
    if (g)
        g->smi = strdup(c && c->nvidia_smi && *c->nvidia_smi ? c->nvidia_smi : "nvidia-smi");
    if (!g || !g->smi) {
        free(g);
        snprintf(err, (size_t)errlen, "out of memory");
        return NULL;
    }
    g->base.ops = &gsrc_ops;
    snprintf(g->base.name, sizeof g->base.name, "gpu");
    snprintf(g->base.kind, sizeof g->base.kind, "gpu");
    return &g->base;
}
