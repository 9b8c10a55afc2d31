/* WinVirtual: reserve address space, commit pages on demand, watch the
 * system's memory status, decommit and release -- lesson 10's example.
 * Plain Win32 C; it builds unchanged with a Windows compiler. */
#include <windows.h>
#include <stdio.h>

static void ShowStatus(const char *when)
{
    MEMORYSTATUS ms;
    GlobalMemoryStatus(&ms);
    printf("%s\n", when);
    printf("  memory load         %lu%%\n", (unsigned long)ms.dwMemoryLoad);
    printf("  physical            %llu MB total, %llu MB free\n",
           (unsigned long long)ms.dwTotalPhys >> 20, (unsigned long long)ms.dwAvailPhys >> 20);
    printf("  page file (commit)  %llu MB total, %llu MB free\n",
           (unsigned long long)ms.dwTotalPageFile >> 20, (unsigned long long)ms.dwAvailPageFile >> 20);
    printf("  virtual             %llu MB total, %llu MB free\n",
           (unsigned long long)ms.dwTotalVirtual >> 20, (unsigned long long)ms.dwAvailVirtual >> 20);
}

int main(void)
{
    const SIZE_T size = 1024 * 1024 * 256;      /* 256 MB of address space */
    LPBYTE pReserved, pCommitted;
    LPBYTE at[6];
    int i;

    ShowStatus("Before VirtualAlloc:");

    /* Buy the address ("期房"): reserve only, nothing committed yet. */
    pReserved = (LPBYTE)VirtualAlloc(NULL, size, MEM_RESERVE, PAGE_READWRITE);
    if (pReserved == NULL) {
        printf("VirtualAlloc(MEM_RESERVE) failed: %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    printf("Reserved %llu MB at %p (a multiple of 64K: %s)\n", (unsigned long long)size >> 20,
           (void *)pReserved, ((ULONG_PTR)pReserved & 0xFFFF) == 0 ? "yes" : "no");
    ShowStatus("After MEM_RESERVE:");

    /* Commit one byte at A, B, C (first page) and D, E, F (second page):
     * commits are whole pages, so the returned address is the page's. */
    at[0] = pReserved + 0;     at[1] = pReserved + 100;  at[2] = pReserved + 4095;
    at[3] = pReserved + 4096;  at[4] = pReserved + 5000; at[5] = pReserved + 8191;
    for (i = 0; i < 6; i++) {
        pCommitted = (LPBYTE)VirtualAlloc(at[i], 1, MEM_COMMIT, PAGE_READWRITE);
        printf("Commit 1 byte at %c (A+%5lu): returns A+%lu\n", 'A' + i,
               (unsigned long)(at[i] - pReserved), (unsigned long)(pCommitted - pReserved));
    }

    /* Buy the house too: commit 128 MB and use it. */
    pCommitted = (LPBYTE)VirtualAlloc(pReserved, size / 2, MEM_COMMIT, PAGE_READWRITE);
    if (pCommitted == NULL) {
        printf("VirtualAlloc(MEM_COMMIT) failed: %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    for (i = 0; i < 16; i++)
        pCommitted[i * 4096 * 1024] = (BYTE)i;
    printf("Committed %llu MB; byte at 60 MB reads %d\n", (unsigned long long)(size / 2) >> 20,
           pCommitted[15 * 4096 * 1024]);
    ShowStatus("After MEM_COMMIT:");

    if (!VirtualFree(pReserved, size / 2, MEM_DECOMMIT))
        printf("MEM_DECOMMIT failed: %lu\n", (unsigned long)GetLastError());
    ShowStatus("After MEM_DECOMMIT:");

    if (!VirtualFree(pReserved, 0, MEM_RELEASE))
        printf("MEM_RELEASE failed: %lu\n", (unsigned long)GetLastError());
    ShowStatus("After MEM_RELEASE:");
    return 0;
}
