/* SparseArray: a huge array that costs memory only where it is used.
 * Reserve 1 GB of address space, let a vectored exception handler commit
 * each page on first touch, write a sparse pattern, then count the pages
 * that were committed.  Plain Win32 C; it builds unchanged on Windows. */
#include <windows.h>
#include <stdio.h>

#define ARRAY_BYTES (1024 * 1024 * 1024)

static LPBYTE g_pArray;

static LONG CALLBACK CommitOnDemand(PEXCEPTION_POINTERS pInfo)
{
    PEXCEPTION_RECORD pRecord = pInfo->ExceptionRecord;
    LPBYTE pFault = (LPBYTE)pRecord->ExceptionInformation[1];

    if (pRecord->ExceptionCode != EXCEPTION_ACCESS_VIOLATION ||
        pFault < g_pArray || pFault >= g_pArray + ARRAY_BYTES)
        return EXCEPTION_CONTINUE_SEARCH;
    if (VirtualAlloc(pFault, 1, MEM_COMMIT, PAGE_READWRITE) == NULL)
        return EXCEPTION_CONTINUE_SEARCH;
    return EXCEPTION_CONTINUE_EXECUTION;        /* retry the access */
}

int main(void)
{
    PVOID hHandler;
    MEMORY_BASIC_INFORMATION mbi;
    SIZE_T nCommitted = 0, i;
    DWORD nSum = 0;
    LPBYTE p;

    g_pArray = (LPBYTE)VirtualAlloc(NULL, ARRAY_BYTES, MEM_RESERVE, PAGE_NOACCESS);
    if (g_pArray == NULL) {
        printf("VirtualAlloc failed: %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    hHandler = AddVectoredExceptionHandler(1, CommitOnDemand);
    printf("Reserved 1 GB at %p\n", (void *)g_pArray);

    /* One element every 7 MB. */
    for (i = 0; i < 150; i++)
        g_pArray[i * 7000000] = (BYTE)(i + 1);
    for (i = 0; i < 150; i++)
        nSum += g_pArray[i * 7000000];
    printf("Wrote 150 elements, their sum is %lu\n", (unsigned long)nSum);

    for (p = g_pArray; p < g_pArray + ARRAY_BYTES; p += mbi.RegionSize) {
        VirtualQuery(p, &mbi, sizeof(mbi));
        if (mbi.State == MEM_COMMIT)
            nCommitted += mbi.RegionSize;
    }
    printf("Committed %lu pages (%lu KB) of %lu\n", (unsigned long)(nCommitted / 4096),
           (unsigned long)(nCommitted / 1024), (unsigned long)(ARRAY_BYTES / 4096));

    RemoveVectoredExceptionHandler(hHandler);
    VirtualFree(g_pArray, 0, MEM_RELEASE);
    return 0;
}
