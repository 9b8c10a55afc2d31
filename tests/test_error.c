/* GetLastError/SetLastError are per thread; errno translates to ERROR_*. */
#include <errno.h>
#include <pthread.h>
#include <windows.h>

#include "check_main.h"
#include "error.h"

START_TEST(last_error_round_trips)
{
    SetLastError(ERROR_INVALID_ADDRESS);
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    SetLastError(0xffffffffu);
    ck_assert_uint_eq(GetLastError(), 0xffffffffu);
    SetLastError(ERROR_SUCCESS);
    ck_assert_last_error(ERROR_SUCCESS);
}
END_TEST

static void *set_in_thread(void *argument)
{
    ck_assert_last_error(0);             /* a new thread starts clean */
    SetLastError((DWORD)(uintptr_t)argument);
    return (void *)(uintptr_t)GetLastError();
}

START_TEST(last_error_is_per_thread)
{
    SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    pthread_t thread;
    void *seen;
    ck_assert_int_eq(pthread_create(&thread, NULL, set_in_thread, (void *)(uintptr_t)ERROR_ACCESS_DENIED), 0);
    pthread_join(thread, &seen);
    ck_assert_uint_eq((uintptr_t)seen, ERROR_ACCESS_DENIED);
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
}
END_TEST

START_TEST(errno_translation)
{
    ck_assert_uint_eq(error_from_errno(0), ERROR_SUCCESS);
    ck_assert_uint_eq(error_from_errno(ENOENT), ERROR_FILE_NOT_FOUND);
    ck_assert_uint_eq(error_from_errno(EACCES), ERROR_ACCESS_DENIED);
    ck_assert_uint_eq(error_from_errno(EPERM), ERROR_ACCESS_DENIED);
    ck_assert_uint_eq(error_from_errno(EBADF), ERROR_INVALID_HANDLE);
    ck_assert_uint_eq(error_from_errno(ENOMEM), ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_uint_eq(error_from_errno(EEXIST), ERROR_ALREADY_EXISTS);
    ck_assert_uint_eq(error_from_errno(EINVAL), ERROR_INVALID_PARAMETER);
    ck_assert_uint_eq(error_from_errno(EFAULT), ERROR_NOACCESS);
    ck_assert_uint_eq(error_from_errno(ENOSPC), ERROR_DISK_FULL);
    ck_assert_uint_eq(error_from_errno(EMFILE), ERROR_TOO_MANY_OPEN_FILES);
    ck_assert_uint_eq(error_from_errno(ENFILE), ERROR_TOO_MANY_OPEN_FILES);
    ck_assert_uint_eq(error_from_errno(ENOTDIR), ERROR_PATH_NOT_FOUND);
    ck_assert_uint_eq(error_from_errno(EROFS), ERROR_ACCESS_DENIED);
    ck_assert_uint_eq(error_from_errno(EFBIG), ERROR_FILE_TOO_LARGE);
    ck_assert_uint_eq(error_from_errno(ENAMETOOLONG), ERROR_FILENAME_EXCED_RANGE);
    ck_assert_uint_eq(error_from_errno(EISDIR), ERROR_DIRECTORY);
    ck_assert_uint_eq(error_from_errno(ENOTEMPTY), ERROR_DIR_NOT_EMPTY);
    ck_assert_uint_eq(error_from_errno(EAGAIN), ERROR_LOCK_VIOLATION);
    ck_assert_uint_eq(error_from_errno(EBUSY), ERROR_BUSY);
    ck_assert_uint_eq(error_from_errno(EXDEV), ERROR_NOT_SAME_DEVICE);
    ck_assert_uint_eq(error_from_errno(EPIPE), ERROR_BROKEN_PIPE);
    ck_assert_uint_eq(error_from_errno(ESPIPE), ERROR_SEEK);
    ck_assert_uint_eq(error_from_errno(ENOSYS), ERROR_NOT_SUPPORTED);
    ck_assert_uint_eq(error_from_errno(EOPNOTSUPP), ERROR_NOT_SUPPORTED);
    ck_assert_uint_eq(error_from_errno(EOVERFLOW), ERROR_ARITHMETIC_OVERFLOW);
    ck_assert_uint_eq(error_from_errno(EIO), ERROR_GEN_FAILURE);
    ck_assert_uint_eq(error_from_errno(ETIMEDOUT), ERROR_TIMEOUT);
    ck_assert_uint_eq(error_from_errno(12345), ERROR_GEN_FAILURE);
    /* The Windows values of the codes, from winerror.h. */
    ck_assert_uint_eq(ERROR_FILE_TOO_LARGE, 223);
    ck_assert_uint_eq(ERROR_FILENAME_EXCED_RANGE, 206);
    ck_assert_uint_eq(ERROR_DIRECTORY, 267);
    ck_assert_uint_eq(ERROR_DIR_NOT_EMPTY, 145);
    ck_assert_uint_eq(ERROR_LOCK_VIOLATION, 33);
    ck_assert_uint_eq(ERROR_BUSY, 170);
    ck_assert_uint_eq(ERROR_NOT_SAME_DEVICE, 17);
    ck_assert_uint_eq(ERROR_BROKEN_PIPE, 109);
    ck_assert_uint_eq(ERROR_SEEK, 25);
    ck_assert_uint_eq(ERROR_NOT_SUPPORTED, 50);
    ck_assert_uint_eq(ERROR_ARITHMETIC_OVERFLOW, 534);
    ck_assert_uint_eq(ERROR_GEN_FAILURE, 31);
    ck_assert_uint_eq(ERROR_TIMEOUT, 1460);
}
END_TEST

START_TEST(fail_sets_and_returns_false)
{
    SetLastError(0);
    ck_assert_int_eq(failure(ERROR_BAD_LENGTH), FALSE);
    ck_assert_last_error(ERROR_BAD_LENGTH);
    errno = ENOMEM;
    ck_assert_int_eq(failure_from_errno(), FALSE);
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("error");
    TCase *cases = tcase_create("last error");
    tcase_add_test(cases, last_error_round_trips);
    tcase_add_test(cases, last_error_is_per_thread);
    tcase_add_test(cases, errno_translation);
    tcase_add_test(cases, fail_sets_and_returns_false);
    suite_add_tcase(suite, cases);
    return suite;
}
