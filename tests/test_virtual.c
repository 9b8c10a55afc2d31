/* VirtualAlloc, VirtualFree, VirtualProtect, VirtualQuery, VirtualLock and
 * their Ex forms, checked against Windows' documented behaviour (the fact
 * numbers refer to windows-behaviour.md) and against the kernel's own view
 * of the process. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"
#include "probe.h"

#define P 0x1000
#define G 0x10000

static MEMORY_BASIC_INFORMATION query(const void *address)
{
    MEMORY_BASIC_INFORMATION info;
    memset(&info, 0xcc, sizeof(info));
    ck_assert_uint_eq(VirtualQuery(address, &info, sizeof(info)), sizeof(info));
    return info;
}

#define ck_assert_region(info, base, allocation_base, allocation_protect, size, state, protect, type) do { \
    MEMORY_BASIC_INFORMATION i_ = (info); \
    ck_assert_ptr_eq(i_.BaseAddress, (void *)(base)); \
    ck_assert_ptr_eq(i_.AllocationBase, (void *)(allocation_base)); \
    ck_assert_uint_eq(i_.AllocationProtect, (allocation_protect)); \
    ck_assert_uint_eq(i_.RegionSize, (size)); \
    ck_assert_uint_eq(i_.State, (state)); \
    ck_assert_uint_eq(i_.Protect, (protect)); \
    ck_assert_uint_eq(i_.Type, (type)); \
} while (0)

/* A line of the kernel's smaps entry for the mapping holding address:
 * "VmFlags" (its words) or a size field such as "Rss" (in kB). */
static int smaps_field(const void *address, const char *field, char *value, size_t size)
{
    FILE *smaps = fopen("/proc/self/smaps", "r");
    char line[512];
    int inside = 0, found = 0;
    uintptr_t at = (uintptr_t)address;
    while (!found && fgets(line, sizeof(line), smaps)) {
        unsigned long start, end;
        if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            inside = at >= start && at < end;
            continue;
        }
        size_t length = strlen(field);
        if (inside && strncmp(line, field, length) == 0 && line[length] == ':') {
            snprintf(value, size, "%s", line + length + 1);
            found = 1;
        }
    }
    fclose(smaps);
    return found;
}

static int accountable(const void *address)
{
    char flags[256];
    ck_assert(smaps_field(address, "VmFlags", flags, sizeof(flags)));
    return strstr(flags, " ac") != NULL;
}

static long smaps_kb(const void *address, const char *field)
{
    char value[64];
    ck_assert(smaps_field(address, field, value, sizeof(value)));
    return strtol(value, NULL, 10);
}

/* A free 64 KiB-aligned address with room for size bytes. */
static char *free_address(SIZE_T size)
{
    char *base = VirtualAlloc(NULL, size, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_nonnull(base);
    ck_assert(VirtualFree(base, 0, MEM_RELEASE));
    return base;
}

/* --- Reserve ------------------------------------------------------------ */

START_TEST(reserve_zero_size_fails)                         /* fact 1 */
{
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(NULL, 0, MEM_RESERVE, PAGE_NOACCESS));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
}
END_TEST

