/* suggest.c — the closest valid name to a misspelt one (Levenshtein distance). */
#include "util/suggest.h"

#include <ctype.h>
#include <string.h>

/* Levenshtein distance, case-insensitive, giving up (3) where it cannot be <= 2. */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40 || (la > lb ? la - lb : lb - la) > 2)
        return 3;
    int row[42];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int v = diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
        }
    }
    return row[lb];
}

const char *suggest_closest(const char *s, const char *const *valid, int n)
{
    const char *best = NULL;
    int bestd = 3;
    size_t ls = strlen(s);
    for (int i = 0; n < 0 ? valid[i] != NULL : i < n; i++) {
        int d = distance(s, valid[i]);
        if (d < bestd && (size_t)d < ls && (size_t)d < strlen(valid[i])) {
            best = valid[i];
            bestd = d;
        }
    }
    return best;
}
