/* markdown.c — report.md and its charts (charts/NAME.svg): the content backend for Markdown. */
#include "report/markdown.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report/content.h"
#include "report/outfile.h"
#include "util/sbuf.h"

struct md {
    struct sbuf out;
    const char *dir;
    char *err;
    int errlen;
};

/* Table-cell and inline text: '|' escaped, line breaks flattened, Markdown's emphasis
 * characters escaped so names like a_b_c render as written. */
static int put_inline(struct sbuf *o, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\n' || *s == '\r')
            sbuf_putc(o, ' ');
        else if (strchr("|*_`[]<>\\", *s)) {
            sbuf_putc(o, '\\');
            sbuf_putc(o, *s);
        } else
            sbuf_putc(o, *s);
    }
    return 0;
}

static int md_heading(void *ud, int level, const char *text)
{
    struct md *m = ud;
    sbuf_printf(&m->out, "%.*s ", level, "###");
    put_inline(&m->out, text);
    return sbuf_puts(&m->out, "\n\n");
}

static int md_para(void *ud, const char *strong, const char *text)
{
    struct md *m = ud;
    if (strong) {
        sbuf_puts(&m->out, "**");
        put_inline(&m->out, strong);
        sbuf_puts(&m->out, "** ");
    }
    put_inline(&m->out, text);
    return sbuf_puts(&m->out, "\n\n");
}

static int md_list(void *ud, const char *const *items, int n)
{
    struct md *m = ud;
    for (int i = 0; i < n; i++) {
        sbuf_puts(&m->out, "- ");
        put_inline(&m->out, items[i]);
        sbuf_putc(&m->out, '\n');
    }
    return sbuf_putc(&m->out, '\n');
}

static int md_table(void *ud, int ncols, const char *const *head, const int *right,
                    const char *const *cells, int nrows)
{
    struct md *m = ud;
    sbuf_putc(&m->out, '|');
    for (int j = 0; j < ncols; j++) {
        sbuf_putc(&m->out, ' ');
        put_inline(&m->out, head[j]);
        sbuf_puts(&m->out, " |");
    }
    sbuf_puts(&m->out, "\n|");
    for (int j = 0; j < ncols; j++)
        sbuf_puts(&m->out, right[j] ? "---:|" : "---|");
    sbuf_putc(&m->out, '\n');
    for (int i = 0; i < nrows; i++) {
        sbuf_putc(&m->out, '|');
        for (int j = 0; j < ncols; j++) {
            sbuf_putc(&m->out, ' ');
            put_inline(&m->out, cells[i * ncols + j]);
            sbuf_puts(&m->out, " |");
        }
        sbuf_putc(&m->out, '\n');
    }
    return sbuf_putc(&m->out, '\n');
}

static int md_chart(void *ud, const char *name, const char *title, const char *svg)
{
    struct md *m = ud;
    char path[4400];
    snprintf(path, sizeof path, "%s/charts/%s.svg", m->dir, name);
    if (outfile_write(path, svg, strlen(svg), m->err, m->errlen))
        return -EIO;
    sbuf_puts(&m->out, "![");
    put_inline(&m->out, title);
    sbuf_printf(&m->out, "](charts/%s.svg)\n\n", name);
    return 0;
}

int markdown_write(const json_t *doc, const char *dir, char *err, int errlen)
{
    static const struct content_ops ops = {md_heading, md_para, md_list, md_table, md_chart};
    struct md m = {SBUF_INIT, dir, err, errlen};
    char path[4200];
    err[0] = '\0';
    snprintf(path, sizeof path, "%s/charts", dir);
    if (outfile_mkdir_p(path)) {
        snprintf(err, (size_t)errlen, "cannot create '%s': %s", path, strerror(errno));
        return -1;
    }
    int rc = content_render(doc, &ops, &m);
    if (rc) {
        if (!err[0])
            snprintf(err, (size_t)errlen, "cannot render the report: %s",
                     rc == -EINVAL ? "not a results document (no scenarios)" : strerror(-rc));
        sbuf_free(&m.out);
        return -1;
    }
    snprintf(path, sizeof path, "%s/report.md", dir);
    /* one trailing newline, not two */
    if (m.out.len > 1 && !strcmp(sbuf_str(&m.out) + m.out.len - 2, "\n\n"))
        sbuf_truncate(&m.out, m.out.len - 1);
    rc = outfile_write(path, sbuf_str(&m.out), m.out.len, err, errlen);
    sbuf_free(&m.out);
    return rc;
}
