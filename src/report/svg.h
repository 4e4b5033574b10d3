/* svg.h — line charts drawn as standalone SVG text (axes, ticks, legend, markers): the
 * charts of report.md (as files) and report.html (inline). No scripting, no fonts
 * fetched: every chart is one self-contained <svg> element. */
#ifndef SURGE_REPORT_SVG_H
#define SURGE_REPORT_SVG_H

#include <stddef.h>

#include "util/sbuf.h"

/* One line: n points (x[i], y[i]); a NaN y breaks the line there (a gap). */
struct svg_line {
    const char *label;   /* legend text */
    const double *x, *y; /* borrowed, n each */
    size_t n;
    int right;           /* 1: plotted against the right-hand axis */
    int dashed;          /* 1: drawn dashed (a fitted curve, a reference) */
    int dots;            /* 1: a dot on every point as well (few points: levels) */
};

/* A vertical marker at x (a restart, an outage's start), labelled. */
struct svg_mark {
    double x;
    const char *label;
};

struct svg_chart {
    const char *title;
    const char *xlabel;
    const char *ylabel, *y2label; /* y2label: the right-hand axis (NULL: none); x and the
                                     right-hand axis count whole units (ticks >= 1 apart) */
    const char *yunit, *y2unit;   /* "bytes" formats ticks as KiB/MiB/GiB; else a suffix */
    const struct svg_line *lines;
    int nlines;
    const struct svg_mark *marks;
    int nmarks;
    int width, height;            /* 0: 720 x 300 */
};

/* Append the chart as one <svg> element (with the XML namespace, so it is also a valid
 * .svg file) to out. Lines with no finite point are left out of the plot but stay in the
 * legend; a chart with no finite point at all still draws its frame. The polylines are
 * written as <path class="line"> elements with a data-label attribute (and data-axis="right"
 * for the right-hand axis); the <svg> carries its scales for scripts that read values back:
 * data-sx="LEFT RIGHT XMIN XMAX", data-sy / data-sy2="BOTTOM TOP YMIN YMAX" (pixels, values).
 * @return 0, or -ENOMEM (out may hold part of the chart). */
int svg_chart_write(struct sbuf *out, const struct svg_chart *c);

/* Format v for an axis or a table: "bytes" gives "1.5 MiB", otherwise a short number
 * (3 significant digits, k/M suffixes past 10,000) followed by unit when unit is not NULL. */
void svg_fmt_value(char *buf, size_t len, double v, const char *unit);

#endif
