/* html.c — report.html: the content backend for one self-contained HTML page. */
#include "report/html.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report/content.h"
#include "report/outfile.h"
#include "util/sbuf.h"

static const char *const style =
    "body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;"
    "color:#222}\n"
    "table{border-collapse:collapse;margin:0.5em 0 1.2em}\n"
    "th,td{border:1px solid #ccc;padding:3px 8px;font-size:13px}\n"
    "th{background:#f3f3f3}td.r{text-align:right;font-variant-numeric:tabular-nums}\n"
    "figure{margin:0.5em 0 1.5em}figcaption{font-size:12px;color:#555}\n"
    "svg.chart{max-width:100%;height:auto;border:1px solid #eee}\n"
    "#tip{position:fixed;pointer-events:none;background:#333;color:#fff;font-size:12px;"
    "padding:2px 6px;border-radius:3px;display:none}\n";

/* Hover values: under the pointer, each line's nearest point, read back from the path's
 * own coordinates and the chart's scales (data-sx, data-sy, data-sy2): no data is copied
 * into the page twice. */
static const char *const script =
    "(function(){var tip=document.getElementById('tip');\n"
    "function sc(s,a){return (s.getAttribute(a)||'0 1 0 1').split(' ').map(Number);}\n"
    "function pts(p){if(!p._pts){p._pts=[];var m=p.getAttribute('d').match(/-?[0-9.]+/g)||[];\n"
    " for(var i=0;i+1<m.length;i+=2)p._pts.push([+m[i],+m[i+1]]);}return p._pts;}\n"
    "function fmt(v){var a=Math.abs(v);return a>=100?v.toFixed(0):a>=10?v.toFixed(1):v.toFixed(2);}\n"
    "document.querySelectorAll('svg.chart').forEach(function(s){\n"
    " var sx=sc(s,'data-sx'),sy=sc(s,'data-sy'),sy2=sc(s,'data-sy2');\n"
    " s.addEventListener('mousemove',function(e){var ctm=s.getScreenCTM();if(!ctm)return;\n"
    "  var pt=s.createSVGPoint();pt.x=e.clientX;pt.y=e.clientY;pt=pt.matrixTransform(ctm.inverse());\n"
    "  if(pt.x<sx[0]||pt.x>sx[1]){tip.style.display='none';return;}\n"
    "  var xv=sx[2]+(pt.x-sx[0])/(sx[1]-sx[0])*(sx[3]-sx[2]),out=['x '+fmt(xv)];\n"
    "  s.querySelectorAll('path.line').forEach(function(p){var q=pts(p),best=null;\n"
    "   q.forEach(function(v){if(!best||Math.abs(v[0]-pt.x)<Math.abs(best[0]-pt.x))best=v;});\n"
    "   if(!best)return;var y=p.getAttribute('data-axis')==='right'?sy2:sy;\n"
    "   out.push(p.getAttribute('data-label')+' '+fmt(y[2]+(y[0]-best[1])/(y[0]-y[1])*(y[3]-y[2])));});\n"
    "  tip.textContent=out.join('  ');tip.style.display='block';\n"
    "  tip.style.left=(e.clientX+12)+'px';tip.style.top=(e.clientY+12)+'px';});\n"
    " s.addEventListener('mouseleave',function(){tip.style.display='none';});});})();\n";

struct html {
    struct sbuf out;
};


static int h_heading(void *ud, int level, const char *text)
{
    struct html *h = ud;
    sbuf_printf(&h->out, "<h%d>", level);
    sbuf_put_xml(&h->out, text);
    return sbuf_printf(&h->out, "</h%d>\n", level);
}

static int h_para(void *ud, const char *strong, const char *text)
{
    struct html *h = ud;
    sbuf_puts(&h->out, "<p>");
    if (strong) {
        sbuf_puts(&h->out, "<strong>");
        sbuf_put_xml(&h->out, strong);
        sbuf_puts(&h->out, "</strong> ");
    }
    sbuf_put_xml(&h->out, text);
    return sbuf_puts(&h->out, "</p>\n");
}

static int h_list(void *ud, const char *const *items, int n)
{
    struct html *h = ud;
    sbuf_puts(&h->out, "<ul>\n");
    for (int i = 0; i < n; i++) {
        sbuf_puts(&h->out, "<li>");
        sbuf_put_xml(&h->out, items[i]);
        sbuf_puts(&h->out, "</li>\n");
    }
    return sbuf_puts(&h->out, "</ul>\n");
}

static int h_table(void *ud, int ncols, const char *const *head, const int *right,
                   const char *const *cells, int nrows)
{
    struct html *h = ud;
    sbuf_puts(&h->out, "<table>\n<tr>");
    for (int j = 0; j < ncols; j++) {
        sbuf_puts(&h->out, "<th>");
        sbuf_put_xml(&h->out, head[j]);
        sbuf_puts(&h->out, "</th>");
    }
    sbuf_puts(&h->out, "</tr>\n");
    for (int i = 0; i < nrows; i++) {
        sbuf_puts(&h->out, "<tr>");
        for (int j = 0; j < ncols; j++) {
            sbuf_puts(&h->out, right[j] ? "<td class=\"r\">" : "<td>");
            sbuf_put_xml(&h->out, cells[i * ncols + j]);
            sbuf_puts(&h->out, "</td>");
        }
        sbuf_puts(&h->out, "</tr>\n");
    }
    return sbuf_puts(&h->out, "</table>\n");
}

static int h_chart(void *ud, const char *name, const char *title, const char *svg)
{
    struct html *h = ud;
    sbuf_printf(&h->out, "<figure id=\"chart-%s\">\n", name);
    sbuf_puts(&h->out, svg);
    sbuf_puts(&h->out, "<figcaption>");
    sbuf_put_xml(&h->out, title);
    return sbuf_puts(&h->out, "</figcaption>\n</figure>\n");
}

int html_write(const json_t *doc, const char *dir, char *err, int errlen)
{
    static const struct content_ops ops = {h_heading, h_para, h_list, h_table, h_chart};
    struct html h = {SBUF_INIT};
    const char *plan = json_string_value(json_object_get(doc, "plan"));
    sbuf_puts(&h.out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<title>surge report");
    if (plan) {
        sbuf_puts(&h.out, ": ");
        sbuf_put_xml(&h.out, plan);
    }
    sbuf_printf(&h.out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
    int rc = content_render(doc, &ops, &h);
    if (rc) {
        snprintf(err, (size_t)errlen, "cannot render the report: %s",
                 rc == -EINVAL ? "not a results document (no scenarios)" : strerror(-rc));
        sbuf_free(&h.out);
        return -1;
    }
    sbuf_printf(&h.out, "<div id=\"tip\"></div>\n<script>\n%s</script>\n</body>\n</html>\n", script);
    char path[4200];
    snprintf(path, sizeof path, "%s/report.html", dir);
    rc = outfile_write(path, sbuf_str(&h.out), h.out.len, err, errlen);
    sbuf_free(&h.out);
    return rc;
}
