/* SysInfo: what the system tells a program about memory and processors.
 * Plain Win32 C; it builds unchanged with a Windows compiler. */
#include <windows.h>
#include <stdio.h>

int main(void)
{
    SYSTEM_INFO si;
    HANDLE hProcess = NULL;

    GetSystemInfo(&si);
    printf("Page size:               %lu bytes\n", (unsigned long)si.dwPageSize);
    printf("Allocation granularity:  %lu bytes\n", (unsigned long)si.dwAllocationGranularity);
    printf("Lowest user address:     %p\n", si.lpMinimumApplicationAddress);
    printf("Highest user address:    %p\n", si.lpMaximumApplicationAddress);
    printf("Processors:              %lu (mask 0x%llx)\n", (unsigned long)si.dwNumberOfProcessors,
           (unsigned long long)si.dwActiveProcessorMask);
    printf("Architecture/type:       %u / %lu, level %u, revision 0x%04x\n",
           si.wProcessorArchitecture, (unsigned long)si.dwProcessorType,
           si.wProcessorLevel, si.wProcessorRevision);

    /* A handle is an index into the process's handle table. */
    if (!DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(),
                         &hProcess, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
        printf("DuplicateHandle failed: %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    printf("Process %lu, real handle %p\n", (unsigned long)GetCurrentProcessId(), hProcess);
    CloseHandle(hProcess);

    if (!CloseHandle(hProcess))
        printf("Closing it again fails with error %lu (ERROR_INVALID_HANDLE)\n",
               (unsigned long)GetLastError());
    return 0;
}
