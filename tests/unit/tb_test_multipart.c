/* tb_test_multipart.c — the testbed's multipart/form-data parser: the boundary from a
 * Content-Type, then bodies (preamble, epilogue, line ends, part headers, parameters,
 * boundary-like content, truncation at every length, 0 to 10001 parts). Every input sits
 * right before a PROT_NONE page (guard.h), so an over-read crashes the test. */
#include "unit.h"
#include "guard.h"
#include "multipart.h"

#include <errno.h>
#include <stdlib.h>

/* ---- Helpers ----------------------------------------------------------------- */

/* mp_boundary on a guarded copy of ct: returns rc, the boundary in out. */
static int boundary(const char *ct, char out[MP_BOUNDARY_MAX + 1], const char **why)
{
    return mp_boundary(ct ? guard_str(ct) : NULL, out, why);
}

static void boundary_ok(const char *ct, const char *want)
{
    char out[MP_BOUNDARY_MAX + 1] = "";
    const char *why = NULL;
    int rc = boundary(ct, out, &why);
    if (rc < 0)
        printf("    %s: %s\n", ct, why ? why : "(no why)");
    CHECK_INT(rc, (int)strlen(want));
    if (rc >= 0)
        CHECK_STR(out, want);
    CHECK(why == NULL);
}

static void boundary_bad(const char *ct)
{
    char out[MP_BOUNDARY_MAX + 1] = "";
    const char *why = NULL;
    int rc = boundary(ct, out, &why);
    if (rc != -EINVAL)
        printf("    accepted: %s -> \"%s\"\n", ct ? ct : "(null)", out);
    CHECK_INT(rc, -EINVAL);
    CHECK(why != NULL && why[0] != '\0');
    CHECK_INT(boundary(ct, out, NULL), -EINVAL); /* why may be NULL */
}

#define MAXP 40

/* What the callback saw; every span is copied out and checked to lie inside the body. */
struct seen {
    const char *body;
    size_t len;
    int calls;
    int stop_at;    /* return 7 from this call (1-based); 0: never */
    int out_of_body; /* spans that left body[0..len) */
    char name[MAXP][64];
    char filename[MAXP][64];
    int has_filename[MAXP];
    char ctype[MAXP][64];
    char data[MAXP][64];
    size_t data_len[MAXP];
};

static int inside(const struct seen *s, const char *p, size_t n)
{
    return p >= s->body && p <= s->body + s->len && n <= (size_t)(s->body + s->len - p);
}

static void copy_out(char *dst, const char *p, size_t n)
{
    if (n > 63)
        n = 63;
    if (n)
        memcpy(dst, p, n);
    dst[n] = '\0';
}

static int on_part(const struct mp_part *p, void *ud)
{
    struct seen *s = ud;
    int k = s->calls++;
    if (!inside(s, p->name, p->name_len) || !inside(s, p->data, p->len) ||
        (p->filename && !inside(s, p->filename, p->filename_len)) ||
        (p->ctype && !inside(s, p->ctype, p->ctype_len)))
        s->out_of_body++;
    if (k < MAXP) {
        copy_out(s->name[k], p->name, p->name_len);
        s->has_filename[k] = p->filename != NULL;
        if (p->filename)
            copy_out(s->filename[k], p->filename, p->filename_len);
        if (p->ctype)
            copy_out(s->ctype[k], p->ctype, p->ctype_len);
        copy_out(s->data[k], p->data, p->len);
        s->data_len[k] = p->len;
    }
    return s->stop_at && s->calls == s->stop_at ? 7 : 0;
}

/* mp_parse on a guarded copy of body[0..n). */
static int parse_n(const char *body, size_t n, const char *bnd, struct seen *s, const char **why)
{
    memset(s, 0, sizeof *s);
    s->body = guard_copy(body, n);
    s->len = n;
    int rc = mp_parse(s->body, n, bnd, on_part, s, why);
    CHECK_INT(s->out_of_body, 0);
    return rc;
}

static int parse(const char *body, const char *bnd, struct seen *s)
{
    const char *why = NULL;
    int rc = parse_n(body, strlen(body), bnd, s, &why);
    if (rc >= 0)
        CHECK(why == NULL);
    return rc;
}

