/* Resource exhaustion: an address-space limit (RLIMIT_AS) and the kernel's
 * limit on mappings per process (vm.max_map_count) make the calls fail the
 * Windows way (ERROR_NOT_ENOUGH_MEMORY, or ERROR_COMMITMENT_LIMIT for a
 * commit), and leave everything consistent: queries still describe what is
 * there, frees work, and once memory is given back new allocations work.
 * Sanitizers reserve terabytes and map as they go, and valgrind keeps its
 * own mappings: these tests skip themselves under either. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"
#include "probe.h"

/* Valgrind keeps its own view of the address space and its own mappings:
 * limits meant for the program starve it instead. */
static int under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload && strstr(preload, "vgpreload");
}

static size_t page_size(void)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return info.dwPageSize;
}

static void expect_region(const void *address, const void *allocation_base, SIZE_T region_size, DWORD state,
                          DWORD protect)
{
    MEMORY_BASIC_INFORMATION info;
    ck_assert_uint_eq(VirtualQuery(address, &info, sizeof(info)), sizeof(info));
    ck_assert_ptr_eq(info.AllocationBase, allocation_base);
    ck_assert_uint_eq(info.State, state);
    ck_assert_uint_eq(info.Protect, protect);
    if (region_size)
        ck_assert_uint_eq(info.RegionSize, region_size);
}

static int out_of_memory(DWORD error)
{
    return error == ERROR_NOT_ENOUGH_MEMORY || error == ERROR_COMMITMENT_LIMIT;
}

static unsigned long max_map_count(void)
{
    FILE *file = fopen("/proc/sys/vm/max_map_count", "r");
    unsigned long count = 0;
    if (file) {
        if (fscanf(file, "%lu", &count) != 1)
            count = 0;
        fclose(file);
    }
    return count;
}

/* Pages committed one by one with alternating protections are one kernel
 * mapping each, until the kernel refuses another. */
