/* test_cond.c — conditions: the comparison matrix (numbers, numeric strings, strings, bools,
 * null, mismatches, missing paths), exists, && || precedence and parentheses, blanks, every
 * compile error with its column, cond_describe reasons. */
#include "flow/cond.h"
#include "unit.h"
#include "util/sbuf.h"

#include <errno.h>
#include <stdlib.h>

static json_t *doc;

/* 1/0 for the evaluation, or -100 + the column of a compile error. */
static int ev(const char *s)
{
    cond *c = NULL;
    char err[128];
    int col = 0;
    int rc = cond_compile(s, &c, err, sizeof err, &col);
    if (rc) {
        printf("    \"%s\" does not compile: col %d: %s\n", s, col, err);
        return -100 + col;
    }
    int r = cond_eval(c, doc);
    /* cond_describe agrees with cond_eval and writes exactly when false. */
    struct sbuf why = SBUF_INIT;
    int d = cond_describe(c, doc, &why);
    if (d != r || (r == 1) != (why.len == 0))
        printf("    \"%s\": describe %d \"%s\" vs eval %d\n", s, d, sbuf_str(&why), r);
    CHECK(d == r);
    CHECK((r == 1) == (why.len == 0));
    sbuf_free(&why);
    CHECK_STR(cond_source(c), s);
    cond_free(c);
    return r;
}

#define T(s) CHECK_INT(ev(s), 1)
#define F(s) CHECK_INT(ev(s), 0)

static void numbers(void)
{
    T("n == 42");
    T("n == 42.0");
    T("n == 4.2e1");
    F("n == 43");
    T("n != 43");
    T("n < 43");
    T("n <= 42");
    F("n < 42");
    T("n > 41.5");
    T("n >= 42");
    F("n > 42");
    T("neg == -7");
    T("neg < -6.99");
    T("r == 0.5");
    T("r < 1");
    T("r > -1");
    T("r >= 5e-1");
    T("big == 9007199254740993"); /* exact as integers, not as doubles */
    F("big == 9007199254740992");
    T("big > 9007199254740992");
    T("huge > 1e300");
    T("n < 1e999");
}

static void numeric_strings(void)
{
    T("sn == 42");
    T("sn > 41");
    T("sn < 100"); /* numerically, not "42" < "100" as strings */
    T("sr == 1.5");
    T("sr >= 1.5");
    F("sn == 43");
    F("padded == 42"); /* " 42" is not a number literal */
    T("padded != 42");
    F("word > 1");
    T("word != 1");
    F("word == 1");
    T("sn == '42'");
    T("sn == \"42\"");
    F("sn == '42.0'"); /* both strings: bytewise */
    T("n == '42'");    /* numeric quoted string against a number: numerically */
    T("n == '42.0'");
    T("n < '100'");
    F("n == 'x'");
    T("n != 'x'");
    F("n < 'x'");
    T("hexish != 16"); /* "0x10" is not a number literal */
}

static void strings(void)
{
    T("status == completed");
    T("status == 'completed'");
    T("status == \"completed\"");
    F("status == running");
    T("status != running");
    T("status > abc");
    T("status < completez");
    T("status >= completed");
    F("status < completed");
    T("name == 'two words'");
    F("name == two");
    T("empty == ''");
    F("empty == 'x'");
    T("empty < a");
    T("quote == 'it\\'s'");
    T("quote == \"it's\"");
    T("utf == 'caf\xc3\xa9'");
    T("utf > cafe");
    T("dash == in-progress");
    T("ver == v1.2.3");
    F("n == forty");
    T("n != forty");
}

static void literals(void)
{
    T("yes == true");
    F("yes == false");
    T("yes != false");
    T("no == false");
    F("no == true");
    T("nothing == null");
    F("nothing != null");
    F("n == null");
    T("n != null");
    F("yes == 1");
    T("yes != 1");
    F("strue == true"); /* the string "true" is not true */
    T("strue == 'true'");
    T("strue == \"true\"");
    F("obj == 1");
    T("obj != 1");
    F("arr == x");
    F("obj < 1");
    F("nothing < 1");
}

static void missing_paths(void)
{
    F("nope == 1");
    F("nope != 1"); /* a missing path makes every comparison false */
    F("nope == null");
    F("nope < 1");
    F("nope >= x");
    F("nope exists");
    T("nope !exists");
    F("obj.x.y == 1");
    F("list[5] == 1");
    T("list[5] !exists");
}

static void exists(void)
{
    T("n exists");
    T("nothing exists"); /* present null exists */
    F("nothing !exists");
    F("n !exists");
    T("list[-1] exists");
    T("job.id exists");
    T("job.id exists && job.state == done");
    T("n exists&&n!exists||n exists");
    T("n!exists||n exists");
}

