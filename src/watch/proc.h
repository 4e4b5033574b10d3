/* proc.h — the `process` and `cgroup` watch sources: a process and its whole tree read
 * from /proc (RSS, CPU % user+sys, threads, open fds), or a cgroup v2 directory
 * (memory.current, cpu.stat usage_usec). */
#ifndef SURGE_WATCH_PROC_H
#define SURGE_WATCH_PROC_H

#include "watch/source.h"

struct watch_proc_cfg {
    int pid;                  /* > 0: this process (and its descendants) */
    const char *pid_file;     /* else: the pid read from this file at every sample */
    int (*pid_fn)(void *ud);  /* else: asked at every sample (the target surge started);
                                 0: none running now (the sample is unavailable) */
    void *pid_ud;
};

struct watch_cgroup_cfg {
    const char *path;         /* cgroup v2 directory; relative: under /sys/fs/cgroup */
};

/* Fields of /proc/PID/stat the process source reads. */
struct proc_stat {
    int pid, ppid;
    char state;
    unsigned long long utime, stime; /* clock ticks */
    long threads;
    unsigned long long starttime;    /* clock ticks after boot */
    long rss_pages;
};

/* Parse the text of /proc/PID/stat (the command name may hold spaces and ')').
 * @return 0 and *out, or -1 when malformed. */
int proc_parse_stat(const char *buf, size_t len, struct proc_stat *out);

/* Values: process.rss_bytes, process.cpu_pct (from the second sample on),
 * process.threads, process.fds (when /proc/PID/fd is readable), process.count.
 * @return the source, or NULL with a reason in err (no pid given). */
wsrc *wsrc_process_new(const struct watch_proc_cfg *c, char *err, int errlen);

/* Values: cgroup.memory_bytes, cgroup.cpu_pct (from the second sample on).
 * @return the source, or NULL with a reason in err. */
wsrc *wsrc_cgroup_new(const struct watch_cgroup_cfg *c, char *err, int errlen);

#endif
