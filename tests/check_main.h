/* The main() every Check suite shares: run the suite the file builds with
 * make_suite() and exit non-zero on any failure. */
#ifndef W32MEM_CHECK_MAIN_H
#define W32MEM_CHECK_MAIN_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static Suite *make_suite(void);

int main(void)
{
    SRunner *runner = srunner_create(make_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Sanitizers reserve terabytes of shadow memory: an address-space limit
 * starves them, so tests that set one skip themselves under a sanitizer. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

/* Under valgrind (make check-valgrind) a few tests cannot run: each says why
 * where it skips itself. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef UNDER_VALGRIND
#define UNDER_VALGRIND (getenv("W32MEM_UNDER_VALGRIND") != NULL)
#endif

/* This test program, for a child to run again with execl.  Under valgrind
 * /proc/self/exe is valgrind itself, but valgrind answers readlink on it
 * with the program. */
static inline void test_program_path(char *path, size_t size)
{
    ssize_t length = UNDER_VALGRIND ? readlink("/proc/self/exe", path, size - 1) : -1;
    if (length <= 0)
        snprintf(path, size, "/proc/self/exe");
    else
        path[length] = '\0';
}

/* Around a call that is meant to touch inaccessible memory (and get the
 * Windows error for it): memcheck would report the access as an error. */
#ifdef VALGRIND_DISABLE_ERROR_REPORTING
#define DELIBERATE_BAD_ACCESS_BEGIN() VALGRIND_DISABLE_ERROR_REPORTING
#define DELIBERATE_BAD_ACCESS_END() VALGRIND_ENABLE_ERROR_REPORTING
#else
#define DELIBERATE_BAD_ACCESS_BEGIN() ((void)0)
#define DELIBERATE_BAD_ACCESS_END() ((void)0)
#endif

#define ck_assert_last_error(expected) \
    ck_assert_msg(GetLastError() == (DWORD)(expected), "GetLastError() = %u, expected %u (%s)", \
                  (unsigned)GetLastError(), (unsigned)(expected), #expected)

#endif
