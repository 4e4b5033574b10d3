/* target.h — the service under test when surge owns it (plan `target: {command: ...}`):
 * started in its own process group with stdout/stderr to a log file, waited for until
 * ready, polled for an exit of its own, stopped with SIGTERM then SIGKILL. */
#ifndef SURGE_WATCH_TARGET_H
#define SURGE_WATCH_TARGET_H

struct target_cfg {
    const char *command;        /* run by /bin/sh -c (used when argv is NULL) */
    const char *const *argv;    /* or this argv, NULL-terminated (PATH searched) */
    const char *cwd;            /* NULL: surge's */
    const char *const *env;     /* "NAME=VALUE" added to surge's environment, nenv of them */
    int nenv;
    const char *ready_url;      /* answers 2xx when ready; NULL: ready once started */
    double ready_timeout_s;     /* 0: 30 s */
    double stop_grace_s;        /* SIGTERM, then SIGKILL after this (0: 10 s) */
    const char *log_path;       /* stdout and stderr are appended here */
};

typedef struct target target;

/* @return the target (not started; strings borrowed), or NULL (memory). */
target *target_new(const struct target_cfg *c);

/* Start the command. @return 0, or -1 with a reason in err (log file, fork). An exec
 * failure shows as an exit with status 127 and a line in the log. */
int target_start(target *t, char *err, int errlen);

/* Wait until ready_url answers 2xx (every 100 ms), at most ready_timeout_s.
 * @return 0, or -1 with a reason in err: the deadline (with the last answer or error
 * and the log's last lines) or an exit before it was ready. */
int target_wait_ready(target *t, char *err, int errlen);

/* Has it exited on its own? Reaps it. @return 1 and *status (exit code, 128 + signal
 * when killed), 0 running, -1 not started or already reaped. */
int target_poll(target *t, int *status);

/* Stop it: SIGTERM to its process group, SIGKILL to the group after stop_grace_s.
 * @return 1 and *status when it was running, 0 when it was not. */
int target_stop(target *t, int *status);

/* Its pid while running, else 0. Safe from any thread. */
int target_pid(const target *t);

/* The last `lines` lines of the log into buf (NUL-terminated, "" when none). */
void target_log_tail(const target *t, int lines, char *buf, int len);

/* Stop it if running, then free. NULL is fine. */
void target_free(target *t);

#endif
