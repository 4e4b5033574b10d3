/* live.c — the live terminal view: a status line in place on a TTY, plain lines elsewhere. */
#include "report/live.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/sbuf.h"
#include "util/units.h"

struct live {
    FILE *f;
    int tty;
    int shown;        /* a status line is on screen (TTY) */
    char mem[64];     /* the target's watched memory and CPU of the last second, or "" */
};

live *live_new(FILE *f, int tty)
{
    if (!f)
        return NULL;
    live *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->f = f;
    l->tty = tty < 0 ? isatty(fileno(f)) : tty;
    return l;
}

/* The target's memory: its process RSS, else its cgroup's memory, else the first
 * watched *_bytes figure; its CPU: the process's, else the cgroup's. */
void live_watch(live *l, const json_t *watch)
{
    if (!l)
        return;
    l->mem[0] = '\0';
    const json_t *mem = json_object_get(watch, "process.rss_bytes");
    if (!json_is_number(mem))
        mem = json_object_get(watch, "cgroup.memory_bytes");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)watch, k, v)
    {
        size_t n = strlen(k);
        if (!json_is_number(mem) && n > 6 && !strcmp(k + n - 6, "_bytes") && json_is_number(v))
            mem = v;
    }
    const json_t *cpu = json_object_get(watch, "process.cpu_pct");
    if (!json_is_number(cpu))
        cpu = json_object_get(watch, "cgroup.cpu_pct");
    char b[32] = "";
    if (json_is_number(mem))
        units_fmt_bytes(json_number_value(mem), b, sizeof b);
    if (json_is_number(cpu))
        snprintf(l->mem, sizeof l->mem, "%s%scpu %.0f%%", b, b[0] ? " " : "",
                 json_number_value(cpu));
    else
        snprintf(l->mem, sizeof l->mem, "%s", b);
}

static void row_text(const live *l, struct sbuf *o, const struct live_row *r, int bar)
{
    char el[32], tot[32], p95[32];
    units_fmt_us(r->elapsed_s * 1e6, el, sizeof el);
    sbuf_printf(o, "%s ", r->scenario);
    if (bar && r->done >= 0) {
        int w = 16, fill = (int)(r->done * w + 0.5);
        fill = fill < 0 ? 0 : fill > w ? w : fill;
        sbuf_putc(o, '[');
        for (int i = 0; i < w; i++)
            sbuf_putc(o, i < fill ? '#' : '-');
        sbuf_puts(o, "] ");
    }
    sbuf_puts(o, el);
    if (r->total_s > 0) {
        units_fmt_us(r->total_s * 1e6, tot, sizeof tot);
        sbuf_printf(o, "/%s", tot);
    }
    if (r->detail)
        sbuf_printf(o, " %s", r->detail);
    units_fmt_us(r->p95_ms * 1000, p95, sizeof p95);
    sbuf_printf(o, "  VUs %d  rps %.1f  p95 %s  failed %llu", r->vus, r->rps, p95,
                (unsigned long long)r->failed);
    if (r->arrival)
        sbuf_printf(o, "  dropped %llu", (unsigned long long)r->dropped);
    if (r->refused)
        sbuf_printf(o, "  refused %llu", (unsigned long long)r->refused);
    if (r->has_ws)
        sbuf_printf(o, "  ws %llu", (unsigned long long)r->ws);
    if (r->errors)
        sbuf_printf(o, "  errors %llu", (unsigned long long)r->errors);
    if (l->mem[0])
        sbuf_printf(o, "  mem %s", l->mem);
}

void live_update(live *l, uint32_t t, const struct live_row *rows, int n)
{
    if (!l || n <= 0)
        return;
    struct sbuf o = SBUF_INIT;
    if (!l->tty) {
        for (int i = 0; i < n; i++) {
            sbuf_printf(&o, "[%4us] ", t);
            row_text(l, &o, &rows[i], 0);
            sbuf_putc(&o, '\n');
        }
    } else {
        struct winsize ws;
        size_t width = ioctl(fileno(l->f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20 ? ws.ws_col : 120;
        sbuf_printf(&o, "[%4us] ", t);
        for (int i = 0; i < n; i++) {
            if (i)
                sbuf_puts(&o, " | ");
            row_text(l, &o, &rows[i], 1);
        }
        /* one line that fits: never wrap, or \r could not rewrite it */
        if (o.len > width - 1)
            sbuf_truncate(&o, width - 1);
        fputs("\r\033[K", l->f);
        l->shown = 1;
    }
    fputs(sbuf_str(&o), l->f);
    fflush(l->f);
    sbuf_free(&o);
}

void live_end(live *l)
{
    if (l && l->tty && l->shown) {
        fputc('\n', l->f);
        fflush(l->f);
        l->shown = 0;
    }
}

void live_note(live *l, const char *msg)
{
    if (!l)
        return;
    if (l->tty && l->shown) {
        fputs("\r\033[K", l->f); /* the status line comes back with the next update */
        l->shown = 0;
    }
    fprintf(l->f, "%s\n", msg);
    fflush(l->f);
}

void live_free(live *l)
{
    free(l);
}
