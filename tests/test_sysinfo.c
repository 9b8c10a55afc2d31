/* GetSystemInfo / GetNativeSystemInfo against what the kernel says. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"
#include "sysinfo.h"

START_TEST(page_size_and_granularity)
{
    SYSTEM_INFO info;
    memset(&info, 0xcc, sizeof(info));
    GetSystemInfo(&info);
    ck_assert_uint_eq(info.dwPageSize, (DWORD)sysconf(_SC_PAGESIZE));
    ck_assert_uint_eq(info.dwAllocationGranularity, 65536);
    ck_assert_ptr_eq(info.lpMinimumApplicationAddress, (LPVOID)0x10000);
}
END_TEST

START_TEST(maximum_application_address)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    uintptr_t top = (uintptr_t)info.lpMaximumApplicationAddress + 1 + 0x10000;
    /* One 64 KiB granule below a power-of-two top that lies above the stack. */
    ck_assert_uint_eq(top & (top - 1), 0);
    int local;
    ck_assert_uint_gt(top, (uintptr_t)&local);
    ck_assert_uint_le(top / 2, (uintptr_t)&local);
#if defined(__x86_64__)
    /* valgrind gives its client a stack, and so an address space, below 128 GiB */
    if (!UNDER_VALGRIND)
        ck_assert_ptr_eq(info.lpMaximumApplicationAddress, (LPVOID)0x7FFFFFFEFFFF);
#endif
}
END_TEST

/* The layout as a first call would compute it, whatever earlier tests of
 * this process (CK_FORK=no) have set up already, then as GetSystemInfo says. */
static void *query_address_space(void *info)
{
    uintptr_t *computed = info;
    computed[0] = address_space_init()->highest;
    SYSTEM_INFO system;
    GetSystemInfo(&system);
    computed[1] = (uintptr_t)system.lpMaximumApplicationAddress;
    return NULL;
}

/* A program's first call may come from a thread whose stack it placed
 * anywhere (valgrind puts every thread's stack low): the address space is
 * still the process's, above the initial stack. */
START_TEST(first_call_from_a_low_stack)
{
    const size_t stack_size = 1 << 20;
    void *stack = mmap((void *)0x20000000, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(stack, MAP_FAILED);
    ck_assert_uint_lt((uintptr_t)stack, (uintptr_t)1 << 36);
    pthread_attr_t attributes;
    ck_assert_int_eq(pthread_attr_init(&attributes), 0);
    ck_assert_int_eq(pthread_attr_setstack(&attributes, stack, stack_size), 0);
    uintptr_t computed[2];
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, &attributes, query_address_space, computed), 0);
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    int local;
    ck_assert_uint_gt(computed[0], (uintptr_t)&local);
    ck_assert_uint_eq(computed[1], computed[0]);
    SYSTEM_INFO again;
    GetSystemInfo(&again);
    ck_assert_uint_eq((uintptr_t)again.lpMaximumApplicationAddress, computed[0]);
    pthread_attr_destroy(&attributes);
    ck_assert_int_eq(munmap(stack, stack_size), 0);
}
END_TEST

START_TEST(processors)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    ck_assert_uint_eq(info.dwNumberOfProcessors, (DWORD)sysconf(_SC_NPROCESSORS_ONLN));
    ck_assert_uint_eq((DWORD)__builtin_popcountl(info.dwActiveProcessorMask), info.dwNumberOfProcessors);
#if defined(__x86_64__)
    ck_assert_uint_eq(info.wProcessorArchitecture, PROCESSOR_ARCHITECTURE_AMD64);
    ck_assert_uint_eq(info.dwProcessorType, PROCESSOR_AMD_X8664);
    ck_assert_uint_ne(info.wProcessorLevel, 0);
#elif defined(__aarch64__)
    ck_assert_uint_eq(info.wProcessorArchitecture, PROCESSOR_ARCHITECTURE_ARM64);
#endif
    ck_assert_uint_eq(info.dwOemId & 0xffff, info.wProcessorArchitecture);
}
END_TEST

START_TEST(native_matches)
{
    SYSTEM_INFO info, native;
    GetSystemInfo(&info);
    GetNativeSystemInfo(&native);
    ck_assert_int_eq(memcmp(&info, &native, sizeof(info)), 0);
}
END_TEST

START_TEST(null_buffer_does_not_crash)
{
    GetSystemInfo(NULL);
    GetNativeSystemInfo(NULL);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("sysinfo");
    TCase *cases = tcase_create("GetSystemInfo");
    tcase_add_test(cases, page_size_and_granularity);
    tcase_add_test(cases, maximum_application_address);
    tcase_add_test(cases, first_call_from_a_low_stack);
    tcase_add_test(cases, processors);
    tcase_add_test(cases, native_matches);
    tcase_add_test(cases, null_buffer_does_not_crash);
    suite_add_tcase(suite, cases);
    return suite;
}
