/* test_jpath.c — JSON paths: keys, indexes, negative indexes, quoted keys, unicode, deep
 * paths, wrong types, every compile error with its column, prefix parsing, rendering. */
#include "flow/jpath.h"
#include "unit.h"
#include "util/sbuf.h"

#include <errno.h>
#include <stdlib.h>

static const char *doc_text =
    "{\"job_id\": \"j-17\", \"n\": 42, \"data\": {\"items\": [{\"id\": 1}, {\"id\": 2},"
    " {\"id\": 3, \"tags\": [\"x\", \"y\"]}]}, \"a\": {\"b\": [0, 1, [10, 11, 12]]},"
    " \"key with.dot\": \"dotted\", \"it's\": 5, \"q\\\"k\": 6, \"\": \"empty key\","
    " \"\\u540d\\u524d\": \"name\", \"$oid\": \"abc\", \"nul\": null, \"t\": true,"
    " \"arr\": [], \"obj\": {}}";

static json_t *doc(void)
{
    json_error_t e;
    json_t *d = json_loads(doc_text, 0, &e);
    if (!d)
        printf("    bad test document: %s at %d\n", e.text, e.column);
    return d;
}

/* Look s up in d and render the result ("<missing>" when NULL, "<ERR rc col>" when the
 * path does not compile). */
static const char *get(json_t *d, const char *s)
{
    static char res[256];
    jpath *p = NULL;
    char err[128];
    int col = 0;
    int rc = jpath_compile(s, &p, err, sizeof err, &col);
    if (rc) {
        snprintf(res, sizeof res, "<ERR %d col %d: %s>", rc, col, err);
        return res;
    }
    json_t *v = jpath_get(p, d);
    struct sbuf b = SBUF_INIT;
    if (!v)
        snprintf(res, sizeof res, "<missing>");
    else if (jpath_to_string(v, &b))
        snprintf(res, sizeof res, "<to_string failed>");
    else
        snprintf(res, sizeof res, "%s", sbuf_str(&b));
    sbuf_free(&b);
    jpath_free(p);
    return res;
}

