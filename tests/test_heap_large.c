/* Large heap blocks (windows-behaviour.md section N): the cache of freed
 * ones, HeapReAlloc by mremap, and the address-space map staying exact
 * through both; and how the heap gives free memory back (purging the pages
 * inside big free blocks, trimming destroyed heaps' segments). */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"

#define LARGE_THRESHOLD ((SIZE_T)0xFF000)
#define GRANULE ((uintptr_t)0x10000)
#define SENTINEL_ERROR 0xdeadbeef

static bool all_bytes(const void *data, int value, SIZE_T size)
{
    const unsigned char *bytes = data;
    for (SIZE_T i = 0; i < size; i++)
        if (bytes[i] != (unsigned char)value)
            return false;
    return true;
}

/* A recognisable pattern, different for every 8-byte word. */
static void fill_pattern(void *data, SIZE_T size, uint64_t seed)
{
    uint64_t *words = data;
    for (SIZE_T i = 0; i < size / 8; i++)
        words[i] = seed * 0x9E3779B97F4A7C15ull + i;
}

static bool has_pattern(const void *data, SIZE_T size, uint64_t seed)
{
    const uint64_t *words = data;
    for (SIZE_T i = 0; i < size / 8; i++)
        if (words[i] != seed * 0x9E3779B97F4A7C15ull + i)
            return false;
    return true;
}

/* The whole allocation VirtualQuery reports at base. */
static SIZE_T allocation_size(const void *base)
{
    MEMORY_BASIC_INFORMATION info;
    SIZE_T size = 0;
    const char *at = base;
    while (VirtualQuery(at, &info, sizeof(info)) && info.AllocationBase == base && info.State != MEM_FREE) {
        size += info.RegionSize;
        at += info.RegionSize;
    }
    return size;
}

/* A large block is its own committed private allocation, 64 bytes past a
 * 64 KiB boundary, holding at least its size. */
static void check_own_allocation(const char *data, SIZE_T size)
{
    MEMORY_BASIC_INFORMATION info;
    ck_assert_uint_eq(VirtualQuery(data, &info, sizeof(info)), sizeof(info));
    ck_assert_ptr_eq(info.AllocationBase, data - 64);
    ck_assert_uint_eq((uintptr_t)info.AllocationBase % GRANULE, 0);
    ck_assert_uint_eq(info.Type, MEM_PRIVATE);
    ck_assert_uint_eq(info.State, MEM_COMMIT);
    ck_assert_uint_ge(allocation_size(info.AllocationBase), size + 64);
}

static bool is_free(const void *address)
{
    MEMORY_BASIC_INFORMATION info;
    return VirtualQuery(address, &info, sizeof(info)) == sizeof(info) && info.State == MEM_FREE;
}

static int large_entries(HANDLE heap, void *expected, SIZE_T expected_size)
{
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    int found = 0, count = 0;
    while (HeapWalk(heap, &entry))
        if (entry.iRegionIndex == 64 && (entry.wFlags & PROCESS_HEAP_ENTRY_BUSY)) {
            count++;
            found += entry.lpData == expected && entry.cbData == expected_size;
        }
    ck_assert_last_error(ERROR_NO_MORE_ITEMS);
    ck_assert_int_eq(found, 1);
    return count;
}