/* A malformed body: -EINVAL with a reason, and the callback never ran. */
static void body_bad(const char *body, const char *bnd)
{
    struct seen s;
    const char *why = NULL;
    int rc = parse_n(body, strlen(body), bnd, &s, &why);
    if (rc != -EINVAL)
        printf("    accepted (%d parts): %s\n", rc, body);
    CHECK_INT(rc, -EINVAL);
    CHECK(why != NULL && why[0] != '\0');
    CHECK_INT(s.calls, 0);
    CHECK_INT(mp_parse(guard_copy(body, strlen(body)), strlen(body), bnd, NULL, NULL, NULL),
              -EINVAL);
}

#define CD "Content-Disposition: form-data; "

/* ---- Content-Type: boundary -------------------------------------------------- */

static void boundary_forms(void)
{
    boundary_ok("multipart/form-data; boundary=abc", "abc");
    boundary_ok("multipart/form-data;boundary=abc", "abc");
    boundary_ok("Multipart/Form-Data; BOUNDARY=Abc", "Abc");
    boundary_ok("  multipart/form-data ; boundary = x ", "x");
    boundary_ok("multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundary7MA4YWxk",
                "----WebKitFormBoundary7MA4YWxk");
    boundary_ok("multipart/form-data; boundary=x; charset=utf-8", "x");
    boundary_ok("multipart/form-data; boundary=\"a b:c\"", "a b:c");
    boundary_ok("multipart/form-data; boundary=\"a\\\"b\"", "a\"b");   /* escaped quote */
    boundary_ok("multipart/form-data; boundary=\"a\\\\b\"", "a\\b");   /* escaped backslash */
    boundary_ok("multipart/form-data; boundary=\"semi;colon\"", "semi;colon");
    boundary_ok("multipart/form-data; boundary=first; boundary=second", "first");
    boundary_ok("multipart/form-data; boundary=a\"b", "a\"b"); /* a quote inside a token */
}

static void boundary_length(void)
{
    char ct[200], want[100];
    memset(want, 'x', 70);
    want[70] = '\0';
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%s", want);
    boundary_ok(ct, want);
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=\"%s\"", want);
    boundary_ok(ct, want);
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%sx", want); /* 71 */
    boundary_bad(ct);
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=\"%sx\"", want);
    boundary_bad(ct);
    /* 70 characters once unescaped: the escapes do not count */
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=\"\\x%s\"", want + 1);
    boundary_ok(ct, want);
    boundary_ok("multipart/form-data; boundary=1", "1");
}

static void boundary_missing_or_bad(void)
{
    boundary_bad(NULL);
    boundary_bad("");
    boundary_bad("text/plain; boundary=x");
    boundary_bad("multipart/mixed; boundary=x");
    boundary_bad("multipart/form-datax; boundary=x");
    boundary_bad("multipart/form-data");
    boundary_bad("multipart/form-data;");
    boundary_bad("multipart/form-data; charset=utf-8");
    boundary_bad("multipart/form-data; boundary=");
    boundary_bad("multipart/form-data; boundary=\"\"");
    boundary_bad("multipart/form-data; boundary=\"abc");        /* unterminated */
    boundary_bad("multipart/form-data; boundary=\"abc\\\"");    /* escaped closing quote */
    boundary_bad("multipart/form-data; boundary=\"abc\"junk");
    boundary_bad("multipart/form-data; boundary=\"ab \"");      /* ends in a space */
    boundary_bad("multipart/form-data; boundary=\"a\tb\"");     /* control character */
    boundary_bad("multipart/form-data; boundary=\"a\x7f\"");
    boundary_bad("multipart/form-data; boundary=\"caf\xc3\xa9\"");
    boundary_bad("multipart/form-data; junk; boundary=x");      /* a bare word */
    boundary_bad("multipart/form-data; =x");
    boundary_bad("multipart/form-data; boundary");
    boundary_bad("multipart/form-data junk; boundary=x");
}

/* ---- Bodies ------------------------------------------------------------------ */

