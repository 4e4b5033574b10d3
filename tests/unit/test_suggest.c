/* test_suggest.c — "did you mean": distance limits, case, lengths, lists with a count or NULL end. */
#include "unit.h"
#include "util/suggest.h"

#include <string.h>

static const char *const KEYS[] = {"flows", "scenarios", "target", "status", "stages", NULL};

static void closest(void)
{
    CHECK_STR(suggest_closest("flow", KEYS, -1), "flows");        /* one insertion */
    CHECK_STR(suggest_closest("scenrios", KEYS, -1), "scenarios"); /* one deletion */
    CHECK_STR(suggest_closest("TARGT", KEYS, -1), "target");      /* case-insensitive */
    CHECK_STR(suggest_closest("staus", KEYS, -1), "status");      /* closer than stages */
    CHECK(suggest_closest("xyzzy", KEYS, -1) == NULL);             /* too far */
    CHECK(suggest_closest("s", KEYS, -1) == NULL);   /* a distance as long as the word: no */
    CHECK(suggest_closest("", KEYS, -1) == NULL);
    CHECK_STR(suggest_closest("flwos", KEYS, -1), "flows");       /* a swap is 2 edits */
}

static void counted_and_long(void)
{
    CHECK(suggest_closest("stages", KEYS, 3) == NULL);            /* only the first three */
    CHECK_STR(suggest_closest("stagez", KEYS, 5), "stages");
    char longer[64];
    memset(longer, 'a', 45);
    longer[45] = '\0';
    const char *const L[] = {longer, NULL};
    CHECK(suggest_closest(longer, L, -1) == NULL); /* over 40 characters: never */
}

int main(void)
{
    RUN(closest);
    RUN(counted_and_long);
    UNIT_EXIT();
}
