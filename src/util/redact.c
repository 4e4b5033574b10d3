/* redact.c — showing secret header values as a prefix and a length; the registry of
 * secret values (${env.*}) scrubbed from what surge prints. */
#include "util/redact.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/sbuf.h"

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static char *extra_names[REDACT_MAX_HEADERS];
static int nextra;

int redact_add_header(const char *name)
{
    if (!name || !name[0])
        return -EINVAL;
    for (const char *c = name; *c; c++)
        if (*c <= ' ' || *c >= 127 || strchr("()<>@,;:\\\"/[]?={}", *c))
            return -EINVAL;
    int rc = 0;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < nextra; i++)
        if (!strcasecmp(extra_names[i], name))
            goto out;
    if (nextra == REDACT_MAX_HEADERS)
        rc = -ENOSPC;
    else if (!(extra_names[nextra] = strdup(name)))
        rc = -ENOMEM;
    else
        nextra++;
out:
    pthread_mutex_unlock(&reg_mu);
    return rc;
}

static int extra_name(const char *name)
{
    int found = 0;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < nextra && !found; i++)
        found = !strcasecmp(extra_names[i], name);
    pthread_mutex_unlock(&reg_mu);
    return found;
}

enum redact_kind redact_header_kind(const char *name)
{
    if (!strcasecmp(name, "Cookie") || !strcasecmp(name, "Set-Cookie"))
        return REDACT_COOKIES;
    if (!strcasecmp(name, "Authorization") || !strcasecmp(name, "Proxy-Authorization") ||
        strcasestr(name, "key") || strcasestr(name, "token") || strcasestr(name, "secret") ||
        extra_name(name))
        return REDACT_WHOLE;
    return REDACT_NONE;
}

int redact_value(struct sbuf *out, const char *v, size_t n)
{
    size_t entry = out->len;
    int rc = 0;
    if (n > 2 * REDACT_KEEP)
        for (size_t i = 0; i < REDACT_KEEP && !rc; i++)
            rc = sbuf_putc(out, v[i] > ' ' && v[i] < 0x7f ? v[i] : '?');
    if (!rc)
        rc = sbuf_printf(out, "...(%zu byte%s)", n, n == 1 ? "" : "s");
    if (rc)
        sbuf_truncate(out, entry);
    return rc;
}

/* "name=value" pairs separated by ';': names as they are, values redacted; with
 * first_only, pairs after the first (Set-Cookie attributes) as they are. */
static int cookie_pairs(struct sbuf *out, const char *v, size_t n, int first_only)
{
    size_t i = 0;
    int rc = 0, pair = 0;
    while (i < n && !rc) {
        size_t s = i;
        while (s < n && (v[s] == ' ' || v[s] == '\t'))
            s++;
        if ((rc = sbuf_append(out, v + i, s - i))) /* blanks after the ';' as they are */
            break;
        i = s;
        while (i < n && v[i] != ';')
            i++;
        const char *eq = NULL;
        for (size_t k = s; k < i; k++)
            if (v[k] == '=') {
                eq = v + k;
                break;
            }
        if (first_only && pair > 0) {
            rc = sbuf_append(out, v + s, i - s);
        } else if (eq) {
            size_t vs = (size_t)(eq + 1 - v);
            rc = sbuf_append(out, v + s, vs - s);
            if (!rc)
                rc = redact_value(out, v + vs, i - vs);
        } else {
            rc = redact_value(out, v + s, i - s);
        }
        if (!rc && i < n)
            rc = sbuf_putc(out, ';');
        i += i < n;
        pair++;
    }
    return rc;
}

int redact_header(struct sbuf *out, const char *name, const char *v, size_t n)
{
    size_t entry = out->len;
    int rc;
    switch (redact_header_kind(name)) {
    case REDACT_WHOLE:
        rc = redact_value(out, v, n);
        break;
    case REDACT_COOKIES:
        rc = cookie_pairs(out, v, n, !strcasecmp(name, "Set-Cookie"));
        break;
    default:
        rc = sbuf_append(out, v, n);
    }
    if (rc)
        sbuf_truncate(out, entry);
    return rc;
}

/* ---- the registry of secret values ---- */

static char *secrets[REDACT_MAX_SECRETS];
static size_t secret_len[REDACT_MAX_SECRETS];
static int nsecrets;

int redact_add_secret(const char *v)
{
    size_t n = v ? strlen(v) : 0;
    if (n < REDACT_MIN_SECRET)
        return 0;
    int rc = 0;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < nsecrets; i++)
        if (secret_len[i] == n && !memcmp(secrets[i], v, n))
            goto out;
    if (nsecrets == REDACT_MAX_SECRETS) {
        rc = -ENOSPC;
        goto out;
    }
    if (!(secrets[nsecrets] = strdup(v))) {
        rc = -ENOMEM;
        goto out;
    }
    secret_len[nsecrets++] = n;
out:
    pthread_mutex_unlock(&reg_mu);
    return rc;
}

/* The registered secret starting at s (n bytes left), or -1. Longest first wins. */
static int secret_at(const char *s, size_t n)
{
    int best = -1;
    for (int i = 0; i < nsecrets; i++)
        if (secret_len[i] <= n && !memcmp(s, secrets[i], secret_len[i]) &&
            (best < 0 || secret_len[i] > secret_len[best]))
            best = i;
    return best;
}

int redact_scrub(struct sbuf *out, const char *s, size_t n)
{
    size_t entry = out->len, run = 0;
    int rc = 0;
    pthread_mutex_lock(&reg_mu);
    for (size_t i = 0; i < n && !rc;) {
        int k = nsecrets ? secret_at(s + i, n - i) : -1;
        if (k < 0) {
            i++;
            continue;
        }
        rc = sbuf_append(out, s + run, i - run);
        if (!rc)
            rc = sbuf_puts(out, "...(secret)");
        i += secret_len[k];
        run = i;
    }
    if (!rc)
        rc = sbuf_append(out, s + run, n - run);
    pthread_mutex_unlock(&reg_mu);
    if (rc)
        sbuf_truncate(out, entry);
    return rc;
}

void redact_scrub_str(char *buf, size_t cap)
{
    struct sbuf o = SBUF_INIT;
    size_t n = strnlen(buf, cap);
    if (!redact_scrub(&o, buf, n) && (o.len != n || memcmp(o.buf, buf, n))) {
        size_t c = o.len < cap - 1 ? o.len : cap - 1;
        memcpy(buf, o.buf, c);
        buf[c] = '\0';
    }
    sbuf_free(&o);
}

void redact_clear_secrets(void)
{
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < nsecrets; i++)
        free(secrets[i]);
    nsecrets = 0;
    pthread_mutex_unlock(&reg_mu);
}
