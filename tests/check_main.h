/* The main() every Check suite shares: run the suite the file builds with
 * make_suite() and exit non-zero on any failure. */
#ifndef W32MEM_CHECK_MAIN_H
#define W32MEM_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static Suite *make_suite(void);

int main(void)
{
    SRunner *runner = srunner_create(make_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#define ck_assert_last_error(expected) \
    ck_assert_msg(GetLastError() == (DWORD)(expected), "GetLastError() = %u, expected %u (%s)", \
                  (unsigned)GetLastError(), (unsigned)(expected), #expected)

#endif
