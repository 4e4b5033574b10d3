/* test_procstat.c — /proc/PID/stat parsing (proc_parse_stat) on its edge cases, and the
 * process source on this very process. */
#include "unit.h"
#include "watch/proc.h"

#include <stdlib.h>
#include <unistd.h>

static void test_parse(void)
{
    const char *s = "42 (a) b)) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 5 0 12345 "
                    "1000000 250 18446744073709551615 1 1 0";
    struct proc_stat st;
    CHECK_INT(proc_parse_stat(s, strlen(s), &st), 0);
    CHECK_INT(st.pid, 42);
    CHECK_INT(st.ppid, 1);
    CHECK_INT(st.state, 'S');
    CHECK_INT(st.utime, 7);
    CHECK_INT(st.stime, 3);
    CHECK_INT(st.threads, 5);
    CHECK_INT(st.starttime, 12345);
    CHECK_INT(st.rss_pages, 250);
}

static void test_parse_bad(void)
{
    static const char *const bad[] = {
        "", "42", "42 (x)", "42 (x) S", "x (y) S 1 2 3",
        "42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 5 0 12345 1000000", /* short */
        "42 (x) 9 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 5 0 12345 1000000 250",
        "42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 5 0 12345 1000000 x",
        "-3 (x) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 5 0 12345 1000000 250",
        "42 (x) S 99999999999 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 5 0 1 1 250",
        "42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 99999999999999999999999 3 0 0 20 0 5 0 1 1 2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct proc_stat st = {.pid = -7};
        if (proc_parse_stat(bad[i], strlen(bad[i]), &st) != -1 || st.pid != -7) {
            printf("    accepted: '%s'\n", bad[i]);
            unit_case_failed = 1;
        }
    }
    /* the length bounds the parse: no NUL needed, nothing read past it */
    const char *s = "42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 5 0 12345 1000000 250 9";
    struct proc_stat st;
    CHECK_INT(proc_parse_stat(s, strlen(s) - 6, &st), -1);
}

struct got {
    struct watch_emit e;
    double rss, threads, fds, count;
    int ncpu;
};

static void on_value(struct watch_emit *e, const char *name, const char *unit, double t, double v)
{
    struct got *g = (struct got *)e;
    (void)unit;
    (void)t;
    if (!strcmp(name, "process.rss_bytes"))
        g->rss = v;
    else if (!strcmp(name, "process.threads"))
        g->threads = v;
    else if (!strcmp(name, "process.fds"))
        g->fds = v;
    else if (!strcmp(name, "process.count"))
        g->count = v;
    else if (!strcmp(name, "process.cpu_pct"))
        g->ncpu++;
}

static void test_self(void)
{
    char err[128];
    struct watch_proc_cfg c = {.pid = (int)getpid()};
    wsrc *s = wsrc_process_new(&c, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    struct got g = {.e = {.value = on_value}};
    CHECK_INT(s->ops->sample(s, 0, &g.e), 0);
    CHECK(g.rss > 100000);
    CHECK(g.threads >= 1);
    CHECK(g.fds >= 3);
    CHECK_INT(g.count, 1);
    CHECK_INT(g.ncpu, 0); /* a rate needs two samples */
    CHECK_INT(s->ops->sample(s, 1, &g.e), 0);
    CHECK_INT(g.ncpu, 1);
    wsrc_free(s);
    struct watch_proc_cfg none = {0};
    CHECK(wsrc_process_new(&none, err, sizeof err) == NULL);
    CHECK(strstr(err, "pid") != NULL);
}

struct cg {
    struct watch_emit e;
    double mem, cpu;
    int nmem, ncpu;
};

static void on_cg(struct watch_emit *e, const char *name, const char *unit, double t, double v)
{
    struct cg *g = (struct cg *)e;
    (void)unit;
    (void)t;
    if (!strcmp(name, "cgroup.memory_bytes"))
        g->mem = v, g->nmem++;
    else if (!strcmp(name, "cgroup.cpu_pct"))
        g->cpu = v, g->ncpu++;
}

static void put(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A cgroup v2 directory imitated by files: memory.current, cpu.stat usage_usec. */
static void test_cgroup(void)
{
    char dir[] = "/tmp/surge-cg.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    put(dir, "memory.current", "123456789\n");
    put(dir, "cpu.stat", "usage_usec 1000000\nuser_usec 800000\nsystem_usec 200000\n");
    char err[128];
    struct watch_cgroup_cfg c = {.path = dir};
    wsrc *s = wsrc_cgroup_new(&c, err, sizeof err);
    CHECK(s != NULL);
    struct cg g = {.e = {.value = on_cg}};
    CHECK_INT(s->ops->sample(s, 0, &g.e), 0);
    CHECK_NEAR(g.mem, 123456789, 0);
    CHECK_INT(g.ncpu, 0);
    usleep(100000);
    put(dir, "cpu.stat", "usage_usec 1050000\nuser_usec 840000\nsystem_usec 210000\n");
    CHECK_INT(s->ops->sample(s, 0.1, &g.e), 0);
    CHECK_INT(g.ncpu, 1);
    CHECK(g.cpu > 20 && g.cpu <= 50); /* 50 ms of CPU in >= 100 ms */
    put(dir, "memory.current", "max\n");
    CHECK_INT(s->ops->sample(s, 0.2, &g.e), -1);
    CHECK(strstr(s->reason, "memory.current: not a number") != NULL);
    char p[600];
    snprintf(p, sizeof p, "%s/memory.current", dir);
    unlink(p);
    CHECK_INT(s->ops->sample(s, 0.3, &g.e), -1);
    CHECK(strstr(s->reason, "No such file") != NULL);
    snprintf(p, sizeof p, "%s/cpu.stat", dir);
    unlink(p);
    rmdir(dir);
    wsrc_free(s);
}

int main(void)
{
    RUN(test_cgroup);
    RUN(test_parse);
    RUN(test_parse_bad);
    RUN(test_self);
    return unit_failures != 0;
}