START_TEST(freed_large_block_is_reused_and_zeroed_on_request)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    char *first = HeapAlloc(heap, 0, 6 << 20);
    ck_assert_ptr_nonnull(first);
    memset(first, 0xA5, 6 << 20);
    ck_assert(HeapFree(heap, 0, first));
    ck_assert(!HeapValidate(heap, 0, first));
    /* A request a little smaller is served by the cached allocation. */
    char *second = HeapAlloc(heap, HEAP_ZERO_MEMORY, (6 << 20) - 5000);
    ck_assert_ptr_eq(second, first);
    ck_assert_uint_eq(HeapSize(heap, 0, second), (6 << 20) - 5000);
    ck_assert(all_bytes(second, 0, (6 << 20) - 5000));
    check_own_allocation(second, (6 << 20) - 5000);
    ck_assert(HeapFree(heap, 0, second));
    /* Without HEAP_ZERO_MEMORY the old bytes may stay: no memset. */
    char *third = HeapAlloc(heap, 0, 4 << 20);
    ck_assert_ptr_eq(third, first);
    ck_assert_int_eq(third[100], 0);        /* zeroed by the second user */
    ck_assert(HeapFree(heap, 0, third));
    /* A much smaller request does not take a far bigger allocation. */
    char *small = HeapAlloc(heap, 0, LARGE_THRESHOLD);
    ck_assert_ptr_ne(small, first);
    check_own_allocation(small, LARGE_THRESHOLD);
    ck_assert(HeapFree(heap, 0, small));
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(cache_serves_other_heaps_and_compact_empties_it)
{
    HANDLE one = HeapCreate(0, 0, 0), two = HeapCreate(0, 0, 0);
    void *block = HeapAlloc(one, 0, 5 << 20);
    ck_assert(HeapFree(one, 0, block));
    void *again = HeapAlloc(two, 0, 5 << 20);
    ck_assert_ptr_eq(again, block);
    /* It belongs to the heap that has it now, and only to that one. */
    ck_assert(!HeapValidate(one, 0, again));
    ck_assert(HeapValidate(two, 0, again));
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapFree(one, 0, again));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(HeapFree(two, 0, again));
    /* While cached it is still allocated; HeapCompact gives it back. */
    ck_assert(!is_free(block));
    HeapCompact(one, 0);
    ck_assert(is_free(block));
    ck_assert(HeapDestroy(one));
    ck_assert(HeapDestroy(two));
}
END_TEST

START_TEST(destroyed_heaps_large_blocks_go_back)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    void *blocks[3];
    for (int i = 0; i < 3; i++)
        blocks[i] = HeapAlloc(heap, 0, (SIZE_T)(i + 2) << 20);
    ck_assert(HeapDestroy(heap));
    for (int i = 0; i < 3; i++)
        ck_assert(is_free(blocks[i]));
}
END_TEST

/* Another heap's large block whose pages cannot be read (as when its own
 * heap is giving it back on another thread at that moment) is refused by
 * the process heap without a read of it. */
START_TEST(another_heaps_large_block_is_refused_unread)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    char *block = HeapAlloc(heap, 0, 2 * LARGE_THRESHOLD);
    ck_assert_ptr_nonnull(block);
    DWORD old = 0;
    ck_assert(VirtualProtect(block, 1, PAGE_NOACCESS, &old));
    HANDLE process_heap = GetProcessHeap();
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapFree(process_heap, 0, block));
    ck_assert_uint_eq(GetLastError(), ERROR_INVALID_PARAMETER);
    ck_assert_uint_eq(HeapSize(process_heap, 0, block), (SIZE_T)-1);
    ck_assert(!HeapValidate(process_heap, 0, block));
    ck_assert_ptr_null(HeapReAlloc(process_heap, 0, block, 10));
    ck_assert(VirtualProtect(block, 1, old, &old));
    ck_assert_uint_eq(HeapSize(heap, 0, block), 2 * LARGE_THRESHOLD);
    ck_assert(HeapFree(heap, 0, block));
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* VALGRIND_LOSES_MOVED_TAILS: valgrind 3.19 emulates mremap itself, and
 * after mremap(MREMAP_MAYMOVE | MREMAP_FIXED) that grows a mapping onto a
 * PROT_NONE reservation above it, memcheck holds the grown part
 * unaddressable although valgrind maps it read-write: four plain system
 * calls (mmap the block, mmap the target, mremap, write the tail) reproduce
 * it without this library.  Tests that move a growing block, or reuse
 * such blocks from the cache, skip themselves there. */
