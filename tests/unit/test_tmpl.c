/* test_tmpl.c — templates: literals and escapes, variables, env, built-ins, random bounds,
 * uuid v4 format, every compile error with its column, expansion failures. */
#include "plan/tmpl.h"
#include "unit.h"
#include "util/sbuf.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

/* Variables for the tests: name=value pairs; "bin" holds a NUL byte. */
static const char *lookup(void *ud, const char *name, size_t *len)
{
    (void)ud;
    static const char *const vars[][2] = {{"id", "42"}, {"user", "ann"}, {"empty", ""}};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (!strcmp(name, vars[i][0])) {
            *len = strlen(vars[i][1]);
            return vars[i][1];
        }
    if (!strcmp(name, "bin")) {
        *len = 3;
        return "a\0b";
    }
    return NULL;
}

/* The jar for ${cookie.NAME}: sid=s1 anywhere, csrftoken=T0k3n, and "p" only at /api
 * (p=api) or any path (p=root first, as the jar sends longer paths first: here /api). */
static const char *cookie(void *ud, const char *name, const char *path, size_t *len)
{
    (void)ud;
    const char *v = NULL;
    if (!strcmp(name, "sid"))
        v = "s1";
    else if (!strcmp(name, "csrftoken"))
        v = "T0k3n";
    else if (!strcmp(name, "a.b-c"))
        v = "dots";
    else if (!strcmp(name, "p"))
        v = !path ? "api" : !strncmp(path, "/api", 4) ? "api" : "root";
    if (v)
        *len = strlen(v);
    return v;
}

static uint64_t seed = 12345;
static struct tmpl_ctx ctx = {lookup, NULL, 7, 3, &seed, 1700000000123, cookie};

/* Compile and expand s; returns the expansion in a static buffer, or "<ERR n>". */
static const char *expand(const char *s)
{
    static char res[512];
    tmpl *t = NULL;
    char err[128];
    int col = -1;
    int rc = tmpl_compile(s, &t, err, sizeof err, &col);
    if (rc) {
        snprintf(res, sizeof res, "<COMPILE %d col %d: %s>", rc, col, err);
        return res;
    }
    struct sbuf b = SBUF_INIT;
    rc = tmpl_expand(t, &ctx, &b);
    if (rc)
        snprintf(res, sizeof res, "<ERR %d>", rc);
    else
        snprintf(res, sizeof res, "%s", sbuf_str(&b));
    sbuf_free(&b);
    tmpl_free(t);
    return res;
}

