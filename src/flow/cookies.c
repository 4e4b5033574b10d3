/* cookies.c — the per-VU cookie jar: Set-Cookie parsing, storage, Cookie header building. */
#include "flow/cookies.h"

#include "util/sbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DOMAIN 255
#define MAX_PATH 1024

struct cookie {
    int64_t expires;    /* unix seconds; INT64_MAX for a session cookie */
    uint32_t seq;       /* creation order in the jar (kept on replacement) */
    uint16_t name_len;  /* data[0..name_len) is the name */
    uint16_t value_len; /* data[name_len+1..) is the value */
    uint16_t domain_len;
    uint16_t path_len;
    uint8_t secure;    /* send over https only */
    uint8_t host_only; /* no Domain attribute: the exact host only */
    uint8_t http_only; /* kept for completeness; every request of ours is HTTP */
    char data[];       /* "name=value" NUL domain NUL path NUL */
};

struct cookiejar {
    struct cookie **v; /* sorted: longer paths first, then lower seq */
    uint32_t n;        /* cookies in v */
    uint32_t cap;      /* slots in v */
    uint32_t seq;      /* next creation number */
};

static const char *c_domain(const struct cookie *c)
{
    return c->data + c->name_len + 1 + c->value_len + 1;
}

static const char *c_path(const struct cookie *c)
{
    return c_domain(c) + c->domain_len + 1;
}

cookiejar *cookiejar_new(void)
{
    return calloc(1, sizeof(cookiejar));
}

void cookiejar_clear(cookiejar *j)
{
    for (uint32_t i = 0; i < j->n; i++)
        free(j->v[i]);
    j->n = 0;
}

void cookiejar_free(cookiejar *j)
{
    if (!j)
        return;
    cookiejar_clear(j);
    free(j->v);
    free(j);
}

size_t cookiejar_count(const cookiejar *j)
{
    return j->n;
}

/* ---- dates (RFC 6265 5.1.1) ---- */

static int is_delim(unsigned char ch)
{
    return ch == 0x09 || (ch >= 0x20 && ch <= 0x2f) || (ch >= 0x3b && ch <= 0x40) ||
           (ch >= 0x5b && ch <= 0x60) || (ch >= 0x7b && ch <= 0x7e);
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* 1*2DIGIT (or min..max digits) at t[*k], not followed by another digit. */
static int digits(const char *t, size_t n, size_t *k, int min, int max, int *out)
{
    int v = 0, d = 0;
    while (*k < n && is_digit(t[*k]) && d < max)
        v = v * 10 + (t[(*k)++] - '0'), d++;
    if (d < min || (*k < n && is_digit(t[*k])))
        return 0;
    *out = v;
    return 1;
}

static int match_time(const char *t, size_t n, int *h, int *m, int *s)
{
    size_t k = 0;
    if (!digits(t, n, &k, 1, 2, h) || k >= n || t[k++] != ':')
        return 0;
    if (!digits(t, n, &k, 1, 2, m) || k >= n || t[k++] != ':')
        return 0;
    return digits(t, n, &k, 1, 2, s);
}

static int match_month(const char *t, size_t n)
{
    static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    if (n < 3)
        return 0;
    for (int i = 0; i < 12; i++)
        if (!strncasecmp(t, months + 3 * i, 3))
            return i + 1;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : dm[m - 1];
}

int cookiejar_parse_date(const char *s, size_t n, int64_t *out)
{
    int found_time = 0, found_dom = 0, found_month = 0, found_year = 0;
    int hh = 0, mm = 0, ss = 0, dom = 0, month = 0, year = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && is_delim((unsigned char)s[i]))
            i++;
        size_t start = i;
        while (i < n && !is_delim((unsigned char)s[i]))
            i++;
        const char *t = s + start;
        size_t tn = i - start, k = 0;
        if (!tn)
            break;
        if (!found_time && match_time(t, tn, &hh, &mm, &ss))
            found_time = 1;
        else if (!found_dom && digits(t, tn, &k, 1, 2, &dom))
            found_dom = 1;
        else if (!found_month && (month = match_month(t, tn)))
            found_month = 1;
        else if (!found_year && (k = 0, digits(t, tn, &k, 2, 4, &year)))
            found_year = 1;
    }
    if (!found_time || !found_dom || !found_month || !found_year)
        return -EINVAL;
    if (year >= 70 && year <= 99)
        year += 1900;
    else if (year >= 0 && year <= 69)
        year += 2000;
    if (dom < 1 || dom > days_in_month(year, month) || year < 1601 || hh > 23 || mm > 59 || ss > 59)
        return -EINVAL;
    *out = days_from_civil(year, month, dom) * 86400 + hh * 3600 + mm * 60 + ss;
    return 0;
}

