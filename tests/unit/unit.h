/* unit.h — the minimal unit-test harness: CHECK macros and a runner printing
 * "PASS name" / "FAIL name" lines that tests/run counts. */
#ifndef SURGE_TESTS_UNIT_H
#define SURGE_TESTS_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_case_failed; /* set by a failing CHECK in the running case */
static int unit_failures;    /* cases that failed so far */

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            printf("    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);      \
            unit_case_failed = 1;                                                    \
        }                                                                            \
    } while (0)

#define CHECK_INT(a, b)                                                              \
    do {                                                                             \
        long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);                \
        if (unit_a_ != unit_b_) {                                                    \
            printf("    %s:%d: %s == %lld, expected %s == %lld\n", __FILE__,         \
                   __LINE__, #a, unit_a_, #b, unit_b_);                              \
            unit_case_failed = 1;                                                    \
        }                                                                            \
    } while (0)

#define CHECK_STR(a, b)                                                              \
    do {                                                                             \
        const char *unit_a_ = (a), *unit_b_ = (b);                                   \
        if (!unit_a_ || !unit_b_ || strcmp(unit_a_, unit_b_) != 0) {                 \
            printf("    %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__,  \
                   #a, unit_a_ ? unit_a_ : "(null)", unit_b_ ? unit_b_ : "(null)");  \
            unit_case_failed = 1;                                                    \
        }                                                                            \
    } while (0)

#define CHECK_NEAR(a, b, eps)                                                        \
    do {                                                                             \
        double unit_a_ = (a), unit_b_ = (b), unit_e_ = (eps);                        \
        if (!(unit_a_ - unit_b_ <= unit_e_ && unit_b_ - unit_a_ <= unit_e_)) {       \
            printf("    %s:%d: %s == %g, expected %g +- %g\n", __FILE__, __LINE__,   \
                   #a, unit_a_, unit_b_, unit_e_);                                   \
            unit_case_failed = 1;                                                    \
        }                                                                            \
    } while (0)

#define RUN(fn)                                                                      \
    do {                                                                             \
        unit_case_failed = 0;                                                        \
        fn();                                                                        \
        printf("%s %s\n", unit_case_failed ? "FAIL" : "PASS", #fn);                  \
        unit_failures += unit_case_failed;                                           \
        fflush(stdout);                                                              \
    } while (0)

/* For the parsers compiled as `int fn(const char *src, T **out, char *err, int errlen,
 * int *err_col)`: every entry of the array `cases` ({src, col, msg}) must fail with
 * -EINVAL at column col with a message containing msg, leaving *out untouched. */
#define CHECK_COMPILE_ERRORS(cases, T, fn)                                           \
    do {                                                                             \
        for (size_t i_ = 0; i_ < sizeof(cases) / sizeof((cases)[0]); i_++) {        \
            T *o_ = (T *)&(cases); /* must stay untouched */                         \
            char err_[128] = "";                                                     \
            int col_ = -1;                                                           \
            int rc_ = fn((cases)[i_].src, &o_, err_, sizeof err_, &col_);            \
            if (rc_ != -EINVAL || col_ != (cases)[i_].col ||                         \
                !strstr(err_, (cases)[i_].msg) || o_ != (T *)&(cases))               \
                printf("    case %zu \"%s\": rc %d col %d (want %d) \"%s\" "         \
                       "(want \"%s\")\n",                                            \
                       i_, (cases)[i_].src, rc_, col_, (cases)[i_].col, err_,        \
                       (cases)[i_].msg);                                             \
            CHECK(rc_ == -EINVAL && col_ == (cases)[i_].col &&                       \
                  strstr(err_, (cases)[i_].msg));                                    \
            CHECK(o_ == (T *)&(cases));                                              \
        }                                                                            \
    } while (0)

#define UNIT_EXIT() return unit_failures ? 1 : 0

#endif
