/* test_body.c — multipart bodies (exact bytes, no payload copies, 1000 VUs), urlencoded forms. */
#include "flow/body.h"
#include "unit.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static char err[256];

/* The body as one string (malloc'd, NUL-terminated). */
static char *concat(const struct body_multipart *m, size_t *len)
{
    size_t n = 0;
    for (int i = 0; i < m->iovcnt; i++)
        n += m->iov[i].iov_len;
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    size_t at = 0;
    for (int i = 0; i < m->iovcnt; i++) {
        memcpy(s + at, m->iov[i].iov_base, m->iov[i].iov_len);
        at += m->iov[i].iov_len;
    }
    s[n] = '\0';
    *len = n;
    return s;
}

/* Replace every "{B}" in tmpl with the boundary (malloc'd). */
static char *expand(const char *tmpl, const char *b)
{
    size_t cap = strlen(tmpl) * 16 + 1, n = 0;
    char *s = malloc(cap);
    for (const char *p = tmpl; *p;) {
        if (!strncmp(p, "{B}", 3)) {
            memcpy(s + n, b, strlen(b));
            n += strlen(b);
            p += 3;
        } else {
            s[n++] = *p++;
        }
    }
    s[n] = '\0';
    return s;
}

static size_t count_of(const char *hay, size_t len, const char *needle)
{
    size_t c = 0, nl = strlen(needle);
    for (const char *p = hay; (p = memmem(p, len - (size_t)(p - hay), needle, nl)); p += nl)
        c++;
    return c;
}

static uint64_t iov_sum(const struct body_multipart *m)
{
    uint64_t s = 0;
    for (int i = 0; i < m->iovcnt; i++)
        s += m->iov[i].iov_len;
    return s;
}

static void multipart_exact_bytes(void)
{
    payload *png = NULL, *txt = NULL;
    CHECK(payload_from_text("a.png", "PNG1", 4, &png, err, sizeof err) == 0);
    CHECK(payload_from_text("notes.txt", "hello\r\n", 7, &txt, err, sizeof err) == 0);
    struct body_multipart m;
    body_mp_init(&m, 1);
    CHECK(body_mp_add_field(&m, "title", "My trip") == 0);
    CHECK(body_mp_add_field(&m, "tags", "") == 0);
    CHECK(body_mp_add_file(&m, "photo", payload_item(png, 0)) == 0);
    CHECK(body_mp_add_file(&m, "doc", payload_item(txt, 0)) == 0);
    CHECK(body_mp_finish(&m, err, sizeof err) == 0);

    CHECK_INT(strlen(m.boundary), BODY_BOUNDARY_LEN);
    CHECK(!strncmp(m.boundary, "surge-", 6));
    for (int i = 6; i < BODY_BOUNDARY_LEN; i++)
        CHECK(isalnum((unsigned char)m.boundary[i]));
    char want_ct[128];
    snprintf(want_ct, sizeof want_ct, "multipart/form-data; boundary=%s", m.boundary);
    CHECK_STR(m.content_type, want_ct);

    char *want = expand("--{B}\r\n"
                        "Content-Disposition: form-data; name=\"title\"\r\n"
                        "\r\n"
                        "My trip\r\n"
                        "--{B}\r\n"
                        "Content-Disposition: form-data; name=\"tags\"\r\n"
                        "\r\n"
                        "\r\n"
                        "--{B}\r\n"
                        "Content-Disposition: form-data; name=\"photo\"; filename=\"a.png\"\r\n"
                        "Content-Type: image/png\r\n"
                        "\r\n"
                        "PNG1\r\n"
                        "--{B}\r\n"
                        "Content-Disposition: form-data; name=\"doc\"; filename=\"notes.txt\"\r\n"
                        "Content-Type: text/plain\r\n"
                        "\r\n"
                        "hello\r\n"
                        "\r\n"
                        "--{B}--\r\n",
                        m.boundary);
    size_t len = 0;
    char *got = concat(&m, &len);
    CHECK_STR(got, want);
    CHECK_INT(len, strlen(want));
    CHECK_INT(m.content_length, strlen(want));
    CHECK_INT(m.content_length, iov_sum(&m));

    /* Header run, file, header run, file, closing run: file entries are the payload's
     * own bytes (pointer equality), not copies. */
    CHECK_INT(m.iovcnt, 5);
    CHECK(m.iov[1].iov_base == (const void *)payload_item(png, 0)->data);
    CHECK_INT(m.iov[1].iov_len, 4);
    CHECK(m.iov[3].iov_base == (const void *)payload_item(txt, 0)->data);
    CHECK_INT(m.iov[3].iov_len, 7);
    free(got);
    free(want);
    body_mp_release(&m);
    payload_free(png);
    payload_free(txt);
}

