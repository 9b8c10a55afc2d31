/* WinHeap: the process's heaps, a private heap, blocks in it, a walk over
 * it, and its destruction -- lesson 10's heap example.
 * Plain Win32 C; it builds unchanged with a Windows compiler. */
#include <windows.h>
#include <stdio.h>

static void ListHeaps(const char *when)
{
    HANDLE hHeaps[64];
    DWORD dwCount = GetProcessHeaps(64, hHeaps);
    DWORD i;

    printf("%s: %lu heap(s)\n", when, (unsigned long)dwCount);
    for (i = 0; i < dwCount && i < 64; i++)
        printf("  heap %lu: %p%s\n", (unsigned long)i, hHeaps[i],
               hHeaps[i] == GetProcessHeap() ? " (the process heap)" : "");
}

static void WalkHeap(HANDLE hHeap)
{
    PROCESS_HEAP_ENTRY entry;

    entry.lpData = NULL;
    printf("Walking heap %p:\n", hHeap);
    HeapLock(hHeap);
    while (HeapWalk(hHeap, &entry)) {
        if (entry.wFlags & PROCESS_HEAP_REGION)
            printf("  region      %p, %lu bytes committed, %lu uncommitted\n", entry.lpData,
                   (unsigned long)entry.Region.dwCommittedSize, (unsigned long)entry.Region.dwUnCommittedSize);
        else if (entry.wFlags & PROCESS_HEAP_UNCOMMITTED_RANGE)
            printf("  uncommitted %p, %lu bytes\n", entry.lpData, (unsigned long)entry.cbData);
        else if (entry.wFlags & PROCESS_HEAP_ENTRY_BUSY)
            printf("  busy block  %p, %lu bytes (+%u overhead)\n", entry.lpData,
                   (unsigned long)entry.cbData, (unsigned)entry.cbOverhead);
        else
            printf("  free block  %p, %lu bytes\n", entry.lpData, (unsigned long)entry.cbData);
    }
    HeapUnlock(hHeap);
    if (GetLastError() != ERROR_NO_MORE_ITEMS)
        printf("HeapWalk failed: %lu\n", (unsigned long)GetLastError());
}

int main(void)
{
    HANDLE hHeap;
    int *pnNumbers;
    char *pszText;
    int i;

    printf("The process heap: %p\n", GetProcessHeap());
    ListHeaps("Before HeapCreate");

    /* A private, growable heap: 1 page to start with, no maximum. */
    hHeap = HeapCreate(HEAP_GENERATE_EXCEPTIONS, 4096, 0);
    if (hHeap == NULL) {
        printf("HeapCreate failed: %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    printf("Created heap %p\n", hHeap);
    ListHeaps("After HeapCreate");

    pnNumbers = (int *)HeapAlloc(hHeap, HEAP_ZERO_MEMORY, 10 * sizeof(int));
    pszText = (char *)HeapAlloc(hHeap, 0, 100);
    if (pnNumbers == NULL || pszText == NULL) {
        printf("HeapAlloc failed: %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    for (i = 0; i < 10; i++)
        pnNumbers[i] = i * i;
    sprintf(pszText, "ten squares, the last is %d", pnNumbers[9]);
    printf("Blocks %p (%lu bytes) and %p (%lu bytes): %s\n", (void *)pnNumbers,
           (unsigned long)HeapSize(hHeap, 0, pnNumbers), (void *)pszText,
           (unsigned long)HeapSize(hHeap, 0, pszText), pszText);

    WalkHeap(hHeap);

    HeapFree(hHeap, 0, pszText);
    HeapFree(hHeap, 0, pnNumbers);
    printf("After HeapFree:\n");
    WalkHeap(hHeap);

    /* Destroying the heap frees every block still in it. */
    HeapAlloc(hHeap, 0, 1000);
    if (!HeapDestroy(hHeap)) {
        printf("HeapDestroy failed: %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    ListHeaps("After HeapDestroy");
    return 0;
}
