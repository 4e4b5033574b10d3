/* yaml_util.h — a YAML file read into a small tree of nodes that know their 1-based
 * line and column (libfyaml's event parser underneath), plus the scalar conversions
 * and the YAML-to-JSON conversion the plan loader needs. */
#ifndef SURGE_PLAN_YAML_UTIL_H
#define SURGE_PLAN_YAML_UTIL_H

#include <stddef.h>
#include <stdint.h>

enum ynode_kind { YN_SCALAR, YN_MAP, YN_SEQ };

/* One node. Aliases (*name) are resolved to the anchored node itself, so the tree is
 * a DAG: a node may be reached twice, never from inside itself. All nodes belong to
 * their yaml_doc and die with it. */
struct ynode {
    enum ynode_kind kind;
    int line, col; /* 1-based, where the node starts ('{', '-', a key, a quote) */
    /* YN_SCALAR */
    char *str;  /* NUL-terminated text (it may also hold NULs: see len) */
    size_t len; /* bytes at str */
    int plain;  /* 1: plain style (null/true/numbers are read from these only) */
    int quoted; /* 1: '...' or "..." (line/col are then the first character's,
                   inside the quotes) */
    /* YN_MAP: key i is items[2i], its value items[2i+1]; YN_SEQ: item i is items[i] */
    struct ynode **items;
    int n;              /* pairs (YN_MAP) or items (YN_SEQ) */
    int cap;            /* slots allocated in items */
    struct ynode *next; /* the document's list of every node, for freeing */
};

struct yaml_doc {
    struct ynode *root; /* NULL for an empty file */
    struct ynode *all;  /* every node, linked through next */
    struct yaml_anchor *anchors;
    int nanchors;
};

/* Called for each problem found while reading: a 1-based position and a message. */
typedef void (*yaml_err_fn)(void *ud, int line, int col, const char *msg);

/* Read `path`: YAML syntax errors (libfyaml's own messages and positions), duplicate
 * keys, non-scalar keys, undefined aliases, several documents in one file, and an
 * unreadable file (reported at line 0) all go to err().
 * @return 0 and *out (the root may be NULL for an empty file), or -1 after reporting
 * at least one error (*out untouched). */
int yaml_doc_load(const char *path, yaml_err_fn err, void *ud, struct yaml_doc **out);

/* Free a document and all its nodes; NULL is fine. */
void yaml_doc_free(struct yaml_doc *d);

/* Value of the pair with key `key` in a mapping, or NULL. */
struct ynode *yaml_map_get(const struct ynode *map, const char *key);

/* "a mapping", "a list", "a string", "a number", "true/false" or "null": for
 * "expected X, got Y" messages. */
const char *yaml_kind_name(const struct ynode *n);

/* Plain scalar "", "~", "null" (any case of Null/NULL). */
int yaml_is_null(const struct ynode *n);

/* Plain true/false (also True/TRUE/False/FALSE). @return 0 and *out, or -1. */
int yaml_get_bool(const struct ynode *n, int *out);

/* A decimal integer (optional '-' sign), plain or quoted. @return 0 and *out, or -1. */
int yaml_get_int(const struct ynode *n, long long *out);

/* A finite decimal number (integer or with fraction/exponent). @return 0 and *out, or -1. */
int yaml_get_number(const struct ynode *n, double *out);

/* Convert to a jansson json_t * (returned as void * to keep jansson out of this
 * header): mappings become objects (in order), lists arrays, plain null/true/false/
 * numbers those JSON types, every other scalar a string. *budget is decremented per
 * node visited (aliases can make a small file a huge tree); NULL is returned when it
 * runs out, when nesting goes deeper than 256, or when memory runs out. */
void *yaml_to_json(const struct ynode *n, long *budget);

#endif