static void one_field_and_one_file(void)
{
    struct seen s;
    CHECK_INT(parse("--b\r\n" CD "name=\"f\"\r\n\r\nvalue\r\n--b--\r\n", "b", &s), 1);
    CHECK_INT(s.calls, 1);
    CHECK_STR(s.name[0], "f");
    CHECK_INT(s.has_filename[0], 0);
    CHECK_STR(s.data[0], "value");

    CHECK_INT(parse("--XyZ\r\n" CD "name=\"images\"; filename=\"a.png\"\r\n"
                    "Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\r\n"
                    "--XyZ\r\n" CD "name=note\r\n\r\nhi\r\n--XyZ--",
                    "XyZ", &s),
              2);
    CHECK_STR(s.name[0], "images");
    CHECK_INT(s.has_filename[0], 1);
    CHECK_STR(s.filename[0], "a.png");
    CHECK_STR(s.ctype[0], "image/png");
    CHECK_INT(s.data_len[0], 8);
    CHECK(memcmp(s.data[0], "\x89PNG\r\n\x1a\n", 8) == 0);
    CHECK_STR(s.name[1], "note");
    CHECK_STR(s.data[1], "hi");
}

static void preamble_and_epilogue(void)
{
    struct seen s;
    CHECK_INT(parse("This is the preamble.\r\nIgnore it.\r\n--b\r\n" CD
                    "name=a\r\n\r\n1\r\n--b--\r\nThis is the epilogue.\r\n--b\r\njunk",
                    "b", &s),
              1);
    CHECK_STR(s.data[0], "1");
    CHECK_INT(parse("\r\n--b\r\n" CD "name=a\r\n\r\n1\r\n--b--", "b", &s), 1); /* CRLF first */
    /* transport padding after a delimiter */
    CHECK_INT(parse("--b \t \r\n" CD "name=a\r\n\r\n1\r\n--b  \r\n" CD "name=c\r\n\r\n2\r\n--b--",
                    "b", &s),
              2);
    CHECK_STR(s.data[1], "2");
    /* a delimiter mid-line is preamble: the first real one here closes the body */
    CHECK_INT(parse("preamble--b\r\n" CD "name=a\r\n\r\n1\r\n--b--", "b", &s), 0);
    body_bad("preamble--b\r\n" CD "name=a\r\n\r\n1\r\n", "b");
    body_bad("no boundary at all", "b");
    body_bad("--bx\r\n" CD "name=a\r\n\r\n1\r\n--b--", "b"); /* longer boundary opens */
    body_bad("--b junk\r\n" CD "name=a\r\n\r\n1\r\n--b--", "b");
}

static void line_ends(void)
{
    struct seen s;
    /* bare LF everywhere: no part header end, no delimiters */
    body_bad("--b\n" CD "name=a\n\n1\n--b--\n", "b");
    body_bad("--b\r\n" CD "name=a\n\n1\r\n--b--\r\n", "b");
    body_bad("--b\r\n" CD "name=a\r\n\r\n1\n--b--\n", "b");
    /* bare LFs and CRs inside content are content */
    CHECK_INT(parse("--b\r\n" CD "name=a\r\n\r\nx\ny\rz\n\r\n--b--", "b", &s), 1);
    CHECK_STR(s.data[0], "x\ny\rz\n");
    /* a bare LF inside the header block stays in the header value */
    CHECK_INT(parse("--b\r\n" CD "name=a\r\nX-A: 1\nX-B: 2\r\n\r\nv\r\n--b--", "b", &s), 1);
}