START_TEST(reserve_rounds_size_to_pages)                    /* fact 2 */
{
    char *a = VirtualAlloc(NULL, 0xFFFC, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_nonnull(a);
    ck_assert_region(query(a), a, a, PAGE_NOACCESS, 0x10000, MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert_region(query(a + 0x5123), a + 0x5000, a, PAGE_NOACCESS, 0xB000, MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(reservations_are_granule_aligned_and_reusable)   /* fact 3 */
{
    for (int i = 0; i < 64; i++) {
        char *a = VirtualAlloc(NULL, 0x2000 + i * P, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE);
        ck_assert_ptr_nonnull(a);
        ck_assert_uint_eq((uintptr_t)a % G, 0);
        ck_assert(VirtualFree(a, 0, MEM_RELEASE));
        char *again = VirtualAlloc(a, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
        ck_assert_ptr_eq(again, a);
        ck_assert(VirtualFree(again, 0, MEM_RELEASE));
    }
}
END_TEST

START_TEST(explicit_reserve_rounds_address_down_to_granule) /* fact 4 */
{
    char *a = free_address(2 * G);
    char *b = VirtualAlloc(a + 0x1022, 0x2000, MEM_RESERVE, PAGE_READWRITE);
    ck_assert_ptr_eq(b, a);
    /* Size: every page up to the end of the request, from the rounded base. */
    ck_assert_region(query(a), a, a, PAGE_READWRITE, 0x4000, MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(reservation_blocks_another_at_the_same_place)    /* fact 5 */
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_NOACCESS);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(a, G, MEM_RESERVE, PAGE_NOACCESS));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(a + 0x1000, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert_region(query(a), a, a, PAGE_NOACCESS, G, MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(small_reservation_owns_its_whole_granule)
{
    char *a = VirtualAlloc(NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    /* The rest of the granule is free but cannot be reserved, as on Windows. */
    MEMORY_BASIC_INFORMATION tail = query(a + 0x2000);
    ck_assert_uint_eq(tail.State, MEM_FREE);
    ck_assert_ptr_eq(tail.AllocationBase, NULL);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(a + 0x8000, 0x1000, MEM_RESERVE, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert_not_readable(a + 0x2000);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(never_maps_over_foreign_memory)
{
    /* Memory the program made without the library. */
    char *foreign = mmap(NULL, 4 * G, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(foreign, MAP_FAILED);
    char *granule = (char *)(((uintptr_t)foreign + G - 1) & ~(uintptr_t)(G - 1));
    memset(foreign, 0x5a, 4 * G);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(granule, G, MEM_RESERVE, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(granule, G, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    for (int i = 0; i < 4 * G; i++)
        ck_assert_int_eq(foreign[i], 0x5a);
    /* Committing there without a reservation of ours fails too. */
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(granule, P, MEM_COMMIT, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    int on_stack = 7;
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(&on_stack, P, MEM_RESERVE, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert_int_eq(on_stack, 7);
    munmap(foreign, 4 * G);
}
END_TEST

START_TEST(reserved_memory_is_inaccessible_and_uncharged)
{
    char *a = VirtualAlloc(NULL, 64 * G, MEM_RESERVE, PAGE_READWRITE);
    ck_assert_not_readable(a);
    ck_assert_not_readable(a + 63 * G);
    ck_assert(!accountable(a));
    ck_assert_int_eq(smaps_kb(a, "Rss"), 0);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(top_down_allocates_high)
{
    char *low = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_READWRITE);
    char *high = VirtualAlloc(NULL, G, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE);
    ck_assert_ptr_nonnull(high);
    ck_assert_uint_eq((uintptr_t)high % G, 0);
    if (UNDER_VALGRIND)
        return;     /* valgrind lays out the client's mappings itself, top-down ones included */
    ck_assert_uint_gt((uintptr_t)high, (uintptr_t)low);
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    ck_assert_uint_gt((uintptr_t)high, (uintptr_t)info.lpMaximumApplicationAddress / 2);
    ck_assert(VirtualFree(low, 0, MEM_RELEASE));
    ck_assert(VirtualFree(high, 0, MEM_RELEASE));
}
END_TEST

START_TEST(bad_addresses_and_sizes)                         /* fact 16, 17 */
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    char *top = info.lpMaximumApplicationAddress;
    struct { void *address; SIZE_T size; } cases[] = {
        { (void *)0x1000, P }, { (void *)0xF000, 0x2000 },
        { (void *)(uintptr_t)0x7fff0000, SIZE_MAX - 0x1000 },      /* wraps */
        { top - 0x1000, 0x3000 }, { top + 1, P },
        { NULL, SIZE_MAX }, { NULL, SIZE_MAX - 0xFFFF }, { NULL, (SIZE_T)1 << 60 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        SetLastError(0);
        ck_assert_ptr_null(VirtualAlloc(cases[i].address, cases[i].size, MEM_RESERVE, PAGE_READWRITE));
        ck_assert_last_error(ERROR_INVALID_PARAMETER);
        SetLastError(0);
        ck_assert_ptr_null(VirtualAlloc(cases[i].address, cases[i].size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE));
        ck_assert_last_error(ERROR_INVALID_PARAMETER);
    }
}
END_TEST

START_TEST(bad_allocation_types)                            /* facts 10, 11 */
{
    static const DWORD bad[] = {
        0, MEM_WRITE_WATCH, MEM_TOP_DOWN, MEM_RESERVE | 0x40000000 /* AT_ROUND_TO_PAGE */,
        MEM_RESERVE | MEM_DECOMMIT, MEM_RESERVE | MEM_RELEASE, MEM_RESET | MEM_COMMIT,
        MEM_RESET | MEM_RESET_UNDO,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(0);
        ck_assert_ptr_null(VirtualAlloc(NULL, G, bad[i], PAGE_READWRITE));
        ck_assert_last_error(ERROR_INVALID_PARAMETER);
    }
    char *watched = VirtualAlloc(NULL, G, MEM_RESERVE | MEM_WRITE_WATCH, PAGE_READWRITE);
    ck_assert_ptr_nonnull(watched);
    ck_assert(VirtualFree(watched, 0, MEM_RELEASE));
}
END_TEST

START_TEST(protections_for_new_memory)                      /* facts 7, 8 */
{
    static const DWORD good[] = { PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_EXECUTE,
                                  PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
                                  PAGE_READWRITE | PAGE_GUARD, PAGE_READWRITE | PAGE_NOCACHE,
                                  PAGE_READONLY | PAGE_WRITECOMBINE };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char *a = VirtualAlloc(NULL, P, MEM_COMMIT, good[i]);
        ck_assert_ptr_nonnull(a);
        ck_assert_region(query(a), a, a, good[i], P, MEM_COMMIT, good[i], MEM_PRIVATE);
        if (good[i] == PAGE_READWRITE) {
            a[0] = 1;
            ck_assert_uint_eq(query(a).Protect, PAGE_READWRITE);
        }
        ck_assert(VirtualFree(a, 0, MEM_RELEASE));
    }
    static const DWORD bad[] = { 0, PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY, PAGE_READONLY | PAGE_EXECUTE,
                                 PAGE_READWRITE | PAGE_NOACCESS, PAGE_NOACCESS | PAGE_GUARD,
                                 PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE,
                                 PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE, 0x1000 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(0);
        ck_assert_ptr_null(VirtualAlloc(NULL, P, MEM_COMMIT, bad[i]));
        ck_assert_last_error(ERROR_INVALID_PARAMETER);
        SetLastError(0);
        ck_assert_ptr_null(VirtualAlloc(NULL, P, MEM_RESERVE, bad[i]));
        ck_assert_last_error(ERROR_INVALID_PARAMETER);
    }
}
END_TEST

START_TEST(kernel_protection_follows)
{
    char *ro = VirtualAlloc(NULL, P, MEM_COMMIT, PAGE_READONLY);
    ck_assert_readable(ro);
    ck_assert_not_writable(ro);
    char *none = VirtualAlloc(NULL, P, MEM_COMMIT, PAGE_NOACCESS);
    ck_assert_not_readable(none);
    char *guard = VirtualAlloc(NULL, P, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    ck_assert_not_readable(guard);
    char *rw = VirtualAlloc(NULL, P, MEM_COMMIT, PAGE_READWRITE);
    ck_assert_writable(rw);
    ck_assert(VirtualFree(ro, 0, MEM_RELEASE) && VirtualFree(none, 0, MEM_RELEASE) &&
              VirtualFree(guard, 0, MEM_RELEASE) && VirtualFree(rw, 0, MEM_RELEASE));
}
END_TEST

/* --- Commit ------------------------------------------------------------- */

START_TEST(commit_returns_the_page_holding_the_address)     /* the lesson's A..F */
{
    char *a = VirtualAlloc(NULL, 16 * P, MEM_RESERVE, PAGE_READWRITE);
    static const unsigned offsets[] = { 0, 100, 4095 };
    for (int i = 0; i < 3; i++)
        ck_assert_ptr_eq(VirtualAlloc(a + offsets[i], 1, MEM_COMMIT, PAGE_READWRITE), a);
    for (int i = 0; i < 3; i++)
        ck_assert_ptr_eq(VirtualAlloc(a + 4096 + offsets[i], 1, MEM_COMMIT, PAGE_READWRITE), a + 4096);
    ck_assert_region(query(a), a, a, PAGE_READWRITE, 2 * P, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    ck_assert_region(query(a + 2 * P), a + 2 * P, a, PAGE_READWRITE, 14 * P, MEM_RESERVE, 0, MEM_PRIVATE);
    /* A two-byte commit straddling a page boundary commits both pages. */
    ck_assert_ptr_eq(VirtualAlloc(a + 5 * P - 1, 2, MEM_COMMIT, PAGE_READONLY), a + 4 * P);
    ck_assert_region(query(a + 4 * P), a + 4 * P, a, PAGE_READWRITE, 2 * P, MEM_COMMIT, PAGE_READONLY, MEM_PRIVATE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(commit_inside_reservation)                       /* fact 6 */
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_eq(VirtualAlloc(a, P, MEM_COMMIT, PAGE_NOACCESS), a);
    ck_assert_region(query(a), a, a, PAGE_NOACCESS, P, MEM_COMMIT, PAGE_NOACCESS, MEM_PRIVATE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(committed_memory_is_zero_and_recommit_keeps_it)  /* fact 9 */
{
    char *a = VirtualAlloc(NULL, 4 * P, MEM_RESERVE, PAGE_READWRITE);
    char *c = VirtualAlloc(a, 4 * P, MEM_COMMIT, PAGE_READWRITE);
    for (int i = 0; i < 4 * P; i++)
        ck_assert_int_eq(c[i], 0);
    memset(c, 0x77, 4 * P);
    ck_assert_ptr_eq(VirtualAlloc(a, 4 * P, MEM_COMMIT, PAGE_READONLY), a);
    ck_assert_uint_eq(query(a).Protect, PAGE_READONLY);
    ck_assert_int_eq(c[4 * P - 1], 0x77);
    ck_assert_not_writable(a);
    ck_assert_ptr_eq(VirtualAlloc(a, P, MEM_COMMIT, PAGE_READWRITE), a);
    ck_assert_region(query(a), a, a, PAGE_READWRITE, P, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    ck_assert_int_eq(c[0], 0x77);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(a, P, MEM_COMMIT, PAGE_WRITECOPY));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(commit_outside_or_across_a_reservation_fails)    /* fact 15 */
{
    char *a = VirtualAlloc(NULL, 0x3000, MEM_RESERVE, PAGE_READWRITE);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(a + 0x2000, 0x2000, MEM_COMMIT, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(a + 0x3000, 0x1000, MEM_COMMIT, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert_region(query(a), a, a, PAGE_READWRITE, 0x3000, MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(a, P, MEM_COMMIT, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
}
END_TEST

START_TEST(commit_is_charged_and_decommit_uncharges)
{
    char *a = VirtualAlloc(NULL, 16 * P, MEM_RESERVE, PAGE_READWRITE);
    ck_assert(!accountable(a));
    VirtualAlloc(a, 16 * P, MEM_COMMIT, PAGE_READWRITE);
    ck_assert(accountable(a));
    ck_assert(VirtualFree(a, 16 * P, MEM_DECOMMIT));
    ck_assert(!accountable(a));
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(commit_the_system_cannot_back_fails_cleanly)
{
    char mode = '0';
    FILE *setting = fopen("/proc/sys/vm/overcommit_memory", "r");
    if (setting) {
        mode = (char)fgetc(setting);
        fclose(setting);
    }
    if (mode == '1')
        return;     /* "always overcommit": the kernel promises everything */
    if (UNDER_VALGRIND)
        return;     /* memcheck takes minutes over a reservation of tens of GiB */
    /* Twice what the system could ever back (and small enough for the
     * address ranges a sanitizer leaves to programs). */
    MEMORYSTATUSEX status = { .dwLength = sizeof(status) };
    ck_assert(GlobalMemoryStatusEx(&status));
    SIZE_T huge = ((SIZE_T)status.ullTotalPageFile * 2 + ((SIZE_T)1 << 30)) & ~(((SIZE_T)1 << 30) - 1);
    char *a = VirtualAlloc(NULL, huge, MEM_RESERVE, PAGE_READWRITE);
    ck_assert_ptr_nonnull(a);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(a, huge, MEM_COMMIT, PAGE_READWRITE));
    ck_assert_last_error(ERROR_COMMITMENT_LIMIT);
    ck_assert_region(query(a), a, a, PAGE_READWRITE, huge, MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(NULL, huge, MEM_COMMIT, PAGE_READWRITE));
    ck_assert_last_error(ERROR_COMMITMENT_LIMIT);
}
END_TEST

/* --- Decommit and release ----------------------------------------------- */

START_TEST(decommit_returns_pages_to_the_kernel)            /* fact 21 */
{
    char *a = VirtualAlloc(NULL, 64 * P, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    memset(a, 0x33, 64 * P);
    ck_assert_int_ge(smaps_kb(a, "Rss"), 64 * 4);
    ck_assert(VirtualFree(a, 0x10000, MEM_DECOMMIT));
    ck_assert_region(query(a), a, a, PAGE_READWRITE, 0x10000, MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert_region(query(a + 0x10000), a + 0x10000, a, PAGE_READWRITE, 48 * P, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    ck_assert_int_le(smaps_kb(a, "Rss"), 0);
    ck_assert_not_readable(a);
    ck_assert_ptr_eq(VirtualAlloc(a, 16 * P, MEM_COMMIT, PAGE_READWRITE), a);
    for (int i = 0; i < 16 * P; i++)
        ck_assert_int_eq(a[i], 0);
    ck_assert_int_eq(a[16 * P], 0x33);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(free_type_must_be_decommit_or_release)           /* facts 19, 20, 22 */
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_NOACCESS);
    static const DWORD bad[] = { 0, MEM_FREE, MEM_DECOMMIT | MEM_RELEASE, MEM_RESERVE, 0x1 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(0);
        ck_assert(!VirtualFree(a, 0, bad[i]));
        ck_assert_last_error(ERROR_INVALID_PARAMETER);
    }
    SetLastError(0);
    ck_assert(!VirtualFree(a, 1, MEM_RELEASE));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    SetLastError(0);
    ck_assert(!VirtualFree(NULL, 0, MEM_RELEASE));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));                 /* fact 23 */
    MEMORY_BASIC_INFORMATION info = query(a);
    ck_assert_uint_eq(info.State, MEM_FREE);
}
END_TEST

START_TEST(release_address_rounding)                        /* fact 24 */
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    SetLastError(0);
    ck_assert(!VirtualFree(a + 0x1000, 0, MEM_RELEASE));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert(VirtualFree(a + 0xfff, 0, MEM_RELEASE));
    SetLastError(0);
    ck_assert(!VirtualFree(a, 0, MEM_RELEASE));                /* fact 28 */
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    SetLastError(0);
    ck_assert(!VirtualFree(a, 0x1000, MEM_DECOMMIT));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
}
END_TEST

START_TEST(decommit_ranges)                                 /* facts 25, 26, 27 */
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    SetLastError(0);
    ck_assert(!VirtualFree(a + 0x1001, 0, MEM_DECOMMIT));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    SetLastError(0);
    ck_assert(!VirtualFree(a, 0x11000, MEM_DECOMMIT));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    SetLastError(0);
    ck_assert(!VirtualFree(a + 0x1001, 0xffff, MEM_DECOMMIT));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert_region(query(a), a, a, PAGE_READWRITE, G, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);

    ck_assert(VirtualFree(a + 0x1fff, 2, MEM_DECOMMIT));
    ck_assert_region(query(a + 0x1000), a + 0x1000, a, PAGE_READWRITE, 0x2000, MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert_region(query(a + 0x3000), a + 0x3000, a, PAGE_READWRITE, 0xd000, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    ck_assert(VirtualFree(a + 0xffe, 0, MEM_DECOMMIT));
    ck_assert_region(query(a), a, a, PAGE_READWRITE, G, MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(free_memory_description)                         /* fact 40 */
{
    char *a = free_address(3 * G);
    char *first = VirtualAlloc(a, G, MEM_RESERVE, PAGE_READWRITE);
    char *third = VirtualAlloc(a + 2 * G, G, MEM_RESERVE, PAGE_READWRITE);
    ck_assert_ptr_eq(first, a);
    ck_assert_ptr_eq(third, a + 2 * G);
    ck_assert_region(query(a + G + 0x1234), a + G + 0x1000, NULL, 0, G - 0x1000, MEM_FREE, PAGE_NOACCESS, 0);
    ck_assert(VirtualFree(first, 0, MEM_RELEASE));
    ck_assert(VirtualFree(third, 0, MEM_RELEASE));
}
END_TEST

/* --- MEM_RESET ---------------------------------------------------------- */

START_TEST(reset_keeps_state_and_protection)                /* facts 46, 47, 48 */
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_READWRITE);
    VirtualAlloc(a, P, MEM_COMMIT, PAGE_READWRITE);
    memset(a, 0x55, P);
    ck_assert_ptr_eq(VirtualAlloc(a, P, MEM_RESET, PAGE_NOACCESS), a);
    ck_assert_region(query(a), a, a, PAGE_READWRITE, P, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    ck_assert(a[0] == 0x55 || a[0] == 0);
    ck_assert_ptr_eq(VirtualAlloc(a + P, P, MEM_RESET, PAGE_NOACCESS), a + P);
    ck_assert_region(query(a + P), a + P, a, PAGE_READWRITE, G - P, MEM_RESERVE, 0, MEM_PRIVATE);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(a + 0xf000, 0x2000, MEM_RESET, PAGE_NOACCESS));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(a, P, MEM_RESET, PAGE_NOACCESS));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
}
END_TEST

START_TEST(reset_undo_keeps_data_that_is_still_there)
{
    char *a = VirtualAlloc(NULL, 8 * P, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    memset(a, 0x42, 8 * P);
    ck_assert_ptr_eq(VirtualAlloc(a, 8 * P, MEM_RESET, PAGE_NOACCESS), a);
    ck_assert_ptr_eq(VirtualAlloc(a, 8 * P, MEM_RESET_UNDO, PAGE_NOACCESS), a);
    for (int i = 0; i < 8 * P; i++)
        ck_assert_int_eq(a[i], 0x42);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

/* --- VirtualProtect ----------------------------------------------------- */

START_TEST(protect_requires_committed_pages)                /* facts 32, 33 */
{
    char *a = VirtualAlloc(NULL, 0xFFFC, MEM_RESERVE, PAGE_NOACCESS);
    DWORD old = 0x1234;
    SetLastError(0);
    ck_assert(!VirtualProtect(a, 0xFFFC, PAGE_READONLY, &old));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    VirtualAlloc(a, P, MEM_COMMIT, PAGE_NOACCESS);
    SetLastError(0);
    ck_assert(!VirtualProtect(a, 0xFFFC, PAGE_READONLY, &old));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert_uint_eq(old, 0x1234);
    ck_assert_uint_eq(query(a).Protect, PAGE_NOACCESS);
    SetLastError(0);
    ck_assert(!VirtualProtect(a + G, P, PAGE_READONLY, &old));   /* outside */
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(protect_returns_old_protection)                  /* facts 34, 35 */
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_NOACCESS);
    VirtualAlloc(a, P, MEM_COMMIT, PAGE_NOACCESS);
    DWORD old;
    ck_assert(VirtualProtect(a, P, PAGE_READONLY, &old));
    ck_assert_uint_eq(old, PAGE_NOACCESS);
    ck_assert(VirtualProtect(a, P, PAGE_READWRITE, &old));
    ck_assert_uint_eq(old, PAGE_READONLY);
    ck_assert_region(query(a), a, a, PAGE_NOACCESS, P, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    ck_assert_writable(a);
    SetLastError(0);
    ck_assert(!VirtualProtect(a, P, PAGE_READONLY, NULL));
    ck_assert_last_error(ERROR_NOACCESS);
    ck_assert_uint_eq(query(a).Protect, PAGE_READWRITE);
    /* Size 0 at a page boundary changes no page but reports the old value;
     * inside a page it covers that page. */
    old = 0;
    ck_assert(VirtualProtect(a, 0, PAGE_READONLY, &old));
    ck_assert_uint_eq(old, PAGE_READWRITE);
    ck_assert_uint_eq(query(a).Protect, PAGE_READWRITE);
    ck_assert(VirtualProtect(a + 0x10, 0, PAGE_READONLY, &old));
    ck_assert_uint_eq(old, PAGE_READWRITE);
    ck_assert_uint_eq(query(a).Protect, PAGE_READONLY);
    SetLastError(0);
    ck_assert(!VirtualProtect(a + P, 0, PAGE_READONLY, &old));
    ck_assert_last_error(ERROR_INVALID_ADDRESS);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(protect_validation)                              /* fact 36 */
{
    char *a = VirtualAlloc(NULL, P, MEM_COMMIT, PAGE_READWRITE);
    static const DWORD good[] = { PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_EXECUTE,
                                  PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_READWRITE };
    DWORD old, previous = PAGE_READWRITE;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ck_assert(VirtualProtect(a, P, good[i], &old));
        ck_assert_uint_eq(old, previous);
        ck_assert_uint_eq(query(a).Protect, good[i]);
        previous = good[i];
    }
    static const DWORD bad[] = { 0, PAGE_READONLY | PAGE_EXECUTE, PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY,
                                 PAGE_READWRITE | PAGE_EXECUTE_WRITECOPY, PAGE_NOACCESS | PAGE_GUARD };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SetLastError(0);
        old = 0x99;
        ck_assert(!VirtualProtect(a, P, bad[i], &old));
        ck_assert_last_error(ERROR_INVALID_PARAMETER);
        ck_assert_uint_eq(old, 0x99);
        ck_assert_uint_eq(query(a).Protect, PAGE_READWRITE);
    }
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(protect_splits_and_merges_regions)               /* fact 37 */
{
    char *a = VirtualAlloc(NULL, G, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    DWORD old;
    ck_assert(VirtualProtect(a + P, 3 * P, PAGE_READONLY, &old));
    ck_assert_region(query(a), a, a, PAGE_READWRITE, P, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    ck_assert_region(query(a + P), a + P, a, PAGE_READWRITE, 3 * P, MEM_COMMIT, PAGE_READONLY, MEM_PRIVATE);
    ck_assert_region(query(a + 4 * P), a + 4 * P, a, PAGE_READWRITE, 12 * P, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    /* The old protection is the first page's. */
    ck_assert(VirtualProtect(a, 4 * P, PAGE_NOACCESS, &old));
    ck_assert_uint_eq(old, PAGE_READWRITE);
    ck_assert(VirtualProtect(a, G, PAGE_READWRITE, &old));
    ck_assert_uint_eq(old, PAGE_NOACCESS);
    ck_assert_region(query(a + 5 * P), a + 5 * P, a, PAGE_READWRITE, 11 * P, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    ck_assert_region(query(a), a, a, PAGE_READWRITE, G, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(nocache_belongs_to_the_allocation)                /* facts 13, 14 */
{
    char *a = VirtualAlloc(NULL, 0x2000, MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE);
    ck_assert_region(query(a), a, a, PAGE_READWRITE | PAGE_NOCACHE, 0x2000, MEM_COMMIT,
                     PAGE_READWRITE | PAGE_NOCACHE, MEM_PRIVATE);
    DWORD old;
    ck_assert(VirtualProtect(a, P, PAGE_READWRITE, &old));
    ck_assert_uint_eq(old, PAGE_READWRITE | PAGE_NOCACHE);
    ck_assert_uint_eq(query(a).RegionSize, 0x2000);
    ck_assert(VirtualProtect(a, P, PAGE_READONLY, &old));
    ck_assert_uint_eq(old, PAGE_READWRITE | PAGE_NOCACHE);
    ck_assert_region(query(a), a, a, PAGE_READWRITE | PAGE_NOCACHE, P, MEM_COMMIT,
                     PAGE_READONLY | PAGE_NOCACHE, MEM_PRIVATE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));

    char *b = VirtualAlloc(NULL, P, MEM_COMMIT, PAGE_READWRITE);
    ck_assert(VirtualProtect(b, P, PAGE_READONLY | PAGE_NOCACHE, &old));
    ck_assert_uint_eq(old, PAGE_READWRITE);
    ck_assert_uint_eq(query(b).Protect, PAGE_READONLY);
    /* Committing again follows the same rule as VirtualProtect. */
    ck_assert_ptr_eq(VirtualAlloc(b, P, MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE), b);
    ck_assert_uint_eq(query(b).Protect, PAGE_READWRITE);
    ck_assert_ptr_eq(VirtualAlloc(b, P, MEM_COMMIT, PAGE_READWRITE | PAGE_WRITECOMBINE), b);
    ck_assert_uint_eq(query(b).Protect, PAGE_READWRITE);
    ck_assert(VirtualFree(b, 0, MEM_RELEASE));

    char *c = VirtualAlloc(NULL, 0x2000, MEM_RESERVE, PAGE_READWRITE | PAGE_NOCACHE);
    ck_assert_ptr_eq(VirtualAlloc(c + P, P, MEM_COMMIT, PAGE_READONLY), c + P);
    ck_assert_uint_eq(query(c + P).Protect, PAGE_READONLY | PAGE_NOCACHE);
    ck_assert(VirtualFree(c, 0, MEM_RELEASE));
}
END_TEST

START_TEST(guard_protection_is_reported)                    /* facts 51, 52 */
{
    char *a = VirtualAlloc(NULL, P, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD);
    ck_assert_region(query(a), a, a, PAGE_READWRITE | PAGE_GUARD, P, MEM_COMMIT,
                     PAGE_READWRITE | PAGE_GUARD, MEM_PRIVATE);
    DWORD old;
    ck_assert(VirtualProtect(a, P, PAGE_READWRITE, &old));
    ck_assert_uint_eq(old, PAGE_READWRITE | PAGE_GUARD);
    ck_assert_writable(a);
    ck_assert(VirtualProtect(a, P, PAGE_READWRITE | PAGE_GUARD, &old));
    ck_assert_uint_eq(old, PAGE_READWRITE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

/* --- VirtualQuery ------------------------------------------------------- */

START_TEST(query_bad_length_and_address)                    /* fact 43 */
{
    MEMORY_BASIC_INFORMATION info;
    int local;
    SetLastError(0);
    ck_assert_uint_eq(VirtualQuery(&local, &info, sizeof(info) - 1), 0);
    ck_assert_last_error(ERROR_BAD_LENGTH);
    SYSTEM_INFO system;
    GetSystemInfo(&system);
    SetLastError(0);
    ck_assert_uint_eq(VirtualQuery((char *)system.lpMaximumApplicationAddress + 1, &info, sizeof(info)), 0);
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    SetLastError(0);
    ck_assert_uint_eq(VirtualQuery((void *)~(uintptr_t)0, &info, sizeof(info)), 0);
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert_uint_eq(VirtualQuery(&local, &info, sizeof(info) + 10), sizeof(info));
}
END_TEST

static int global_data = 1;

START_TEST(query_memory_the_library_did_not_make)
{
    /* The executable: code and data of one image. */
    MEMORY_BASIC_INFORMATION code = query((void *)(uintptr_t)&make_suite);
    ck_assert_uint_eq(code.Type, MEM_IMAGE);
    ck_assert_uint_eq(code.State, MEM_COMMIT);
    ck_assert_uint_eq(code.Protect, PAGE_EXECUTE_READ);
    MEMORY_BASIC_INFORMATION data = query(&global_data);
    ck_assert_uint_eq(data.Type, MEM_IMAGE);
    ck_assert_uint_eq(data.Protect, PAGE_READWRITE);
    ck_assert_ptr_eq(data.AllocationBase, code.AllocationBase);
    /* A shared library: the C library's own FILE for standard input. */
    MEMORY_BASIC_INFORMATION library = query(stdin);
    ck_assert_uint_eq(library.Type, MEM_IMAGE);
    ck_assert_ptr_ne(library.AllocationBase, code.AllocationBase);
    /* The stack and the C library's heap. */
    int local = 0;
    MEMORY_BASIC_INFORMATION stack = query(&local);
    ck_assert_uint_eq(stack.Type, MEM_PRIVATE);
    ck_assert_uint_eq(stack.State, MEM_COMMIT);
    ck_assert_uint_eq(stack.Protect, PAGE_READWRITE);
    ck_assert_uint_le((uintptr_t)stack.BaseAddress, (uintptr_t)&local);
    ck_assert_uint_gt((uintptr_t)stack.BaseAddress + stack.RegionSize, (uintptr_t)&local);
    char *block = malloc(100);
    MEMORY_BASIC_INFORMATION heap = query(block);
    ck_assert_uint_eq(heap.Type, MEM_PRIVATE);
    /* valgrind's replacement malloc takes its memory read-write-execute */
    ck_assert_uint_eq(heap.Protect, UNDER_VALGRIND ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE);
    free(block);
    /* Mappings: shared memory and a file. */
    char *shared = mmap(NULL, 3 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    MEMORY_BASIC_INFORMATION mapped = query(shared + P);
    ck_assert_region(mapped, shared + P, shared, PAGE_READWRITE, 2 * P, MEM_COMMIT, PAGE_READWRITE, MEM_MAPPED);
    munmap(shared, 3 * P);
    char path[] = "/tmp/w32mem-query-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_eq(ftruncate(fd, 2 * P), 0);
    char *file = mmap(NULL, 2 * P, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_region(query(file), file, file, PAGE_READONLY, 2 * P, MEM_COMMIT, PAGE_READONLY, MEM_MAPPED);
    munmap(file, 2 * P);
    close(fd);
    unlink(path);
    /* Inaccessible private memory is reserved address space. */
    char *none = mmap(NULL, 4 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    MEMORY_BASIC_INFORMATION reserved = query(none + P);
    ck_assert_uint_eq(reserved.State, MEM_RESERVE);
    ck_assert_uint_eq(reserved.Protect, 0);
    ck_assert_uint_eq(reserved.Type, MEM_PRIVATE);
    munmap(none, 4 * P);
    /* The NULL region is free. */
    MEMORY_BASIC_INFORMATION null_region = query(NULL);
    ck_assert_uint_eq(null_region.State, MEM_FREE);
    ck_assert_ptr_eq(null_region.BaseAddress, NULL);
    ck_assert_uint_ge(null_region.RegionSize, 0x10000);
}
END_TEST

START_TEST(query_walks_the_whole_address_space)
{
    char *ours = VirtualAlloc(NULL, 8 * P, MEM_RESERVE, PAGE_READWRITE);
    VirtualAlloc(ours + 2 * P, P, MEM_COMMIT, PAGE_READONLY);
    SYSTEM_INFO system;
    GetSystemInfo(&system);
    uintptr_t at = 0;
    int regions = 0, seen_ours = 0;
    MEMORY_BASIC_INFORMATION info;
    while (VirtualQuery((void *)at, &info, sizeof(info))) {
        ck_assert_ptr_eq(info.BaseAddress, (void *)at);
        ck_assert_uint_gt(info.RegionSize, 0);
        ck_assert_uint_eq(info.RegionSize % P, 0);
        if (info.AllocationBase == ours)
            seen_ours++;
        at += info.RegionSize;
        regions++;
        ck_assert_int_lt(regions, 100000);
    }
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert_uint_eq(at, (uintptr_t)system.lpMaximumApplicationAddress + 1);
    ck_assert_int_eq(seen_ours, 3);
    ck_assert(VirtualFree(ours, 0, MEM_RELEASE));
}
END_TEST

START_TEST(sparse_reservation_costs_runs_not_pages)
{
    if (UNDER_VALGRIND)
        return;     /* valgrind 3.19 gives its client 128 GiB of address space, too little here */
    SIZE_T huge = (SIZE_T)1 << 36;                           /* 64 GiB, 16M pages */
    char *a = VirtualAlloc(NULL, huge, MEM_RESERVE, PAGE_READWRITE);
    ck_assert_ptr_nonnull(a);
    char *pages[] = { a + 5 * P, a + (huge >> 1), a + huge - P };
    for (int i = 0; i < 3; i++) {
        ck_assert_ptr_eq(VirtualAlloc(pages[i], 1, MEM_COMMIT, PAGE_READWRITE), pages[i]);
        pages[i][0] = 1;
    }
    ck_assert_region(query(a), a, a, PAGE_READWRITE, 5 * P, MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert_region(query(pages[1]), pages[1], a, PAGE_READWRITE, P, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    ck_assert_region(query(pages[1] + P), pages[1] + P, a, PAGE_READWRITE, (huge >> 1) - 2 * P,
                     MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert_region(query(pages[2]), pages[2], a, PAGE_READWRITE, P, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(many_reservations)
{
    enum { COUNT = 10000 };
    static char *bases[COUNT];
    for (int i = 0; i < COUNT; i++) {
        bases[i] = VirtualAlloc(NULL, P * (1 + i % 3), i % 2 ? MEM_RESERVE : MEM_RESERVE | MEM_COMMIT,
                                PAGE_READWRITE);
        ck_assert_ptr_nonnull(bases[i]);
    }
    for (int i = 0; i < COUNT; i++) {
        MEMORY_BASIC_INFORMATION info = query(bases[i] + P / 2);
        ck_assert_ptr_eq(info.AllocationBase, bases[i]);
        ck_assert_uint_eq(info.RegionSize, P * (1 + i % 3));
        ck_assert_uint_eq(info.State, i % 2 ? MEM_RESERVE : MEM_COMMIT);
    }
    for (int i = 0; i < COUNT; i++)
        ck_assert(VirtualFree(bases[i], 0, MEM_RELEASE));
    for (int i = 0; i < COUNT; i += 97)
        ck_assert_uint_eq(query(bases[i]).State, MEM_FREE);
}
END_TEST

/* --- VirtualLock --------------------------------------------------------- */

START_TEST(lock_and_unlock)
{
    char *a = VirtualAlloc(NULL, 4 * P, MEM_RESERVE, PAGE_READWRITE);
    VirtualAlloc(a, 2 * P, MEM_COMMIT, PAGE_READWRITE);
    ck_assert(VirtualLock(a, 2 * P));
    ck_assert_int_eq(smaps_kb(a, "Locked"), 8);
    ck_assert_region(query(a), a, a, PAGE_READWRITE, 2 * P, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
    ck_assert(VirtualUnlock(a, P));
    SetLastError(0);
    ck_assert(!VirtualUnlock(a, 2 * P));
    ck_assert_last_error(ERROR_NOT_LOCKED);
    ck_assert(VirtualUnlock(a + P, P));
    SetLastError(0);
    ck_assert(!VirtualUnlock(a, P));
    ck_assert_last_error(ERROR_NOT_LOCKED);
    ck_assert_int_eq(smaps_kb(a, "Locked"), 0);
    SetLastError(0);
    ck_assert(!VirtualLock(a + 2 * P, P));                      /* reserved */
    ck_assert_last_error(ERROR_NOACCESS);
    ck_assert(VirtualLock(a, P));
    ck_assert(VirtualFree(a, P, MEM_DECOMMIT));                 /* decommit unlocks */
    VirtualAlloc(a, P, MEM_COMMIT, PAGE_READWRITE);
    SetLastError(0);
    ck_assert(!VirtualUnlock(a, P));
    ck_assert_last_error(ERROR_NOT_LOCKED);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

/* MEM_PHYSICAL reserves an AWE window: MEM_RESERVE alone, read-write only,
 * and its pages are never committed by VirtualAlloc. */
START_TEST(physical_windows_are_reserve_only)
{
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(NULL, 16 * P, MEM_RESERVE | MEM_PHYSICAL, PAGE_READONLY));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(NULL, 16 * P, MEM_RESERVE | MEM_COMMIT | MEM_PHYSICAL, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    char *a = VirtualAlloc(NULL, 16 * P, MEM_RESERVE | MEM_PHYSICAL, PAGE_READWRITE);
    ck_assert_ptr_nonnull(a);
    ck_assert_region(query(a), a, a, PAGE_READWRITE, 16 * P, MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert_ptr_null(VirtualAlloc(a, P, MEM_COMMIT, PAGE_READWRITE));
    ck_assert_region(query(a), a, a, PAGE_READWRITE, 16 * P, MEM_RESERVE, 0, MEM_PRIVATE);
    ck_assert_not_readable(a);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(write_watch_needs_a_reservation)
{
    char *a = VirtualAlloc(NULL, 4 * P, MEM_RESERVE, PAGE_READWRITE);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(a, P, MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert_uint_eq(query(a).State, MEM_RESERVE);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(wrapping_ranges_and_missing_buffers)
{
    char *a = VirtualAlloc(NULL, 4 * P, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    SetLastError(0);
    ck_assert(!VirtualFree(a, (SIZE_T)-P, MEM_DECOMMIT));           /* the range wraps */
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert_uint_eq(query(a).State, MEM_COMMIT);
    SetLastError(0);
    ck_assert_uint_eq(VirtualQuery(a, NULL, sizeof(MEMORY_BASIC_INFORMATION)), 0);
    ck_assert_last_error(ERROR_NOACCESS);
    SetLastError(0);
    ck_assert(!VirtualLock(NULL, 0));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    SetLastError(0);
    ck_assert(!VirtualLock(a, (SIZE_T)-P));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

/* Memory the library did not allocate (here static data) can be locked too. */
START_TEST(lock_memory_the_library_did_not_make)
{
    static char data[3 * P];
    char *page = (char *)(((uintptr_t)data + P - 1) & ~(uintptr_t)(P - 1));
    page[0] = 1;
    ck_assert(VirtualLock(page, P));
    ck_assert_int_eq(smaps_kb(page, "Locked"), 4);
    ck_assert(VirtualUnlock(page, P));
    ck_assert_int_eq(smaps_kb(page, "Locked"), 0);
}
END_TEST

START_TEST(large_pages)
{
    SIZE_T large = GetLargePageMinimum();
#if defined(__x86_64__)
    ck_assert_uint_eq(large, 2 * 1024 * 1024);
#endif
    if (!large)
        return;
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(NULL, large + P, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(NULL, large, MEM_RESERVE | MEM_LARGE_PAGES, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    char *a = VirtualAlloc(NULL, large, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE);
    if (a) {
        ck_assert_uint_eq((uintptr_t)a % large, 0);
        a[large - 1] = 1;
        ck_assert_region(query(a), a, a, PAGE_READWRITE, large, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE);
        ck_assert(VirtualFree(a, 0, MEM_RELEASE));
    } else {
        /* No huge pages set aside (vm.nr_hugepages): Windows' answer when
         * it cannot find large pages. */
        ck_assert_last_error(ERROR_NO_SYSTEM_RESOURCES);
    }
}
END_TEST

/* --- The Ex forms --------------------------------------------------------- */

START_TEST(ex_forms_take_the_current_process_only)          /* fact 12 */
{
    SetLastError(0);
    ck_assert_ptr_null(VirtualAllocEx(NULL, NULL, G, MEM_RESERVE, PAGE_READWRITE));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    char *a = VirtualAllocEx(GetCurrentProcess(), NULL, G, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ck_assert_ptr_nonnull(a);
    HANDLE process;
    ck_assert(DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(), &process,
                              0, FALSE, DUPLICATE_SAME_ACCESS));
    MEMORY_BASIC_INFORMATION info;
    ck_assert_uint_eq(VirtualQueryEx(process, a, &info, sizeof(info)), sizeof(info));
    ck_assert_ptr_eq(info.AllocationBase, a);
    DWORD old;
    ck_assert(VirtualProtectEx(process, a, P, PAGE_READONLY, &old));
    SetLastError(0);
    ck_assert(!VirtualProtectEx((HANDLE)0x1230, a, P, PAGE_READONLY, &old));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(0);
    ck_assert_uint_eq(VirtualQueryEx(NULL, a, &info, sizeof(info)), 0);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(0);
    ck_assert(!VirtualFreeEx(NULL, a, 0, MEM_RELEASE));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert(FlushInstructionCache(process, a, P));
    SetLastError(0);
    ck_assert(!FlushInstructionCache(NULL, a, P));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert(VirtualFreeEx(process, a, 0, MEM_RELEASE));
    ck_assert(CloseHandle(process));
    SetLastError(0);
    ck_assert(!VirtualFreeEx(process, a, 0, MEM_RELEASE));     /* a closed handle */
    ck_assert_last_error(ERROR_INVALID_HANDLE);
}
END_TEST

/* --- Threads -------------------------------------------------------------- */

static void *virtual_churn(void *argument)
{
    (void)argument;
    for (int i = 0; i < 2000; i++) {
        char *a = VirtualAlloc(NULL, 4 * P, MEM_RESERVE, PAGE_READWRITE);
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_eq(VirtualAlloc(a + P, P, MEM_COMMIT, PAGE_READWRITE), a + P);
        a[P] = (char)i;
        DWORD old;
        ck_assert(VirtualProtect(a + P, P, PAGE_READONLY, &old));
        MEMORY_BASIC_INFORMATION info = query(a + P);
        ck_assert_ptr_eq(info.AllocationBase, a);
        ck_assert_uint_eq(info.Protect, PAGE_READONLY);
        ck_assert(VirtualFree(a + P, P, MEM_DECOMMIT));
        ck_assert(VirtualFree(a, 0, MEM_RELEASE));
    }
    return NULL;
}

START_TEST(threads_allocate_free_and_query)
{
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, virtual_churn, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
}
END_TEST

/* --- Memory status -------------------------------------------------------- */

START_TEST(memory_status_ex_checks_length)                  /* fact 153 */
{
    MEMORYSTATUSEX status;
    memset(&status, 0, sizeof(status));
    SetLastError(0);
    ck_assert(!GlobalMemoryStatusEx(&status));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    status.dwLength = sizeof(status) + 1;
    ck_assert(!GlobalMemoryStatusEx(&status));
    MEMORYSTATUS old_style;
    memset(&old_style, 0, sizeof(old_style));
    SetLastError(0xabcd);
    GlobalMemoryStatus(&old_style);
    ck_assert_last_error(0xabcd);
    ck_assert_uint_eq(old_style.dwLength, sizeof(MEMORYSTATUS));
    ck_assert_uint_gt(old_style.dwTotalPhys, 0);
}
END_TEST

START_TEST(memory_status_invariants)                        /* facts 154, 155 */
{
    MEMORYSTATUSEX status = { .dwLength = sizeof(status) };
    ck_assert(GlobalMemoryStatusEx(&status));
    SYSTEM_INFO system;
    GetSystemInfo(&system);
    ck_assert_uint_gt(status.ullTotalPhys, 0);
    ck_assert_uint_le(status.ullAvailPhys, status.ullTotalPhys);
    ck_assert_uint_eq(status.dwMemoryLoad, (status.ullTotalPhys - status.ullAvailPhys) / (status.ullTotalPhys / 100));
    ck_assert_uint_le(status.dwMemoryLoad, 100);
    ck_assert_uint_le(status.ullAvailPageFile, status.ullTotalPageFile);
    ck_assert_uint_eq(status.ullTotalVirtual, (uintptr_t)system.lpMaximumApplicationAddress -
                                              (uintptr_t)system.lpMinimumApplicationAddress + 1);
    ck_assert_uint_lt(status.ullAvailVirtual, status.ullTotalVirtual);
    ck_assert_uint_eq(status.ullAvailExtendedVirtual, 0);

    MEMORYSTATUS old_style = { .dwLength = sizeof(old_style) };
    GlobalMemoryStatus(&old_style);
    ck_assert_uint_eq(old_style.dwTotalPhys, status.ullTotalPhys);
    ck_assert_uint_eq(old_style.dwTotalVirtual, status.ullTotalVirtual);
    ck_assert_uint_eq(old_style.dwTotalPageFile, status.ullTotalPageFile);
}
END_TEST

START_TEST(reserving_lowers_available_virtual)
{
    MEMORYSTATUSEX before = { .dwLength = sizeof(before) }, after = { .dwLength = sizeof(after) };
    ck_assert(GlobalMemoryStatusEx(&before));
    char *a = VirtualAlloc(NULL, (SIZE_T)1 << 30, MEM_RESERVE, PAGE_READWRITE);
    ck_assert(GlobalMemoryStatusEx(&after));
    ck_assert_uint_ge(before.ullAvailVirtual - after.ullAvailVirtual, (SIZE_T)1 << 30);
    ck_assert(VirtualFree(a, 0, MEM_RELEASE));
}
END_TEST

START_TEST(address_space_limit_is_honoured)
{
    if (UNDER_SANITIZER)
        return;
    struct rlimit limit = { (rlim_t)8 << 30, (rlim_t)8 << 30 };
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &limit), 0);          /* this test runs in its own child */
    MEMORYSTATUSEX status = { .dwLength = sizeof(status) };
    ck_assert(GlobalMemoryStatusEx(&status));
    ck_assert_uint_eq(status.ullTotalVirtual, (DWORDLONG)8 << 30);
    SetLastError(0);
    ck_assert_ptr_null(VirtualAlloc(NULL, (SIZE_T)16 << 30, MEM_RESERVE, PAGE_READWRITE));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
}
END_TEST

START_TEST(installed_memory)                                /* fact 156 */
{
    SetLastError(0);
    ck_assert(!GetPhysicallyInstalledSystemMemory(NULL));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ULONGLONG kilobytes = 0;
    ck_assert(GetPhysicallyInstalledSystemMemory(&kilobytes));
    MEMORYSTATUSEX status = { .dwLength = sizeof(status) };
    ck_assert(GlobalMemoryStatusEx(&status));
    ck_assert_uint_ge(kilobytes, status.ullTotalPhys / 1024);
}
END_TEST


/* A child moved into a new memory cgroup with a 512 MiB limit sees that
 * limit as its physical memory.  Needs a writable cgroup hierarchy (root);
 * skipped without one. */
static int cgroup_directory(char *directory, size_t size, const char **limit_file)
{
    FILE *cgroups = fopen("/proc/self/cgroup", "r");
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof(line), cgroups)) {
        line[strcspn(line, "\n")] = '\0';
        char *controllers = strchr(line, ':'), *path = controllers ? strchr(controllers + 1, ':') : NULL;
        if (!path)
            continue;
        *path++ = '\0';
        if (strstr(controllers + 1, "memory")) {
            snprintf(directory, size, "/sys/fs/cgroup/memory%s", path);
            *limit_file = "memory.limit_in_bytes";
            found = 1;
        } else if (controllers[1] == '\0' && access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
            snprintf(directory, size, "/sys/fs/cgroup%s", path);
            *limit_file = "memory.max";
            found = 1;
        }
    }
    fclose(cgroups);
    return found;
}

static int write_text(const char *directory, const char *file, const char *text)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", directory, file);
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return 0;
    int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    close(fd);
    return ok;
}

START_TEST(memory_status_honours_the_memory_cgroup)
{
    char parent[400], group[500];
    const char *limit_file;
    if (!cgroup_directory(parent, sizeof(parent), &limit_file))
        return;
    snprintf(group, sizeof(group), "%s/w32mem-test-%d", parent, (int)getpid());
    if (mkdir(group, 0755) != 0)
        return;                         /* not allowed here: nothing to prove */
    ck_assert(write_text(group, limit_file, "536870912"));
    int results[2];
    ck_assert_int_eq(pipe(results), 0);
    pid_t child = fork();
    if (child == 0) {
        char pid[32];
        snprintf(pid, sizeof(pid), "%d", (int)getpid());
        MEMORYSTATUSEX status = { .dwLength = sizeof(status) };
        if (!write_text(group, "cgroup.procs", pid) || !GlobalMemoryStatusEx(&status))
            _exit(1);
        DWORDLONG figures[2] = { status.ullTotalPhys, status.ullAvailPhys };
        _exit(write(results[1], figures, sizeof(figures)) == sizeof(figures) ? 0 : 1);
    }
    DWORDLONG figures[2] = { 0, 0 };
    int status;
    waitpid(child, &status, 0);
    ck_assert_int_eq(read(results[0], figures, sizeof(figures)), (int)sizeof(figures));
    rmdir(group);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_uint_eq(figures[0], 536870912);
    ck_assert_uint_le(figures[1], figures[0]);
    ck_assert_uint_gt(figures[1], 0);
}
END_TEST

START_TEST(failed_calls_leave_nothing_behind)
{
    /* The kernel's count of mappings is the same after every kind of
     * failure; a leaked reservation would add one. */
    static char maps[1 << 16];
    /* The library's own metadata pools are mapped on first use. */
    ck_assert(VirtualFree(VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_READWRITE), 0, MEM_RELEASE));
    ck_assert(VirtualFree(VirtualAlloc(NULL, G, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE), 0, MEM_RELEASE));
    int counts[2];
    for (int round = 0; round < 2; round++) {
        if (round == 1) {
            char *held = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_READWRITE);
            for (int i = 0; i < 100; i++) {
                VirtualAlloc(NULL, SIZE_MAX, MEM_RESERVE, PAGE_READWRITE);
                VirtualAlloc((void *)0x1000, P, MEM_RESERVE, PAGE_READWRITE);
                VirtualAlloc(held, G, MEM_RESERVE, PAGE_READWRITE);
                VirtualAlloc(held + G, P, MEM_COMMIT, PAGE_READWRITE);
                VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_WRITECOPY);
                VirtualAlloc(NULL, (SIZE_T)1 << 46, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
                VirtualFree(held + P, 0, MEM_RELEASE);
            }
            ck_assert(VirtualFree(held, 0, MEM_RELEASE));
        }
        int fd = open("/proc/self/maps", O_RDONLY);
        ssize_t length = 0, count;
        while ((count = read(fd, maps + length, sizeof(maps) - 1 - (size_t)length)) > 0)
            length += count;
        close(fd);
        counts[round] = 0;
        for (ssize_t i = 0; i < length; i++)
            counts[round] += maps[i] == '\n';
    }
    ck_assert_int_eq(counts[1], counts[0]);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("virtual");
    TCase *reserve = tcase_create("reserve");
    tcase_add_test(reserve, reserve_zero_size_fails);
    tcase_add_test(reserve, reserve_rounds_size_to_pages);
    tcase_add_test(reserve, reservations_are_granule_aligned_and_reusable);
    tcase_add_test(reserve, explicit_reserve_rounds_address_down_to_granule);
    tcase_add_test(reserve, reservation_blocks_another_at_the_same_place);
    tcase_add_test(reserve, small_reservation_owns_its_whole_granule);
    tcase_add_test(reserve, never_maps_over_foreign_memory);
    tcase_add_test(reserve, reserved_memory_is_inaccessible_and_uncharged);
    tcase_add_test(reserve, top_down_allocates_high);
    tcase_add_test(reserve, bad_addresses_and_sizes);
    tcase_add_test(reserve, bad_allocation_types);
    tcase_add_test(reserve, protections_for_new_memory);
    tcase_add_test(reserve, kernel_protection_follows);
    suite_add_tcase(suite, reserve);
    TCase *commit = tcase_create("commit");
    tcase_add_test(commit, commit_returns_the_page_holding_the_address);
    tcase_add_test(commit, commit_inside_reservation);
    tcase_add_test(commit, committed_memory_is_zero_and_recommit_keeps_it);
    tcase_add_test(commit, commit_outside_or_across_a_reservation_fails);
    tcase_add_test(commit, commit_is_charged_and_decommit_uncharges);
    tcase_add_test(commit, commit_the_system_cannot_back_fails_cleanly);
    suite_add_tcase(suite, commit);
    TCase *release = tcase_create("decommit and release");
    tcase_add_test(release, decommit_returns_pages_to_the_kernel);
    tcase_add_test(release, free_type_must_be_decommit_or_release);
    tcase_add_test(release, release_address_rounding);
    tcase_add_test(release, decommit_ranges);
    tcase_add_test(release, free_memory_description);
    tcase_add_test(release, reset_keeps_state_and_protection);
    tcase_add_test(release, reset_undo_keeps_data_that_is_still_there);
    suite_add_tcase(suite, release);
    TCase *protect = tcase_create("protect");
    tcase_add_test(protect, protect_requires_committed_pages);
    tcase_add_test(protect, protect_returns_old_protection);
    tcase_add_test(protect, protect_validation);
    tcase_add_test(protect, protect_splits_and_merges_regions);
    tcase_add_test(protect, nocache_belongs_to_the_allocation);
    tcase_add_test(protect, guard_protection_is_reported);
    suite_add_tcase(suite, protect);
    TCase *queries = tcase_create("query");
    tcase_set_timeout(queries, 60);
    tcase_add_test(queries, query_bad_length_and_address);
    tcase_add_test(queries, query_memory_the_library_did_not_make);
    tcase_add_test(queries, query_walks_the_whole_address_space);
    tcase_add_test(queries, sparse_reservation_costs_runs_not_pages);
    tcase_add_test(queries, many_reservations);
    suite_add_tcase(suite, queries);
    TCase *other = tcase_create("lock, large pages, Ex");
    tcase_add_test(other, lock_and_unlock);
    tcase_add_test(other, lock_memory_the_library_did_not_make);
    tcase_add_test(other, physical_windows_are_reserve_only);
    tcase_add_test(other, write_watch_needs_a_reservation);
    tcase_add_test(other, wrapping_ranges_and_missing_buffers);
    tcase_add_test(other, large_pages);
    tcase_add_test(other, ex_forms_take_the_current_process_only);
    suite_add_tcase(suite, other);
    TCase *threads = tcase_create("threads");
    tcase_set_timeout(threads, 120);
    tcase_add_test(threads, threads_allocate_free_and_query);
    suite_add_tcase(suite, threads);
    TCase *status = tcase_create("memory status");
    tcase_add_test(status, memory_status_ex_checks_length);
    tcase_add_test(status, memory_status_invariants);
    tcase_add_test(status, reserving_lowers_available_virtual);
    tcase_add_test(status, address_space_limit_is_honoured);
    tcase_add_test(status, installed_memory);
    tcase_add_test(status, memory_status_honours_the_memory_cgroup);
    tcase_add_test(status, failed_calls_leave_nothing_behind);
    suite_add_tcase(suite, status);
    return suite;
}
