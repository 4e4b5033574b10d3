/* proc.c — the process source (a pid and its descendants, summed, from /proc) and the
 * cgroup source (cgroup v2 memory.current and cpu.stat). */
#include "watch/proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"

/* Read a small file whole into buf (NUL-terminated). @return bytes, or -1 with errno. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    return (ssize_t)n;
}

int proc_parse_stat(const char *buf, size_t len, struct proc_stat *out)
{
    const char *end = buf + len, *rp = NULL;
    for (const char *p = buf; p < end; p++)
        if (*p == ')')
            rp = p;
    if (!rp || rp + 2 >= end)
        return -1;
    struct proc_stat s = {0};
    char *e;
    errno = 0;
    long pid = strtol(buf, &e, 10);
    if (e == buf || pid <= 0 || pid > 0x7fffffff || *e != ' ' || errno)
        return -1;
    s.pid = (int)pid;
    /* fields from 3 (state) on, space separated */
    const char *p = rp + 1;
    unsigned long long f[25] = {0}; /* f[k]: field k (numeric ones) */
    for (int k = 3; k <= 24; k++) {
        if (p >= end || *p != ' ')
            return -1;
        p++;
        if (k == 3) {
            if (p >= end || !isalpha((unsigned char)*p))
                return -1;
            s.state = *p++;
            continue;
        }
        int neg = 0;
        if (p < end && *p == '-') {
            neg = 1;
            p++;
        }
        if (p >= end || !isdigit((unsigned char)*p))
            return -1;
        unsigned long long v = 0;
        while (p < end && isdigit((unsigned char)*p)) {
            if (v > (~0ull - 9) / 10)
                return -1;
            v = v * 10 + (unsigned)(*p++ - '0');
        }
        f[k] = neg ? 0 : v;
    }
    if (f[4] > 0x7fffffff)
        return -1;
    s.ppid = (int)f[4];
    s.utime = f[14];
    s.stime = f[15];
    s.threads = f[20] > 1000000000ull ? 1000000000L : (long)f[20];
    s.starttime = f[22];
    s.rss_pages = f[24] > (1ull << 50) ? (1L << 50) : (long)f[24];
    *out = s;
    return 0;
}

static int read_stat(int pid, struct proc_stat *out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    ssize_t n = read_small(path, buf, sizeof buf);
    if (n < 0)
        return -1;
    return proc_parse_stat(buf, (size_t)n, out);
}

/* Open fds of a process, or -1 when /proc/PID/fd cannot be read. */
static long count_fds(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    long n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* ---- process ---- */

struct seen {
    int pid;
    unsigned long long start, ticks;
};

struct psrc {
    wsrc base;
    struct watch_proc_cfg cfg;
    struct seen *prev; /* processes of the previous sample and their CPU ticks */
    int nprev;
    uint64_t prev_us;  /* 0: no previous sample */
    double tick_hz;
    long page;
};

static int pid_from_file(const char *path, int *pid, char *why, size_t wl)
{
    char buf[64];
    if (read_small(path, buf, sizeof buf) < 0) {
        snprintf(why, wl, "pid_file %s: %s", path, strerror(errno));
        return -1;
    }
    char *e;
    errno = 0;
    long v = strtol(buf, &e, 10);
    while (*e == ' ' || *e == '\n' || *e == '\r' || *e == '\t')
        e++;
    if (errno || e == buf || *e || v <= 0 || v > 0x7fffffff) {
        snprintf(why, wl, "pid_file %s: no pid in it", path);
        return -1;
    }
    *pid = (int)v;
    return 0;
}

struct plist {
    struct proc_stat *v;
    int n, cap;
};

static int plist_add(struct plist *l, const struct proc_stat *s)
{
    if (l->n == l->cap) {
        int nc = l->cap ? l->cap * 2 : 256;
        struct proc_stat *nv = realloc(l->v, (size_t)nc * sizeof *nv);
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = *s;
    return 0;
}

/* The root process and every descendant, by ppid links over all of /proc. */
static int tree(int root, struct plist *out)
{
    struct plist all = {0};
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        struct proc_stat s;
        if (read_stat((int)strtol(de->d_name, NULL, 10), &s) == 0 && plist_add(&all, &s)) {
            closedir(d);
            free(all.v);
            return -1;
        }
    }
    closedir(d);
    int rc = -1;
    for (int i = 0; i < all.n; i++)
        if (all.v[i].pid == root) {
            rc = plist_add(out, &all.v[i]);
            break;
        }
    /* breadth first: out grows while it is walked */
    for (int k = 0; rc == 0 && k < out->n; k++)
        for (int i = 0; i < all.n; i++)
            if (all.v[i].ppid == out->v[k].pid && all.v[i].pid != root &&
                plist_add(out, &all.v[i])) {
                rc = -1;
                break;
            }
    free(all.v);
    return rc;
}

static int process_sample(wsrc *s, double t, struct watch_emit *em)
{
    struct psrc *p = (struct psrc *)s;
    int pid = p->cfg.pid;
    if (!pid && p->cfg.pid_file && pid_from_file(p->cfg.pid_file, &pid, s->reason, sizeof s->reason))
        return -1;
    if (!pid && p->cfg.pid_fn && !(pid = p->cfg.pid_fn(p->cfg.pid_ud))) {
        snprintf(s->reason, sizeof s->reason, "the target is not running");
        p->prev_us = 0;
        return -1;
    }
    struct proc_stat root;
    if (read_stat(pid, &root) || root.state == 'Z' || root.state == 'X') {
        snprintf(s->reason, sizeof s->reason, "pid %d: %s", pid,
                 errno == EACCES ? "cannot read /proc (permission denied)"
                                 : "no such process (it exited)");
        p->prev_us = 0;
        return -1;
    }
    struct plist l = {0};
    if (tree(pid, &l) || l.n == 0) {
        free(l.v);
        snprintf(s->reason, sizeof s->reason, "pid %d: cannot list /proc", pid);
        return -1;
    }
    uint64_t now = clock_us();
    double rss = 0, threads = 0, fds = 0, cpu_ticks = 0;
    int fds_ok = 1;
    struct seen *cur = calloc((size_t)l.n, sizeof *cur);
    if (!cur) {
        free(l.v);
        snprintf(s->reason, sizeof s->reason, "out of memory");
        return -1;
    }
    for (int i = 0; i < l.n; i++) {
        const struct proc_stat *x = &l.v[i];
        rss += (double)x->rss_pages * (double)p->page;
        threads += (double)x->threads;
        long nf = count_fds(x->pid);
        if (nf < 0 && i == 0)
            fds_ok = 0;
        fds += nf > 0 ? (double)nf : 0;
        unsigned long long ticks = x->utime + x->stime;
        cur[i] = (struct seen){x->pid, x->starttime, ticks};
        /* a process seen before adds what it used since; a new one all it used */
        unsigned long long before = 0;
        for (int j = 0; j < p->nprev; j++)
            if (p->prev[j].pid == x->pid && p->prev[j].start == x->starttime) {
                before = p->prev[j].ticks;
                break;
            }
        if (ticks > before)
            cpu_ticks += (double)(ticks - before);
    }
    em->value(em, "process.rss_bytes", "bytes", t, rss);
    if (p->prev_us && now > p->prev_us)
        em->value(em, "process.cpu_pct", "%", t,
                  cpu_ticks / p->tick_hz / ((double)(now - p->prev_us) / 1e6) * 100);
    em->value(em, "process.threads", "count", t, threads);
    if (fds_ok)
        em->value(em, "process.fds", "count", t, fds);
    em->value(em, "process.count", "count", t, l.n);
    free(p->prev);
    p->prev = cur;
    p->nprev = l.n;
    p->prev_us = now;
    free(l.v);
    return 0;
}

static void process_free(wsrc *s)
{
    struct psrc *p = (struct psrc *)s;
    if (!p)
        return;
    free(p->prev);
    free(p);
}

static const struct wsrc_ops process_ops = {process_sample, NULL, process_free};

wsrc *wsrc_process_new(const struct watch_proc_cfg *c, char *err, int errlen)
{
    if (c->pid <= 0 && !c->pid_file && !c->pid_fn) {
        snprintf(err, (size_t)errlen, "process: needs a pid, a pid_file or a target command");
        return NULL;
    }
    struct psrc *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, (size_t)errlen, "out of memory");
        return NULL;
    }
    p->base.ops = &process_ops;
    snprintf(p->base.name, sizeof p->base.name, "process");
    snprintf(p->base.kind, sizeof p->base.kind, "process");
    p->cfg = *c;
    if (p->cfg.pid < 0)
        p->cfg.pid = 0;
    long hz = sysconf(_SC_CLK_TCK);
    p->tick_hz = hz > 0 ? (double)hz : 100;
    p->page = sysconf(_SC_PAGESIZE);
    if (p->page <= 0)
        p->page = 4096;
    return &p->base;
}