static void part_headers(void)
{
    struct seen s;
    body_bad("--b\r\n\r\nno headers\r\n--b--", "b");
    body_bad("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", "b");
    body_bad("--b\r\n" CD "name=a\r\nno colon here\r\n\r\nx\r\n--b--", "b");
    body_bad("--b\r\n" CD "name=a\r\n: empty name\r\n\r\nx\r\n--b--", "b");
    body_bad("--b\r\nContent Disposition: form-data; name=a\r\n\r\nx\r\n--b--", "b");
    body_bad("--b\r\n" CD "name=a\r\n" CD "name=c\r\n\r\nx\r\n--b--", "b");
    body_bad("--b\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--b--", "b");
    body_bad("--b\r\nContent-Disposition: form-datax; name=a\r\n\r\nx\r\n--b--", "b");
    body_bad("--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", "b");
    body_bad("--b\r\nContent-Disposition: form-data; filename=a.png\r\n\r\nx\r\n--b--", "b");
    body_bad("--b\r\n" CD "name=a\r\n\r\n", "b");     /* no closing delimiter */
    body_bad("--b\r\n" CD "name=a\r\n", "b");         /* truncated in part headers */
    /* names are case-insensitive, other headers are ignored, whitespace trimmed */
    CHECK_INT(parse("--b\r\ncontent-disposition:form-data;name=a \r\nX-Other: y\r\n"
                    "CONTENT-TYPE:   text/plain  \r\n\r\nv\r\n--b--",
                    "b", &s),
              1);
    CHECK_STR(s.name[0], "a");
    CHECK_STR(s.ctype[0], "text/plain");
}

static void part_headers_size(void)
{
    /* a header block of exactly MP_PART_HEAD_MAX bytes passes; one more byte does not */
    static char body[MP_PART_HEAD_MAX + 200];
    const char *head = CD "name=a\r\nX-Pad: ";
    size_t fill = MP_PART_HEAD_MAX - strlen(head);
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = 0;
        n += (size_t)snprintf(body + n, sizeof body - n, "--b\r\n%s", head);
        memset(body + n, 'p', fill + (size_t)extra);
        n += fill + (size_t)extra;
        n += (size_t)snprintf(body + n, sizeof body - n, "\r\n\r\nv\r\n--b--");
        struct seen s;
        const char *why = NULL;
        int rc = parse_n(body, n, "b", &s, &why);
        CHECK_INT(rc, extra ? -EINVAL : 1);
        if (extra)
            CHECK_STR(why, "part headers too large");
    }
    /* no header end at all, far more than the limit */
    static char big[3 * MP_PART_HEAD_MAX];
    size_t n = (size_t)snprintf(big, sizeof big, "--b\r\n" CD "name=a\r\nX: ");
    memset(big + n, 'q', sizeof big - n);
    struct seen s;
    const char *why = NULL;
    CHECK_INT(parse_n(big, sizeof big, "b", &s, &why), -EINVAL);
    CHECK_STR(why, "part headers too large");
}

static void disposition_parameters(void)
{
    struct seen s;
    CHECK_INT(parse("--b\r\n" CD "name=\"a;b c\"; filename=\"x y.png\"\r\n\r\nv\r\n--b--", "b",
                    &s),
              1);
    CHECK_STR(s.name[0], "a;b c");
    CHECK_STR(s.filename[0], "x y.png");
    /* escapes stay raw (the header says so) */
    CHECK_INT(parse("--b\r\n" CD "name=\"a\\\"b\"; filename=\"C:\\\\dir\\\\f.jpg\"\r\n\r\nv\r\n"
                    "--b--",
                    "b", &s),
              1);
    CHECK_STR(s.name[0], "a\\\"b");
    CHECK_STR(s.filename[0], "C:\\\\dir\\\\f.jpg");
    /* an empty filename is still a filename; an empty name is still a name */
    CHECK_INT(parse("--b\r\n" CD "name=\"\"; filename=\"\"\r\n\r\nv\r\n--b--", "b", &s), 1);
    CHECK_STR(s.name[0], "");
    CHECK_INT(s.has_filename[0], 1);
    CHECK_STR(s.filename[0], "");
    /* keys are case-insensitive; filename* is another parameter; the last name wins */
    CHECK_INT(parse("--b\r\nContent-Disposition: FORM-DATA; NAME=x; filename*=utf-8''a; "
                    "name=y\r\n\r\nv\r\n--b--",
                    "b", &s),
              1);
    CHECK_STR(s.name[0], "y");
    CHECK_INT(s.has_filename[0], 0);
    body_bad("--b\r\n" CD "name=\"unterminated\r\n\r\nv\r\n--b--", "b");
    body_bad("--b\r\n" CD "name=\"a\"junk\r\n\r\nv\r\n--b--", "b");
    body_bad("--b\r\n" CD "name\r\n\r\nv\r\n--b--", "b");
    body_bad("--b\r\n" CD "=a\r\n\r\nv\r\n--b--", "b");
    body_bad("--b\r\n" CD "name=\"a\\\"\r\n\r\nv\r\n--b--", "b"); /* escaped closing quote */
}

