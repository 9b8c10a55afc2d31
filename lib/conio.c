/* The console helpers of the Microsoft C runtime that course programs use to
 * wait for a key: _getch, _getche, _kbhit, _putch. */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

#include <conio.h>

/* Runs with the terminal in non-canonical, no-echo mode (when stdin is a
 * terminal), as the Windows console delivers _getch keys one at a time. */
static int with_raw_terminal(int (*action)(void))
{
    struct termios saved, raw;
    /* Windows console output is unbuffered; a prompt printed just before must
     * be visible while the program waits. */
    fflush(stdout);
    if (tcgetattr(STDIN_FILENO, &saved) != 0)
        return action();
    raw = saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    int result = action();
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    return result;
}

static int read_key(void)
{
    return getchar();
}

static int key_waiting(void)
{
    struct pollfd input = { .fd = STDIN_FILENO, .events = POLLIN };
    return poll(&input, 1, 0) > 0 && (input.revents & POLLIN);
}

int _getch(void)
{
    return with_raw_terminal(read_key);
}

int _getche(void)
{
    int key = _getch();
    if (key != EOF)
        _putch(key);
    return key;
}

int _kbhit(void)
{
    return with_raw_terminal(key_waiting);
}

int _putch(int character)
{
    int result = putchar(character);
    fflush(stdout);
    return result;
}
