/* log.c — the `log` watch source: follows a log file across appends, rotation (rename and
 * a new file, by inode) and truncation (copytruncate), counting lines that match named
 * regexes and capturing a number from each one's first group. */
#include "watch/source.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_CAP (64 * 1024)         /* a longer line is matched on its first LINE_CAP bytes */
#define READ_CAP ((off_t)8 << 20)   /* bytes read per sample at most; the rest next time */

struct lpat {
    char name[64];
    char key[96];        /* "log.NAME" */
    char vkey[104];      /* "log.NAME.value" */
    regex_t re;
    int has_group;
    long count;          /* matching lines in this sample */
    int has_value;
    double value;        /* the last number captured */
};

struct lsrc {
    struct wsrc base;
    char *path;
    struct lpat *pat;
    int npat;
    int fd;              /* the file followed now, or -1 */
    dev_t dev;
    ino_t ino;
    off_t off;           /* bytes of fd consumed */
    char *line;          /* the line being assembled (no newline yet) */
    size_t llen;         /* bytes in line (at most LINE_CAP) */
    int overlong;        /* the line passed LINE_CAP: the rest is skipped to its newline */
};

static void match_line(struct lsrc *l, char *s, size_t n)
{
    if (n && s[n - 1] == '\r')
        n--;
    s[n] = '\0';
    for (int i = 0; i < l->npat; i++) {
        struct lpat *p = &l->pat[i];
        regmatch_t m[2];
        if (regexec(&p->re, s, 2, m, 0) != 0)
            continue;
        p->count++;
        if (!p->has_group || m[1].rm_so < 0)
            continue;
        /* the group's first number: "42", "-1.5", "42/100" -> 42 */
        char num[64];
        size_t a = (size_t)m[1].rm_so, b = (size_t)m[1].rm_eo;
        while (a < b && !(s[a] >= '0' && s[a] <= '9') && s[a] != '-' && s[a] != '.')
            a++;
        size_t k = b - a < sizeof num - 1 ? b - a : sizeof num - 1;
        memcpy(num, s + a, k);
        num[k] = '\0';
        char *end;
        double v = strtod(num, &end);
        if (end != num) {
            p->value = v;
            p->has_value = 1;
        }
    }
}

/* Feed bytes: complete lines are matched, the rest waits in l->line. */
static void feed(struct lsrc *l, const char *buf, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(buf + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - buf) : n;
        size_t take = end - i;
        if (!l->overlong) {
            size_t room = LINE_CAP - l->llen;
            if (take > room) {
                take = room;
                l->overlong = 1;
            }
            memcpy(l->line + l->llen, buf + i, take);
            l->llen += take;
        }
        if (!nl)
            return;
        match_line(l, l->line, l->llen);
        l->llen = 0;
        l->overlong = 0;
        i = end + 1;
    }
}

/* An unterminated last line of a file that is finished (rotated away) counts as a line. */
static void flush_partial(struct lsrc *l)
{
    if (l->llen || l->overlong)
        match_line(l, l->line, l->llen);
    l->llen = 0;
    l->overlong = 0;
}

/* Read what fd has past l->off (truncation: from 0), READ_CAP at most. @return 0 at the
 * end of the file, 1 when the cap left some for the next sample, -1 (reason set). */
static int read_new(struct lsrc *l)
{
    struct stat st;
    if (fstat(l->fd, &st) != 0) {
        snprintf(l->base.reason, sizeof l->base.reason, "%s: %s", l->path, strerror(errno));
        return -1;
    }
    if (st.st_size < l->off) { /* truncated in place (copytruncate): start over */
        l->off = 0;
        l->llen = 0;
        l->overlong = 0;
    }
    char buf[65536];
    off_t budget = READ_CAP;
    while (budget > 0) {
        ssize_t r = pread(l->fd, buf, sizeof buf, l->off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(l->base.reason, sizeof l->base.reason, "%s: read: %s", l->path,
                     strerror(errno));
            return -1;
        }
        if (r == 0)
            break;
        feed(l, buf, (size_t)r);
        l->off += r;
        budget -= r;
    }
    return budget > 0 ? 0 : 1;
}

/* Open the path as the file to follow, from its start or its end. @return 0, or -1 with
 * errno (ENOENT: not there yet). */
