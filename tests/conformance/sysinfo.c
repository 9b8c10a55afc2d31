/* Conformance: GetSystemInfo, GetNativeSystemInfo, GlobalMemoryStatus(Ex),
 * GetPhysicallyInstalledSystemMemory, GetTickCount(64), Sleep
 * (windows-behaviour.md section V). Only machine-independent facts. */
#include "conformance.h"

int main(void)
{
    SYSTEM_INFO si, native;
    MEMORYSTATUSEX ex;
    MEMORYSTATUS old;
    ULONGLONG kilobytes = 0, before;
    DWORD tick;

    heading("GetSystemInfo");
    memset(&si, 0xcc, sizeof si);
    GetSystemInfo(&si);
    num_is("page size", si.dwPageSize);
    num_is("allocation granularity", si.dwAllocationGranularity);
    fact("minimum application address", "0x%llx", (unsigned long long)(ULONG_PTR)si.lpMinimumApplicationAddress);
    fact("maximum application address", "0x%llx", (unsigned long long)(ULONG_PTR)si.lpMaximumApplicationAddress);
    fact("architecture", "%u", si.wProcessorArchitecture);
    fact("processor type", "%lu", (unsigned long)si.dwProcessorType);
    yes_no("processors nonzero", si.dwNumberOfProcessors > 0);
    yes_no("active mask has a bit per processor",
           si.dwNumberOfProcessors >= 64 || si.dwActiveProcessorMask == (((DWORD_PTR)1 << si.dwNumberOfProcessors) - 1));
    memset(&native, 0xcc, sizeof native);
    GetNativeSystemInfo(&native);
    yes_no("native equals GetSystemInfo", !memcmp(&si, &native, sizeof si));

    heading("GlobalMemoryStatusEx");
    memset(&ex, 0, sizeof ex);
    bool_is("status ex length 0", TRY(GlobalMemoryStatusEx(&ex)));
    ex.dwLength = sizeof ex + 1;
    bool_is("status ex length too long", TRY(GlobalMemoryStatusEx(&ex)));
    ex.dwLength = sizeof ex;
    bool_is("status ex", TRY(GlobalMemoryStatusEx(&ex)));
    num_is("status ex length", ex.dwLength);
    yes_no("load below 101", ex.dwMemoryLoad <= 100);
    yes_no("load formula", ex.ullTotalPhys / 100 == 0 ||
           ex.dwMemoryLoad == (DWORD)((ex.ullTotalPhys - ex.ullAvailPhys) / (ex.ullTotalPhys / 100)) ||
           ex.dwMemoryLoad + 1 == (DWORD)((ex.ullTotalPhys - ex.ullAvailPhys) / (ex.ullTotalPhys / 100)) ||
           ex.dwMemoryLoad == 1 + (DWORD)((ex.ullTotalPhys - ex.ullAvailPhys) / (ex.ullTotalPhys / 100)));
    yes_no("avail phys within total", ex.ullAvailPhys <= ex.ullTotalPhys);
    yes_no("total phys page multiple", ex.ullTotalPhys % si.dwPageSize == 0);
    yes_no("avail page file within total", ex.ullAvailPageFile <= ex.ullTotalPageFile);
    yes_no("total virtual is the user range",
           ex.ullTotalVirtual == (ULONGLONG)((char *)si.lpMaximumApplicationAddress - (char *)si.lpMinimumApplicationAddress) + 1);
    yes_no("avail virtual within total", ex.ullAvailVirtual <= ex.ullTotalVirtual);
    num_is("avail extended virtual", ex.ullAvailExtendedVirtual);

    heading("GlobalMemoryStatus");
    memset(&old, 0, sizeof old);
    SetLastError(UNTOUCHED);
    GlobalMemoryStatus(&old);
    emit("status", GetLastError(), "length=0x%lx", (unsigned long)old.dwLength);
    yes_no("status load matches ex", old.dwMemoryLoad <= 100);
    yes_no("status total phys matches ex", old.dwTotalPhys == (SIZE_T)ex.ullTotalPhys);
    yes_no("status total virtual matches ex", old.dwTotalVirtual == (SIZE_T)ex.ullTotalVirtual);
    yes_no("status total page file matches ex", old.dwTotalPageFile == (SIZE_T)ex.ullTotalPageFile);

    heading("GetPhysicallyInstalledSystemMemory");
    bool_is("installed memory NULL", TRY(GetPhysicallyInstalledSystemMemory(NULL)));
    bool_is("installed memory", TRY(GetPhysicallyInstalledSystemMemory(&kilobytes)));
    yes_no("installed at least total phys", kilobytes >= ex.ullTotalPhys / 1024);

    heading("time");
    before = TRY(GetTickCount64());
    tick = GetTickCount();
    yes_no("tick counts agree", (DWORD)before - tick < 1000 || tick - (DWORD)before < 1000);
    SetLastError(UNTOUCHED);
    Sleep(0);
    emit("Sleep(0)", GetLastError(), "done");
    return 0;
}