START_TEST(realloc_moves_pages_and_keeps_the_map_exact)
{
    if (UNDER_VALGRIND)
        return;     /* see VALGRIND_LOSES_MOVED_TAILS */
    HANDLE heap = HeapCreate(0, 0, 0);
    SIZE_T size = 2 << 20;
    char *block = HeapAlloc(heap, 0, size);
    fill_pattern(block, size, 1);
    /* Something of the program's right after it: growing must go around. */
    char *end = block - 64 + allocation_size(block - 64);
    void *blocker = VirtualAlloc(end, GRANULE, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_eq(blocker, end);

    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, block, 6 << 20));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_uint_eq(HeapSize(heap, 0, block), size);
    ck_assert(has_pattern(block, size, 1));

    char *moved = HeapReAlloc(heap, HEAP_ZERO_MEMORY, block, 6 << 20);
    ck_assert_ptr_nonnull(moved);
    ck_assert_ptr_ne(moved, block);
    ck_assert(has_pattern(moved, size, 1));
    ck_assert(all_bytes(moved + size, 0, (6 << 20) - size));
    ck_assert_uint_eq(HeapSize(heap, 0, moved), 6 << 20);
    check_own_allocation(moved, 6 << 20);
    /* The old range went back and the program's reservation is untouched. */
    ck_assert(is_free(block));
    MEMORY_BASIC_INFORMATION info;
    ck_assert_uint_eq(VirtualQuery(blocker, &info, sizeof(info)), sizeof(info));
    ck_assert_ptr_eq(info.AllocationBase, blocker);
    ck_assert_uint_eq(info.State, MEM_RESERVE);
    ck_assert(!HeapValidate(heap, 0, block));
    ck_assert(HeapValidate(heap, 0, moved));
    ck_assert_int_eq(large_entries(heap, moved, 6 << 20), 1);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(VirtualFree(blocker, 0, MEM_RELEASE));
    ck_assert(HeapFree(heap, 0, moved));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(realloc_in_place_grows_into_free_space_and_shrinks)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    char *block = HeapAlloc(heap, 0, 2 << 20);
    fill_pattern(block, 2 << 20, 2);
    /* Make sure the space after it is free: take it, then give it back. */
    char *end = block - 64 + allocation_size(block - 64);
    void *space = VirtualAlloc(end, 8 << 20, MEM_RESERVE, PAGE_NOACCESS);
    ck_assert_ptr_eq(space, end);
    ck_assert(VirtualFree(space, 0, MEM_RELEASE));

    char *grown = HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY | HEAP_ZERO_MEMORY, block, 7 << 20);
    ck_assert_ptr_eq(grown, block);
    ck_assert(has_pattern(block, 2 << 20, 2));
    ck_assert(all_bytes(block + (2 << 20), 0, 5 << 20));
    ck_assert_uint_eq(HeapSize(heap, 0, block), 7 << 20);
    check_own_allocation(block, 7 << 20);
    /* Every granule of it is known as that block. */
    ck_assert(!HeapValidate(heap, 0, block + (6 << 20)));
    ck_assert(!HeapFree(heap, 0, block + (6 << 20)));

    /* Shrinking gives the tail back (fact 92: it is decommitted)... */
    char *shrunk = HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, block, 3 << 19);
    ck_assert_ptr_eq(shrunk, block);
    ck_assert(has_pattern(block, 3 << 19, 2));
    ck_assert(is_free(block + (2 << 20)));
    ck_assert_uint_lt(allocation_size(block - 64), 2 << 20);
    ck_assert_ptr_eq(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, block, 0x60000), block);
    ck_assert_uint_eq(allocation_size(block - 64), 0x70000);
    /* ...and below the threshold it cannot grow back in place. */
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, block, 0x80000));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_uint_eq(HeapSize(heap, 0, block), 0x60000);
    /* Moving it below the threshold makes it an ordinary block. */
    char *ordinary = HeapReAlloc(heap, 0, block, 0x80000);
    ck_assert_ptr_ne(ordinary, block);
    ck_assert(has_pattern(ordinary, 0x60000, 2));
    MEMORY_BASIC_INFORMATION info;
    ck_assert_uint_eq(VirtualQuery(ordinary, &info, sizeof(info)), sizeof(info));
    ck_assert_ptr_ne(info.AllocationBase, ordinary - 64);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapFree(heap, 0, ordinary));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(many_large_reallocs_against_a_model)
{
    if (UNDER_VALGRIND)
        return;     /* see VALGRIND_LOSES_MOVED_TAILS */
    enum { SLOTS = 12, STEPS = 400 };
    HANDLE heap = HeapCreate(0, 0, 0);
    char *blocks[SLOTS] = { NULL };
    SIZE_T sizes[SLOTS] = { 0 };
    uint64_t state = 12345;
    for (int step = 0; step < STEPS; step++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        int slot = (int)(state >> 33) % SLOTS;
        SIZE_T size = LARGE_THRESHOLD + (SIZE_T)((state >> 20) % (12 << 20));
        DWORD flags = (state >> 60) & 1 ? HEAP_REALLOC_IN_PLACE_ONLY : 0;
        if (!blocks[slot]) {
            blocks[slot] = HeapAlloc(heap, (state >> 61) & 1 ? HEAP_ZERO_MEMORY : 0, size);
            ck_assert_ptr_nonnull(blocks[slot]);
        } else if ((state >> 59) & 1) {
            ck_assert(has_pattern(blocks[slot], sizes[slot], (uint64_t)slot + 10));
            ck_assert(HeapFree(heap, 0, blocks[slot]));
            blocks[slot] = NULL;
            continue;
        } else {
            char *resized = HeapReAlloc(heap, flags, blocks[slot], size);
            if (!resized) {
                ck_assert(flags & HEAP_REALLOC_IN_PLACE_ONLY);
                ck_assert_uint_eq(HeapSize(heap, 0, blocks[slot]), sizes[slot]);
                continue;
            }
            if (flags)
                ck_assert_ptr_eq(resized, blocks[slot]);
            SIZE_T kept = sizes[slot] < size ? sizes[slot] : size;
            ck_assert(has_pattern(resized, kept, (uint64_t)slot + 10));
            blocks[slot] = resized;
        }
        sizes[slot] = size;
        fill_pattern(blocks[slot], size, (uint64_t)slot + 10);
        ck_assert_uint_eq(HeapSize(heap, 0, blocks[slot]), size);
        if (step % 16 == 0) {
            ck_assert(HeapValidate(heap, 0, NULL));
            for (int i = 0; i < SLOTS; i++)
                if (blocks[i])
                    check_own_allocation(blocks[i], sizes[i]);
        }
    }
    for (int i = 0; i < SLOTS; i++)
        if (blocks[i])
            ck_assert(HeapFree(heap, 0, blocks[i]));
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* Threads allocating, resizing and freeing large blocks, on one shared heap
 * and on heaps of their own, all through the one process-wide cache. */
struct churn {
    HANDLE heap;
    uint64_t seed;
    int failures;
};

static void *large_churn(void *argument)
{
    struct churn *churn = argument;
    HANDLE own = HeapCreate(0, 0, 0);
    uint64_t state = churn->seed;
    for (int i = 0; i < 80; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        HANDLE heap = (state >> 63) ? churn->heap : own;
        SIZE_T size = LARGE_THRESHOLD + (SIZE_T)((state >> 20) % (6 << 20));
        char *block = HeapAlloc(heap, 0, size);
        if (!block) {
            churn->failures++;
            continue;
        }
        fill_pattern(block, size, state);
        SIZE_T grown = size + (SIZE_T)((state >> 8) % (4 << 20));
        char *resized = HeapReAlloc(heap, 0, block, grown);
        if (!resized || !has_pattern(resized, size, state) || HeapSize(heap, 0, resized) != grown)
            churn->failures++;
        if (!HeapFree(heap, 0, resized ? resized : block))
            churn->failures++;
    }
    if (!HeapValidate(own, 0, NULL) || !HeapDestroy(own))
        churn->failures++;
    return NULL;
}

START_TEST(threads_share_the_cache)
{
    if (UNDER_VALGRIND)
        return;     /* the cache hands on moved blocks: see VALGRIND_LOSES_MOVED_TAILS */
    enum { THREADS = 3 };
    HANDLE shared = HeapCreate(0, 0, 0);
    pthread_t threads[THREADS];
    struct churn churns[THREADS];
    for (int i = 0; i < THREADS; i++) {
        churns[i] = (struct churn){ .heap = shared, .seed = 1000u + (uint64_t)i };
        ck_assert_int_eq(pthread_create(&threads[i], NULL, large_churn, &churns[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        ck_assert_int_eq(churns[i].failures, 0);
    }
    ck_assert(HeapValidate(shared, 0, NULL));
    ck_assert(HeapDestroy(shared));
}
END_TEST

/* How many of the pages of [start, start+size) are resident. */
static size_t resident_pages(const void *start, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t from = ((uintptr_t)start + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t to = ((uintptr_t)start + size) & ~(uintptr_t)(page - 1);
    unsigned char vector[1024];
    size_t resident = 0;
    while (from < to) {
        size_t count = (to - from) / page < sizeof(vector) ? (to - from) / page : sizeof(vector);
        ck_assert_int_eq(mincore((void *)from, count * page, vector), 0);
        for (size_t i = 0; i < count; i++)
            resident += vector[i] & 1;
        from += count * page;
    }
    return resident;
}

/* A cached block serving a smaller request gives back the dirty pages past
 * it, and still zeroes, on request, everything a user had. */
START_TEST(reuse_gives_back_the_dirty_tail)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    HANDLE heap = HeapCreate(0, 0, 0);
    char *first = HeapAlloc(heap, 0, 16 << 20);
    ck_assert_ptr_nonnull(first);
    memset(first, 0xA5, 16 << 20);
    ck_assert(HeapFree(heap, 0, first));
    char *second = HeapAlloc(heap, 0, 5 << 20);
    ck_assert_ptr_eq(second, first);
    ck_assert_uint_eq(resident_pages(second + (5 << 20) + page, (11 << 20) - page), 0);
    memset(second, 0x5A, 5 << 20);
    ck_assert(HeapFree(heap, 0, second));
    char *third = HeapAlloc(heap, HEAP_ZERO_MEMORY, 15 << 20);
    ck_assert_ptr_eq(third, first);
    ck_assert(all_bytes(third, 0, 15 << 20));
    ck_assert(HeapFree(heap, 0, third));
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* Of two cached blocks that fit, the one with more of the request already
 * resident is handed out, though it is bigger. */
START_TEST(cache_prefers_resident_pages)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    char *trimmed = HeapAlloc(heap, 0, 6 << 20);
    ck_assert(HeapFree(heap, 0, trimmed));
    ck_assert_ptr_eq(HeapAlloc(heap, 0, 1600 << 10), trimmed);     /* its tail goes back */
    char *whole = HeapAlloc(heap, 0, 7 << 20);
    memset(whole, 0x11, 7 << 20);
    ck_assert(HeapFree(heap, 0, trimmed));
    ck_assert(HeapFree(heap, 0, whole));
    ck_assert_ptr_eq(HeapAlloc(heap, 0, 5632 << 10), whole);
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* Freed big blocks stay cached as address space, but the cache does not
 * keep all their memory resident: at most 64 MiB of it. */
START_TEST(cache_keeps_little_memory_resident)
{
    enum { BLOCKS = 8 };
    const SIZE_T size = 12 << 20;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    HANDLE heap = HeapCreate(0, 0, 0);
    char *blocks[BLOCKS];
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = HeapAlloc(heap, 0, size);
        ck_assert_ptr_nonnull(blocks[i]);
        memset(blocks[i], 0x77, size);
    }
    size_t resident = 0;
    for (int i = 0; i < BLOCKS; i++)
        resident += resident_pages(blocks[i], size);
    ck_assert_uint_ge(resident * page, (size_t)BLOCKS * size - BLOCKS * page);
    for (int i = 0; i < BLOCKS; i++)
        ck_assert(HeapFree(heap, 0, blocks[i]));
    resident = 0;
    for (int i = 0; i < BLOCKS; i++) {
        ck_assert(!is_free(blocks[i]));     /* still cached */
        resident += resident_pages(blocks[i], size);
    }
    ck_assert_uint_le(resident * page, ((size_t)64 << 20) + BLOCKS * page);
    /* The blocks given back read as zero when handed out again. */
    for (int i = 0; i < BLOCKS; i++) {
        blocks[i] = HeapAlloc(heap, HEAP_ZERO_MEMORY, size);
        ck_assert_ptr_nonnull(blocks[i]);
        ck_assert(all_bytes(blocks[i], 0, size));
    }
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(compact_purges_big_free_blocks)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    SIZE_T size = 600 << 10;
    char *big = HeapAlloc(heap, 0, size);
    char *after = HeapAlloc(heap, 0, 100 << 10);    /* so it is not its segment's free tail */
    ck_assert(after > big && after <= big + size + 32);
    memset(big, 0x5A, size);
    ck_assert_uint_gt(resident_pages(big, size), 140);
    ck_assert(HeapFree(heap, 0, big));
    ck_assert_uint_gt(resident_pages(big, size), 140);  /* nothing on the free itself */
    HeapCompact(heap, 0);
    /* All but the pages holding the free block's header and footer. */
    ck_assert_uint_le(resident_pages(big, size), 2);
    MEMORY_BASIC_INFORMATION info;
    ck_assert_uint_eq(VirtualQuery(big + size / 2, &info, sizeof(info)), sizeof(info));
    ck_assert_uint_eq(info.State, MEM_COMMIT);
    ck_assert(HeapValidate(heap, 0, NULL));
    /* The purged block serves requests again. */
    char *again = HeapAlloc(heap, 0, size);
    ck_assert_ptr_eq(again, big);
    memset(again, 0x33, size);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapFree(heap, 0, again));
    ck_assert(HeapFree(heap, 0, after));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(idle_free_blocks_are_purged_on_a_budget)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    SIZE_T size = 400 << 10, churn = 512 << 10;
    char *idle = HeapAlloc(heap, 0, size);
    char *after = HeapAlloc(heap, 0, 100 << 10);
    ck_assert(after > idle && after <= idle + size + 32);
    memset(idle, 0x5A, size);
    ck_assert(HeapFree(heap, 0, idle));
    /* Lots of freeing elsewhere, with no HeapCompact: the second purge
     * pass that finds the block still free (after 64 MiB freed, a pass
     * every 32 MiB) gives it back; 80 MiB are freed here. */
    for (int i = 0; i < 160; i++) {
        char *block = HeapAlloc(heap, 0, churn);
        ck_assert_ptr_nonnull(block);
        ck_assert(block + churn <= idle || block >= idle + size);
        block[0] = 1;
        block[churn - 1] = 1;
        ck_assert(HeapFree(heap, 0, block));
    }
    ck_assert_uint_le(resident_pages(idle, size), 2);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapFree(heap, 0, after));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(a_split_free_block_keeps_its_age)
{
    /* A block that has seen one purge pass, then serves a small request:
     * the rest of it has been free just as long, so the next pass gives it
     * back (a pass every 32 MiB freed, 40 MiB between the checks). */
    HANDLE heap = HeapCreate(0, 0, 0);
    SIZE_T size = 400 << 10, churn = 512 << 10, carved = 64 << 10;
    char *idle = HeapAlloc(heap, 0, size);
    char *after = HeapAlloc(heap, 0, 100 << 10);
    memset(idle, 0x5A, size);
    ck_assert(HeapFree(heap, 0, idle));
    char *block = NULL;
    for (int i = 0; i < 160; i++) {
        if (i == 80) {
            block = HeapAlloc(heap, 0, carved);
            ck_assert_ptr_eq(block, idle);
        }
        char *churned = HeapAlloc(heap, 0, churn);
        ck_assert_ptr_nonnull(churned);
        churned[0] = 1;
        churned[churn - 1] = 1;
        ck_assert(HeapFree(heap, 0, churned));
    }
    ck_assert_uint_le(resident_pages(idle + carved + 4096, size - carved - 4096), 2);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapFree(heap, 0, block));
    ck_assert(HeapFree(heap, 0, after));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(big_requests_take_the_lowest_free_block)
{
    /* Forty free blocks that all fit, freed from the lowest up, so that the
     * lowest is the last of its list: a big request takes it, so that big
     * blocks pack at the bottom of the heap and the free memory above them
     * stays untouched.  A fixed-size heap has one segment, which its
     * blocks fill from the bottom up, each freed one between two spacers. */
    enum { COUNT = 40 };
    HANDLE heap = HeapCreate(0, 0, 16 << 20);
    SIZE_T size = 200 << 10, spacer = 100 << 10;
    char *blocks[COUNT], *spacers[COUNT];
    for (int i = 0; i < COUNT; i++) {
        blocks[i] = HeapAlloc(heap, 0, size);
        spacers[i] = HeapAlloc(heap, 0, spacer);
        ck_assert(blocks[i] < spacers[i]);
    }
    for (int i = 1; i < COUNT; i++)
        ck_assert(spacers[i - 1] < blocks[i]);
    for (int i = 0; i < COUNT; i++)
        ck_assert(HeapFree(heap, 0, blocks[i]));
    char *again = HeapAlloc(heap, 0, size);
    ck_assert_ptr_eq(again, blocks[0]);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapFree(heap, 0, again));
    for (int i = 0; i < COUNT; i++)
        ck_assert(HeapFree(heap, 0, spacers[i]));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(destroyed_heaps_segments_keep_little)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    char *blocks[16];
    for (int i = 0; i < 16; i++) {
        blocks[i] = HeapAlloc(heap, 0, 250 << 10);
        memset(blocks[i], 1, 250 << 10);
    }
    MEMORY_BASIC_INFORMATION info;
    ck_assert_uint_eq(VirtualQuery(blocks[15], &info, sizeof(info)), sizeof(info));
    char *segment = info.AllocationBase;
    ck_assert_ptr_ne(segment, heap);
    ck_assert_uint_gt(allocation_size(segment), 1 << 20);
    ck_assert(HeapDestroy(heap));
    /* Cached for the next heap, but with only its first pages committed. */
    ck_assert_uint_eq(VirtualQuery(segment, &info, sizeof(info)), sizeof(info));
    ck_assert_uint_eq(info.State, MEM_COMMIT);
    ck_assert_uint_le(info.RegionSize, 256 << 10);
    ck_assert_uint_eq(VirtualQuery(segment + (256 << 10), &info, sizeof(info)), sizeof(info));
    ck_assert_uint_eq(info.State, MEM_RESERVE);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("heap large blocks");
    TCase *cache = tcase_create("cache");
    tcase_add_test(cache, freed_large_block_is_reused_and_zeroed_on_request);
    tcase_add_test(cache, cache_serves_other_heaps_and_compact_empties_it);
    tcase_add_test(cache, destroyed_heaps_large_blocks_go_back);
    tcase_add_test(cache, another_heaps_large_block_is_refused_unread);
    tcase_add_test(cache, reuse_gives_back_the_dirty_tail);
    tcase_add_test(cache, cache_keeps_little_memory_resident);
    tcase_add_test(cache, cache_prefers_resident_pages);
    suite_add_tcase(suite, cache);
    TCase *realloc_case = tcase_create("realloc");
    tcase_set_timeout(realloc_case, 60);
    tcase_add_test(realloc_case, realloc_moves_pages_and_keeps_the_map_exact);
    tcase_add_test(realloc_case, realloc_in_place_grows_into_free_space_and_shrinks);
    tcase_add_test(realloc_case, many_large_reallocs_against_a_model);
    tcase_add_test(realloc_case, threads_share_the_cache);
    suite_add_tcase(suite, realloc_case);
    TCase *purge = tcase_create("giving memory back");
    tcase_set_timeout(purge, 60);
    tcase_add_test(purge, compact_purges_big_free_blocks);
    tcase_add_test(purge, idle_free_blocks_are_purged_on_a_budget);
    tcase_add_test(purge, a_split_free_block_keeps_its_age);
    tcase_add_test(purge, big_requests_take_the_lowest_free_block);
    tcase_add_test(purge, destroyed_heaps_segments_keep_little);
    suite_add_tcase(suite, purge);
    return suite;
}