static int open_path(struct lsrc *l, int at_end)
{
    int fd = open(l->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (l->fd >= 0)
        close(l->fd);
    l->fd = fd;
    l->dev = st.st_dev;
    l->ino = st.st_ino;
    l->off = at_end ? st.st_size : 0;
    l->llen = 0;
    l->overlong = 0;
    return 0;
}

static void emit_all(struct lsrc *l, double t, struct watch_emit *em)
{
    for (int i = 0; i < l->npat; i++) {
        struct lpat *p = &l->pat[i];
        em->value(em, p->key, "count", t, (double)p->count);
        if (p->has_value)
            em->value(em, p->vkey, "", t, p->value);
    }
}

static int lsrc_sample(wsrc *s, double t, struct watch_emit *em)
{
    struct lsrc *l = (struct lsrc *)s;
    for (int i = 0; i < l->npat; i++)
        l->pat[i].count = 0;
    if (l->fd < 0) {
        if (open_path(l, 0) != 0) {
            snprintf(s->reason, sizeof s->reason, "%s: %s", l->path,
                     errno == ENOENT ? "no such file (yet)" : strerror(errno));
            s->status = WSRC_UNAVAILABLE;
            return -1;
        }
    }
    int more = read_new(l);
    if (more < 0) {
        s->status = WSRC_UNAVAILABLE;
        return -1;
    }
    /* rotated: the path names another file now. The old one is finished first (over as
     * many samples as READ_CAP needs); the new one is then read from its start. A path
     * that is gone for now keeps the old one followed. */
    struct stat st;
    if (!more && stat(l->path, &st) == 0 && (st.st_ino != l->ino || st.st_dev != l->dev)) {
        flush_partial(l);
        if (open_path(l, 0) == 0 && read_new(l) < 0) {
            s->status = WSRC_UNAVAILABLE;
            return -1;
        }
    }
    emit_all(l, t, em);
    s->status = WSRC_OK;
    return 0;
}

static void lsrc_free(wsrc *s)
{
    struct lsrc *l = (struct lsrc *)s;
    if (!l)
        return;
    for (int i = 0; i < l->npat; i++)
        regfree(&l->pat[i].re);
    free(l->pat);
    if (l->fd >= 0)
        close(l->fd);
    free(l->line);
    free(l->path);
    free(l);
}

static const struct wsrc_ops lsrc_ops = {.sample = lsrc_sample, .finish = NULL,
                                         .free = lsrc_free};

wsrc *wsrc_log_new(const struct watch_log_cfg *c, char *err, int errlen)
{
    struct lsrc *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, (size_t)errlen, "out of memory");
        return NULL;
    }
    l->fd = -1;
    l->base.ops = &lsrc_ops;
    snprintf(l->base.name, sizeof l->base.name, "log");
    snprintf(l->base.kind, sizeof l->base.kind, "log");
    if (!c->path || !*c->path) {
        snprintf(err, (size_t)errlen, "log: a path is needed");
        goto fail;
    }
    if (c->npatterns <= 0) {
        snprintf(err, (size_t)errlen, "log %s: no patterns to count", c->path);
        goto fail;
    }
    l->path = strdup(c->path);
    l->line = malloc(LINE_CAP + 1);
    l->pat = calloc((size_t)c->npatterns, sizeof *l->pat);
    if (!l->path || !l->line || !l->pat) {
        snprintf(err, (size_t)errlen, "out of memory");
        goto fail;
    }
    for (int i = 0; i < c->npatterns; i++) {
        struct lpat *p = &l->pat[i];
        const char *nm = c->names[i];
        if (!nm || !*nm || strlen(nm) >= sizeof p->name || strspn(nm,
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(nm)) {
            snprintf(err, (size_t)errlen,
                     "log %s: pattern name '%s': letters, digits, '_' and '-' (1 to %d)",
                     c->path, nm ? nm : "", (int)sizeof p->name - 1);
            goto fail;
        }
        int rc = regcomp(&p->re, c->regexes[i], REG_EXTENDED);
        if (rc != 0) {
            char rb[128];
            regerror(rc, &p->re, rb, sizeof rb);
            snprintf(err, (size_t)errlen, "log %s: pattern %s: bad regex '%s': %s", c->path,
                     nm, c->regexes[i], rb);
            goto fail;
        }
        l->npat++;
        p->has_group = p->re.re_nsub > 0;
        snprintf(p->name, sizeof p->name, "%s", nm);
        snprintf(p->key, sizeof p->key, "log.%s", nm);
        snprintf(p->vkey, sizeof p->vkey, "log.%s.value", nm);
    }
    /* a file there now is followed from its end (or start); one that appears later is
     * read whole, since everything in it is new */
    open_path(l, !c->from_start);
    return &l->base;
fail:
    lsrc_free(&l->base);
    return NULL;
}
