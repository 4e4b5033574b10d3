/* prom.h — the Prometheus text exposition format 0.0.4: parsing a scrape into samples with
 * their families' types, the plan's series selectors, and histogram quantiles. */
#ifndef SURGE_WATCH_PROM_H
#define SURGE_WATCH_PROM_H

#include <stddef.h>
#include <stdint.h>

enum prom_type { PROM_UNTYPED = 0, PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM, PROM_SUMMARY };

struct prom_label {
    char *name;
    char *value;  /* unescaped */
};

/* One sample line: `name{labels} value [timestamp]`. */
struct prom_sample {
    char *name;                /* as written: "rpc_seconds_bucket" */
    struct prom_label *labels; /* in the order written */
    int nlabels;
    double value;              /* NaN and +-Inf allowed */
    int has_ts;
    int64_t ts_ms;
    enum prom_type type;       /* of its family (histogram for _bucket/_sum/_count of one) */
    const char *family;        /* the family's name ("rpc_seconds"); points into the doc */
};

struct prom_family {
    char *name;
    enum prom_type type; /* from # TYPE; PROM_UNTYPED when none */
    char *help;          /* from # HELP (unescaped), or NULL */
    int typed;           /* a # TYPE line was seen */
};

typedef struct prom_doc {
    struct prom_sample *samples; /* in the order of the text */
    int nsamples;
    struct prom_family *families; /* every name seen in # TYPE / # HELP lines */
    int nfamilies;
} prom_doc;

/* Parse len bytes of exposition text (no NUL needed; never reads past len). Accepts CRLF
 * line ends, blank lines, comments and a last line without a newline.
 * @return 0 with *out set, or -EINVAL with "line L col C: why" in err (*line, *col set when
 * non-NULL, 1-based) and *out untouched, or -ENOMEM. */
int prom_parse(const char *text, size_t len, prom_doc **out, char *err, int errlen, int *line,
               int *col);
void prom_doc_free(prom_doc *d); /* NULL is fine */

const char *prom_type_name(enum prom_type t); /* "counter", "gauge", ... */

/* A series selector: `name`, `name{l="v",l!="v",l=~"re",l!~"re"}` (regexes POSIX ERE,
 * anchored at both ends like Prometheus's). */
typedef struct prom_sel prom_sel;

/* @return 0 with *out set, or -EINVAL with "col C: why" in err (*col 1-based) and *out
 * untouched, or -ENOMEM. */
int prom_sel_parse(const char *s, prom_sel **out, char *err, int errlen, int *col);
/* Whether a series of metric `name` with these labels matches. */
int prom_sel_match(const prom_sel *sel, const char *name, const struct prom_label *labels,
                   int nlabels);
const char *prom_sel_name(const prom_sel *sel); /* the metric name it selects */
void prom_sel_free(prom_sel *sel);              /* NULL is fine */

/* The series name of docs/model.md: `name` or `name{a="1",b="x"}` with labels sorted by
 * name, values escaped as in the exposition format; the label named skip (NULL: none) left
 * out. Writes at most n bytes (NUL included). @return the length it needs (like snprintf). */
int prom_series_name(char *buf, size_t n, const char *name, const struct prom_label *labels,
                     int nlabels, const char *skip);

/* The unit docs/model.md gives a series by its name: "bytes" for *_bytes, "%" for
 * *_percent / *_pct, "/s" for *:rate (and rates of those), else "". */
const char *prom_unit_of(const char *name);

/* The q-quantile (0..1) of a histogram by its upper bounds le[] (ascending, the last +Inf)
 * and cumulative counts cum[] (n buckets), interpolating linearly inside the bucket like
 * PromQL's histogram_quantile: the lowest bucket starts at 0 (when its bound is positive),
 * a rank in the +Inf bucket gives the last finite bound. @return NaN when there are no
 * observations, fewer than two buckets or no +Inf bucket. */
double prom_histogram_quantile(double q, const double *le, const double *cum, int n);

#endif
