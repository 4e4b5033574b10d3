/* test_watch_log.c — the `log` watch source on real files in a temp dir: appends, a file
 * that appears later, reading from the start or the end, partial lines, captured numbers,
 * rotation (rename + new file), copytruncate, very long lines, bad configurations. */
#include "unit.h"
#include "watch/source.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static char path[128];

/* What one sample emitted: values by name. */
static struct {
    char name[8][64];
    double v[8];
    int n;
} got;

static void on_value(struct watch_emit *e, const char *name, const char *unit, double t,
                     double v)
{
    (void)e;
    (void)t;
    if (strncmp(name, "log.", 4) != 0 || (strstr(name, ".value") ? *unit : strcmp(unit, "count")))
        printf("    bad name/unit: %s %s\n", name, unit);
    if (got.n < 8) {
        snprintf(got.name[got.n], sizeof got.name[0], "%s", name);
        got.v[got.n++] = v;
    }
}

static int sample(wsrc *s)
{
    struct watch_emit em = {.value = on_value};
    got.n = 0;
    return s->ops->sample(s, 1.0, &em);
}

/* The value emitted as name, or -1 when none. */
static double val(const char *name)
{
    for (int i = 0; i < got.n; i++)
        if (strcmp(got.name[i], name) == 0)
            return got.v[i];
    return -1;
}

static void append(const char *p, const char *s)
{
    FILE *f = fopen(p, "a");
    if (!f) {
        perror(p);
        exit(2);
    }
    fputs(s, f);
    fclose(f);
}

static const char *names[] = {"rejected", "sessions"};
static const char *res[] = {"rejected", "Active sessions: ([0-9]+)/100"};

static wsrc *make(int from_start)
{
    struct watch_log_cfg c = {.path = path, .names = names, .regexes = res, .npatterns = 2,
                              .from_start = from_start};
    char err[256];
    wsrc *s = wsrc_log_new(&c, err, sizeof err);
    if (!s)
        printf("    wsrc_log_new: %s\n", err);
    return s;
}

static void fresh(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
}

static void appears_later(void)
{
    fresh("later.log");
    wsrc *s = make(0);
    CHECK(s);
    if (!s)
        return;
    CHECK_STR(s->kind, "log");
    CHECK_INT(sample(s), -1);
    CHECK(strstr(s->reason, "later.log: no such file (yet)") != NULL);
    CHECK_INT(s->status, WSRC_UNAVAILABLE);
    CHECK_INT(got.n, 0);
    append(path, "a rejected job\nActive sessions: 7/100\nrejected again\n");
    CHECK_INT(sample(s), 0); /* all of a new file is new */
    CHECK_INT(s->status, WSRC_OK);
    CHECK(val("log.rejected") == 2);
    CHECK(val("log.sessions") == 1);
    CHECK(val("log.sessions.value") == 7);
    CHECK_INT(sample(s), 0); /* nothing new: counts 0, the value stays */
    CHECK(val("log.rejected") == 0 && val("log.sessions.value") == 7);
    wsrc_free(s);
}

static void from_end_or_start(void)
{
    fresh("old.log");
    append(path, "rejected 1\nrejected 2\n");
    wsrc *s = make(0);
    CHECK(s && sample(s) == 0 && val("log.rejected") == 0);
    CHECK(val("log.sessions.value") == -1); /* none captured yet: not emitted */
    append(path, "rejected 3\n");
    CHECK(s && sample(s) == 0 && val("log.rejected") == 1);
    wsrc_free(s);
    s = make(1);
    CHECK(s && sample(s) == 0 && val("log.rejected") == 3);
    wsrc_free(s);
}

static void partial_lines(void)
{
    fresh("partial.log");
    append(path, "");
    wsrc *s = make(0);
    append(path, "Active sessions: 4");
    CHECK(s && sample(s) == 0 && val("log.sessions") == 0);
    append(path, "2/100\r\nrejec");
    CHECK(s && sample(s) == 0 && val("log.sessions") == 1 && val("log.sessions.value") == 42);
    CHECK(val("log.rejected") == 0);
    append(path, "ted\n");
    CHECK(s && sample(s) == 0 && val("log.rejected") == 1);
    wsrc_free(s);
}