static void multipart_names_escaped(void)
{
    payload *f = NULL;
    CHECK(payload_from_text("we\"ird\n.bin", "x", 1, &f, err, sizeof err) == 0);
    struct body_multipart m;
    body_mp_init(&m, 2);
    CHECK(body_mp_add_field(&m, "a\"b\r\nc", "v\r\n\"ok\"") == 0);
    CHECK(body_mp_add_file(&m, "f", payload_item(f, 0)) == 0);
    CHECK(body_mp_finish(&m, err, sizeof err) == 0);
    size_t len;
    char *got = concat(&m, &len);
    CHECK(strstr(got, "name=\"a%22b%0D%0Ac\"\r\n\r\nv\r\n\"ok\"\r\n") != NULL);
    CHECK(strstr(got, "name=\"f\"; filename=\"we%22ird%0A.bin\"\r\n"
                      "Content-Type: application/octet-stream\r\n\r\nx\r\n") != NULL);
    free(got);
    body_mp_release(&m);
    payload_free(f);
}

static void multipart_boundary_absent_from_fields(void)
{
    /* Learn the boundary seed 7 draws first, then put it in a field value: the
     * builder must notice and draw another. */
    struct body_multipart m;
    body_mp_init(&m, 7);
    CHECK(body_mp_add_field(&m, "x", "y") == 0);
    CHECK(body_mp_finish(&m, err, sizeof err) == 0);
    char first[BODY_BOUNDARY_LEN + 1];
    memcpy(first, m.boundary, sizeof first);
    body_mp_release(&m);

    char value[128];
    snprintf(value, sizeof value, "before --%s-- after", first);
    body_mp_init(&m, 7);
    CHECK(body_mp_add_field(&m, "x", value) == 0);
    CHECK(body_mp_finish(&m, err, sizeof err) == 0);
    CHECK(strcmp(m.boundary, first) != 0);
    size_t len;
    char *got = concat(&m, &len);
    char delim[64];
    snprintf(delim, sizeof delim, "--%s", m.boundary);
    CHECK_INT(count_of(got, len, m.boundary), 2); /* opening and closing delimiters only */
    CHECK_INT(count_of(got, len, delim), 2);
    CHECK(strstr(got, value) != NULL);
    free(got);

    /* Also when the clash is in a field name. */
    body_mp_release(&m);
    body_mp_init(&m, 7);
    CHECK(body_mp_add_field(&m, first, "v") == 0);
    CHECK(body_mp_finish(&m, err, sizeof err) == 0);
    CHECK(strcmp(m.boundary, first) != 0);
    body_mp_release(&m);
}

static void multipart_edge_cases(void)
{
    struct body_multipart m;
    body_mp_init(&m, 3);
    CHECK(body_mp_finish(&m, err, sizeof err) == 0); /* no parts: only the close */
    size_t len;
    char *got = concat(&m, &len);
    char *want = expand("--{B}--\r\n", m.boundary);
    CHECK_STR(got, want);
    CHECK_INT(m.iovcnt, 1);
    free(got);
    free(want);

    /* An empty file adds no iovec; the headers around it stay in one run. */
    payload *empty = NULL, *one = NULL;
    CHECK(payload_from_text("e.bin", NULL, 0, &empty, err, sizeof err) == 0);
    CHECK(payload_from_text("o.txt", "1", 1, &one, err, sizeof err) == 0);
    body_mp_reset(&m);
    CHECK(body_mp_add_file(&m, "e", payload_item(empty, 0)) == 0);
    CHECK(body_mp_add_file(&m, "o", payload_item(one, 0)) == 0);
    CHECK(body_mp_finish(&m, err, sizeof err) == 0);
    CHECK_INT(m.iovcnt, 3);
    CHECK(m.iov[1].iov_base == (const void *)payload_item(one, 0)->data);
    got = concat(&m, &len);
    want = expand("--{B}\r\n"
                  "Content-Disposition: form-data; name=\"e\"; filename=\"e.bin\"\r\n"
                  "Content-Type: application/octet-stream\r\n\r\n"
                  "\r\n--{B}\r\n"
                  "Content-Disposition: form-data; name=\"o\"; filename=\"o.txt\"\r\n"
                  "Content-Type: text/plain\r\n\r\n"
                  "1\r\n--{B}--\r\n",
                  m.boundary);
    CHECK_STR(got, want);
    CHECK_INT(m.content_length, len);
    free(got);
    free(want);

    /* An add after finish drops the outputs; finish again includes the new part. */
    CHECK(body_mp_add_field(&m, "late", "1") == 0);
    CHECK_INT(m.iovcnt, 0);
    CHECK(m.iov == NULL);
    CHECK(body_mp_finish(&m, err, sizeof err) == 0);
    got = concat(&m, &len);
    CHECK(strstr(got, "name=\"late\"\r\n\r\n1\r\n--") != NULL);
    CHECK_INT(m.content_length, len);
    free(got);

    /* A missing item makes finish fail rather than send a body without the part. */
    body_mp_reset(&m);
    CHECK(body_mp_add_file(&m, "x", NULL) == -1);
    CHECK(body_mp_finish(&m, err, sizeof err) == -1);
    CHECK_INT(m.iovcnt, 0);
    body_mp_reset(&m);
    CHECK(body_mp_finish(&m, err, sizeof err) == 0); /* reset clears the failure */

    body_mp_release(&m);
    body_mp_release(&m); /* twice is fine */
    body_mp_release(NULL);
    payload_free(empty);
    payload_free(one);
}

