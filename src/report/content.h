/* content.h — what a capacity report says, in order, from a results document (schema
 * surge.results/2, docs/model.md): headings, paragraphs, tables, lists and charts handed
 * to a backend (Markdown, HTML), so every report format shows the same content. */
#ifndef SURGE_REPORT_CONTENT_H
#define SURGE_REPORT_CONTENT_H

#include <jansson.h>

/* A backend. Text is plain (the backend escapes it). Each callback returns 0 or a
 * negative errno value, which stops the rendering and is returned by content_render. */
struct content_ops {
    int (*heading)(void *ud, int level, const char *text); /* level 1..3 */
    int (*para)(void *ud, const char *strong, const char *text); /* strong: a bold lead-in or NULL */
    int (*list)(void *ud, const char *const *items, int n);
    /* A table of nrows rows of ncols cells, row-major; right[i]: column i is numeric. */
    int (*table)(void *ud, int ncols, const char *const *head, const int *right,
                 const char *const *cells, int nrows);
    /* A chart: name is a file-name-safe identifier unique in the report ("ramp-rps"),
     * title its caption, svg one complete <svg> element. */
    int (*chart)(void *ud, const char *name, const char *title, const char *svg);
};

/* Render the report of doc through ops. Sections whose data is absent from the document
 * are left out. @return 0, -EINVAL when doc has no "scenarios" array, -ENOMEM, or the first
 * backend error. */
int content_render(const json_t *doc, const struct content_ops *ops, void *ud);

#endif
