/* procmetrics.c — the process_* series of /metrics, read from /proc/self at each scrape. */
#include "procmetrics.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Collector state: the counter is kept equal to /proc's figure by adding the difference. */
struct procm {
    double cpu_reported; /* process_cpu_seconds_total added so far */
    double start_unix;   /* process start, Unix seconds */
};

static struct procm procm_state; /* one process, one state */

/* Reads a small /proc file into buf (NUL-terminated). Returns bytes read, or -1. */
static ssize_t procm_read(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n + 1 < size) {
        ssize_t k = read(fd, buf + n, size - 1 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    close(fd);
    buf[n] = '\0';
    return (ssize_t)n;
}

/* Field `idx` (1-based, as in proc(5)) of /proc/self/stat, or -1. The comm field (2) may hold
 * spaces and parentheses: counting starts after its last ')'. */
static double procm_stat_field(const char *stat, int idx)
{
    const char *p = strrchr(stat, ')');
    if (!p)
        return -1;
    p++;
    for (int f = 3; f <= idx; f++) {
        while (*p == ' ')
            p++;
        if (!*p)
            return -1;
        if (f == idx)
            return strtod(p, NULL);
        while (*p && *p != ' ')
            p++;
    }
    return -1;
}

static double procm_boot_time(void)
{
    char buf[8192];
    if (procm_read("/proc/stat", buf, sizeof buf) <= 0)
        return -1;
    const char *p = strstr(buf, "\nbtime ");
    return p ? strtod(p + 7, NULL) : -1;
}

static int procm_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static void procm_collect(tb_metrics *m, void *ud)
{
    struct procm *st = ud;
    char buf[1024];
    long page = sysconf(_SC_PAGESIZE);
    double tck = (double)sysconf(_SC_CLK_TCK);
    unsigned long long vsz_pages, rss_pages;
    if (procm_read("/proc/self/statm", buf, sizeof buf) > 0 &&
        sscanf(buf, "%llu %llu", &vsz_pages, &rss_pages) == 2) {
        metrics_gauge_set(m, "process_resident_memory_bytes", "Resident memory size in bytes.", "",
                          (double)rss_pages * (double)page);
        metrics_gauge_set(m, "process_virtual_memory_bytes", "Virtual memory size in bytes.", "",
                          (double)vsz_pages * (double)page);
    }
    if (procm_read("/proc/self/stat", buf, sizeof buf) > 0) {
        double ut = procm_stat_field(buf, 14), stt = procm_stat_field(buf, 15);
        if (ut >= 0 && stt >= 0 && tck > 0) {
            double cpu = (ut + stt) / tck;
            double d = cpu - st->cpu_reported;
            metrics_counter_add(m, "process_cpu_seconds_total",
                                "Total user and system CPU time spent in seconds.", "",
                                d > 0 ? d : 0);
            if (d > 0)
                st->cpu_reported = cpu;
        }
    }
    metrics_gauge_set(m, "process_start_time_seconds",
                      "Start time of the process since unix epoch in seconds.", "", st->start_unix);
    int fds = procm_open_fds();
    if (fds >= 0)
        metrics_gauge_set(m, "process_open_fds", "Number of open file descriptors.", "", fds);
}

int procm_register(tb_metrics *m)
{
    struct procm *st = &procm_state;
    st->cpu_reported = 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    st->start_unix = (double)now.tv_sec;
    char buf[1024];
    double btime = procm_boot_time(), tck = (double)sysconf(_SC_CLK_TCK);
    if (btime > 0 && tck > 0 && procm_read("/proc/self/stat", buf, sizeof buf) > 0) {
        double ticks = procm_stat_field(buf, 22); /* starttime, clock ticks after boot */
        if (ticks >= 0)
            st->start_unix = btime + ticks / tck;
    }
    return metrics_on_collect(m, procm_collect, st);
}