START_TEST(map_count_exhaustion)
{
    unsigned long limit = max_map_count();
    if (UNDER_SANITIZER || under_valgrind() || !limit || limit > 300000)
        return;
    size_t page = page_size(), pages = limit + 64;
    char *base = VirtualAlloc(NULL, pages * page, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_nonnull(base);
    HANDLE mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 1 << 20, NULL);
    ck_assert_ptr_nonnull(mapping);

    size_t failed_at = 0;
    DWORD error = 0;
    for (size_t i = 0; i < pages; i++) {
        DWORD protect = i % 2 ? PAGE_READONLY : PAGE_READWRITE;
        SetLastError(0xdead);
        if (VirtualAlloc(base + i * page, page, MEM_COMMIT, protect) != base + i * page) {
            failed_at = i;
            error = GetLastError();
            break;
        }
    }
    ck_assert_msg(failed_at > 0, "%zu pages committed alternately without hitting vm.max_map_count %lu", pages,
                  limit);
    ck_assert_msg(out_of_memory(error), "commit at the map limit failed with %u", (unsigned)error);
    printf("map count: the commit of page %zu failed with %u (vm.max_map_count %lu)\n", failed_at, (unsigned)error,
           limit);

    /* Exhausted: the failed page stayed reserved, the others are intact. */
    expect_region(base + failed_at * page, base, 0, MEM_RESERVE, 0);
    for (size_t i = 0; i < failed_at; i++)
        expect_region(base + i * page, base, page, MEM_COMMIT, i % 2 ? PAGE_READONLY : PAGE_READWRITE);
    SetLastError(0xdead);
    void *view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    if (!view)
        ck_assert_msg(out_of_memory(GetLastError()), "MapViewOfFile at the map limit failed with %u",
                      (unsigned)GetLastError());
    else
        ck_assert(UnmapViewOfFile(view));
    SetLastError(0xdead);
    void *other = VirtualAlloc(NULL, 1 << 20, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (!other)
        ck_assert_msg(out_of_memory(GetLastError()), "VirtualAlloc at the map limit failed with %u",
                      (unsigned)GetLastError());
    else
        ck_assert(VirtualFree(other, 0, MEM_RELEASE));
    /* The kernel agrees with the map: the failed page is not accessible. */
    ck_assert_not_readable(base + failed_at * page);
    ck_assert_readable(base + (failed_at - 1) * page);

    /* Decommitting gives mappings back; then the same commit works. */
    size_t half = failed_at / 2;
    ck_assert(VirtualFree(base, half * page, MEM_DECOMMIT));
    expect_region(base, base, half * page, MEM_RESERVE, 0);
    expect_region(base + half * page, base, page, MEM_COMMIT, half % 2 ? PAGE_READONLY : PAGE_READWRITE);
    ck_assert_ptr_eq(VirtualAlloc(base + failed_at * page, page, MEM_COMMIT, PAGE_READWRITE), base + failed_at * page);
    expect_region(base + failed_at * page, base, 0, MEM_COMMIT, PAGE_READWRITE);
    base[failed_at * page] = 1;

    ck_assert(VirtualFree(base, 0, MEM_RELEASE));
    view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_ptr_nonnull(view);
    memset(view, 7, 1 << 20);
    ck_assert(UnmapViewOfFile(view));
    ck_assert(CloseHandle(mapping));
    char *fresh = VirtualAlloc(NULL, 1 << 20, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ck_assert_ptr_nonnull(fresh);
    memset(fresh, 1, 1 << 20);
    ck_assert(VirtualFree(fresh, 0, MEM_RELEASE));
}
END_TEST

static size_t address_space_used(void)
{
    FILE *statm = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    ck_assert(statm && fscanf(statm, "%lu", &pages) == 1);
    fclose(statm);
    return pages * (size_t)sysconf(_SC_PAGESIZE);
}

#define CHUNK ((size_t)16 << 20)
#define MAX_CHUNKS 64

/* 256 MiB more address space than is in use: reservations, heap growth and
 * views run out of it, report ERROR_NOT_ENOUGH_MEMORY, and recover. */
START_TEST(address_space_limit)
{
    if (UNDER_SANITIZER || under_valgrind())
        return;
    struct rlimit saved;
    ck_assert_int_eq(getrlimit(RLIMIT_AS, &saved), 0);
    HANDLE mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 64 << 20, NULL);
    ck_assert_ptr_nonnull(mapping);
    HANDLE heap = HeapCreate(0, 0, 0);
    ck_assert_ptr_nonnull(heap);
    struct rlimit limited = saved;
    limited.rlim_cur = address_space_used() + ((size_t)256 << 20);
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &limited), 0);

    SetLastError(0xdead);
    ck_assert_ptr_null(VirtualAlloc(NULL, (size_t)1 << 30, MEM_RESERVE, PAGE_NOACCESS));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);

    char *chunks[MAX_CHUNKS];
    unsigned count = 0;
    for (; count < MAX_CHUNKS; count++) {
        SetLastError(0xdead);
        chunks[count] = VirtualAlloc(NULL, CHUNK, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        if (!chunks[count])
            break;
        chunks[count][0] = (char)count;
    }
    ck_assert_uint_lt(count, MAX_CHUNKS);
    ck_assert_uint_gt(count, 2);
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);

    /* With two reservations given back, a heap grows until the limit stops
     * it, and stays whole. */
    ck_assert(VirtualFree(chunks[--count], 0, MEM_RELEASE));
    ck_assert(VirtualFree(chunks[--count], 0, MEM_RELEASE));
    unsigned blocks = 0;
    void *block;
    while ((block = HeapAlloc(heap, 0, 1 << 20)) != NULL)
        blocks++;
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_uint_gt(blocks, 0);
    ck_assert(HeapValidate(heap, 0, NULL));
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    unsigned busy = 0;
    while (HeapWalk(heap, &entry))
        busy += (entry.wFlags & PROCESS_HEAP_ENTRY_BUSY) != 0;
    ck_assert_uint_eq(busy, blocks);
    printf("address space: %u reservations of 16 MiB, then (two given back) %u heap blocks of 1 MiB\n", count + 2,
           blocks);
    SetLastError(0xdead);
    ck_assert_ptr_null(MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);

    for (unsigned i = 0; i < count; i++) {
        expect_region(chunks[i], chunks[i], CHUNK, MEM_COMMIT, PAGE_READWRITE);
        ck_assert_int_eq(chunks[i][0], (char)i);
    }

    /* Memory given back makes room again. */
    ck_assert(HeapDestroy(heap));
    for (unsigned i = 0; i < count; i++)
        ck_assert(VirtualFree(chunks[i], 0, MEM_RELEASE));
    char *view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    ck_assert_ptr_nonnull(view);
    memset(view, 3, 64 << 20);
    ck_assert(UnmapViewOfFile(view));
    char *again = VirtualAlloc(NULL, CHUNK, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ck_assert_ptr_nonnull(again);
    ck_assert(VirtualFree(again, 0, MEM_RELEASE));
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &saved), 0);
    ck_assert(CloseHandle(mapping));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("stress: exhaustion");
    TCase *limits = tcase_create("limits");
    tcase_set_timeout(limits, 120);
    tcase_add_test(limits, map_count_exhaustion);
    tcase_add_test(limits, address_space_limit);
    suite_add_tcase(suite, limits);
    return suite;
}