static void boundary_like_content(void)
{
    struct seen s;
    /* shorter than the delimiter, not at a line start, or another boundary: content */
    CHECK_INT(parse("--bound\r\n" CD "name=a\r\n\r\n--boun\r\n--boun\r\nx--bound\r\n--other--"
                    "\r\n--bound--",
                    "bound", &s),
              1);
    CHECK_STR(s.data[0], "--boun\r\n--boun\r\nx--bound\r\n--other--");
    /* the delimiter followed by more characters is the delimiter (RFC 2046: it must not
     * occur in content), then junk */
    body_bad("--bound\r\n" CD "name=a\r\n\r\nx\r\n--boundary\r\ny\r\n--bound--", "bound");
    /* the delimiter's CRLF belongs to it: a part ending in CRLF keeps one of its own */
    CHECK_INT(parse("--b\r\n" CD "name=a\r\n\r\nx\r\n\r\n--b--", "b", &s), 1);
    CHECK_STR(s.data[0], "x\r\n");
}

static void truncated_at_every_length(void)
{
    const char *body = "preamble\r\n--sep\r\n" CD "name=\"one\"\r\n\r\nfirst\r\n"
                       "--sep\r\n" CD "name=\"two\"; filename=\"2.png\"\r\nContent-Type: "
                       "image/png\r\n\r\n\x89PNG\r\n--sep\r\n" CD "name=three\r\n\r\n\r\n"
                       "--sep--\r\nepilogue";
    size_t n = strlen(body);
    size_t complete = (size_t)(strstr(body, "--sep--") - body) + strlen("--sep--");
    for (size_t k = 0; k <= n; k++) {
        struct seen s;
        const char *why = NULL;
        int rc = parse_n(body, k, "sep", &s, &why);
        int want = k >= complete ? 3 : -EINVAL;
        if (rc != want)
            printf("    prefix %zu: rc %d\n", k, rc);
        CHECK_INT(rc, want);
        CHECK_INT(s.calls, want > 0 ? 3 : 0);
        if (rc < 0)
            CHECK(why != NULL);
    }
    struct seen s;
    CHECK_INT(parse(body, "sep", &s), 3);
    CHECK_STR(s.data[0], "first");
    CHECK_STR(s.filename[1], "2.png");
    CHECK_STR(s.data[1], "\x89PNG");
    CHECK_STR(s.name[2], "three");
    CHECK_INT(s.data_len[2], 0);
}

static void zero_parts_and_empty(void)
{
    struct seen s;
    CHECK_INT(parse("--b--\r\n", "b", &s), 0);
    CHECK_INT(parse("--b--", "b", &s), 0);
    CHECK_INT(parse("preamble\r\n--b--", "b", &s), 0);
    CHECK_INT(s.calls, 0);
    CHECK_INT(parse("--b\r\n" CD "name=e\r\n\r\n\r\n--b--", "b", &s), 1); /* empty content */
    CHECK_INT(s.data_len[0], 0);
    const char *why = NULL;
    CHECK_INT(parse_n("", 0, "b", &s, &why), -EINVAL);
    CHECK(why != NULL);
    CHECK_INT(mp_parse(NULL, 10, "b", on_part, &s, NULL), -EINVAL);
    body_bad("--b", "b");
    body_bad("--b-", "b");
    body_bad("--b\r\n", "b");
    body_bad("--b\r", "b");
}

