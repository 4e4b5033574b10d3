/* source.h — what every watched source implements (process, cgroup, prometheus, promql,
 * health, gpu, log): the watch thread calls sample() once per interval and the source
 * emits named values for that instant. Sources never touch the load engine. */
#ifndef SURGE_WATCH_SOURCE_H
#define SURGE_WATCH_SOURCE_H

#include <stddef.h>

/* Where a source puts its values: value() once per quantity per sample. name follows
 * docs/model.md ("process.rss_bytes", "job_queue_size", "http_requests_total:rate",
 * "log.rejected"); unit is "bytes", "%", "/s", "ms", "count" or "". */
struct watch_emit {
    void (*value)(struct watch_emit *e, const char *name, const char *unit, double t, double v);
    void *ud;
};

enum wsrc_status { WSRC_OK = 0, WSRC_UNAVAILABLE = 1 };

typedef struct wsrc wsrc;

struct wsrc_ops {
    /* Take one sample at run time t (seconds; negative in the baseline window) and
     * emit its values. @return 0, or -1 with s->reason set (the source is unavailable
     * this time; the watch prints one warning per new reason and goes on). */
    int (*sample)(wsrc *s, double t, struct watch_emit *emit);
    /* Optional (NULL: none): at the end of the run, with the run's wall-clock range
     * (Unix seconds) and the wall time of t = 0, emit values known only afterwards
     * (promql's query_range). @return 0, or -1 with s->reason set. */
    int (*finish)(wsrc *s, double wall_from, double wall_to, double wall_t0,
                  struct watch_emit *emit);
    void (*free)(wsrc *s); /* NULL is fine for s */
};

/* The common head of every source; a source's own state follows it. */
struct wsrc {
    const struct wsrc_ops *ops;
    char name[32];          /* as in results.json's watch.sources[].name */
    char kind[16];          /* "process", "cgroup", "prometheus", "promql", "health", "gpu", "log" */
    enum wsrc_status status;
    char reason[256];       /* why unavailable (the last failure) */
};

/* Configurations, filled by the plan loader (plan `watch:` section) or quick mode's
 * flags. Strings are borrowed for the source's life. */
struct watch_prom_cfg {
    const char *url;            /* exposition endpoint, http:// or https:// */
    const char *const *metrics; /* selectors to keep: name, or name{label="v",l!="x",l=~"re"} */
    int nmetrics;               /* 0: keep every series, up to max_series */
    int max_series;             /* cap on series kept (default 200) */
    double timeout_s;           /* per scrape (default: the interval) */
};

struct watch_promql_cfg {
    const char *url;                  /* Prometheus server base URL (http://host:9090) */
    const char *const *names;         /* the metric name each query's values get */
    const char *const *queries;       /* PromQL expressions */
    int nqueries;
    double step_s;                    /* query_range step (default: the watch interval) */
    double timeout_s;
};

struct watch_log_cfg {
    const char *path;                 /* the log file, followed across appends and rotation */
    const char *const *names;         /* pattern names: values become log.NAME, log.NAME.value */
    const char *const *regexes;       /* POSIX extended regexes; a first group captures a number */
    int npatterns;
    int from_start;                   /* read what is already in the file (default: only new lines) */
};

struct watch_gpu_cfg {
    const char *nvidia_smi;           /* path of nvidia-smi; NULL: "nvidia-smi" on PATH */
};

/* Constructors: @return the source, or NULL with a reason in err (bad regex, bad
 * selector, bad URL). A source that cannot reach its target yet is still made: that
 * shows as unavailable samples, not a failed constructor. */
wsrc *wsrc_prometheus_new(const struct watch_prom_cfg *c, char *err, int errlen);
wsrc *wsrc_promql_new(const struct watch_promql_cfg *c, char *err, int errlen);
wsrc *wsrc_log_new(const struct watch_log_cfg *c, char *err, int errlen);
wsrc *wsrc_gpu_new(const struct watch_gpu_cfg *c, char *err, int errlen);

static inline void wsrc_free(wsrc *s)
{
    if (s)
        s->ops->free(s);
}

#endif
