/* svg.c — line charts as SVG text: scales, "nice" ticks, polylines, legend, markers. */
#include "report/svg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                      "#9467bd", "#8c564b", "#e377c2", "#17becf"};
#define NPALETTE ((int)(sizeof palette / sizeof palette[0]))

void svg_fmt_value(char *buf, size_t len, double v, const char *unit)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "-");
        return;
    }
    if (unit && !strcmp(unit, "bytes")) {
        static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        double a = fabs(v);
        int i = 0;
        while (a >= 1024 && i < 4) {
            a /= 1024;
            v /= 1024;
            i++;
        }
        if (i == 0)
            snprintf(buf, len, "%.0f B", v);
        else
            snprintf(buf, len, "%.*f %s", fabs(v) < 10 ? 2 : fabs(v) < 100 ? 1 : 0, v, u[i]);
        return;
    }
    const char *sfx = "";
    double a = fabs(v);
    if (a >= 1e9) {
        v /= 1e9;
        sfx = "G";
    } else if (a >= 1e6) {
        v /= 1e6;
        sfx = "M";
    } else if (a >= 1e4) {
        v /= 1e3;
        sfx = "k";
    }
    a = fabs(v);
    int dec = a == 0 || a >= 100 || v == floor(v) ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    snprintf(buf, len, "%.*f%s%s%s", dec, v, sfx, unit && *unit && strcmp(unit, "%") ? " " : "",
             unit ? unit : "");
}