/* ---- cgroup ---- */

struct csrc {
    wsrc base;
    char dir[512];
    unsigned long long prev_usec;
    uint64_t prev_us;
};

static int cgroup_sample(wsrc *s, double t, struct watch_emit *em)
{
    struct csrc *c = (struct csrc *)s;
    char path[600], buf[4096];
    snprintf(path, sizeof path, "%s/memory.current", c->dir);
    if (read_small(path, buf, sizeof buf) < 0) {
        snprintf(s->reason, sizeof s->reason, "%.180s: %s", path, strerror(errno));
        return -1;
    }
    char *e;
    double mem = strtod(buf, &e);
    if (e == buf) {
        snprintf(s->reason, sizeof s->reason, "%.180s: not a number", path);
        return -1;
    }
    uint64_t now = clock_us();
    em->value(em, "cgroup.memory_bytes", "bytes", t, mem);
    snprintf(path, sizeof path, "%s/cpu.stat", c->dir);
    if (read_small(path, buf, sizeof buf) < 0)
        return 0; /* memory alone (the cpu controller may be off) */
    const char *u = strstr(buf, "usage_usec ");
    if (!u)
        return 0;
    unsigned long long usec = strtoull(u + 11, NULL, 10);
    if (c->prev_us && now > c->prev_us && usec >= c->prev_usec)
        em->value(em, "cgroup.cpu_pct", "%", t,
                  (double)(usec - c->prev_usec) / (double)(now - c->prev_us) * 100);
    c->prev_usec = usec;
    c->prev_us = now;
    return 0;
}

static void cgroup_free(wsrc *s)
{
    free(s);
}

static const struct wsrc_ops cgroup_ops = {cgroup_sample, NULL, cgroup_free};

wsrc *wsrc_cgroup_new(const struct watch_cgroup_cfg *c, char *err, int errlen)
{
    if (!c->path || !c->path[0]) {
        snprintf(err, (size_t)errlen, "cgroup: needs a path");
        return NULL;
    }
    struct csrc *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, (size_t)errlen, "out of memory");
        return NULL;
    }
    g->base.ops = &cgroup_ops;
    snprintf(g->base.name, sizeof g->base.name, "cgroup");
    snprintf(g->base.kind, sizeof g->base.kind, "cgroup");
    if (c->path[0] == '/')
        snprintf(g->dir, sizeof g->dir, "%s", c->path);
    else
        snprintf(g->dir, sizeof g->dir, "/sys/fs/cgroup/%s", c->path);
    return &g->base;
}
