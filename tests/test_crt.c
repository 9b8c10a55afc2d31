/* The CRT helpers course programs use: _getch/_kbhit on a pipe and on a
 * terminal, _getche, _putch, _alloca,
 * Sleep and the tick counters. */
/* posix_openpt, grantpt, unlockpt, ptsname */
#define _XOPEN_SOURCE 600
#include <conio.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
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

/* On a terminal the console delivers a key at once, without echo and
 * without waiting for Enter; the terminal's own mode comes back after. */
START_TEST(getch_on_a_terminal_takes_keys_one_at_a_time)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    ck_assert_int_ge(master, 0);
    ck_assert_int_eq(grantpt(master), 0);
    ck_assert_int_eq(unlockpt(master), 0);
    int terminal = open(ptsname(master), O_RDWR | O_NOCTTY);
    ck_assert_int_ge(terminal, 0);
    ck_assert_int_ne(dup2(terminal, STDIN_FILENO), -1);
    struct termios before, after;
    ck_assert_int_eq(tcgetattr(STDIN_FILENO, &before), 0);
    ck_assert(before.c_lflag & ICANON);

    ck_assert_int_eq(_kbhit(), 0);
    ck_assert_int_eq(write(master, "k", 1), 1);         /* a key, no Enter */
    for (int tries = 0; !_kbhit() && tries < 1000; tries++)
        Sleep(1);
    ck_assert_int_eq(_kbhit(), 1);
    ck_assert_int_eq(_getch(), 'k');
    ck_assert_int_eq(tcgetattr(STDIN_FILENO, &after), 0);
    ck_assert_uint_eq(after.c_lflag, before.c_lflag);
    close(terminal);
    close(master);
}
END_TEST

/* _getche echoes the key it read; _putch writes at once (the Windows
 * console does not buffer). */
START_TEST(getche_echoes_and_putch_writes_at_once)
{
    stdin_from("q");
    int out[2];
    ck_assert_int_eq(pipe(out), 0);
    int saved = dup(STDOUT_FILENO);
    ck_assert_int_ne(dup2(out[1], STDOUT_FILENO), -1);
    ck_assert_int_eq(_getche(), 'q');
    ck_assert_int_eq(_putch('!'), '!');
    ck_assert_int_eq(_getche(), EOF);                   /* nothing to echo at the end */
    ck_assert_int_ne(dup2(saved, STDOUT_FILENO), -1);
    close(out[1]);
    char echoed[8] = { 0 };
    ck_assert_int_eq(read(out[0], echoed, sizeof(echoed) - 1), 2);
    ck_assert_str_eq(echoed, "q!");
    close(out[0]);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("crt");
    TCase *cases = tcase_create("conio");
    tcase_add_test(cases, getch_reads_one_key);
    tcase_add_test(cases, kbhit_without_input);
    tcase_add_test(cases, getch_on_a_terminal_takes_keys_one_at_a_time);
    tcase_add_test(cases, getche_echoes_and_putch_writes_at_once);
    tcase_add_test(cases, alloca_gives_stack_memory);
    tcase_add_test(cases, sleep_and_ticks);
    suite_add_tcase(suite, cases);
    return suite;
}