/* The seed's request: 30 images in one request, 30 parts with the same field name. */
static void multipart_thirty_files(void)
{
    payload *set = NULL;
    CHECK(payload_generate("jpeg", 30, 374000, 11, &set, err, sizeof err) == 0);
    if (!set)
        return;
    struct body_multipart m;
    body_mp_init(&m, 4);
    CHECK(body_mp_add_field(&m, "session", "abc") == 0);
    CHECK(body_mp_add_set(&m, "images", set) == 0);
    CHECK(body_mp_finish(&m, err, sizeof err) == 0);
    CHECK_INT(m.iovcnt, 61);
    for (size_t i = 0; i < 30; i++) {
        const struct payload_item *it = payload_item(set, i);
        CHECK(m.iov[2 * i + 1].iov_base == (const void *)it->data);
        CHECK_INT(m.iov[2 * i + 1].iov_len, it->len);
    }
    CHECK_INT(m.content_length, iov_sum(&m));
    CHECK(m.content_length > payload_total_bytes(set));
    CHECK(m.content_length < payload_total_bytes(set) + 30 * 200);
    size_t len;
    char *got = concat(&m, &len);
    CHECK_INT(count_of(got, len, "name=\"images\"; filename=\"img-0"), 30);
    CHECK_INT(count_of(got, len, "filename=\"img-030.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"),
              1);
    free(got);

    /* Reuse: the next requests allocate nothing and get fresh boundaries. */
    size_t owned = body_mp_owned_bytes(&m);
    char prev[BODY_BOUNDARY_LEN + 1];
    memcpy(prev, m.boundary, sizeof prev);
    for (int r = 0; r < 100; r++) {
        body_mp_reset(&m);
        CHECK(body_mp_add_field(&m, "session", "abd") == 0);
        CHECK(body_mp_add_set(&m, "images", set) == 0);
        CHECK(body_mp_finish(&m, err, sizeof err) == 0);
        CHECK(strcmp(m.boundary, prev) != 0);
        memcpy(prev, m.boundary, sizeof prev);
    }
    CHECK_INT(body_mp_owned_bytes(&m), owned);
    CHECK_INT(m.iovcnt, 61);
    body_mp_release(&m);
    payload_free(set);
}

static long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, rss = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &size, &rss) != 2)
        rss = 0;
    fclose(f);
    return rss * sysconf(_SC_PAGESIZE);
}

/* 1,000 VUs each holding the 30 x 374 KB body: the payload (~11 MB) exists once; the
 * builders add their headers and iovecs only, far below 1000 x 11 MB (and < 50 MB). */