static void bad_boundary_argument(void)
{
    const char *body = "--b\r\n" CD "name=a\r\n\r\nv\r\n--b--";
    char long_b[MP_BOUNDARY_MAX + 2];
    memset(long_b, 'b', sizeof long_b - 1);
    long_b[sizeof long_b - 1] = '\0';
    body_bad(body, "");
    body_bad(body, NULL);
    body_bad(body, long_b);
    long_b[MP_BOUNDARY_MAX] = '\0'; /* 70 is fine */
    char body70[300];
    snprintf(body70, sizeof body70, "--%s\r\n" CD "name=a\r\n\r\nv\r\n--%s--", long_b, long_b);
    struct seen s;
    CHECK_INT(parse(body70, long_b, &s), 1);
}

/* n parts "--b\r\n<CD name=images; filename=iK.png>\r\n\r\n<K>\r\n" ... "--b--". */
static char *many_parts(int n, size_t *len)
{
    size_t cap = (size_t)n * 100 + 16, at = 0;
    char *b = malloc(cap);
    if (!b)
        return NULL;
    for (int k = 0; k < n; k++)
        at += (size_t)snprintf(b + at, cap - at,
                               "--b\r\n" CD "name=\"images\"; filename=\"i%d.png\"\r\n\r\n%d\r\n",
                               k, k);
    at += (size_t)snprintf(b + at, cap - at, "--b--\r\n");
    *len = at;
    return b;
}

static void thirty_parts(void)
{
    size_t len;
    char *b = many_parts(30, &len);
    CHECK(b != NULL);
    if (!b)
        return;
    struct seen s;
    CHECK_INT(parse_n(b, len, "b", &s, NULL), 30);
    CHECK_INT(s.calls, 30);
    for (int k = 0; k < 30; k++) {
        char want[32];
        CHECK_STR(s.name[k], "images");
        snprintf(want, sizeof want, "i%d.png", k);
        CHECK_STR(s.filename[k], want);
        snprintf(want, sizeof want, "%d", k);
        CHECK_STR(s.data[k], want);
    }
    free(b);
}

static void parts_limit(void)
{
    size_t len;
    char *b = many_parts(MP_PARTS_MAX, &len);
    CHECK(b != NULL);
    if (!b)
        return;
    CHECK_INT(mp_parse(guard_copy(b, len), len, "b", NULL, NULL, NULL), MP_PARTS_MAX);
    free(b);
    b = many_parts(MP_PARTS_MAX + 1, &len);
    CHECK(b != NULL);
    if (!b)
        return;
    const char *why = NULL;
    CHECK_INT(mp_parse(guard_copy(b, len), len, "b", NULL, NULL, &why), -EINVAL);
    CHECK_STR(why, "too many multipart parts");
    free(b);
}

static void callback_stops_and_validate_first(void)
{
    const char *body = "--b\r\n" CD "name=a\r\n\r\n1\r\n--b\r\n" CD "name=c\r\n\r\n2\r\n"
                       "--b\r\n" CD "name=d\r\n\r\n3\r\n--b--";
    struct seen s;
    memset(&s, 0, sizeof s);
    s.body = guard_copy(body, strlen(body));
    s.len = strlen(body);
    s.stop_at = 2;
    CHECK_INT(mp_parse(s.body, s.len, "b", on_part, &s, NULL), 7);
    CHECK_INT(s.calls, 2);
    /* a malformed third part: the first two are never handed out */
    body_bad("--b\r\n" CD "name=a\r\n\r\n1\r\n--b\r\n" CD "name=c\r\n\r\n2\r\n"
             "--b\r\nContent-Type: x\r\n\r\n3\r\n--b--",
             "b");
}

int main(void)
{
    RUN(boundary_forms);
    RUN(boundary_length);
    RUN(boundary_missing_or_bad);
    RUN(one_field_and_one_file);
    RUN(preamble_and_epilogue);
    RUN(line_ends);
    RUN(part_headers);
    RUN(part_headers_size);
    RUN(disposition_parameters);
    RUN(boundary_like_content);
    RUN(truncated_at_every_length);
    RUN(zero_parts_and_empty);
    RUN(bad_boundary_argument);
    RUN(thirty_parts);
    RUN(parts_limit);
    RUN(callback_stops_and_validate_first);
    guard_release();
    UNIT_EXIT();
}
