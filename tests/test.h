/* The CPS test framework: each tests/<module>/test_*.c is one program of TEST(...) cases.
 * A failed check reports file:line and the values, marks the case failed and returns from it.
 * Each program ends with the line "N passed, N failed" that tests/run.sh adds up.
 *
 *   TEST(varuint32_roundtrip) { ASSERT_EQ(1, 1); }
 *   int main(int argc, char **argv) { return test_main(argc, argv); }
 *
 * Cases register themselves through a constructor, so a new TEST needs no list to be updated.
 * `test_main` runs every case in order, or only those whose name contains argv[1]. */
#ifndef CPS_TEST_H
#define CPS_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*test_fn)(void);

struct test_case {
    const char *name;
    test_fn fn;
    struct test_case *next;
};

/* Registry and per-case state; defined once per program (static in the header: one TU per test). */
static struct test_case *test__head, **test__tail = &test__head;
static int test__failed_now;
static int test__checks;

static inline void test__register(struct test_case *tc)
{
    *test__tail = tc;
    test__tail = &tc->next;
}

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    static struct test_case test_case_##name = {#name, test_##name, NULL};                         \
    __attribute__((constructor)) static void test_register_##name(void)                            \
    {                                                                                              \
        test__register(&test_case_##name);                                                         \
    }                                                                                              \
    static void test_##name(void)

#define TEST_FAIL_(...)                                                                            \
    do {                                                                                           \
        fprintf(stderr, "    %s:%d: ", __FILE__, __LINE__);                                        \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        test__failed_now = 1;                                                                      \
        return;                                                                                    \
    } while (0)

#define ASSERT(cond)                                                                               \
    do {                                                                                           \
        test__checks++;                                                                            \
        if (!(cond)) TEST_FAIL_("assertion failed: %s", #cond);                                    \
    } while (0)

#define ASSERT_MSG(cond, ...)                                                                      \
    do {                                                                                           \
        test__checks++;                                                                            \
        if (!(cond)) TEST_FAIL_(__VA_ARGS__);                                                      \
    } while (0)

#define ASSERT_EQ(a, b)                                                                            \
    do {                                                                                           \
        long long test_a_ = (long long)(a), test_b_ = (long long)(b);                              \
        test__checks++;                                                                            \
        if (test_a_ != test_b_) TEST_FAIL_("%s == %s: %lld != %lld", #a, #b, test_a_, test_b_);    \
    } while (0)

#define ASSERT_NE(a, b)                                                                            \
    do {                                                                                           \
        long long test_a_ = (long long)(a), test_b_ = (long long)(b);                              \
        test__checks++;                                                                            \
        if (test_a_ == test_b_) TEST_FAIL_("%s != %s: both %lld", #a, #b, test_a_);                \
    } while (0)

#define ASSERT_U64_EQ(a, b)                                                                        \
    do {                                                                                           \
        uint64_t test_a_ = (uint64_t)(a), test_b_ = (uint64_t)(b);                                 \
        test__checks++;                                                                            \
        if (test_a_ != test_b_)                                                                    \
            TEST_FAIL_("%s == %s: 0x%016" PRIx64 " != 0x%016" PRIx64, #a, #b, test_a_, test_b_);   \
    } while (0)

/* 0 is success in CPS; on failure this prints the code. */
#define ASSERT_OK(expr)                                                                            \
    do {                                                                                           \
        long long test_r_ = (long long)(expr);                                                     \
        test__checks++;                                                                            \
        if (test_r_ != 0) TEST_FAIL_("%s returned %lld, expected 0", #expr, test_r_);              \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                                        \
    do {                                                                                           \
        const char *test_a_ = (a), *test_b_ = (b);                                                 \
        test__checks++;                                                                            \
        if (test_a_ == NULL || test_b_ == NULL || strcmp(test_a_, test_b_) != 0)                   \
            TEST_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, test_a_ ? test_a_ : "(null)",         \
                       test_b_ ? test_b_ : "(null)");                                              \
    } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                                     \
    do {                                                                                           \
        size_t test_n_ = (size_t)(n);                                                              \
        test__checks++;                                                                            \
        if (memcmp((a), (b), test_n_) != 0) TEST_FAIL_("%s == %s over %zu bytes", #a, #b, test_n_); \
    } while (0)

/* True when the string `hay` contains `needle` (for checking error messages). */
static inline int test_contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}

#define ASSERT_CONTAINS(hay, needle)                                                               \
    do {                                                                                           \
        const char *test_h_ = (hay), *test_n_ = (needle);                                          \
        test__checks++;                                                                            \
        if (!test_contains(test_h_, test_n_))                                                      \
            TEST_FAIL_("\"%s\" does not contain \"%s\"", test_h_ ? test_h_ : "(null)", test_n_);   \
    } while (0)

static inline int test_main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    const char *filter = argc > 1 ? argv[1] : NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (struct test_case *tc = test__head; tc; tc = tc->next) {
        if (filter && !strstr(tc->name, filter)) continue;
        test__failed_now = 0;
        tc->fn();
        if (test__failed_now) {
            failed++;
            printf("  FAIL %s\n", tc->name);
        } else {
            passed++;
            if (getenv("TEST_VERBOSE")) printf("  ok   %s\n", tc->name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