static void thousand_vus_share_the_payload(void)
{
    enum { VUS = 1000 };
    payload *set = NULL;
    CHECK(payload_generate("png", 30, 374000, 12, &set, err, sizeof err) == 0);
    if (!set)
        return;
    struct body_multipart *vus = calloc(VUS, sizeof *vus);
    if (!vus)
        return;
    long rss0 = rss_bytes();
    uint64_t owned = 0, sent = 0;
    for (int v = 0; v < VUS; v++) {
        char sess[32];
        snprintf(sess, sizeof sess, "vu-%d", v);
        body_mp_init(&vus[v], (uint64_t)v + 1);
        CHECK(body_mp_add_field(&vus[v], "session", sess) == 0);
        CHECK(body_mp_add_set(&vus[v], "images", set) == 0);
        CHECK(body_mp_finish(&vus[v], err, sizeof err) == 0);
        owned += body_mp_owned_bytes(&vus[v]);
        sent += vus[v].content_length;
    }
    long rss1 = rss_bytes();
    for (int v = 0; v < VUS; v++) /* every VU's file entries are the one shared copy */
        for (size_t i = 0; i < 30; i++)
            if (vus[v].iov[2 * i + 1].iov_base != (const void *)payload_item(set, i)->data)
                CHECK(0);
    printf("    payload %.1f MB once; %d bodies of %.1f MB each; builders own %.2f MB; "
           "RSS +%.2f MB\n",
           payload_total_bytes(set) / 1e6, VUS, sent / (double)VUS / 1e6, owned / 1e6,
           (rss1 - rss0) / 1e6);
    CHECK(sent > (uint64_t)VUS * payload_total_bytes(set));
    CHECK(owned < 50u * 1000 * 1000);
    CHECK(owned < (uint64_t)VUS * payload_total_bytes(set) / 100); /* < 1% of copying */
    CHECK(rss1 - rss0 < 50L * 1000 * 1000);
    for (int v = 0; v < VUS; v++)
        body_mp_release(&vus[v]);
    free(vus);
    payload_free(set);
}

static const char *urlenc(const struct body_pair *pairs, size_t n)
{
    static char buf[512];
    size_t len = body_urlencode(pairs, n, buf, sizeof buf);
    CHECK_INT(len, strlen(buf));
    return buf;
}

static void urlencoded(void)
{
    struct body_pair p1[] = {{"a", "b"}, {"c d", "e&f=g"}};
    CHECK_STR(urlenc(p1, 2), "a=b&c+d=e%26f%3Dg");
    struct body_pair p2[] = {{"r", "!#$&'()*+,/:;=?@[]~"}};
    CHECK_STR(urlenc(p2, 1), "r=%21%23%24%26%27%28%29*%2B%2C%2F%3A%3B%3D%3F%40%5B%5D%7E");
    struct body_pair p3[] = {{"safe", "AZaz09*-._"}, {"pct", "100%"}, {"q", "\"<>\\^`{|}"}};
    CHECK_STR(urlenc(p3, 3), "safe=AZaz09*-._&pct=100%25&q=%22%3C%3E%5C%5E%60%7B%7C%7D");
    struct body_pair p4[] = {{"name", "caf\xc3\xa9 \xc3\xbc"}, {"\xe6\x97\xa5", "\xe6\x9c\xac"}};
    CHECK_STR(urlenc(p4, 2), "name=caf%C3%A9+%C3%BC&%E6%97%A5=%E6%9C%AC");
    struct body_pair p5[] = {{"x", ""}, {"", ""}, {"y", NULL}};
    CHECK_STR(urlenc(p5, 3), "x=&=&y=");
    struct body_pair p6[] = {{"nl", "a\r\nb\tc"}};
    CHECK_STR(urlenc(p6, 1), "nl=a%0D%0Ab%09c");
    CHECK_STR(urlenc(NULL, 0), "");

    /* Like snprintf: the full length back, a cut but terminated string. */
    char small[6];
    CHECK_INT(body_urlencode(p1, 2, small, sizeof small), 17);
    CHECK_STR(small, "a=b&c");
    CHECK_INT(body_urlencode(p4, 1, small, sizeof small), 21);
    CHECK_STR(small, "name=");
    CHECK_INT(body_urlencode(p1, 2, NULL, 0), 17);
    char one[1] = {'z'};
    CHECK_INT(body_urlencode(p1, 2, one, 1), 17);
    CHECK(one[0] == '\0');
}

int main(void)
{
    RUN(multipart_exact_bytes);
    RUN(multipart_names_escaped);
    RUN(multipart_boundary_absent_from_fields);
    RUN(multipart_edge_cases);
    RUN(multipart_thirty_files);
    RUN(thousand_vus_share_the_payload);
    RUN(urlencoded);
    UNIT_EXIT();
}