static void rotation(void)
{
    fresh("rot.log");
    append(path, "");
    wsrc *s = make(0);
    append(path, "rejected a\n");
    CHECK(s && sample(s) == 0 && val("log.rejected") == 1);
    /* the writer keeps its descriptor: rename, one more line to the old file (and an
     * unterminated one), then a new file at the path */
    char old[160];
    snprintf(old, sizeof old, "%s.1", path);
    CHECK(rename(path, old) == 0);
    append(old, "rejected b\nrejected c (no newline)");
    CHECK(s && sample(s) == 0 && val("log.rejected") == 1); /* path gone: old followed */
    append(path, "rejected d\nActive sessions: 99/100\n");
    CHECK(s && sample(s) == 0 && val("log.rejected") == 2 && val("log.sessions.value") == 99);
    append(old, "rejected lost\n"); /* the old file is no longer followed */
    append(path, "rejected e\n");
    CHECK(s && sample(s) == 0 && val("log.rejected") == 1);
    wsrc_free(s);
}

static void copytruncate(void)
{
    fresh("trunc.log");
    append(path, "");
    wsrc *s = make(0);
    append(path, "rejected 1\nrejected 2\nrejected 3\n");
    CHECK(s && sample(s) == 0 && val("log.rejected") == 3);
    CHECK(truncate(path, 0) == 0);
    append(path, "rejected 4\n");
    CHECK(s && sample(s) == 0 && val("log.rejected") == 1);
    CHECK(truncate(path, 0) == 0);
    CHECK(s && sample(s) == 0 && val("log.rejected") == 0);
    append(path, "Active sessions: 3/100\n");
    CHECK(s && sample(s) == 0 && val("log.sessions.value") == 3);
    wsrc_free(s);
}

static void long_lines(void)
{
    fresh("long.log");
    append(path, "");
    wsrc *s = make(0);
    size_t n = 1 << 20;
    char *big = malloc(n + 64);
    memset(big, 'x', n);
    memcpy(big, "rejected", 8);         /* matched: in the first 64 KiB */
    memcpy(big + n - 40, "Active sessions: 5/100", 22); /* past the cap: not seen */
    big[n] = '\0';
    append(path, big);
    append(path, "\nActive sessions: 6/100\n");
    CHECK(s && sample(s) == 0 && val("log.rejected") == 1 && val("log.sessions") == 1);
    CHECK(val("log.sessions.value") == 6);
    free(big);
    wsrc_free(s);
}

/* More than a sample reads at once (8 MiB), then rotated: the old file is finished over
 * two samples before the new one is read. */
static void big_then_rotated(void)
{
    fresh("big.log");
    append(path, "");
    wsrc *s = make(0);
    char line[1001];
    memset(line, 'x', 999);
    memcpy(line, "rejected ", 9);
    line[999] = '\n';
    line[1000] = '\0';
    FILE *f = fopen(path, "a");
    for (int i = 0; f && i < 10000; i++) /* 10 MB */
        fputs(line, f);
    if (f)
        fclose(f);
    char old[160];
    snprintf(old, sizeof old, "%s.1", path);
    CHECK(rename(path, old) == 0);
    append(path, "rejected new\n");
    CHECK(s && sample(s) == 0);
    double first = val("log.rejected");
    CHECK(first == (8 << 20) / 1000); /* whole lines in the first 8 MiB */
    CHECK(s && sample(s) == 0);
    CHECK(val("log.rejected") == 10000 - first + 1); /* the old file's rest, the new file */
    CHECK(s && sample(s) == 0 && val("log.rejected") == 0);
    wsrc_free(s);
}

static void bad_config(void)
{
    char err[256] = "";
    const char *bad[] = {"ok", "(unclosed"};
    struct watch_log_cfg c = {.path = "/tmp/x.log", .names = names, .regexes = bad,
                              .npatterns = 2};
    CHECK(wsrc_log_new(&c, err, sizeof err) == NULL);
    CHECK(strstr(err, "log /tmp/x.log: pattern sessions: bad regex '(unclosed'") != NULL);
    const char *badname[] = {"a b"};
    c = (struct watch_log_cfg){.path = "/tmp/x.log", .names = badname, .regexes = res,
                               .npatterns = 1};
    CHECK(wsrc_log_new(&c, err, sizeof err) == NULL && strstr(err, "pattern name 'a b'"));
    c = (struct watch_log_cfg){.path = "/tmp/x.log", .names = names, .regexes = res};
    CHECK(wsrc_log_new(&c, err, sizeof err) == NULL && strstr(err, "no patterns"));
    wsrc_free(NULL);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/surge-log.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    RUN(appears_later);
    RUN(from_end_or_start);
    RUN(partial_lines);
    RUN(rotation);
    RUN(copytruncate);
    RUN(long_lines);
    RUN(big_then_rotated);
    RUN(bad_config);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("    could not remove %s\n", dir);
    UNIT_EXIT();
}
