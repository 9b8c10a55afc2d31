/* The CRT helpers course programs use: _getch/_kbhit on a pipe, _alloca,
 * Sleep and the tick counters. */
#include <conio.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"

static void stdin_from(const char *text)
{
    int pipe_ends[2];
    ck_assert_int_eq(pipe(pipe_ends), 0);
    ck_assert_int_eq(write(pipe_ends[1], text, strlen(text)), (int)strlen(text));
    close(pipe_ends[1]);
    ck_assert_int_ne(dup2(pipe_ends[0], STDIN_FILENO), -1);
    close(pipe_ends[0]);
}

START_TEST(getch_reads_one_key)
{
    stdin_from("xy");
    ck_assert_int_eq(_kbhit(), 1);
    ck_assert_int_eq(_getch(), 'x');
    ck_assert_int_eq(_getch(), 'y');
    ck_assert_int_eq(_getch(), EOF);
}
END_TEST

START_TEST(kbhit_without_input)
{
    int pipe_ends[2];
    ck_assert_int_eq(pipe(pipe_ends), 0);
    ck_assert_int_ne(dup2(pipe_ends[0], STDIN_FILENO), -1);
    ck_assert_int_eq(_kbhit(), 0);
    close(pipe_ends[1]);
}
END_TEST

START_TEST(alloca_gives_stack_memory)
{
    char *buffer = _alloca(4096);
    memset(buffer, 0x5a, 4096);
    int local;
    ck_assert_uint_lt((uintptr_t)(buffer > (char *)&local ? buffer - (char *)&local
                                                        : (char *)&local - buffer), 1 << 20);
}
END_TEST

START_TEST(sleep_and_ticks)
{
    ULONGLONG start = GetTickCount64();
    DWORD start32 = GetTickCount();
    Sleep(50);
    ck_assert_uint_ge(GetTickCount64() - start, 50);
    ck_assert_uint_ge(GetTickCount() - start32, 50);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("crt");
    TCase *cases = tcase_create("conio");
    tcase_add_test(cases, getch_reads_one_key);
    tcase_add_test(cases, kbhit_without_input);
    tcase_add_test(cases, alloca_gives_stack_memory);
    tcase_add_test(cases, sleep_and_ticks);
    suite_add_tcase(suite, cases);
    return suite;
}