/* ---- matching ---- */

static int is_ip(const char *h, size_t n)
{
    if (memchr(h, ':', n))
        return 1;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(h[i]) && h[i] != '.')
            return 0;
    return n > 0;
}

/* RFC 6265 5.1.3, case-insensitive: host equals domain, or ends with "." domain and is not
 * an IP literal. */
static int domain_match(const char *host, size_t hn, const char *dom, size_t dn)
{
    if (hn == dn)
        return !strncasecmp(host, dom, hn);
    if (hn < dn + 1 || dn == 0 || host[hn - dn - 1] != '.')
        return 0;
    return !strncasecmp(host + hn - dn, dom, dn) && !is_ip(host, hn);
}

/* RFC 6265 5.1.4. */
static int path_match(const char *req, size_t rn, const char *cp, size_t cn)
{
    if (rn < cn || memcmp(req, cp, cn))
        return 0;
    return rn == cn || cp[cn - 1] == '/' || req[cn] == '/';
}

/* The path part of a request target: up to '?' or '#'; "/" when empty or not absolute. */
static const char *uri_path(const char *p, size_t *n)
{
    if (!p || p[0] != '/') {
        *n = 1;
        return "/";
    }
    *n = strcspn(p, "?#");
    return p;
}

/* ---- storing ---- */

static int is_ws(char ch)
{
    return ch == ' ' || ch == '\t';
}

static void trim(const char **p, const char **e)
{
    while (*p < *e && is_ws(**p))
        (*p)++;
    while (*e > *p && is_ws((*e)[-1]))
        (*e)--;
}

