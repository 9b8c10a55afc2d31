/* Sleep and the tick counters course programs use to pace and time work. */
#include "config.h"

#include <errno.h>
#include <time.h>

#include <windows.h>

void WINAPI Sleep(DWORD milliseconds)
{
    if (milliseconds == INFINITE) {
        for (;;)
            nanosleep(&(struct timespec){ .tv_sec = 3600 }, NULL);
    }
    struct timespec left = { .tv_sec = milliseconds / 1000, .tv_nsec = (long)(milliseconds % 1000) * 1000000 };
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

ULONGLONG WINAPI GetTickCount64(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (ULONGLONG)now.tv_sec * 1000 + (ULONGLONG)now.tv_nsec / 1000000;
}

DWORD WINAPI GetTickCount(void)
{
    return (DWORD)GetTickCount64();
}