/* A tick step of 1, 2 or 5 times a power of ten giving about `want` intervals. */
static double nice_step(double span, int want)
{
    if (!(span > 0))
        return 1;
    double raw = span / want, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

struct range {
    double lo, hi;
    int any;
};

static void range_add(struct range *r, double v)
{
    if (!isfinite(v))
        return;
    if (!r->any) {
        r->lo = r->hi = v;
        r->any = 1;
    }
    if (v < r->lo)
        r->lo = v;
    if (v > r->hi)
        r->hi = v;
}

/* Y ranges start at 0 for non-negative data and end on a tick. */
static void range_nice_y(struct range *r, double *step)
{
    if (!r->any) {
        r->lo = 0;
        r->hi = 1;
    }
    if (r->lo > 0)
        r->lo = 0;
    if (r->hi <= r->lo)
        r->hi = r->lo + 1;
    *step = nice_step(r->hi - r->lo, 5);
    r->lo = floor(r->lo / *step) * *step;
    r->hi = ceil(r->hi / *step) * *step;
}


int svg_chart_write(struct sbuf *o, const struct svg_chart *c)
{
    int W = c->width > 0 ? c->width : 720, H = c->height > 0 ? c->height : 300;
    int has2 = c->y2label != NULL;
    double L = 64, R = W - (has2 ? 64 : 16), T = 30, B = H - 58;
    struct range xr = {0}, yr = {0}, y2r = {0};
    for (int i = 0; i < c->nlines; i++) {
        const struct svg_line *ln = &c->lines[i];
        for (size_t k = 0; k < ln->n; k++) {
            if (!isfinite(ln->y[k]))
                continue;
            range_add(&xr, ln->x[k]);
            range_add(ln->right ? &y2r : &yr, ln->y[k]);
        }
    }
    for (int i = 0; i < c->nmarks; i++)
        range_add(&xr, c->marks[i].x);
    if (!xr.any) {
        xr.lo = 0;
        xr.hi = 1;
    }
    if (xr.hi <= xr.lo)
        xr.hi = xr.lo + 1;
    double ystep, y2step, xstep = nice_step(xr.hi - xr.lo, 8);
    range_nice_y(&yr, &ystep);
    range_nice_y(&y2r, &y2step);
    /* x (seconds, VUs) and the right-hand axis (VUs) count whole units */
    if (xstep < 1)
        xstep = 1;
    if (y2step < 1) {
        y2step = 1;
        y2r.hi = ceil(y2r.hi);
    }
    size_t start = o->len;
#define SX(v) (L + ((v) - xr.lo) / (xr.hi - xr.lo) * (R - L))
#define SY(r, v) (B - ((v) - (r).lo) / ((r).hi - (r).lo) * (B - T))
    sbuf_printf(o,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\" "
                "class=\"chart\" data-sx=\"%.1f %.1f %.9g %.9g\" data-sy=\"%.1f %.1f %.9g %.9g\" "
                "data-sy2=\"%.1f %.1f %.9g %.9g\">\n",
                W, H, W, H, L, R, xr.lo, xr.hi, B, T, yr.lo, yr.hi, B, T, y2r.lo, y2r.hi);
    sbuf_printf(o, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", W, H);
    sbuf_printf(o, "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">", (int)L);
    sbuf_put_xml(o, c->title);
    sbuf_puts(o, "</text>\n");
    /* grid and y ticks */
    char b[64];
    for (double v = yr.lo; v <= yr.hi + ystep / 2; v += ystep) {
        double y = SY(yr, v);
        sbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n",
                    L, y, R, y);
        svg_fmt_value(b, sizeof b, fabs(v) < ystep / 1e6 ? 0 : v, c->yunit);
        sbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", L - 4, y + 4);
        sbuf_put_xml(o, b);
        sbuf_puts(o, "</text>\n");
    }
    if (has2) {
        for (double v = y2r.lo; v <= y2r.hi + y2step / 2; v += y2step) {
            svg_fmt_value(b, sizeof b, fabs(v) < y2step / 1e6 ? 0 : v, c->y2unit);
            sbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\">", R + 4, SY(y2r, v) + 4);
            sbuf_put_xml(o, b);
            sbuf_puts(o, "</text>\n");
        }
    }
    for (double v = ceil(xr.lo / xstep) * xstep; v <= xr.hi + xstep / 1e6; v += xstep) {
        double x = SX(v);
        sbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#f0f0f0\"/>\n",
                    x, T, x, B);
        svg_fmt_value(b, sizeof b, fabs(v) < xstep / 1e6 ? 0 : v, NULL);
        sbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x, B + 14,
                    b);
    }
    sbuf_printf(o,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                "stroke=\"#999\"/>\n",
                L, T, R - L, B - T);
    if (c->xlabel) {
        sbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (L + R) / 2, B + 28);
        sbuf_put_xml(o, c->xlabel);
        sbuf_puts(o, "</text>\n");
    }
    if (c->ylabel) {
        sbuf_printf(o,
                    "<text x=\"12\" y=\"%.1f\" text-anchor=\"middle\" "
                    "transform=\"rotate(-90 12 %.1f)\">",
                    (T + B) / 2, (T + B) / 2);
        sbuf_put_xml(o, c->ylabel);
        sbuf_puts(o, "</text>\n");
    }
    if (has2) {
        sbuf_printf(o,
                    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\" "
                    "transform=\"rotate(90 %d %.1f)\">",
                    W - 10, (T + B) / 2, W - 10, (T + B) / 2);
        sbuf_put_xml(o, c->y2label);
        sbuf_puts(o, "</text>\n");
    }
    /* markers */
    for (int i = 0; i < c->nmarks; i++) {
        double x = SX(c->marks[i].x);
        sbuf_printf(o,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
                    "stroke-dasharray=\"2 3\"/>\n<text x=\"%.1f\" y=\"%.1f\" fill=\"#555\">",
                    x, T, x, B, x + 3, T + 11 + 11 * (i % 3));
        sbuf_put_xml(o, c->marks[i].label);
        sbuf_puts(o, "</text>\n");
    }
    /* lines */
    for (int i = 0; i < c->nlines; i++) {
        const struct svg_line *ln = &c->lines[i];
        const struct range *r = ln->right ? &y2r : &yr;
        const char *col = palette[i % NPALETTE];
        sbuf_puts(o, "<path class=\"line\" data-label=\"");
        sbuf_put_xml(o, ln->label);
        sbuf_printf(o, "\"%s fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s d=\"",
                    ln->right ? " data-axis=\"right\"" : "", col,
                    ln->dashed ? " stroke-dasharray=\"6 4\"" : "");
        int pen = 0;
        for (size_t k = 0; k < ln->n; k++) {
            if (!isfinite(ln->y[k])) {
                pen = 0;
                continue;
            }
            sbuf_printf(o, "%c%.1f %.1f", pen ? 'L' : 'M', SX(ln->x[k]), SY(*r, ln->y[k]));
            pen = 1;
        }
        sbuf_puts(o, "\"/>\n");
        if (ln->dots)
            for (size_t k = 0; k < ln->n; k++)
                if (isfinite(ln->y[k]))
                    sbuf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                                SX(ln->x[k]), SY(*r, ln->y[k]), col);
    }
    /* legend */
    double lx = L;
    for (int i = 0; i < c->nlines; i++) {
        const char *col = palette[i % NPALETTE];
        sbuf_printf(o,
                    "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>"
                    "<text x=\"%.1f\" y=\"%d\">",
                    lx, H - 14, col, lx + 16, H - 10);
        sbuf_put_xml(o, c->lines[i].label);
        if (c->lines[i].right)
            sbuf_puts(o, " (right)");
        sbuf_puts(o, "</text>\n");
        lx += 24 + 6.5 * (double)(strlen(c->lines[i].label ? c->lines[i].label : "") +
                                  (c->lines[i].right ? 8 : 0));
    }
#undef SX
#undef SY
    if (sbuf_puts(o, "</svg>\n"))
        return -ENOMEM;
    /* sbuf_printf failures leave the buffer unchanged, so a short chart means memory ran out:
     * check the buffer grew by at least the frame. */
    return o->len > start ? 0 : -ENOMEM;
}