static int has_ctl(const char *p, const char *e)
{
    for (; p < e; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
            return 1;
    return 0;
}

static int attr_is(const char *p, const char *e, const char *name)
{
    size_t n = strlen(name);
    return (size_t)(e - p) == n && !strncasecmp(p, name, n);
}

/* Parse "[-]digits" into a clamped delta; 0 when malformed. */
static int parse_max_age(const char *p, const char *e, int64_t *out)
{
    int neg = 0;
    if (p < e && *p == '-')
        neg = 1, p++;
    if (p == e)
        return 0;
    int64_t v = 0;
    for (; p < e; p++) {
        if (!is_digit(*p))
            return 0;
        if (v < INT64_MAX / 20)
            v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return 1;
}

static void remove_at(cookiejar *j, uint32_t i)
{
    free(j->v[i]);
    memmove(j->v + i, j->v + i + 1, (j->n - i - 1) * sizeof *j->v);
    j->n--;
}

static void prune(cookiejar *j, int64_t now_s)
{
    uint32_t w = 0;
    for (uint32_t i = 0; i < j->n; i++) {
        if (j->v[i]->expires <= now_s)
            free(j->v[i]);
        else
            j->v[w++] = j->v[i];
    }
    j->n = w;
}

int cookiejar_set(cookiejar *j, const char *set_cookie, const char *req_host, const char *req_path,
                  int64_t now_s)
{
    if (!set_cookie || !req_host)
        return -EINVAL;
    size_t hn = strlen(req_host);
    if (hn == 0 || hn > MAX_DOMAIN)
        return -EINVAL;

    /* name=value */
    const char *end = set_cookie + strlen(set_cookie);
    const char *semi = memchr(set_cookie, ';', (size_t)(end - set_cookie));
    const char *nv_end = semi ? semi : end;
    const char *eq = memchr(set_cookie, '=', (size_t)(nv_end - set_cookie));
    if (!eq)
        return -EINVAL;
    const char *np = set_cookie, *ne = eq, *vp = eq + 1, *ve = nv_end;
    trim(&np, &ne);
    trim(&vp, &ve);
    if (np == ne || has_ctl(np, ne) || has_ctl(vp, ve) ||
        (size_t)(ne - np) + (size_t)(ve - vp) + 1 > COOKIEJAR_MAX_COOKIE)
        return -EINVAL;

    /* attributes: the last of each kind wins */
    int have_expires = 0, have_max_age = 0, secure = 0, http_only = 0;
    int64_t expires = 0, max_age = 0;
    const char *dp = NULL, *de = NULL, *pp = NULL, *pe = NULL;
    for (const char *a = semi; a && a < end;) {
        a++;
        const char *ae = memchr(a, ';', (size_t)(end - a));
        if (!ae)
            ae = end;
        const char *kp = a, *ke = memchr(a, '=', (size_t)(ae - a)), *av = ae, *ave = ae;
        if (ke)
            av = ke + 1;
        else
            ke = ae;
        trim(&kp, &ke);
        trim(&av, &ave);
        int64_t t;
        if (ave - av > 1024) {
            /* ignored, like RFC 6265bis */
        } else if (attr_is(kp, ke, "expires")) {
            if (!cookiejar_parse_date(av, (size_t)(ave - av), &t))
                have_expires = 1, expires = t;
        } else if (attr_is(kp, ke, "max-age")) {
            if (parse_max_age(av, ave, &t))
                have_max_age = 1, max_age = t;
        } else if (attr_is(kp, ke, "domain")) {
            if (av < ave) { /* an empty value is ignored (RFC 6265 5.2.3) */
                if (*av == '.')
                    av++; /* "Domain=." leaves it empty: host-only */
                if (ave - av <= MAX_DOMAIN)
                    dp = av, de = ave;
            }
        } else if (attr_is(kp, ke, "path")) {
            if (av < ave && *av == '/')
                pp = av, pe = ave;
            else
                pp = pe = NULL;
        } else if (attr_is(kp, ke, "secure")) {
            secure = 1;
        } else if (attr_is(kp, ke, "httponly")) {
            http_only = 1;
        }
        a = ae;
    }

    int64_t exp = INT64_MAX;
    if (have_max_age)
        exp = max_age <= 0 ? INT64_MIN
                           : (now_s > INT64_MAX - max_age ? INT64_MAX - 1 : now_s + max_age);
    else if (have_expires)
        exp = expires;

    /* domain */
    int host_only = 1;
    const char *domain = req_host;
    size_t dn = hn;
    if (dp && dp < de) {
        if (has_ctl(dp, de) || !domain_match(req_host, hn, dp, (size_t)(de - dp)))
            return -EINVAL;
        host_only = 0;
        domain = dp;
        dn = (size_t)(de - dp);
    }

    /* path */
    const char *path;
    size_t pn;
    if (pp) {
        path = pp;
        pn = (size_t)(pe - pp);
        if (pn > MAX_PATH || has_ctl(pp, pe))
            return -EINVAL;
    } else {
        path = uri_path(req_path, &pn);
        const char *slash = pn ? path + pn - 1 : path;
        while (slash > path && *slash != '/')
            slash--;
        pn = slash > path ? (size_t)(slash - path) : 1;
        if (pn == 1)
            path = "/";
        if (pn > MAX_PATH)
            return -EINVAL;
    }

    /* same name, domain and path? */
    size_t name_n = (size_t)(ne - np), value_n = (size_t)(ve - vp);
    uint32_t found = UINT32_MAX;
    for (uint32_t i = 0; i < j->n; i++) {
        const struct cookie *c = j->v[i];
        if (c->name_len == name_n && !memcmp(c->data, np, name_n) && c->domain_len == dn &&
            !strncasecmp(c_domain(c), domain, dn) && c->path_len == pn &&
            !memcmp(c_path(c), path, pn)) {
            found = i;
            break;
        }
    }
    if (exp <= now_s) {
        if (found != UINT32_MAX)
            remove_at(j, found);
        return 0;
    }

    struct cookie *c = malloc(sizeof *c + name_n + 1 + value_n + 1 + dn + 1 + pn + 1);
    if (!c)
        return -ENOMEM;
    c->expires = exp;
    c->name_len = (uint16_t)name_n;
    c->value_len = (uint16_t)value_n;
    c->domain_len = (uint16_t)dn;
    c->path_len = (uint16_t)pn;
    c->secure = (uint8_t)secure;
    c->host_only = (uint8_t)host_only;
    c->http_only = (uint8_t)http_only;
    char *w = c->data;
    memcpy(w, np, name_n), w += name_n, *w++ = '=';
    memcpy(w, vp, value_n), w += value_n, *w++ = '\0';
    for (size_t i = 0; i < dn; i++)
        *w++ = (char)((domain[i] >= 'A' && domain[i] <= 'Z') ? domain[i] + 32 : domain[i]);
    *w++ = '\0';
    memcpy(w, path, pn), w += pn, *w = '\0';

    if (found != UINT32_MAX) {
        c->seq = j->v[found]->seq; /* keeps its creation time, and so its place */
        free(j->v[found]);
        j->v[found] = c;
        return 0;
    }

    prune(j, now_s);
    if (j->n >= COOKIEJAR_MAX) {
        uint32_t oldest = 0;
        for (uint32_t i = 1; i < j->n; i++)
            if (j->v[i]->seq < j->v[oldest]->seq)
                oldest = i;
        remove_at(j, oldest);
    }
    if (j->n == j->cap) {
        uint32_t cap = j->cap ? j->cap * 2 : 4;
        struct cookie **nv = realloc(j->v, cap * sizeof *nv);
        if (!nv) {
            free(c);
            return -ENOMEM;
        }
        j->v = nv;
        j->cap = cap;
    }
    c->seq = j->seq++;
    uint32_t at = 0;
    while (at < j->n && j->v[at]->path_len >= pn)
        at++;
    memmove(j->v + at + 1, j->v + at, (j->n - at) * sizeof *j->v);
    j->v[at] = c;
    j->n++;
    return 0;
}

/* Whether the explicit "a=1; b=2" pairs name `name` (n bytes). */
static int pairs_name(const char *pairs, size_t plen, const char *name, size_t n)
{
    size_t i = 0;
    while (i < plen) {
        while (i < plen && (pairs[i] == ' ' || pairs[i] == '\t' || pairs[i] == ';'))
            i++;
        size_t s = i;
        while (i < plen && pairs[i] != '=' && pairs[i] != ';')
            i++;
        size_t e = i;
        while (e > s && (pairs[e - 1] == ' ' || pairs[e - 1] == '\t'))
            e--;
        if (e > s && e - s == n && !memcmp(pairs + s, name, n))
            return 1;
        while (i < plen && pairs[i] != ';')
            i++;
    }
    return 0;
}

/* The cookies the jar sends to host for path (NULL: any path), in sending order. */
static int sendable(const struct cookie *c, const char *host, size_t hn, const char *req, size_t rn,
                    int https, int64_t now_s)
{
    if (c->expires <= now_s || (c->secure && !https))
        return 0;
    if (c->host_only ? (hn != c->domain_len || strncasecmp(host, c_domain(c), hn))
                     : !domain_match(host, hn, c_domain(c), c->domain_len))
        return 0;
    return !req || path_match(req, rn, c_path(c), c->path_len);
}

static int header(const cookiejar *j, const char *host, const char *path, int https, int64_t now_s,
                  const char *skip, size_t skiplen, int written, struct sbuf *out)
{
    size_t entry = out->len, hn = strlen(host), rn;
    const char *req = uri_path(path, &rn);
    for (uint32_t i = 0; i < j->n; i++) {
        const struct cookie *c = j->v[i];
        if (!sendable(c, host, hn, req, rn, https, now_s))
            continue;
        if (skip && pairs_name(skip, skiplen, c->data, c->name_len))
            continue;
        int rc = written ? sbuf_append(out, "; ", 2) : 0;
        if (!rc)
            rc = sbuf_append(out, c->data, (size_t)c->name_len + 1 + c->value_len);
        if (rc) {
            sbuf_truncate(out, entry);
            return rc;
        }
        written++;
    }
    return written;
}

int cookiejar_header(const cookiejar *j, const char *host, const char *path, int https,
                     int64_t now_s, struct sbuf *out)
{
    return header(j, host, path, https, now_s, NULL, 0, 0, out);
}

int cookiejar_header_merge(const cookiejar *j, const char *host, const char *path, int https,
                           int64_t now_s, const char *explicit_pairs, size_t n, struct sbuf *out)
{
    size_t entry = out->len;
    while (n && (*explicit_pairs == ' ' || *explicit_pairs == '\t' || *explicit_pairs == ';'))
        explicit_pairs++, n--;
    while (n && (explicit_pairs[n - 1] == ' ' || explicit_pairs[n - 1] == '\t' ||
                 explicit_pairs[n - 1] == ';'))
        n--;
    int rc = sbuf_append(out, explicit_pairs, n);
    if (rc)
        return rc;
    rc = header(j, host, path, https, now_s, explicit_pairs, n, n ? 1 : 0, out);
    if (rc < 0)
        sbuf_truncate(out, entry);
    return rc; /* counts the explicit pairs as 1 */
}

const char *cookiejar_get(const cookiejar *j, const char *host, const char *path, int https,
                          int64_t now_s, const char *name, size_t *len)
{
    size_t hn = strlen(host), nn = strlen(name), rn = 0;
    const char *req = path ? uri_path(path, &rn) : NULL;
    for (uint32_t i = 0; i < j->n; i++) {
        const struct cookie *c = j->v[i];
        if (c->name_len != nn || memcmp(c->data, name, nn) ||
            !sendable(c, host, hn, req, rn, https, now_s))
            continue;
        *len = c->value_len;
        return c->data + c->name_len + 1;
    }
    return NULL;
}