static void paths(void)
{
    T("job.id == 'j-1'");
    T("$.job.id == j-1");
    T("list[0] == 10");
    T("list[-1] == 30");
    F("list[1] > list"); /* the right side is the string "list", not a path: mismatch */
    T("list[1] != list");
    T("[\"a b\"] == spaced");
    T("['a b'] == spaced && ['x.y'] == 1");
}

static void logic(void)
{
    T("n == 42 && status == completed");
    F("n == 42 && status == running");
    T("n == 1 || n == 42");
    F("n == 1 || n == 2");
    /* && binds tighter: a || b && c == a || (b && c) */
    T("n == 42 || n == 1 && n == 2");
    F("(n == 42 || n == 1) && n == 2");
    T("n == 1 && n == 2 || n == 42");
    F("n == 1 && (n == 2 || n == 42)");
    T("((n == 42))");
    T("(n == 1 || (status == completed && (yes == true)))");
    T("n == 1 || n == 2 || n == 3 || n == 42");
    F("n == 42 && n == 42 && n == 42 && n == 1");
    T("(n==42)&&(status==completed)");
    T("n==42&&status==completed||n==1");
    T("  n   ==   42   ");
    T("\tn\t==\t42\n&&\nyes == true");
    T("status==completed");
    T("n>=42&&n<=42");
    T("n>41&&n<43");
}

static void nested_deep(void)
{
    struct sbuf s = SBUF_INIT;
    for (int i = 0; i < 32; i++)
        sbuf_putc(&s, '(');
    sbuf_puts(&s, "n == 42");
    for (int i = 0; i < 32; i++)
        sbuf_putc(&s, ')');
    T(sbuf_str(&s));
    sbuf_reset(&s);
    for (int i = 0; i < 33; i++)
        sbuf_putc(&s, '(');
    sbuf_puts(&s, "n == 42");
    for (int i = 0; i < 33; i++)
        sbuf_putc(&s, ')');
    cond *c = NULL;
    char err[128];
    int col = 0;
    CHECK_INT(cond_compile(sbuf_str(&s), &c, err, sizeof err, &col), -EINVAL);
    CHECK_INT(col, 33);
    CHECK(strstr(err, "nested deeper than 32") != NULL);
    /* A long flat chain is fine (no recursion per term). */
    sbuf_reset(&s);
    for (int i = 0; i < 5000; i++)
        sbuf_puts(&s, "n == 1 || ");
    sbuf_puts(&s, "n == 42");
    T(sbuf_str(&s));
    sbuf_free(&s);
}

static void errors_with_columns(void)
{
    struct {
        const char *src;
        int col;
        const char *msg;
    } cases[] = {
        {"", 1, "empty condition"},
        {"   ", 4, "empty condition"},
        {"n", 2, "expected an operator (== != < <= > >= exists !exists), got end of text"},
        {"n 42", 3, "expected an operator"},
        {"n = 42", 3, "use '==' to compare, not '='"},
        {"n =< 42", 3, "use '=='"},
        {"n existsx", 3, "expected an operator"},
        {"n ==", 5, "expected a value after '==', got end of text"},
        {"n == ", 6, "expected a value"},
        {"n == )", 6, "expected a value after '==', got ')'"},
        {"n == 'abc", 6, "unterminated string"},
        {"n == \"abc\\\"", 6, "unterminated string"},
        {"n < true", 5, "'<' needs a number or a string"},
        {"n >= null", 6, "'>=' needs a number or a string"},
        {"n > false", 5, "'>' needs"},
        {"n == 1 &&", 10, "expected a path, got end of text"},
        {"n == 1 && ", 11, "expected a path"},
        {"&& n == 1", 1, "expected a path, got '&'"},
        {"n == 1 & m == 2", 8, "expected && or ||, got a single '&'"},
        {"n == 1 | m == 2", 8, "got a single '|'"},
        {"n == 1 m == 2", 8, "expected && or || or the end, got 'm'"},
        {"n == 1)", 7, "unexpected ')'"},
        {"(n == 1", 1, "unclosed '('"},
        {"((n == 1)", 1, "unclosed '('"},
        {"(n == 1 m)", 9, "expected ')' or && or ||, got 'm'"},
        {"()", 2, "expected a path, got ')'"},
        {"n == 1 || ()", 12, "expected a path, got ')'"},
        {"a..b == 1", 3, "expected a name"},
        {"x exists && a[1 == 2", 16, "expected ']' after the index, got ' '"},
        {"(n == 1) && (a. == 1)", 16, "expected a name"},
        {"n == a=b", 7, "expected && or || or the end, got '='"},
        {"n == 1 || n === 2", 15, "expected a value after '==', got '='"},
        {"n ! exists", 3, "expected an operator"},
        {"n == 1 &&& m == 2", 10, "expected a path, got '&'"},
    };
    CHECK_COMPILE_ERRORS(cases, cond, cond_compile);
    cond_free(NULL);
}