static void literals_and_escapes(void)
{
    const char *cases[][2] = {
        {"", ""},
        {"hello", "hello"},
        {"a$$b", "a$b"},
        {"$$", "$"},
        {"$$$$", "$$"},
        {"$", "$"},
        {"cost $5", "cost $5"},
        {"end$", "end$"},
        {"$x{y}", "$x{y}"},
        {"$$${id}", "$42"},
        {"$${id}", "${id}"},
        {"{}", "{}"},
        {"}${id}{", "}42{"},
        {"h\xc3\xa9llo ${user}", "h\xc3\xa9llo ann"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_STR(expand(cases[i][0]), cases[i][1]);
}

static void literal_fast_path(void)
{
    tmpl *t = NULL;
    CHECK_INT(tmpl_compile("a$$b $c", &t, NULL, 0, NULL), 0);
    CHECK(tmpl_is_literal(t));
    CHECK_STR(tmpl_literal(t), "a$b $c");
    CHECK_INT(tmpl_literal_len(t), 6);
    CHECK_INT(tmpl_var_count(t), 0);
    CHECK(!tmpl_uses_rng(t));
    tmpl_free(t);

    CHECK_INT(tmpl_compile("x${id}", &t, NULL, 0, NULL), 0);
    CHECK(!tmpl_is_literal(t));
    CHECK(tmpl_literal(t) == NULL);
    tmpl_free(t);

    CHECK_INT(tmpl_compile("$$${id}", &t, NULL, 0, NULL), 0);
    CHECK(!tmpl_is_literal(t));
    tmpl_free(t);
    tmpl_free(NULL);
}

static void variables(void)
{
    CHECK_STR(expand("/users/${id}/orders?u=${user}"), "/users/42/orders?u=ann");
    CHECK_STR(expand("${id}${id}${user}"), "4242ann");
    CHECK_STR(expand("[${empty}]"), "[]");
    CHECK_STR(expand("${ id }"), "42");
    CHECK_STR(expand("${\tid\t}"), "42");
    CHECK_STR(expand("${_x}"), "<ERR -2>");

    tmpl *t = NULL;
    CHECK_INT(
        tmpl_compile("${b}${a}${b}${env.HOME}${vu}${a}${env.HOME}${env.X_1}", &t, NULL, 0, NULL),
        0);
    CHECK_INT(tmpl_var_count(t), 2);
    CHECK_STR(tmpl_var_name(t, 0), "b");
    CHECK_STR(tmpl_var_name(t, 1), "a");
    CHECK(tmpl_var_name(t, 2) == NULL);
    CHECK(tmpl_var_name(t, -1) == NULL);
    CHECK_INT(tmpl_env_count(t), 2);
    CHECK_STR(tmpl_env_name(t, 0), "HOME");
    CHECK_STR(tmpl_env_name(t, 1), "X_1");
    CHECK(tmpl_env_name(t, 2) == NULL);
    tmpl_free(t);
}

static void binary_values(void)
{
    tmpl *t = NULL;
    struct sbuf b = SBUF_INIT;
    CHECK_INT(tmpl_compile("<${bin}>", &t, NULL, 0, NULL), 0);
    CHECK_INT(tmpl_expand(t, &ctx, &b), 0);
    CHECK_INT(b.len, 5);
    CHECK(memcmp(b.buf, "<a\0b>", 5) == 0);
    sbuf_free(&b);
    tmpl_free(t);
}

static void undefined_names(void)
{
    tmpl *t = NULL;
    struct sbuf b = SBUF_INIT;
    sbuf_puts(&b, "GET ");
    CHECK_INT(tmpl_compile("/a/${id}/${nope}/${user}", &t, NULL, 0, NULL), 0);
    CHECK_INT(tmpl_expand(t, &ctx, &b), -ENOENT);
    CHECK_STR(sbuf_str(&b), "GET "); /* truncated back to its length on entry */
    CHECK_STR(tmpl_first_undefined(t, &ctx), "nope");
    struct tmpl_ctx nolookup = ctx;
    nolookup.lookup = NULL;
    CHECK_INT(tmpl_expand(t, &nolookup, &b), -ENOENT);
    CHECK_STR(tmpl_first_undefined(t, &nolookup), "id");
    tmpl_free(t);

    unsetenv("SURGE_TMPL_UNSET");
    CHECK_INT(tmpl_compile("${id}${env.SURGE_TMPL_UNSET}", &t, NULL, 0, NULL), 0);
    CHECK_INT(tmpl_expand(t, &ctx, &b), -ENOENT);
    CHECK_STR(tmpl_first_undefined(t, &ctx), "env.SURGE_TMPL_UNSET");
    setenv("SURGE_TMPL_UNSET", "now set", 1);
    CHECK(tmpl_first_undefined(t, &ctx) == NULL);
    sbuf_reset(&b);
    CHECK_INT(tmpl_expand(t, &ctx, &b), 0);
    CHECK_STR(sbuf_str(&b), "42now set");
    unsetenv("SURGE_TMPL_UNSET");
    tmpl_free(t);
    sbuf_free(&b);
}

static void env(void)
{
    setenv("SURGE_TMPL_TOKEN", "s3cr$t", 1);
    CHECK_STR(expand("Bearer ${env.SURGE_TMPL_TOKEN}"), "Bearer s3cr$t");
    CHECK_STR(expand("${ env.SURGE_TMPL_TOKEN }"), "s3cr$t");
    setenv("SURGE_TMPL_EMPTY", "", 1);
    CHECK_STR(expand("[${env.SURGE_TMPL_EMPTY}]"), "[]");
    unsetenv("SURGE_TMPL_TOKEN");
    unsetenv("SURGE_TMPL_EMPTY");
}

static void builtins(void)
{
    CHECK_STR(expand("vu=${vu} it=${iteration} ts=${timestamp}"), "vu=7 it=3 ts=1700000000123");
    struct tmpl_ctx big = ctx;
    big.vu = UINT64_MAX;
    big.now_ms = 0; /* read the clock */
    tmpl *t = NULL;
    struct sbuf b = SBUF_INIT;
    CHECK_INT(tmpl_compile("${vu} ${timestamp}", &t, NULL, 0, NULL), 0);
    CHECK_INT(tmpl_expand(t, &big, &b), 0);
    CHECK(!strncmp(sbuf_str(&b), "18446744073709551615 1", 22)); /* 1... until 2033 */
    CHECK_INT(b.len, 20 + 1 + 13);
    CHECK(!tmpl_uses_rng(t));
    tmpl_free(t);
    sbuf_free(&b);
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void uuid_v4(void)
{
    tmpl *t = NULL;
    struct sbuf b = SBUF_INIT;
    CHECK_INT(tmpl_compile("${uuid}", &t, NULL, 0, NULL), 0);
    CHECK(tmpl_uses_rng(t));
    char prev[37] = "";
    int ok = 1, distinct = 1;
    for (int i = 0; i < 1000; i++) {
        sbuf_reset(&b);
        CHECK_INT(tmpl_expand(t, &ctx, &b), 0);
        const char *u = sbuf_str(&b);
        ok &= b.len == 36;
        for (int j = 0; j < 36 && ok; j++)
            ok &= (j == 8 || j == 13 || j == 18 || j == 23) ? u[j] == '-' : is_hex(u[j]);
        ok &= u[14] == '4';
        ok &= u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b';
        distinct &= strcmp(prev, u) != 0;
        snprintf(prev, sizeof prev, "%s", u);
    }
    CHECK(ok);
    CHECK(distinct);
    struct tmpl_ctx norng = ctx;
    norng.rng = NULL;
    sbuf_reset(&b);
    CHECK_INT(tmpl_expand(t, &norng, &b), -EINVAL);
    CHECK_INT(b.len, 0);
    tmpl_free(t);
    sbuf_free(&b);
}

/* Draw n values of random(a,b); check bounds and (for small spans) that every value shows. */
static void draws(const char *src, long long a, long long b, int n)
{
    tmpl *t = NULL;
    struct sbuf out = SBUF_INIT;
    CHECK_INT(tmpl_compile(src, &t, NULL, 0, NULL), 0);
    if (!t)
        return;
    int seen[64] = {0}, in_range = 1;
    unsigned long long span = (unsigned long long)b - (unsigned long long)a;
    for (int i = 0; i < n; i++) {
        sbuf_reset(&out);
        CHECK_INT(tmpl_expand(t, &ctx, &out), 0);
        char *end;
        errno = 0;
        long long v = strtoll(sbuf_str(&out), &end, 10);
        in_range &= !errno && !*end && v >= a && v <= b;
        if (span < 64 && v >= a && v <= b)
            seen[v - a]++;
    }
    CHECK(in_range);
    if (span < 64)
        for (unsigned long long i = 0; i <= span; i++)
            CHECK(seen[i] > n / (int)(span + 1) / 2); /* roughly uniform */
    tmpl_free(t);
    sbuf_free(&out);
}

static void random_bounds(void)
{
    draws("${random(1,6)}", 1, 6, 6000);
    draws("${random(-3,3)}", -3, 3, 7000);
    draws("${random(-5,-5)}", -5, -5, 100);
    draws("${random( 0 , 1 )}", 0, 1, 2000);
    draws("${random(-9223372036854775808,9223372036854775807)}", INT64_MIN, INT64_MAX, 1000);
    draws("${random(9223372036854775806,9223372036854775807)}", INT64_MAX - 1, INT64_MAX, 1000);
    draws("${random(1000000,1000000000)}", 1000000, 1000000000, 1000);

    /* The same seed gives the same sequence: no hidden global state. */
    uint64_t s1 = 99, s2 = 99;
    struct tmpl_ctx c1 = ctx, c2 = ctx;
    c1.rng = &s1, c2.rng = &s2;
    tmpl *t = NULL;
    struct sbuf a = SBUF_INIT, b = SBUF_INIT;
    CHECK_INT(tmpl_compile("${random(0,1000000)}-${uuid}", &t, NULL, 0, NULL), 0);
    CHECK_INT(tmpl_expand(t, &c1, &a), 0);
    CHECK_INT(tmpl_expand(t, &c2, &b), 0);
    CHECK_STR(sbuf_str(&a), sbuf_str(&b));
    CHECK(s1 == s2 && s1 != 99);
    tmpl_free(t);
    sbuf_free(&a);
    sbuf_free(&b);
}

static void appends_to_out(void)
{
    tmpl *t = NULL;
    struct sbuf b = SBUF_INIT;
    sbuf_puts(&b, "GET ");
    CHECK_INT(tmpl_compile("/u/${id}", &t, NULL, 0, NULL), 0);
    CHECK_INT(tmpl_expand(t, &ctx, &b), 0);
    CHECK_INT(tmpl_expand(t, &ctx, &b), 0);
    CHECK_STR(sbuf_str(&b), "GET /u/42/u/42");
    tmpl_free(t);
    CHECK_INT(tmpl_compile("lit", &t, NULL, 0, NULL), 0);
    CHECK_INT(tmpl_expand(t, &ctx, &b), 0);
    CHECK_STR(sbuf_str(&b), "GET /u/42/u/42lit");
    tmpl_free(t);
    sbuf_free(&b);
}

static void errors_with_columns(void)
{
    struct {
        const char *src;
        int col;
        const char *msg; /* a substring of the message */
    } cases[] = {
        {"abc${", 4, "unterminated ${"},
        {"${x", 1, "unterminated ${"},
        {"${x ", 1, "unterminated ${"},
        {"${random(1,2)", 1, "unterminated ${"},
        {"a${}", 2, "empty ${}"},
        {"${ }", 1, "empty ${}"},
        {"${1a}", 3, "expected a name in ${...}, got '1'"},
        {"${${x}}", 3, "got '$'"},
        {"${-}", 3, "got '-'"},
        {"${a-b}", 4, "expected '}' to close ${, got '-'"},
        {"${x y}", 5, "got 'y'"},
        {"${x\n}", 4, "got byte 0x0a"},
        {"${\xc3\xa9}", 3, "got byte 0xc3"},
        {"${a.b}", 4, "'.' is only allowed in env.NAME"},
        {"${data.items}", 7, "'.' is only allowed"},
        {"${env}", 6, "env needs a name"},
        {"${env.}", 7, "expected a name after 'env.', got '}'"},
        {"${env.1}", 7, "after 'env.'"},
        {"${env.A.B}", 8, "expected '}' to close ${, got '.'"},
        {"${foo(1,2)}", 3, "unknown function 'foo'"},
        {"${uuid()}", 3, "unknown function 'uuid'"},
        {"${random}", 9, "random needs bounds"},
        {"${random(1)}", 11, "expected ',' in random(A,B), got ')'"},
        {"${random(a,2)}", 10, "random(A,B) wants integers, got 'a'"},
        {"${random(1,)}", 12, "wants integers"},
        {"${random(1,2}", 13, "expected ')' in random(A,B), got '}'"},
        {"${random(1,2,3)}", 13, "expected ')'"},
        {"${random(5,1)}", 10, "random(A,B) needs A <= B"},
        {"${random( -1 , -2 )}", 11, "A <= B"},
        {"${random(1.5,2)}", 11, "expected ','"},
        {"${random(--1,2)}", 11, "wants integers"},
        {"${random(+1,2)}", 10, "wants integers"},
        {"${random(99999999999999999999,1)}", 10, "integer out of range"},
        {"${random(0,9223372036854775808)}", 12, "integer out of range"},
        {"${random(-9223372036854775809,0)}", 10, "integer out of range"},
        {"ok ${a} then ${", 14, "unterminated"},
        {"${id}}${", 7, "unterminated"},
    };
    CHECK_COMPILE_ERRORS(cases, tmpl, tmpl_compile);
}

static void error_buffer_edges(void)
{
    tmpl *t = NULL;
    char err[8];
    int col = 0;
    CHECK_INT(tmpl_compile("${", &t, err, sizeof err, &col), -EINVAL);
    CHECK_INT((int)strlen(err), 7); /* truncated, terminated */
    CHECK_INT(tmpl_compile("${", &t, NULL, 0, NULL), -EINVAL);
    CHECK_INT(tmpl_compile("${", &t, err, 0, &col), -EINVAL);
    CHECK(t == NULL);
    /* A message is reset on success. */
    char e2[64] = "stale";
    CHECK_INT(tmpl_compile("ok", &t, e2, sizeof e2, &col), 0);
    CHECK_STR(e2, "");
    tmpl_free(t);
}

static void cookies(void)
{
    CHECK_STR(expand("${cookie.csrftoken}"), "T0k3n");
    CHECK_STR(expand("X ${ cookie.sid } Y"), "X s1 Y");
    CHECK_STR(expand("${cookie.a.b-c}"), "dots");
    CHECK_STR(expand("${cookie.p}|${cookie.p@/api/x}|${cookie.p@/}"), "api|api|root");
    CHECK_STR(expand("${cookie.p@/a?b=1&c}"), "root");
    CHECK_STR(expand("${cookie.nope}"), "<ERR -2>");
    CHECK_STR(expand("${cookie.sid}${id}"), "s142");
    CHECK_STR(expand("${cookie}"), "<ERR -2>"); /* a variable, undefined here */

    tmpl *t = NULL;
    struct sbuf b = SBUF_INIT;
    CHECK_INT(tmpl_compile("a${cookie.sid}${cookie.gone@/x}${env.HOME}", &t, NULL, 0, NULL), 0);
    CHECK_INT(tmpl_var_count(t), 0); /* cookies are not variables to define */
    CHECK_INT(tmpl_env_count(t), 1);
    sbuf_puts(&b, "keep");
    CHECK_INT(tmpl_expand(t, &ctx, &b), -ENOENT);
    CHECK_STR(sbuf_str(&b), "keep");
    CHECK_STR(tmpl_first_undefined(t, &ctx), "cookie.gone");
    struct tmpl_ctx nojar = ctx;
    nojar.cookie = NULL;
    CHECK_INT(tmpl_expand(t, &nojar, &b), -ENOENT);
    CHECK_STR(tmpl_first_undefined(t, &nojar), "cookie.sid");
    sbuf_free(&b);
    tmpl_free(t);

    struct {
        const char *src;
        int col;
        const char *msg;
    } cases[] = {
        {"${cookie.}", 10, "expected a cookie name after 'cookie.', got '}'"},
        {"${cookie.@/x}", 10, "expected a cookie name"},
        {"${cookie.a@x}", 12, "a cookie's path starts with '/'"},
        {"${cookie.a@}", 12, "starts with '/'"},
        {"${cookie.a b}", 12, "expected '}' to close ${, got 'b'"},
        {"${cookie.a@/x y}", 15, "got 'y'"},
        {"${cookie.a(1)}", 11, "expected '}' to close ${, got '('"},
        {"${cookie.a", 1, "unterminated ${"},
        {"${cookie.a@/p", 1, "unterminated ${"},
        {"${cookie.a;b}", 11, "got ';'"},
    };
    CHECK_COMPILE_ERRORS(cases, tmpl, tmpl_compile);
}

static void reserved_names(void)
{
    CHECK(tmpl_is_reserved("vu"));
    CHECK(tmpl_is_reserved("iteration"));
    CHECK(tmpl_is_reserved("uuid"));
    CHECK(tmpl_is_reserved("timestamp"));
    CHECK(tmpl_is_reserved("random"));
    CHECK(tmpl_is_reserved("env"));
    CHECK(!tmpl_is_reserved("cookie")); /* ${cookie} is a variable, ${cookie.x} the jar */
    CHECK(!tmpl_is_reserved("user"));
    CHECK(!tmpl_is_reserved("vus"));
    CHECK(!tmpl_is_reserved(""));
}

/* Hostile values for a JSON template: each must come back, through a JSON parser, as
 * the very string it was (the invalid UTF-8 one as U+FFFD), in a document of the same
 * shape. */
static const char *const hostile[][2] = {
    {"quote", "a\"b"},
    {"inject", "\"},\"admin\":true,\"x\":{\"y\":\""},
    {"backslash", "C:\\dir\\"},
    {"ctl", "line\nbreak\ttab\r\b\f\x01\x1f\x7f end"},
    {"utf8", "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"},
    {"bad", "\xff\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82"},
    {"dollar", "${env.HOME} $$"},
};

static const char *hostile_lookup(void *ud, const char *name, size_t *len)
{
    (void)ud;
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
        if (!strcmp(name, hostile[i][0])) {
            *len = strlen(hostile[i][1]);
            return hostile[i][1];
        }
    if (!strcmp(name, "nul")) {
        *len = 3;
        return "a\0b";
    }
    return NULL;
}

static void json_escaping(void)
{
    struct tmpl_ctx hc = ctx;
    hc.lookup = hostile_lookup;
    const char *names[] = {"quote", "inject", "backslash", "ctl", "utf8", "bad", "dollar", "nul"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char src[128];
        /* a NUL is valid in a JSON value (\u0000), not in a jansson key */
        if (strcmp(names[i], "nul"))
            snprintf(src, sizeof src, "{\"k\":\"<${%s}>\",\"n\":1,\"${%s}\":true}", names[i],
                     names[i]);
        else
            snprintf(src, sizeof src, "{\"k\":\"<${nul}>\",\"n\":1,\"m\":true}");
        tmpl *t = NULL;
        CHECK_INT(tmpl_compile_json(src, &t, NULL, 0, NULL), 0);
        struct sbuf out = SBUF_INIT;
        CHECK_INT(tmpl_expand(t, &hc, &out), 0);
        json_error_t je;
        json_t *j = json_loadb(out.buf, out.len, JSON_ALLOW_NUL, &je);
        if (!j) {
            printf("    %s: not JSON: %s: %s\n", names[i], je.text, sbuf_str(&out));
            unit_case_failed = 1;
        } else {
            CHECK_INT(json_object_size(j), 3);
            CHECK_INT(json_integer_value(json_object_get(j, "n")), 1);
            const char *k = json_string_value(json_object_get(j, "k"));
            size_t kl = json_string_length(json_object_get(j, "k"));
            const char *want = NULL;
            size_t wl = 0;
            if (!strcmp(names[i], "bad")) {
                /* 12 invalid bytes and a cut-short sequence of 2: each byte one U+FFFD */
                CHECK(k && strstr(k, "\xef\xbf\xbd") && kl == 2 + 12 * 3);
            } else {
                want = hostile_lookup(NULL, names[i], &wl);
                CHECK(k && kl == wl + 2 && k[0] == '<' && !memcmp(k + 1, want, wl) && k[kl - 1] == '>');
            }
            json_decref(j);
        }
        sbuf_free(&out);
        tmpl_free(t);
    }
    /* built-ins are unchanged; a plain template still substitutes raw bytes */
    tmpl *t = NULL;
    CHECK_INT(tmpl_compile_json("[\"${vu}-${iteration}\",\"${quote}\"]", &t, NULL, 0, NULL), 0);
    struct sbuf out = SBUF_INIT;
    CHECK_INT(tmpl_expand(t, &hc, &out), 0);
    CHECK_STR(sbuf_str(&out), "[\"7-3\",\"a\\\"b\"]");
    sbuf_free(&out);
    tmpl_free(t);
    CHECK_INT(tmpl_compile("${quote}", &t, NULL, 0, NULL), 0);
    CHECK_INT(tmpl_expand(t, &hc, &out), 0);
    CHECK_STR(sbuf_str(&out), "a\"b");
    sbuf_free(&out);
    tmpl_free(t);
    /* env values are escaped too */
    setenv("SURGE_TMPL_JSON", "x\"\\y", 1);
    CHECK_INT(tmpl_compile_json("\"${env.SURGE_TMPL_JSON}\"", &t, NULL, 0, NULL), 0);
    CHECK_INT(tmpl_expand(t, &hc, &out), 0);
    CHECK_STR(sbuf_str(&out), "\"x\\\"\\\\y\"");
    sbuf_free(&out);
    tmpl_free(t);
    /* a compile error is still an error, *out untouched */
    t = (tmpl *)&seed;
    CHECK(tmpl_compile_json("\"${nope\"", &t, NULL, 0, NULL) < 0 && t == (tmpl *)&seed);
}

int main(void)
{
    RUN(literals_and_escapes);
    RUN(literal_fast_path);
    RUN(variables);
    RUN(binary_values);
    RUN(undefined_names);
    RUN(env);
    RUN(builtins);
    RUN(uuid_v4);
    RUN(random_bounds);
    RUN(appends_to_out);
    RUN(errors_with_columns);
    RUN(error_buffer_edges);
    RUN(reserved_names);
    RUN(cookies);
    RUN(json_escaping);
    UNIT_EXIT();
}
