/* GetSystemInfo and GetNativeSystemInfo. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "sysinfo.h"
#include <windows.h>

struct address_space address_space_layout;

/* Windows keeps the last 64 KiB below the top of user space off limits; the
 * top itself is where the kernel puts the initial stack, so the width of the
 * user address space (47 bits on x86-64 with 4-level paging, 48 on most
 * arm64 kernels) is the bit length of an address on it.  That is the
 * process's first stack, which the kernel's random bytes for the C library
 * lie on: the calling thread's stack may be anywhere the program put it. */
const struct address_space *address_space_init(void)
{
    int on_stack;
    uintptr_t stack = (uintptr_t)getauxval(AT_RANDOM);
    if (!stack)
        stack = (uintptr_t)&on_stack;
    /* All ones below the stack's top bit: a shift of 1 by the width of an
     * address, for a stack at the very top of a 32-bit space, is undefined. */
    uintptr_t below_top = UINTPTR_MAX >> __builtin_clzl(stack);
    address_space_layout.lowest = LOWEST_USER_ADDRESS;
    address_space_layout.highest = below_top - ALLOCATION_GRANULARITY;
    /* Racing first callers store the same values; page_size goes last and
     * marks the layout complete. */
    __atomic_store_n(&address_space_layout.page_size, (size_t)sysconf(_SC_PAGESIZE), __ATOMIC_RELEASE);
    return &address_space_layout;
}

/* The online processors as a mask of the first 64, from the kernel's list
 * ("0-3,8,10-11"). */
static DWORD_PTR online_processor_mask(void)
{
    DWORD_PTR mask = 0;
    FILE *list = fopen("/sys/devices/system/cpu/online", "re");
    if (list) {
        unsigned first, last;
        int separator;
        while (fscanf(list, "%u", &first) == 1) {
            last = first;
            separator = fgetc(list);
            if (separator == '-') {
                if (fscanf(list, "%u", &last) != 1)
                    break;
                separator = fgetc(list);
            }
            for (unsigned cpu = first; cpu <= last && cpu < 64; cpu++)
                mask |= (DWORD_PTR)1 << cpu;
            if (separator != ',')
                break;
        }
        fclose(list);
    }
    if (!mask) {
        long count = sysconf(_SC_NPROCESSORS_ONLN);
        mask = count >= 64 ? ~(DWORD_PTR)0 : ((DWORD_PTR)1 << (count > 0 ? count : 1)) - 1;
    }
    return mask;
}

static void fill_processor(SYSTEM_INFO *info)
{
#if defined(__x86_64__)
    info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_AMD64;
    info->dwProcessorType = PROCESSOR_AMD_X8664;
#elif defined(__i386__)
    info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_INTEL;
    info->dwProcessorType = PROCESSOR_INTEL_PENTIUM;
#elif defined(__aarch64__)
    info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_ARM64;
    info->dwProcessorType = 0;
#else
    info->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_UNKNOWN;
    info->dwProcessorType = 0;
#endif
#if defined(__x86_64__) || defined(__i386__)
    /* Windows reports the display family as the level and the display model
     * and stepping as the revision, both taken from CPUID leaf 1. */
    unsigned eax, ebx, ecx, edx;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
        unsigned family = (eax >> 8) & 0xf, model = (eax >> 4) & 0xf, stepping = eax & 0xf;
        if (family == 0xf)
            family += (eax >> 20) & 0xff;
        if (family == 0x6 || family >= 0xf)
            model |= ((eax >> 16) & 0xf) << 4;
        info->wProcessorLevel = (WORD)family;
        info->wProcessorRevision = (WORD)((model << 8) | stepping);
    }
#endif
}

void WINAPI GetSystemInfo(LPSYSTEM_INFO info)
{
    if (!info)
        return;
    const struct address_space *space = address_space();
    memset(info, 0, sizeof(*info));
    info->dwPageSize = (DWORD)space->page_size;
    info->lpMinimumApplicationAddress = (LPVOID)space->lowest;
    info->lpMaximumApplicationAddress = (LPVOID)space->highest;
    info->dwActiveProcessorMask = online_processor_mask();
    info->dwNumberOfProcessors = (DWORD)__builtin_popcountl(info->dwActiveProcessorMask);
    info->dwAllocationGranularity = ALLOCATION_GRANULARITY;
    fill_processor(info);
}

/* A native process: there is no WOW64 layer whose view could differ. */
void WINAPI GetNativeSystemInfo(LPSYSTEM_INFO info)
{
    GetSystemInfo(info);
}