static const char *why(const char *s, json_t *root)
{
    static char res[512];
    cond *c = NULL;
    if (cond_compile(s, &c, NULL, 0, NULL))
        return "<compile error>";
    struct sbuf b = SBUF_INIT;
    int r = cond_describe(c, root, &b);
    snprintf(res, sizeof res, "%d: %s", r, sbuf_str(&b));
    sbuf_free(&b);
    cond_free(c);
    return res;
}

static void describe(void)
{
    CHECK_STR(why("status == completed", doc), "1: ");
    CHECK_STR(why("status == running", doc), "0: status is \"completed\", wanted == running");
    CHECK_STR(why("status == 'run ning'", doc), "0: status is \"completed\", wanted == 'run ning'");
    CHECK_STR(why("n > 50", doc), "0: n is 42, wanted > 50");
    CHECK_STR(why("job.idx exists", doc), "0: job.idx is missing, wanted exists");
    CHECK_STR(why("n !exists", doc), "0: n is 42, wanted !exists");
    CHECK_STR(why("nope == 1", doc), "0: nope is missing, wanted == 1");
    CHECK_STR(why("n == 42 && status == x && yes == false", doc),
              "0: status is \"completed\", wanted == x");
    CHECK_STR(why("n == 1 || status == x", doc),
              "0: n is 42, wanted == 1; status is \"completed\", wanted == x");
    CHECK_STR(why("(n == 42 && yes == false) || n < 0", doc),
              "0: yes is true, wanted == false; n is 42, wanted < 0");
    CHECK_STR(why("list == 1", doc), "0: list is [10,20,30], wanted == 1");
    CHECK_STR(why("status == x", NULL), "0: status is missing, wanted == x");
    CHECK_STR(why("long == x", doc),
              "0: long is \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..., "
              "wanted == x");
    /* Cutting never splits a UTF-8 sequence: 63 bytes of "é" pairs would end mid-way. */
    const char *w = why("eacute == x", doc);
    CHECK(strstr(w, "\xc3\xa9...") != NULL);
    CHECK(strlen(w) < 120);

    /* Appends to what is already there. */
    cond *c = NULL;
    CHECK_INT(cond_compile("n == 1", &c, NULL, 0, NULL), 0);
    struct sbuf b = SBUF_INIT;
    sbuf_puts(&b, "expect failed: ");
    CHECK_INT(cond_describe(c, doc, &b), 0);
    CHECK_STR(sbuf_str(&b), "expect failed: n is 42, wanted == 1");
    sbuf_free(&b);
    cond_free(c);
}

static void null_root(void)
{
    cond *c = NULL;
    CHECK_INT(cond_compile("x !exists && y != 1 || z exists", &c, NULL, 0, NULL), 0);
    CHECK_INT(cond_eval(c, NULL), 0);
    cond_free(c);
    CHECK_INT(cond_compile("x !exists", &c, NULL, 0, NULL), 0);
    CHECK_INT(cond_eval(c, NULL), 1);
    cond_free(c);
}

int main(void)
{
    json_error_t e;
    doc = json_loads(
        "{\"n\": 42, \"neg\": -7, \"r\": 0.5, \"big\": 9007199254740993, \"huge\": 1e308,"
        " \"sn\": \"42\", \"sr\": \"1.5\", \"padded\": \" 42\", \"word\": \"abc\","
        " \"hexish\": \"0x10\", \"status\": \"completed\", \"name\": \"two words\","
        " \"empty\": \"\", \"quote\": \"it's\", \"utf\": \"caf\\u00e9\", \"dash\":"
        " \"in-progress\", \"ver\": \"v1.2.3\", \"yes\": true, \"no\": false, \"nothing\":"
        " null, \"strue\": \"true\", \"obj\": {}, \"arr\": [], \"list\": [10, 20, 30],"
        " \"job\": {\"id\": \"j-1\", \"state\": \"done\"}, \"a b\": \"spaced\", \"x.y\": 1,"
        " \"long\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
        " \"eacute\": \"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
        "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
        "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}",
        0, &e);
    if (!doc) {
        printf("FAIL document: %s\n", e.text);
        return 1;
    }
    RUN(numbers);
    RUN(numeric_strings);
    RUN(strings);
    RUN(literals);
    RUN(missing_paths);
    RUN(exists);
    RUN(paths);
    RUN(logic);
    RUN(nested_deep);
    RUN(errors_with_columns);
    RUN(describe);
    RUN(null_root);
    json_decref(doc);
    UNIT_EXIT();
}
