/* make bench, exception part: the commit-on-demand round trip (fault,
 * vectored handler, VirtualAlloc commit, retry) against the same work done
 * with a raw SIGSEGV handler and mprotect; and GetWriteWatch over 1 GiB with
 * 1% of its pages written. */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <windows.h>

#include "bench.h"

#define P 4096
#define PAGES 4096

static char *region;

static LONG CALLBACK commit_page(EXCEPTION_POINTERS *pointers)
{
    char *address = (char *)pointers->ExceptionRecord->ExceptionInformation[1];
    return VirtualAlloc(address, 1, MEM_COMMIT, PAGE_READWRITE) ? EXCEPTION_CONTINUE_EXECUTION
                                                                : EXCEPTION_CONTINUE_SEARCH;
}

static void raw_commit_page(int signal_number, siginfo_t *info, void *context)
{
    (void)signal_number; (void)context;
    uintptr_t page = (uintptr_t)info->si_addr & ~(uintptr_t)(P - 1);
    mprotect((void *)page, P, PROT_READ | PROT_WRITE);
}

static double touch_all(void)
{
    double start = now_ns();
    for (int i = 0; i < PAGES; i++)
        region[(size_t)i * P] = 1;
    return (now_ns() - start) / PAGES;
}

int main(void)
{
    double w32[5], raw[5];
    PVOID handler = AddVectoredExceptionHandler(1, commit_page);
    struct sigaction action, saved;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = raw_commit_page;
    action.sa_flags = SA_SIGINFO;
    for (int round = 0; round < 5; round++) {
        region = VirtualAlloc(NULL, (SIZE_T)PAGES * P, MEM_RESERVE, PAGE_READWRITE);
        w32[round] = touch_all();
        VirtualFree(region, 0, MEM_RELEASE);

        sigaction(SIGSEGV, &action, &saved);
        region = mmap(NULL, (size_t)PAGES * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        raw[round] = touch_all();
        munmap(region, (size_t)PAGES * P);
        sigaction(SIGSEGV, &saved, NULL);
    }
    RemoveVectoredExceptionHandler(handler);
    double w = median(w32, 5), r = median(raw, 5);
    printf("%-34s %10.0f %10.0f %7.2fx\n", "fault+handler+commit+continue", w, r, w / r);

    SIZE_T size = (SIZE_T)1 << 30;
    char *watched = VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
    static PVOID addresses[(1 << 30) / P];
    double scans[5];
    for (int round = 0; round < 5; round++) {
        for (SIZE_T page = 0; page < size / P; page += 100)
            watched[page * P] = 1;
        ULONG_PTR count = sizeof(addresses) / sizeof(addresses[0]);
        DWORD granularity;
        double start = now_ns();
        GetWriteWatch(WRITE_WATCH_FLAG_RESET, watched, size, addresses, &count, &granularity);
        scans[round] = (now_ns() - start) / 1e3;
    }
    printf("%-34s %10.0f us (%lu pages written of %lu)\n", "GetWriteWatch(RESET), 1 GiB, 1%",
           median(scans, 5), (unsigned long)(size / P / 100 + 1), (unsigned long)(size / P));
    VirtualFree(watched, 0, MEM_RELEASE);
    return 0;
}