static void lookups(void)
{
    json_t *d = doc();
    const char *cases[][2] = {
        {"job_id", "j-17"},
        {"$.job_id", "j-17"},
        {"n", "42"},
        {"data.items[0].id", "1"},
        {"$.data.items[2].tags[1]", "y"},
        {"data.items[-1].id", "3"},
        {"data.items[-3].id", "1"},
        {"data.items[-1].tags[-2]", "x"},
        {"a.b[2][1]", "11"},
        {"a.b[2][-1]", "12"},
        {"[\"key with.dot\"]", "dotted"},
        {"$[\"key with.dot\"]", "dotted"},
        {"$.a['b'][0]", "0"},
        {"[\"it's\"]", "5"},
        {"['it\\'s']", "5"},
        {"['q\"k']", "6"},
        {"[\"q\\\"k\"]", "6"},
        {"[\"\"]", "empty key"},
        {"\xe5\x90\x8d\xe5\x89\x8d", "name"},
        {"[\"\xe5\x90\x8d\xe5\x89\x8d\"]", "name"},
        {"$oid", "abc"},
        {"nul", "null"},
        {"t", "true"},
        {"arr", "[]"},
        {"obj", "{}"},
        {"a", "{\"b\":[0,1,[10,11,12]]}"},
        {"data.items[2]", "{\"id\":3,\"tags\":[\"x\",\"y\"]}"},
        {"a.b", "[0,1,[10,11,12]]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_STR(get(d, cases[i][0]), cases[i][1]);
    CHECK(strncmp(get(d, "$"), "{\"job_id\":\"j-17\"", 16) == 0);
    json_decref(d);
}

static void missing(void)
{
    json_t *d = doc();
    const char *cases[] = {
        "nope",           "job_id.x",       "data.items[3]",
        "data.items[-4]", "data.items[99]", "data.items.id",
        "data[0]",        "n[0]",           "n.x",
        "arr[0]",         "arr[-1]",        "obj.x",
        "nul.x",          "a.b[2][3]",      "a.b[0][0]",
        "[\"key with\"]", "Job_id",         "data.items[0].ID",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_STR(get(d, cases[i]), "<missing>");
    json_decref(d);

    jpath *p = NULL;
    CHECK_INT(jpath_compile("a", &p, NULL, 0, NULL), 0);
    CHECK(jpath_get(p, NULL) == NULL);
    json_t *arr = json_pack("[i,i]", 1, 2);
    CHECK(jpath_get(p, arr) == NULL);
    jpath_free(p);
    CHECK_INT(jpath_compile("$[1]", &p, NULL, 0, NULL), 0);
    CHECK(jpath_get(p, arr) == json_array_get(arr, 1)); /* borrowed, same object */
    jpath_free(p);
    CHECK_INT(jpath_compile("[-2]", &p, NULL, 0, NULL), 0);
    CHECK(json_integer_value(jpath_get(p, arr)) == 1);
    jpath_free(p);
    json_decref(arr);
    jpath_free(NULL);
}

static void deep(void)
{
    /* 200 levels: {"k":{"k":...[[...{"end":7}]]}} */
    struct sbuf js = SBUF_INIT, ps = SBUF_INIT;
    for (int i = 0; i < 100; i++)
        sbuf_puts(&js, "{\"k\":[");
    sbuf_puts(&js, "{\"end\":7}");
    for (int i = 0; i < 100; i++)
        sbuf_puts(&js, "]}");
    sbuf_puts(&ps, "$");
    for (int i = 0; i < 100; i++)
        sbuf_puts(&ps, i % 2 ? ".k[-1]" : ".k[0]");
    sbuf_puts(&ps, ".end");
    json_t *d = json_loads(sbuf_str(&js), 0, NULL);
    CHECK(d != NULL);
    jpath *p = NULL;
    CHECK_INT(jpath_compile(sbuf_str(&ps), &p, NULL, 0, NULL), 0);
    CHECK_INT(jpath_depth(p), 201);
    CHECK_STR(jpath_source(p), sbuf_str(&ps));
    CHECK(json_integer_value(jpath_get(p, d)) == 7);
    jpath_free(p);
    json_decref(d);
    sbuf_free(&js);
    sbuf_free(&ps);
}

static void errors_with_columns(void)
{
    struct {
        const char *src;
        int col;
        const char *msg;
    } cases[] = {
        {"", 1, "empty path"},
        {".a", 1, "expected a name, got '.'"},
        {"a.", 3, "expected a name, got end of text"},
        {"a..b", 3, "expected a name, got '.'"},
        {"$.", 3, "expected a name"},
        {"$..a", 3, "expected a name"},
        {"a[", 3, "expected an index or a quoted key in [], got end of text"},
        {"a[]", 3, "got ']'"},
        {"a[x]", 3, "got 'x'"},
        {"a[-]", 4, "got ']'"},
        {"a[ 1]", 3, "got ' '"},
        {"a[1", 4, "expected ']' after the index, got end of text"},
        {"a[1.5]", 4, "expected ']' after the index, got '.'"},
        {"a['x", 2, "unterminated quoted key"},
        {"a[\"x\\\"]", 2, "unterminated quoted key"},
        {"a['x'", 6, "expected ']' after the quoted key"},
        {"a['x'b]", 6, "got 'b'"},
        {"a[9999999999]", 3, "index out of range"},
        {"a[-2147483648]", 3, "index out of range"},
        {"a b", 2, "unexpected ' ' in path"},
        {"a[1]x", 5, "unexpected 'x' in path"},
        {"a==1", 2, "unexpected '='"},
        {"a]", 2, "unexpected ']'"},
        {" a", 1, "expected a name, got ' '"},
        {"a\tb", 2, "unexpected byte 0x09"},
        {"=", 1, "expected a name, got '='"},
    };
    CHECK_COMPILE_ERRORS(cases, jpath, jpath_compile);
    jpath *p = NULL;
    CHECK_INT(jpath_compile("a[2147483647]", &p, NULL, 0, NULL), 0);
    jpath_free(p);
    CHECK_INT(jpath_compile("a[-2147483647]", &p, NULL, 0, NULL), 0);
    jpath_free(p);
}

static void prefix_parse(void)
{
    struct {
        const char *src;
        size_t used;
        const char *source;
    } cases[] = {
        {"status == completed", 6, "status"},
        {"a.b[0]>=3", 6, "a.b[0]"},
        {"a['x y'] exists", 8, "a['x y']"},
        {"$ exists", 1, "$"},
        {"x)", 1, "x"},
        {"x&&y", 1, "x"},
        {"x!exists", 1, "x"},
        {"data.items[-1].id", 17, "data.items[-1].id"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jpath *p = NULL;
        size_t used = 0;
        CHECK_INT(jpath_parse(cases[i].src, &used, &p, NULL, 0, NULL), 0);
        CHECK_INT(used, cases[i].used);
        if (p)
            CHECK_STR(jpath_source(p), cases[i].source);
        jpath_free(p);
    }
    jpath *p = NULL;
    size_t used = 99;
    int col = 0;
    CHECK_INT(jpath_parse("a. == 1", &used, &p, NULL, 0, &col), -EINVAL);
    CHECK_INT(col, 3);
    CHECK_INT(used, 99);
}

static const char *render(json_t *v)
{
    static char res[128];
    struct sbuf b = SBUF_INIT;
    sbuf_puts(&b, "<");
    int rc = jpath_to_string(v, &b);
    snprintf(res, sizeof res, "%s", rc ? "<ERR>" : sbuf_str(&b) + 1);
    sbuf_free(&b);
    json_decref(v);
    return res;
}

static void to_string(void)
{
    CHECK_STR(render(json_string("plain")), "plain");
    CHECK_STR(render(json_string("with \"quotes\" and \\")), "with \"quotes\" and \\");
    CHECK_STR(render(json_string("caf\xc3\xa9")), "caf\xc3\xa9");
    CHECK_STR(render(json_integer(0)), "0");
    CHECK_STR(render(json_integer(-17)), "-17");
    CHECK_STR(render(json_integer(9007199254740993LL)), "9007199254740993");
    CHECK_STR(render(json_real(3.0)), "3");
    CHECK_STR(render(json_real(-0.5)), "-0.5");
    CHECK_STR(render(json_real(0.1)), "0.1");
    CHECK_STR(render(json_real(1.0 / 3)), "0.3333333333333333");
    CHECK_STR(render(json_real(2.0 / 3)), "0.6666666666666666");
    CHECK_STR(render(json_real(123456789.125)), "123456789.125");
    CHECK_STR(render(json_real(1e300)), "1e+300");
    CHECK_STR(render(json_real(0.0)), "0");
    CHECK_STR(render(json_real(1.5e-310)), "1.5e-310");
    CHECK_STR(render(json_real(5e-324)), "5e-324");
    CHECK_STR(render(json_real(0.30000000000000004)), "0.30000000000000004");
    CHECK_STR(render(json_true()), "true");
    CHECK_STR(render(json_false()), "false");
    CHECK_STR(render(json_null()), "null");
    CHECK_STR(render(json_pack("{s:i,s:[i,s]}", "a", 1, "b", 2, "x")), "{\"a\":1,\"b\":[2,\"x\"]}");
    CHECK_STR(render(json_pack("[]")), "[]");

    struct sbuf b = SBUF_INIT;
    json_t *s = json_stringn("a\0b", 3);
    CHECK_INT(jpath_to_string(s, &b), 0);
    CHECK_INT(b.len, 3);
    CHECK(memcmp(b.buf, "a\0b", 3) == 0);
    json_decref(s);
    CHECK_INT(jpath_to_string(NULL, &b), -EINVAL);
    CHECK_INT(b.len, 3);
    sbuf_free(&b);

    /* Every real reads back exactly. */
    int ok = 1;
    double vals[] = {1e-7, 1.5e22, 123.456, 9.999999999999999e22, 0.1 + 0.2, 1e16, 2.5e-300};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        json_t *r = json_real(vals[i]);
        sbuf_reset(&b);
        jpath_to_string(r, &b);
        ok &= strtod(sbuf_str(&b), NULL) == vals[i];
        json_decref(r);
    }
    CHECK(ok);
    sbuf_free(&b);
}

int main(void)
{
    RUN(lookups);
    RUN(missing);
    RUN(deep);
    RUN(errors_with_columns);
    RUN(prefix_parse);
    RUN(to_string);
    UNIT_EXIT();
}
