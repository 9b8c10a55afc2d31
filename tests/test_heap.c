/* The heap API against windows-behaviour.md sections H-N (fact numbers in
 * the comments), the rules for bad input, and a randomized model. */
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"
#include "heap.h"
#include "procmaps.h"

#define ALLOC_SIZE ((SIZE_T)0x8000 * sizeof(void *))   /* 0x40000, as in Wine's tests */
#define LARGE_THRESHOLD ((SIZE_T)0xFF000)
#define SENTINEL_ERROR 0xdeadbeef

#define MAX_ENTRIES 4096
static PROCESS_HEAP_ENTRY entries[MAX_ENTRIES];

/* Every HeapWalk entry, checking the protocol's end (fact 98). */
static int walk(HANDLE heap)
{
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    int count = 0;
    SetLastError(SENTINEL_ERROR);
    while (count <= MAX_ENTRIES && HeapWalk(heap, &entry))
        if (count++ < MAX_ENTRIES)
            entries[count - 1] = entry;
    ck_assert_int_le(count, MAX_ENTRIES);
    ck_assert_last_error(ERROR_NO_MORE_ITEMS);
    return count;
}

/* Whether size bytes at data all equal value.  (Check records every
 * assertion it passes, so byte loops assert once, here.) */
static bool all_bytes(const void *data, int value, SIZE_T size)
{
    const unsigned char *bytes = data;
    for (SIZE_T i = 0; i < size; i++)
        if (bytes[i] != (unsigned char)value)
            return false;
    return true;
}

static int busy_entries(int count)
{
    int busy = 0;
    for (int i = 0; i < count; i++)
        busy += (entries[i].wFlags & PROCESS_HEAP_ENTRY_BUSY) != 0;
    return busy;
}

/* The whole allocation VirtualQuery reports at base: its size. */
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

static const char *interior(const void *block, size_t offset)
{
    return (const char *)block + offset;
}

/* Every call that takes a block refuses pointer as no block of the heap:
 * HeapValidate leaves the last error alone, the others set
 * ERROR_INVALID_PARAMETER.  what names the pointer in a failure. */
static void expect_no_block(HANDLE heap, const void *pointer, const char *what)
{
    SetLastError(SENTINEL_ERROR);
    ck_assert_msg(!HeapValidate(heap, 0, pointer), "HeapValidate accepted %s", what);
    ck_assert_last_error(SENTINEL_ERROR);
    ck_assert_msg(!HeapFree(heap, 0, (void *)pointer), "HeapFree accepted %s", what);
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    SetLastError(SENTINEL_ERROR);
    ck_assert_msg(!HeapReAlloc(heap, 0, (void *)pointer, 10), "HeapReAlloc accepted %s", what);
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    SetLastError(SENTINEL_ERROR);
    ck_assert_msg(HeapSize(heap, 0, pointer) == (SIZE_T)-1, "HeapSize accepted %s", what);
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
}

/* ---- H: creating heaps ------------------------------------------------------------------ */

START_TEST(heap_handles_are_64k_aligned)
{
    HANDLE heaps[4] = { HeapCreate(0, 0, 0), HeapCreate(HEAP_NO_SERIALIZE, 0x12345, 0),
                        HeapCreate(0, 0x1000, 0x10000), HeapCreate(0, 0x100, 0x100) };
    ck_assert_uint_eq((uintptr_t)GetProcessHeap() & 0xFFFF, 0);
    for (int i = 0; i < 4; i++) {
        ck_assert_ptr_nonnull(heaps[i]);
        ck_assert_uint_eq((uintptr_t)heaps[i] & 0xFFFF, 0);             /* fact 68 */
    }
    for (int i = 0; i < 4; i++)
        ck_assert(HeapDestroy(heaps[i]));
}
END_TEST

START_TEST(process_heaps_in_creation_order)
{
    HANDLE before[16];
    DWORD count = GetProcessHeaps(0, NULL);                             /* fact 69 */
    ck_assert_uint_ge(count, 1);
    ck_assert_uint_le(count, 6);
    HANDLE first = HeapCreate(0, 0, 0), second = HeapCreate(0, 0, 0);
    ck_assert_uint_eq(GetProcessHeaps(0, NULL), count + 2);
    HANDLE all[16];
    ck_assert_uint_eq(GetProcessHeaps(16, all), count + 2);
    ck_assert_ptr_eq(all[0], GetProcessHeap());
    ck_assert_ptr_eq(all[count], first);
    ck_assert_ptr_eq(all[count + 1], second);
    /* Too small an array is left alone (fact 70). */
    for (int i = 0; i < 16; i++)
        before[i] = (HANDLE)(uintptr_t)0x5a5a;
    ck_assert_uint_eq(GetProcessHeaps(count + 1, before), count + 2);
    for (int i = 0; i < 16; i++)
        ck_assert_ptr_eq(before[i], (HANDLE)(uintptr_t)0x5a5a);
    ck_assert(HeapDestroy(first));
    ck_assert_uint_eq(GetProcessHeaps(16, all), count + 1);
    ck_assert_ptr_eq(all[count], second);
    ck_assert(HeapDestroy(second));
    ck_assert_uint_eq(GetProcessHeaps(0, NULL), count);
}
END_TEST

START_TEST(destroy_rules)
{
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapDestroy(GetProcessHeap()));                          /* fact 71 */
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert_ptr_nonnull(HeapAlloc(GetProcessHeap(), 0, 10));
    HANDLE heap = HeapCreate(0, 0, 0);
    void *block = HeapAlloc(heap, 0, 100);
    ck_assert_ptr_nonnull(block);
    ck_assert(HeapDestroy(heap));
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapDestroy(heap));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(HeapAlloc(heap, 0, 10));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapFree(heap, 0, block));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    char not_a_heap[64];
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapDestroy((HANDLE)0x12340000));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert_ptr_null(HeapAlloc(not_a_heap, 0, 1));
    ck_assert_ptr_null(HeapAlloc(NULL, 0, 1));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert_uint_eq(HeapSize(heap, 0, block), (SIZE_T)-1);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapValidate(heap, 0, NULL));
    ck_assert(!HeapLock(heap));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    entries[0].lpData = NULL;
    ck_assert(!HeapWalk(heap, &entries[0]));
    ck_assert_last_error(ERROR_INVALID_HANDLE);
}
END_TEST

START_TEST(growable_heap_reservations)
{
    HANDLE heap = HeapCreate(HEAP_NO_SERIALIZE, 0, 0);
    ck_assert_uint_eq(allocation_size(heap), 0x10000);                  /* fact 72 */
    HANDLE sized = HeapCreate(HEAP_NO_SERIALIZE, 0x30000, 0);
    ck_assert_uint_eq(allocation_size(sized), 0x40000);
    MEMORY_BASIC_INFORMATION info;
    ck_assert_uint_eq(VirtualQuery(heap, &info, sizeof(info)), sizeof(info));
    ck_assert_uint_eq(info.Type, MEM_PRIVATE);
    ck_assert_uint_eq(info.State, MEM_COMMIT);
    /* Growth adds a 1 MiB sub-heap, then 2 MiB. */
    void *first = HeapAlloc(heap, 0, 0x60000), *second = HeapAlloc(heap, 0, 0x60000);
    void *third = HeapAlloc(heap, 0, 0x60000);
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_nonnull(third);
    ck_assert_uint_eq(VirtualQuery(first, &info, sizeof(info)), sizeof(info));
    ck_assert_ptr_ne(info.AllocationBase, heap);
    ck_assert_uint_eq(allocation_size(info.AllocationBase), 0x100000);
    ck_assert_uint_eq(VirtualQuery(third, &info, sizeof(info)), sizeof(info));
    ck_assert_uint_eq(allocation_size(info.AllocationBase), 0x200000);
    ck_assert_ptr_nonnull(second);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapDestroy(heap));
    ck_assert(HeapDestroy(sized));
}
END_TEST

START_TEST(fixed_heap_reservations)
{
    for (SIZE_T size = 0x100; size <= 0xff00; size += 0x1f00) {
        HANDLE heap = HeapCreate(0, size, size);
        ck_assert_ptr_nonnull(heap);
        ck_assert_uint_eq(allocation_size(heap), (size + 0x1fff) & ~(SIZE_T)0x1fff);  /* fact 73 */
        ck_assert(HeapDestroy(heap));
    }
}
END_TEST

START_TEST(execute_heap_memory_is_executable)
{
    HANDLE heap = HeapCreate(HEAP_CREATE_ENABLE_EXECUTE, 0, 0);
    void *small = HeapAlloc(heap, 0, 64), *large = HeapAlloc(heap, 0, 2 * LARGE_THRESHOLD);
    MEMORY_BASIC_INFORMATION info;
    ck_assert_uint_eq(VirtualQuery(small, &info, sizeof(info)), sizeof(info));
    ck_assert_uint_eq(info.Protect, PAGE_EXECUTE_READWRITE);
    ck_assert_uint_eq(VirtualQuery(large, &info, sizeof(info)), sizeof(info));
    ck_assert_uint_eq(info.Protect, PAGE_EXECUTE_READWRITE);
    ck_assert_uint_eq(VirtualQuery(GetProcessHeap(), &info, sizeof(info)), sizeof(info));
    ck_assert_uint_eq(info.Protect, PAGE_READWRITE);
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(destroy_gives_memory_back)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    void *small = HeapAlloc(heap, 0, 100), *grown = HeapAlloc(heap, 0, 0x80000);
    void *large = HeapAlloc(heap, 0, 0x200000);
    MEMORY_BASIC_INFORMATION info;
    VirtualQuery(grown, &info, sizeof(info));
    void *segment = info.AllocationBase;
    ck_assert_ptr_nonnull(small);
    ck_assert(HeapDestroy(heap));
    ck_assert(!HeapValidate(heap, 0, NULL));
    /* Destroyed heaps' memory may wait in a cache; compaction empties it. */
    HeapCompact(GetProcessHeap(), 0);
    ck_assert_uint_eq(VirtualQuery(heap, &info, sizeof(info)), sizeof(info));
    ck_assert_uint_eq(info.State, MEM_FREE);
    VirtualQuery(segment, &info, sizeof(info));
    ck_assert_uint_eq(info.State, MEM_FREE);
    VirtualQuery(large, &info, sizeof(info));
    ck_assert_uint_eq(info.State, MEM_FREE);
}
END_TEST

START_TEST(create_failures)
{
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(HeapCreate(0, (SIZE_T)1 << 46, 0));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_ptr_null(HeapCreate(0, 0, ~(SIZE_T)0));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
}
END_TEST

/* ---- I: alloc, size, free, validate ----------------------------------------------------- */

START_TEST(zero_byte_block)
{
    void *block = HeapAlloc(GetProcessHeap(), 0, 0);                    /* fact 75 */
    ck_assert_ptr_nonnull(block);
    ck_assert_uint_eq(HeapSize(GetProcessHeap(), 0, block), 0);
    ck_assert(HeapFree(GetProcessHeap(), 0, block));
}
END_TEST

START_TEST(sizes_are_exact)
{
    HANDLE heap = GetProcessHeap();
    for (int round = 0; round < 3; round++) {   /* the later rounds come from the front end */
        void *blocks[257];
        for (SIZE_T size = 0; size <= 256; size++) {                    /* fact 76 */
            blocks[size] = HeapAlloc(heap, 0, size);
            ck_assert_ptr_nonnull(blocks[size]);
            ck_assert_uint_eq(HeapSize(heap, 0, blocks[size]), size);
        }
        for (SIZE_T size = 0; size <= 256; size++)
            ck_assert(HeapFree(heap, 0, blocks[size]));
    }
    static const SIZE_T sizes[] = { 1, ALLOC_SIZE, 1 << 20, 3000 * 1024 + 37, 16368, 16369, 0xFEFFF, 0xFF000 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        void *block = HeapAlloc(heap, 0, sizes[i]);
        ck_assert_ptr_nonnull(block);
        ck_assert_uint_eq(HeapSize(heap, 0, block), sizes[i]);
        ck_assert(HeapFree(heap, 0, block));
    }
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(HeapAlloc(heap, 0, ~(SIZE_T)0));                /* fact 77 */
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_ptr_null(HeapAlloc(heap, 0, ~(SIZE_T)0 - 64));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
}
END_TEST

START_TEST(alignment)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    uintptr_t ordinary_bits = 0, large_bits = 0;
    void *blocks[128];
    for (int i = 0; i < 128; i++) {                                     /* fact 78 */
        blocks[i] = HeapAlloc(heap, 0, (SIZE_T)i * 7);
        ck_assert_uint_eq((uintptr_t)blocks[i] % 16, 0);
        ordinary_bits |= (uintptr_t)blocks[i];
    }
    ck_assert(ordinary_bits & 16);
    for (int i = 0; i < 4; i++) {
        void *large = HeapAlloc(heap, 0, 4 * ALLOC_SIZE);
        ck_assert_uint_eq((uintptr_t)large % 64, 0);
        large_bits |= (uintptr_t)large;
    }
    ck_assert(large_bits & 64);
    void *half_mib = HeapAlloc(heap, 0, 512 * 1024);
    ck_assert_uint_eq((uintptr_t)half_mib % 16, 0);
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(zero_memory)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    static const SIZE_T sizes[] = { 1, 1 << 20, ALLOC_SIZE };
    for (size_t i = 0; i < 3; i++) {                                    /* fact 79 */
        void *dirty = HeapAlloc(heap, 0, sizes[i]);
        memset(dirty, 0xcc, sizes[i]);
        ck_assert(HeapFree(heap, 0, dirty));
        unsigned char *block = HeapAlloc(heap, HEAP_ZERO_MEMORY, sizes[i]);
        ck_assert_uint_eq(HeapSize(heap, 0, block), sizes[i]);
        ck_assert(all_bytes(block, 0, sizes[i]));
        ck_assert(HeapFree(heap, 0, block));
    }
    /* The bytes up to the next 8-byte boundary are zeroed too (fact 112),
     * also from the front end. */
    for (int round = 0; round < 40; round++) {
        for (SIZE_T size = 1; size < 64; size += 5) {
            unsigned char *dirty = HeapAlloc(heap, 0, size + 1);
            memset(dirty, 0xcc, HeapSize(heap, 0, dirty));
            memset(dirty + size + 1, 0xcc, ((size + 1 + 7) & ~(SIZE_T)7) - size - 1);
            ck_assert(HeapFree(heap, 0, dirty));
            unsigned char *block = HeapAlloc(heap, HEAP_ZERO_MEMORY, size + 1);
            ck_assert(all_bytes(block, 0, (size + 1 + 7) & ~(SIZE_T)7));
            ck_assert(HeapFree(heap, 0, block));
        }
    }
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(free_null)
{
    ck_assert(HeapFree(GetProcessHeap(), 0, NULL));                     /* fact 80 */
    ck_assert(HeapFree(NULL, 0, NULL));
}
END_TEST

static char static_buffer[256] __attribute__((aligned(16)));

/* Nothing that is not a live block of this heap is accepted, and nothing
 * changes (facts 81, 83, 84 and the rules). */
START_TEST(bad_pointers_fail_cleanly)
{
    HANDLE heap = HeapCreate(0, 0, 0), other = HeapCreate(0, 0, 0);
    char stack_buffer[64] __attribute__((aligned(16)));
    void *from_malloc = malloc(64);
    void *live = HeapAlloc(heap, 0, 100), *neighbour = HeapAlloc(heap, 0, 100);
    void *freed = HeapAlloc(heap, 0, 100);
    void *large = HeapAlloc(heap, 0, 0x200000);
    void *elsewhere = HeapAlloc(other, 0, 100);
    memset(live, 0x11, 100);
    memset(neighbour, 0x22, 100);
    /* A front-end slot, freed. */
    void *slots[40];
    for (int i = 0; i < 40; i++)
        slots[i] = HeapAlloc(heap, 0, 48);
    ck_assert(HeapFree(heap, 0, slots[39]));
    ck_assert(HeapFree(heap, 0, freed));

    const void *bad[] = {
        static_buffer + 16, stack_buffer, from_malloc, interior(live, 16), interior(live, 8), freed,
        elsewhere, interior(large, 64), interior(large, 0x1000), slots[39], interior(slots[0], 16),
        (const char *)heap + 0x40, (const char *)heap + 0x800, (const void *)(uintptr_t)0xdead0000,
        (const char *)live + 1,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char what[32];
        snprintf(what, sizeof(what), "bad pointer %zu", i);
        expect_no_block(heap, bad[i], what);
    }
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapValidate(other, 0, NULL));
    ck_assert(HeapValidate(other, 0, elsewhere));
    ck_assert(HeapValidate(heap, 0, live));
    ck_assert(all_bytes(live, 0x11, 100));
    ck_assert(all_bytes(neighbour, 0x22, 100));
    ck_assert_uint_eq(HeapSize(heap, 0, live), 100);
    free(from_malloc);
    ck_assert(HeapDestroy(heap));
    ck_assert(HeapDestroy(other));
}
END_TEST

/* A copy of a front-end slot and of the memory before it, made inside
 * another block of the same heap, is no slot: whatever headers precede a
 * block in memory, its copy at another address describes nothing. */
START_TEST(a_copy_of_a_slot_and_what_precedes_it_is_no_slot)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    void *slots[40];
    for (int i = 0; i < 40; i++)
        slots[i] = HeapAlloc(heap, 0, 48);      /* the bin switches to the front end */
    char *slot = slots[39];
    MEMORY_BASIC_INFORMATION region;
    ck_assert_uint_eq(VirtualQuery(slot, &region, sizeof(region)), sizeof(region));
    ck_assert_uint_eq(region.State, MEM_COMMIT);
    char *from = slot - 0x8000 > (char *)region.BaseAddress ? slot - 0x8000 : region.BaseAddress;
    SIZE_T length = (SIZE_T)(slot + 64 - from);
    char *copy = HeapAlloc(heap, 0, length), *snapshot = malloc(length);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, from, length);
    memcpy(snapshot, copy, length);
    expect_no_block(heap, copy + (slot - from), "the copy of a slot");
    ck_assert(memcmp(copy, snapshot, length) == 0);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapValidate(heap, 0, slot));
    ck_assert_uint_eq(HeapSize(heap, 0, slot), 48);
    free(snapshot);
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* A heap's first segment goes back to a cache when it is destroyed, and the
 * next heap gets it with its first pages as they were: a slot pointer of
 * the old heap must be no slot of the new one. */
START_TEST(a_slot_of_a_destroyed_heap_is_no_slot_of_the_next)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    void *slots[40];
    for (int i = 0; i < 40; i++)
        slots[i] = HeapAlloc(heap, 0, 48);      /* the bin switches to the front end */
    void *stale = slots[39];
    ck_assert(HeapDestroy(heap));
    HANDLE next = HeapCreate(0, 0, 0);
    ck_assert_msg(next == heap, "the new heap is not where the old one was: this test needs it there");
    expect_no_block(next, stale, "a slot of the destroyed heap");
    ck_assert(HeapValidate(next, 0, NULL));
    for (int i = 0; i < 40; i++)
        ck_assert_ptr_nonnull(slots[i] = HeapAlloc(next, 0, 48));
    for (int i = 0; i < 40; i++)
        ck_assert(HeapFree(next, 0, slots[i]));
    ck_assert(HeapValidate(next, 0, NULL));
    ck_assert(HeapDestroy(next));
}
END_TEST

/* A thread may read a segment's address from the granule map just before
 * another thread's HeapDestroy and HeapCompact give the segment back, and
 * then read the segment's bookkeeping: that must read as a segment of no
 * heap, not fault.  The race cannot be provoked reliably from outside, so
 * this test (white-box) holds such addresses across the release. */
START_TEST(a_released_segments_bookkeeping_reads_as_no_heap)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    enum { BLOCKS = 4 };
    void *blocks[BLOCKS];
    const struct segment *segments[BLOCKS];
    for (int i = 0; i < BLOCKS; i++) {
        ck_assert_ptr_nonnull(blocks[i] = HeapAlloc(heap, 0, 700000));
        ck_assert_ptr_nonnull(segments[i] = segment_at((uintptr_t)blocks[i]));
        ck_assert_ptr_eq(segments[i]->heap, heap);
    }
    ck_assert_msg(segments[BLOCKS - 1] != segment_at((uintptr_t)heap), "the heap has one segment: this test needs more");
    ck_assert(HeapDestroy(heap));
    HeapCompact(GetProcessHeap(), 0);           /* gives the cached segments back too */
    /* Kept, but with no page resident (looked at before the reads below map one). */
    for (int i = 0; i < BLOCKS; i++) {
        ck_assert_ptr_null(segment_at((uintptr_t)blocks[i]));
        unsigned char resident = 1;
        ck_assert_int_eq(mincore((void *)segments[i], HEAP_PAGE, &resident), 0);
        ck_assert_uint_eq(resident & 1, 0);
    }
    for (int i = 0; i < BLOCKS; i++) {
        ck_assert_ptr_null(__atomic_load_n(&segments[i]->heap, __ATOMIC_ACQUIRE));
        expect_no_block(GetProcessHeap(), blocks[i], "a block of a destroyed heap");
    }
}
END_TEST

static int add_writable(const struct procmap_entry *entry, void *total)
{
    if (entry->perms[0] == 'r' && entry->perms[1] == 'w')
        *(size_t *)total += entry->end - entry->start;
    return 0;
}

/* Bytes mapped readable and writable: address space merely reserved does
 * not count.  The walk allocates nothing, so the count does not move it. */
static size_t writable_bytes(void)
{
    size_t total = 0;
    ck_assert(procmaps_walk(add_writable, &total));
    return total;
}

/* Fixed heaps of these maxima, created in the order given and destroyed,
 * their segments then given back (HeapCompact empties the segment cache). */
static void fixed_heaps_come_and_go(const int *order)
{
    static const SIZE_T maxima[] = { 1 << 20, 3 << 20, 8 << 20, 20 << 20, 64 << 20 };
    HANDLE heaps[5];
    for (int i = 0; i < 5; i++) {
        ck_assert_ptr_nonnull(heaps[i] = HeapCreate(0, 0, maxima[order[i]]));
        ck_assert_ptr_nonnull(HeapAlloc(heaps[i], 0, 100));
    }
    for (int i = 0; i < 5; i++)
        ck_assert(HeapDestroy(heaps[i]));
    HeapCompact(GetProcessHeap(), 0);
}

/* Released segments' bookkeeping stays mapped (see above) for the next
 * segment that needs as much: however heaps come and go, doing again what
 * was done before maps nothing new. */
START_TEST(released_bookkeeping_is_reused_whatever_the_order)
{
    static const int orders[][5] = { { 0, 1, 2, 3, 4 }, { 4, 3, 2, 1, 0 }, { 2, 0, 4, 1, 3 }, { 1, 4, 0, 3, 2 } };
    for (int i = 0; i < 4; i++)
        fixed_heaps_come_and_go(orders[i]);
    /* valgrind's and the sanitizers' own memory shows in the map too, and
     * grows as they like (ASan's allocator keeps freed memory in
     * quarantine). */
    if (UNDER_VALGRIND || UNDER_SANITIZER)
        return;
    size_t writable = writable_bytes();
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 4; i++) {
            fixed_heaps_come_and_go(orders[i]);
            ck_assert_msg(writable_bytes() == writable, "round %d, order %d: %zu writable bytes, %zu before", round, i,
                          writable_bytes(), writable);
        }
}
END_TEST

/* HeapValidate of a front-end slot whose header an overrun of the slot
 * before it smashed reports it, and is content again once it is mended. */
START_TEST(a_slot_with_a_smashed_header_is_invalid)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    char *slots[40];
    for (int i = 0; i < 40; i++)
        slots[i] = HeapAlloc(heap, 0, 48);
    char *slot = slots[30], saved[8];
    ck_assert(HeapValidate(heap, 0, slot));
    memcpy(saved, slot - 8, sizeof(saved));
    memset(slot - 8, 0x41, sizeof(saved));
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapValidate(heap, 0, slot));
    ck_assert_last_error(SENTINEL_ERROR);
    memcpy(slot - 8, saved, sizeof(saved));
    ck_assert(HeapValidate(heap, 0, slot));
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(validate_whole_heap_keeps_last_error)
{
    SetLastError(SENTINEL_ERROR);
    ck_assert(HeapValidate(GetProcessHeap(), 0, NULL));                 /* fact 82 */
    ck_assert_last_error(SENTINEL_ERROR);
    void *block = HeapAlloc(GetProcessHeap(), 0, 10);
    ck_assert(HeapValidate(GetProcessHeap(), 0, block));                /* fact 83 */
    ck_assert(HeapFree(GetProcessHeap(), 0, block));
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapValidate(GetProcessHeap(), 0, block));
    ck_assert_last_error(SENTINEL_ERROR);
}
END_TEST

START_TEST(double_free_never_corrupts)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    void *keep[64];
    for (int i = 0; i < 64; i++)
        keep[i] = HeapAlloc(heap, 0, (SIZE_T)(i % 8) * 40);     /* switches bins to the front end */
    void *ordinary = HeapAlloc(heap, 0, 20000), *slot = HeapAlloc(heap, 0, 40);
    void *large = HeapAlloc(heap, 0, 0x200000);
    void *victims[] = { ordinary, slot, large };
    for (int i = 0; i < 3; i++) {
        ck_assert(HeapFree(heap, 0, victims[i]));
        SetLastError(SENTINEL_ERROR);
        ck_assert(!HeapFree(heap, 0, victims[i]));
        ck_assert_last_error(ERROR_INVALID_PARAMETER);
        ck_assert(HeapValidate(heap, 0, NULL));
    }
    /* The heap still hands out distinct blocks. */
    void *a = HeapAlloc(heap, 0, 40), *b = HeapAlloc(heap, 0, 40);
    ck_assert_ptr_ne(a, b);
    for (int i = 0; i < 64; i++)
        ck_assert(HeapFree(heap, 0, keep[i]));
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(corrupted_header_detected)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    unsigned char *first = HeapAlloc(heap, 0, 100), *second = HeapAlloc(heap, 0, 100);
    unsigned char saved[8];
    memcpy(saved, second - 8, 8);
    memset(first, 0x41, 100 + 20);      /* an overrun into the next header */
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapValidate(heap, 0, NULL));
    ck_assert(!HeapValidate(heap, 0, second));
    ck_assert_last_error(SENTINEL_ERROR);
    ck_assert(!HeapFree(heap, 0, second));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    memcpy(second - 8, saved, 8);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapFree(heap, 0, second));
    ck_assert(HeapValidate(heap, 0, NULL));
    /* A smashed free block: its footer. */
    unsigned char *third = HeapAlloc(heap, 0, 200), *fourth = HeapAlloc(heap, 0, 200);
    ck_assert(HeapFree(heap, 0, third));
    memcpy(saved, third + 200, 8);
    memset(third + 200, 0, 8);
    ck_assert(!HeapValidate(heap, 0, NULL));
    memcpy(third + 200, saved, 8);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapFree(heap, 0, fourth));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(termination_on_corruption)
{
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        HANDLE heap = HeapCreate(0, 0, 0);
        unsigned char *first = HeapAlloc(heap, 0, 100), *second = HeapAlloc(heap, 0, 100);
        if (!HeapSetInformation(NULL, HeapEnableTerminationOnCorruption, NULL, 0))
            _exit(2);
        memset(first, 0x41, 120);
        HeapFree(heap, 0, second);
        _exit(0);
    }
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFSIGNALED(status));
    ck_assert_int_eq(WTERMSIG(status), SIGABRT);
}
END_TEST

/* ---- J: HeapReAlloc ----------------------------------------------------------------------- */

START_TEST(realloc_null_and_huge)
{
    HANDLE heap = GetProcessHeap();
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(HeapReAlloc(heap, 0, NULL, 10));                 /* fact 87 */
    ck_assert_last_error(NO_ERROR);
    void *sizes[] = { HeapAlloc(heap, 0, 1), HeapAlloc(heap, 0, 5000), HeapAlloc(heap, 0, 0x200000) };
    for (int i = 0; i < 3; i++) {
        SetLastError(SENTINEL_ERROR);
        ck_assert_ptr_null(HeapReAlloc(heap, 0, sizes[i], ~(SIZE_T)0 - 7));     /* fact 88 */
        ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
        ck_assert_ptr_null(HeapReAlloc(heap, 0, sizes[i], ~(SIZE_T)0));
        ck_assert(HeapValidate(heap, 0, sizes[i]));
        ck_assert(HeapFree(heap, 0, sizes[i]));
    }
    void *one = HeapAlloc(heap, 0, 1);
    void *none = HeapReAlloc(heap, 0, one, 0);                          /* fact 89 */
    ck_assert_ptr_nonnull(none);
    ck_assert_uint_eq(HeapSize(heap, 0, none), 0);
    ck_assert(HeapFree(heap, 0, none));
}
END_TEST

static void check_zero_growth(HANDLE heap, SIZE_T from, SIZE_T to)
{
    unsigned char *block = HeapAlloc(heap, 0, from);
    memset(block, 0x77, from);
    unsigned char *grown = HeapReAlloc(heap, HEAP_ZERO_MEMORY, block, to);       /* fact 90 */
    ck_assert_ptr_nonnull(grown);
    ck_assert_uint_eq(HeapSize(heap, 0, grown), to);
    ck_assert(all_bytes(grown, 0x77, from));
    ck_assert(all_bytes(grown + from, 0, to - from));
    ck_assert(HeapFree(heap, 0, grown));
}

START_TEST(realloc_zeroes_growth)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    check_zero_growth(heap, ALLOC_SIZE, 3 * ALLOC_SIZE);
    check_zero_growth(heap, 1, 1 << 20);
    check_zero_growth(heap, 30, 44);
    for (int i = 0; i < 40; i++)
        check_zero_growth(heap, 17, 31);                                /* in a front-end slot */
    check_zero_growth(heap, 0x100000, 0x180000);                        /* a large block */
    ck_assert(HeapDestroy(heap));
}
END_TEST

static size_t resident_bytes(void)
{
    FILE *statm = fopen("/proc/self/statm", "r");
    unsigned long pages = 0, resident = 0;
    ck_assert(statm && fscanf(statm, "%lu %lu", &pages, &resident) == 2);
    fclose(statm);
    return resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* Found by fuzzing: growing a block with HEAP_ZERO_MEMORY wrote zeros over
 * every new page of its fresh large block, making gigabytes resident. */
/* Front-end slots resized within their size class and across classes keep
 * their contents and report the new size; a block that moved is gone from
 * its old place. */
START_TEST(realloc_slots_between_size_classes)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    static const SIZE_T sizes[] = { 100, 200, 150, 10, 16000, 40 };
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        for (int j = 0; j < 40; j++)                                    /* fact 107 */
            ck_assert(HeapFree(heap, 0, HeapAlloc(heap, 0, sizes[i])));
    unsigned char *block = HeapAlloc(heap, 0, sizes[0]);
    memset(block, 0x5c, sizes[0]);
    SIZE_T kept = sizes[0];
    for (unsigned i = 1; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *resized = HeapReAlloc(heap, 0, block, sizes[i]);
        ck_assert_ptr_nonnull(resized);
        ck_assert_uint_eq(HeapSize(heap, 0, resized), sizes[i]);
        if (sizes[i] < kept)
            kept = sizes[i];
        ck_assert(all_bytes(resized, 0x5c, kept));
        if (resized != block)
            ck_assert(!HeapValidate(heap, 0, block));
        ck_assert(HeapValidate(heap, 0, NULL));
        ck_assert_int_eq(busy_entries(walk(heap)), 1);
        memset(resized, 0x5c, sizes[i]);
        kept = sizes[i];
        block = resized;
    }
    ck_assert(HeapFree(heap, 0, block));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(realloc_zero_growth_stays_lazy)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    unsigned char *block = HeapAlloc(heap, 0, 100);
    memset(block, 0xab, 100);
    size_t before = resident_bytes();
    size_t size = (size_t)256 << 20;
    unsigned char *grown = HeapReAlloc(heap, HEAP_ZERO_MEMORY, block, size);
    ck_assert_ptr_nonnull(grown);
    ck_assert_uint_lt(resident_bytes(), before + ((size_t)32 << 20));
    ck_assert_uint_eq(grown[0], 0xab);
    ck_assert_uint_eq(grown[99], 0xab);
    for (size_t at = 100; at < size; at += size / 7)
        ck_assert_uint_eq(grown[at], 0);
    ck_assert_uint_eq(grown[size - 1], 0);
    ck_assert_uint_eq(HeapSize(heap, 0, grown), size);
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* Windows' low-fragmentation heap never resizes a block in place (Wine's
 * conformance test checks it on Windows through GlobalReAlloc; Wine itself
 * shrinks in place): HEAP_REALLOC_IN_PLACE_ONLY fails even for the same
 * size and leaves the block as it was, and without it the block moves. */
START_TEST(lfh_blocks_never_resize_in_place)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    void *others[0x12];
    for (int i = 0; i < 0x12; i++)                                      /* fact 107 */
        ck_assert_ptr_nonnull(others[i] = HeapAlloc(heap, 0, 12));
    unsigned char *block = HeapAlloc(heap, 0, 12);
    memset(block, 0x5c, 12);
    static const SIZE_T sizes[] = { 12, 10, 13, 0 };
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        SetLastError(SENTINEL_ERROR);
        ck_assert_ptr_null(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, block, sizes[i]));
        ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
        ck_assert_uint_eq(HeapSize(heap, 0, block), 12);
        ck_assert(all_bytes(block, 0x5c, 12));
    }
    unsigned char *moved = HeapReAlloc(heap, 0, block, 13);
    ck_assert_ptr_nonnull(moved);
    ck_assert_ptr_ne(moved, block);
    ck_assert(all_bytes(moved, 0x5c, 12));
    ck_assert_uint_eq(HeapSize(heap, 0, moved), 13);
    ck_assert(!HeapValidate(heap, 0, block));
    unsigned char *again = HeapReAlloc(heap, 0, moved, 13);
    ck_assert_ptr_nonnull(again);
    ck_assert_ptr_ne(again, moved);
    ck_assert(all_bytes(again, 0x5c, 12));
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapFree(heap, 0, again));
    for (int i = 0; i < 0x12; i++)
        ck_assert(HeapFree(heap, 0, others[i]));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(realloc_in_place)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    void *block = HeapAlloc(heap, 0, 3 * ALLOC_SIZE);                   /* fact 91 */
    ck_assert_ptr_eq(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, block, 3 * ALLOC_SIZE / 2), block);
    ck_assert_ptr_eq(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, block, 2 * ALLOC_SIZE), block);
    ck_assert_uint_eq(HeapSize(heap, 0, block), 2 * ALLOC_SIZE);
    /* A neighbour in the way: in place fails and changes nothing (fact 93). */
    void *neighbour = HeapAlloc(heap, 0, 100);
    void *small = HeapAlloc(heap, 0, 100);
    void *blocker = HeapAlloc(heap, 0, 100);
    memset(small, 0x5c, 100);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, small, 5000));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_uint_eq(HeapSize(heap, 0, small), 100);
    unsigned char *moved = HeapReAlloc(heap, 0, small, 5000);
    ck_assert_ptr_ne(moved, small);
    ck_assert(all_bytes(moved, 0x5c, 100));
    ck_assert(!HeapValidate(heap, 0, small));
    /* A small block never grows in place into a large one. */
    ck_assert_ptr_null(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, blocker, 2 * LARGE_THRESHOLD));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    /* Large blocks: shrinking in place decommits, so growing back in
     * place fails (fact 92). */
    void *large = HeapAlloc(heap, 0, 1 << 20);
    ck_assert_ptr_eq(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, large, 3 * ALLOC_SIZE / 2), large);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, large, 2 * ALLOC_SIZE));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_uint_eq(HeapSize(heap, 0, large), 3 * ALLOC_SIZE / 2);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapFree(heap, 0, neighbour));
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* ---- K: fixed-size heaps ------------------------------------------------------------------ */

START_TEST(fixed_heap_largest_block)
{
    HANDLE heap = HeapCreate(0, ALLOC_SIZE, ALLOC_SIZE);                /* fact 94 */
    void *largest = HeapAlloc(heap, 0, ALLOC_SIZE - (0x400 + 0x100 * sizeof(void *)));
    ck_assert_ptr_nonnull(largest);
    ck_assert_uint_eq(HeapSize(heap, 0, largest), 0x3F400);
    ck_assert(HeapFree(heap, 0, largest));
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(HeapAlloc(heap, 0, ALLOC_SIZE - (0x200 + 0x80 * sizeof(void *))));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(fixed_heap_has_no_large_blocks)
{
    HANDLE heap = HeapCreate(0, 8 * ALLOC_SIZE, 8 * ALLOC_SIZE);        /* fact 95 */
    void *empty = HeapAlloc(heap, 0, 0);
    ck_assert_ptr_nonnull(empty);
    ck_assert_uint_eq(HeapSize(heap, 0, empty), 0);
    SetLastError(SENTINEL_ERROR);
    ck_assert_ptr_null(HeapAlloc(heap, 0, 4 * ALLOC_SIZE));
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    unsigned char *block = HeapAlloc(heap, HEAP_ZERO_MEMORY, ALLOC_SIZE);  /* fact 96 */
    ck_assert_ptr_nonnull(block);
    ck_assert_ptr_null(HeapAlloc(heap, 0, 4 * ALLOC_SIZE));
    block = HeapReAlloc(heap, HEAP_ZERO_MEMORY, block, 2 * ALLOC_SIZE);
    ck_assert_ptr_nonnull(block);
    ck_assert(all_bytes(block, 0, 2 * ALLOC_SIZE));
    ck_assert_ptr_eq(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, block, 3 * ALLOC_SIZE / 2), block);
    ck_assert_ptr_eq(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, block, 2 * ALLOC_SIZE), block);
    /* The heap never grows: it fills up. */
    int count = 0;
    while (HeapAlloc(heap, 0, ALLOC_SIZE))
        count++;
    ck_assert_int_lt(count, 8);
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert_uint_eq(allocation_size(heap), 8 * ALLOC_SIZE);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapDestroy(heap));

    const SIZE_T chunk = 10 * 4096;                                     /* fact 97 */
    /* A heap just destroyed, larger than the next: its memory must not
     * let the next fixed heap hold more than its maximum. */
    ck_assert(HeapDestroy(HeapCreate(0, ALLOC_SIZE, ALLOC_SIZE)));
    heap = HeapCreate(0, 2 * chunk, 5 * chunk);
    ck_assert_ptr_null(HeapAlloc(heap, 0, 5 * chunk + 1));
    ck_assert_ptr_null(HeapAlloc(heap, 0, 5 * chunk));
    ck_assert_ptr_nonnull(HeapAlloc(heap, 0, chunk));
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* ---- L: HeapWalk -------------------------------------------------------------------------- */

START_TEST(walk_empty_heap)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    ck_assert_int_eq(walk(heap), 3);                                    /* fact 99 */
    PROCESS_HEAP_ENTRY region = entries[0], free_block = entries[1], uncommitted = entries[2];
    ck_assert_uint_eq(region.wFlags, PROCESS_HEAP_REGION);
    ck_assert_ptr_eq(region.lpData, heap);
    ck_assert_uint_le(region.cbData, 0x1000);
    ck_assert_uint_eq(region.cbOverhead, 0);
    ck_assert_uint_eq(region.iRegionIndex, 0);
    ck_assert_uint_eq(region.Region.dwCommittedSize, 0x400 * sizeof(void *));
    ck_assert_uint_eq(region.Region.dwUnCommittedSize, 0x10000 - region.Region.dwCommittedSize);
    ck_assert_ptr_eq(region.Region.lpLastBlock, (char *)uncommitted.lpData + uncommitted.cbData);
    ck_assert_uint_eq(free_block.wFlags, 0);
    ck_assert_ptr_nonnull(free_block.lpData);
    ck_assert_uint_ne(free_block.cbData, 0);
    ck_assert_uint_eq(free_block.cbOverhead, 4 * sizeof(void *));
    ck_assert_uint_eq(free_block.iRegionIndex, 0);
    ck_assert_uint_eq(uncommitted.wFlags, PROCESS_HEAP_UNCOMMITTED_RANGE);
    ck_assert_ptr_eq(uncommitted.lpData, (char *)heap + region.Region.dwCommittedSize);
    ck_assert_ptr_eq(uncommitted.lpData, (char *)free_block.lpData + free_block.cbData + 2 * free_block.cbOverhead);
    ck_assert_uint_eq(uncommitted.cbData, region.Region.dwUnCommittedSize);
    ck_assert_uint_eq(uncommitted.cbOverhead, 0);
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(walk_large_blocks)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    ck_assert_int_eq(walk(heap), 3);
    PROCESS_HEAP_ENTRY empty[3];
    memcpy(empty, entries, sizeof(empty));
    void *first = HeapAlloc(heap, 0, 5 * ALLOC_SIZE);                   /* fact 100 */
    ck_assert_int_eq(walk(heap), 4);
    ck_assert_mem_eq(entries, empty, sizeof(empty));
    ck_assert_uint_eq(entries[3].wFlags, PROCESS_HEAP_ENTRY_BUSY);
    ck_assert_ptr_eq(entries[3].lpData, first);
    ck_assert_uint_eq(entries[3].cbData, 5 * ALLOC_SIZE);
    ck_assert_uint_eq(entries[3].cbOverhead, 0);
    ck_assert_uint_eq(entries[3].iRegionIndex, 64);
    void *second = HeapAlloc(heap, 0, 5 * ALLOC_SIZE);
    ck_assert_int_eq(walk(heap), 5);
    ck_assert(HeapFree(heap, 0, first));
    ck_assert(HeapFree(heap, 0, second));
    ck_assert_int_eq(walk(heap), 3);
    ck_assert_mem_eq(entries, empty, sizeof(empty));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(walk_small_blocks)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    void *first = HeapAlloc(heap, 0, 123);                              /* fact 101 */
    ck_assert_int_eq(walk(heap), 4);
    ck_assert_uint_eq(entries[1].wFlags, PROCESS_HEAP_ENTRY_BUSY);
    ck_assert_ptr_eq(entries[1].lpData, first);
    ck_assert_uint_eq(entries[1].cbData, 123);
    ck_assert_uint_ne(entries[1].cbOverhead, 0);
    ck_assert_uint_eq(entries[2].wFlags, 0);
    ck_assert_uint_eq(entries[2].cbOverhead, 4 * sizeof(void *));
    ck_assert_uint_gt((uintptr_t)entries[2].lpData, (uintptr_t)first + 123);
    ck_assert_uint_eq(entries[3].wFlags, PROCESS_HEAP_UNCOMMITTED_RANGE);
    void *second = HeapAlloc(heap, 0, 456);
    ck_assert_int_eq(walk(heap), 5);
    ck_assert_ptr_eq(entries[2].lpData, second);
    ck_assert_uint_eq(entries[2].cbData, 456);
    ck_assert_uint_eq(entries[2].wFlags, PROCESS_HEAP_ENTRY_BUSY);
    /* The entries tile the region in address order. */
    for (int i = 1; i + 1 < 5; i++)
        ck_assert_uint_lt((uintptr_t)entries[i].lpData, (uintptr_t)entries[i + 1].lpData);
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapWalk(heap, NULL));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* ---- M: information, LFH, locking --------------------------------------------------------- */

START_TEST(query_information)
{
    ULONG value = 0xdead;
    SIZE_T size = 0;
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapQueryInformation(NULL, HeapCompatibilityInformation, &value, sizeof(value), &size));
    ck_assert_last_error(ERROR_NOACCESS);                               /* fact 103 */
    ck_assert_uint_eq(size, 0);
    HANDLE heap = HeapCreate(0, 0, 0);
    ck_assert(!HeapQueryInformation(heap, HeapCompatibilityInformation, NULL, 0, &size));
    ck_assert_last_error(ERROR_INSUFFICIENT_BUFFER);                    /* fact 104 */
    ck_assert_uint_eq(size, sizeof(ULONG));
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapQueryInformation(heap, HeapCompatibilityInformation, NULL, 0, NULL));
    ck_assert_last_error(ERROR_INSUFFICIENT_BUFFER);
    unsigned char buffer[sizeof(ULONG) + 1];
    ck_assert(HeapQueryInformation(heap, HeapCompatibilityInformation, buffer, sizeof(buffer), &size));
    memcpy(&value, buffer, sizeof(value));
    ck_assert_uint_eq(value, 0);
    ck_assert(!HeapQueryInformation(heap, HeapOptimizeResources, buffer, sizeof(buffer), &size));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(set_information)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    ULONG value = 2;
    ck_assert(HeapSetInformation(heap, HeapCompatibilityInformation, &value, sizeof(value)));  /* fact 105 */
    ck_assert(HeapQueryInformation(heap, HeapCompatibilityInformation, &value, sizeof(value), NULL));
    ck_assert_uint_eq(value, 2);
    for (ULONG back = 0; back <= 1; back++) {
        value = back;
        SetLastError(SENTINEL_ERROR);
        ck_assert(!HeapSetInformation(heap, HeapCompatibilityInformation, &value, sizeof(value)));
        ck_assert_last_error(ERROR_GEN_FAILURE);
    }
    ck_assert(HeapQueryInformation(heap, HeapCompatibilityInformation, &value, sizeof(value), NULL));
    ck_assert_uint_eq(value, 2);
    ck_assert(HeapDestroy(heap));

    heap = HeapCreate(HEAP_NO_SERIALIZE, 0, 0);                         /* fact 106 */
    value = 2;
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapSetInformation(heap, HeapCompatibilityInformation, &value, sizeof(value)));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(HeapQueryInformation(heap, HeapCompatibilityInformation, &value, sizeof(value), NULL));
    ck_assert_uint_eq(value, 0);
    ck_assert(HeapDestroy(heap));

    HEAP_OPTIMIZE_RESOURCES_INFORMATION optimize = { HEAP_OPTIMIZE_RESOURCES_CURRENT_VERSION, 0 };
    ck_assert(HeapSetInformation(NULL, HeapOptimizeResources, &optimize, sizeof(optimize)));
    ck_assert(HeapSetInformation(GetProcessHeap(), HeapOptimizeResources, &optimize, sizeof(optimize)));
    optimize.Version = 7;
    ck_assert(!HeapSetInformation(NULL, HeapOptimizeResources, &optimize, sizeof(optimize)));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(!HeapSetInformation(NULL, HeapOptimizeResources, &optimize, 2));
    ck_assert_last_error(ERROR_BAD_LENGTH);

    /* The LFH is refused for a heap of fixed size too (HeapSetInformation's
     * documentation); an unknown class is a bad parameter. */
    heap = HeapCreate(0, 0x10000, 0x10000);
    value = 2;
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapSetInformation(heap, HeapCompatibilityInformation, &value, sizeof(value)));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(HeapQueryInformation(heap, HeapCompatibilityInformation, &value, sizeof(value), NULL));
    ck_assert_uint_eq(value, 0);
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapSetInformation(heap, (HEAP_INFORMATION_CLASS)99, &value, sizeof(value)));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(lfh_switches_on_by_itself)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    ULONG value;
    for (int i = 0; i < 0x12; i++) {                                    /* fact 107 */
        ck_assert(HeapQueryInformation(heap, HeapCompatibilityInformation, &value, sizeof(value), NULL));
        ck_assert_uint_eq(value, 0);
        ck_assert(HeapFree(heap, 0, HeapAlloc(heap, 0, 0)));
    }
    ck_assert(HeapQueryInformation(heap, HeapCompatibilityInformation, &value, sizeof(value), NULL));
    ck_assert_uint_eq(value, 2);
    ck_assert(HeapDestroy(heap));

    /* Never in fixed or unserialized heaps. */
    static const SIZE_T maxima[] = { 0x100000, 0 };
    static const DWORD options[] = { 0, HEAP_NO_SERIALIZE };
    for (int k = 0; k < 2; k++) {
        heap = HeapCreate(options[k], 0, maxima[k]);
        for (int i = 0; i < 0x40; i++)
            ck_assert(HeapFree(heap, 0, HeapAlloc(heap, 0, 0)));
        ck_assert(HeapQueryInformation(heap, HeapCompatibilityInformation, &value, sizeof(value), NULL));
        ck_assert_uint_eq(value, 0);
        ck_assert_int_eq(walk(heap), 3);
        ck_assert(HeapDestroy(heap));
    }
}
END_TEST

START_TEST(lfh_bins_switch_on_after_use)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    ULONG value = 2;
    const SIZE_T size = 24 + 2 * sizeof(void *);                        /* fact 108 */
    ck_assert(HeapSetInformation(heap, HeapCompatibilityInformation, &value, sizeof(value)));
    for (int i = 0; i < 0x11; i++)
        ck_assert(HeapFree(heap, 0, HeapAlloc(heap, 0, size)));
    ck_assert_int_eq(walk(heap), 3);
    void *slot = HeapAlloc(heap, 0, size);
    int count = walk(heap);
    ck_assert_int_gt(count, 24);
    ck_assert_int_eq(busy_entries(count), 1);
    for (int i = 0; i < count; i++)
        if (entries[i].lpData == slot) {
            ck_assert_uint_eq(entries[i].wFlags, PROCESS_HEAP_ENTRY_BUSY);
            ck_assert_uint_eq(entries[i].cbData, size);
            ck_assert_uint_eq(entries[i].cbOverhead, 8);
        }
    ck_assert(HeapFree(heap, 0, slot));
    ck_assert_int_eq(busy_entries(walk(heap)), 0);
    /* Compaction gives the empty group back, and its slots are no blocks. */
    ck_assert_uint_gt(HeapCompact(heap, 0), 0);
    ck_assert_int_eq(walk(heap), 3);
    ck_assert(!HeapValidate(heap, 0, slot));
    ck_assert(!HeapFree(heap, 0, slot));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert_int_eq(walk(heap), 3);
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(lock_and_unlock)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    SetLastError(SENTINEL_ERROR);
    ck_assert(!HeapUnlock(heap));
    ck_assert_last_error(ERROR_NOT_LOCKED);
    ck_assert(HeapLock(heap));
    ck_assert(HeapLock(heap));      /* it nests, and the owner may use the heap */
    for (int i = 0; i < 40; i++)
        ck_assert(HeapFree(heap, 0, HeapAlloc(heap, 0, 32)));
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapUnlock(heap));
    ck_assert(HeapUnlock(heap));
    ck_assert(!HeapUnlock(heap));
    ck_assert_last_error(ERROR_NOT_LOCKED);
    ck_assert(HeapDestroy(heap));
    /* An unserialized heap has no lock: both succeed and block nothing. */
    heap = HeapCreate(HEAP_NO_SERIALIZE, 0, 0);
    ck_assert(HeapLock(heap));
    ck_assert(HeapUnlock(heap));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(compact_returns_largest_free_block)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    void *blocks[64];
    for (int i = 0; i < 64; i++)
        blocks[i] = HeapAlloc(heap, 0, 0x8000);
    MEMORY_BASIC_INFORMATION info;
    VirtualQuery(blocks[63], &info, sizeof(info));
    void *segment = info.AllocationBase;
    for (int i = 0; i < 64; i++)
        ck_assert(HeapFree(heap, 0, blocks[i]));
    SIZE_T largest = HeapCompact(heap, 0);
    ck_assert_uint_gt(largest, 0);
    ck_assert_int_eq(walk(heap), 3);
    /* The free block runs from 8 bytes of header before its entry's data
     * less its links to the segment's 8-byte end marker before the
     * uncommitted range, which the entry reaches with twice its overhead. */
    ck_assert_uint_eq(largest, entries[1].cbData + 2 * entries[1].cbOverhead + 2 * sizeof(void *) - 8);
    /* The grown sub-heap went back: its address is free again. */
    ck_assert_uint_eq(VirtualQuery(segment, &info, sizeof(info)), sizeof(info));
    ck_assert_uint_eq(info.State, MEM_FREE);
    ck_assert(HeapValidate(heap, 0, NULL));
    SetLastError(SENTINEL_ERROR);
    ck_assert_uint_eq(HeapCompact((HANDLE)0x7770000, 0), 0);
    ck_assert_last_error(ERROR_INVALID_HANDLE);
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* ---- N: large blocks ---------------------------------------------------------------------- */

START_TEST(large_blocks_are_their_own_allocation)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    char *large = HeapAlloc(heap, 0, LARGE_THRESHOLD);                  /* fact 111 */
    char *ordinary = HeapAlloc(heap, 0, LARGE_THRESHOLD - 0x3000);
    MEMORY_BASIC_INFORMATION info;
    ck_assert_uint_eq(VirtualQuery(large, &info, sizeof(info)), sizeof(info));
    ck_assert_ptr_eq(info.AllocationBase, large - 64);
    ck_assert_uint_eq(info.Type, MEM_PRIVATE);
    ck_assert_uint_eq(info.State, MEM_COMMIT);
    ck_assert_uint_ge(allocation_size(info.AllocationBase), LARGE_THRESHOLD + 64);
    ck_assert(all_bytes(large + LARGE_THRESHOLD, 0, allocation_size(info.AllocationBase) - 64 - LARGE_THRESHOLD));
    ck_assert_uint_eq(VirtualQuery(ordinary, &info, sizeof(info)), sizeof(info));
    ck_assert_ptr_ne(info.AllocationBase, ordinary - 64);
    ck_assert_uint_eq((uintptr_t)info.AllocationBase % 0x10000, 0);
    ck_assert(HeapFree(heap, 0, large));
    HeapCompact(heap, 0);
    ck_assert_uint_eq(VirtualQuery(large, &info, sizeof(info)), sizeof(info));
    ck_assert_uint_eq(info.State, MEM_FREE);
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(unserialized_heap)
{
    HANDLE heap = HeapCreate(HEAP_NO_SERIALIZE, 0, 0);
    void *blocks[300];
    for (int i = 0; i < 300; i++) {
        blocks[i] = HeapAlloc(heap, 0, (SIZE_T)(i * 37) % 3000);
        ck_assert_ptr_nonnull(blocks[i]);
    }
    ck_assert(HeapValidate(heap, 0, NULL));
    for (int i = 0; i < 300; i += 2)
        ck_assert(HeapFree(heap, 0, blocks[i]));
    ck_assert_int_eq(busy_entries(walk(heap)), 150);
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* ---- HEAP_GENERATE_EXCEPTIONS (fact 85) ----------------------------------------------------- */

static sigjmp_buf no_memory_escape;
static DWORD raised_code, raised_flags;

static LONG WINAPI leave_on_no_memory(PEXCEPTION_POINTERS pointers)
{
    raised_code = pointers->ExceptionRecord->ExceptionCode;
    raised_flags = pointers->ExceptionRecord->ExceptionFlags;
    if (raised_code == STATUS_NO_MEMORY)
        siglongjmp(no_memory_escape, 1);
    return EXCEPTION_CONTINUE_SEARCH;
}

/* Asserts whether the call raised STATUS_NO_MEMORY, noncontinuable. */
#define ck_assert_raises_no_memory(call, expected)                                                 \
    do {                                                                                           \
        volatile bool raised_ = false;                                                             \
        raised_code = 0;                                                                           \
        if (sigsetjmp(no_memory_escape, 1))                                                        \
            raised_ = raised_code == STATUS_NO_MEMORY && (raised_flags & EXCEPTION_NONCONTINUABLE); \
        else                                                                                       \
            (void)(call);                                                                          \
        ck_assert_msg(raised_ == (expected), "%s: raised %d", #call, (int)raised_);                \
    } while (0)

START_TEST(generate_exceptions_raises_no_memory)
{
    PVOID handler = AddVectoredExceptionHandler(1, leave_on_no_memory);
    ck_assert_ptr_nonnull(handler);
    HANDLE process = GetProcessHeap();
    /* Per call... */
    ck_assert_raises_no_memory(HeapAlloc(process, HEAP_GENERATE_EXCEPTIONS, ~(SIZE_T)0), true);
    void *block = HeapAlloc(process, 0, 100);
    ck_assert_raises_no_memory(HeapReAlloc(process, HEAP_GENERATE_EXCEPTIONS, block, ~(SIZE_T)0 - 7), true);
    ck_assert(HeapValidate(process, 0, block));
    /* ... or for the whole heap, a fixed one here. */
    HANDLE heap = HeapCreate(HEAP_GENERATE_EXCEPTIONS, 0x10000, 0x10000);
    ck_assert_raises_no_memory(HeapAlloc(heap, 0, 0x20000), true);
    ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert_ptr_nonnull(HeapAlloc(heap, 0, 100));
    /* Other failures only set the last error; without the flag, NULL. */
    SetLastError(SENTINEL_ERROR);
    ck_assert_raises_no_memory(HeapFree(heap, 0, static_buffer), false);
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert_raises_no_memory(HeapAlloc(process, 0, ~(SIZE_T)0), false);
    ck_assert_ptr_null(HeapAlloc(process, 0, ~(SIZE_T)0));
    ck_assert(HeapDestroy(heap));
    ck_assert(HeapFree(process, 0, block));
    ck_assert_uint_eq(RemoveVectoredExceptionHandler(handler), 1);
}
END_TEST

/* ---- a randomized model ------------------------------------------------------------------- */

struct model_block {
    unsigned char *data;
    SIZE_T size;
    unsigned char fill;
};

#define MODEL_BLOCKS 256
static struct model_block model[MODEL_BLOCKS];

static SIZE_T random_size(unsigned *seed, bool allow_large)
{
    unsigned pick = (unsigned)rand_r(seed) % 100;
    if (pick < 60)
        return (SIZE_T)rand_r(seed) % 129;
    if (pick < 85)
        return (SIZE_T)rand_r(seed) % 2049;
    if (pick < 97 || !allow_large)
        return (SIZE_T)rand_r(seed) % 70000;
    return LARGE_THRESHOLD + (SIZE_T)rand_r(seed) % 0x100000;
}

static void check_model_block(HANDLE heap, const struct model_block *block)
{
    ck_assert(HeapValidate(heap, 0, block->data));
    ck_assert_uint_eq(HeapSize(heap, 0, block->data), block->size);
    ck_assert(all_bytes(block->data, block->fill, block->size));
}

/* Each step mirrors one heap call in the model, then the whole heap must
 * validate and walk to exactly the model's busy blocks. */
static void run_model(HANDLE heap, unsigned seed, int steps, bool allow_large)
{
    memset(model, 0, sizeof(model));
    int live = 0;
    for (int step = 0; step < steps; step++) {
        struct model_block *block = &model[(unsigned)rand_r(&seed) % MODEL_BLOCKS];
        unsigned op = (unsigned)rand_r(&seed) % 10;
        if (!block->data) {
            SIZE_T size = random_size(&seed, allow_large);
            DWORD flags = op < 3 ? HEAP_ZERO_MEMORY : 0;
            block->data = HeapAlloc(heap, flags, size);
            if (!block->data) {
                ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
                continue;
            }
            if (flags)
                ck_assert(all_bytes(block->data, 0, size));
            block->size = size;
            block->fill = (unsigned char)(step | 1);
            memset(block->data, block->fill, size);
            live++;
        } else if (op < 5) {
            check_model_block(heap, block);
            ck_assert(HeapFree(heap, 0, block->data));
            ck_assert(!HeapValidate(heap, 0, block->data));
            block->data = NULL;
            live--;
        } else {
            check_model_block(heap, block);
            SIZE_T size = random_size(&seed, allow_large);
            DWORD flags = (op == 5 ? HEAP_REALLOC_IN_PLACE_ONLY : 0) | (op == 6 ? HEAP_ZERO_MEMORY : 0);
            unsigned char *resized = HeapReAlloc(heap, flags, block->data, size);
            if (!resized) {
                ck_assert_last_error(ERROR_NOT_ENOUGH_MEMORY);
                check_model_block(heap, block);
                continue;
            }
            if (flags & HEAP_REALLOC_IN_PLACE_ONLY)
                ck_assert_ptr_eq(resized, block->data);
            SIZE_T kept = size < block->size ? size : block->size;
            ck_assert(all_bytes(resized, block->fill, kept));
            if ((flags & HEAP_ZERO_MEMORY) && size > block->size)
                ck_assert(all_bytes(resized + block->size, 0, size - block->size));
            block->data = resized;
            block->size = size;
            memset(resized, block->fill, size);
        }
        ck_assert(HeapValidate(heap, 0, NULL));
        int count = walk(heap), matched = 0;
        ck_assert_int_eq(busy_entries(count), live);
        for (int i = 0; i < count; i++)
            for (int j = 0; j < MODEL_BLOCKS && (entries[i].wFlags & PROCESS_HEAP_ENTRY_BUSY); j++)
                if (model[j].data && model[j].data == entries[i].lpData && entries[i].cbData == model[j].size)
                    matched++;
        ck_assert_msg(matched == live, "HeapWalk's busy blocks are not the model's (%d of %d)", matched, live);
    }
    for (int j = 0; j < MODEL_BLOCKS; j++)
        if (model[j].data) {
            check_model_block(heap, &model[j]);
            ck_assert(HeapFree(heap, 0, model[j].data));
        }
    ck_assert_int_eq(busy_entries(walk(heap)), 0);
}

START_TEST(model_growable)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    run_model(heap, 1234u + (unsigned)_i, 2500, true);
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(model_unserialized)
{
    HANDLE heap = HeapCreate(HEAP_NO_SERIALIZE, 0x10000, 0);
    run_model(heap, 99u, 2500, true);
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(model_fixed)
{
    HANDLE heap = HeapCreate(0, 0, 0x400000);
    run_model(heap, 7u, 2500, true);
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(model_process_heap)
{
    run_model(GetProcessHeap(), 4242u, 1500, true);
    ck_assert(HeapValidate(GetProcessHeap(), 0, NULL));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("heap");
    TCase *create = tcase_create("create");
    tcase_add_test(create, heap_handles_are_64k_aligned);
    tcase_add_test(create, process_heaps_in_creation_order);
    tcase_add_test(create, destroy_rules);
    tcase_add_test(create, growable_heap_reservations);
    tcase_add_test(create, fixed_heap_reservations);
    tcase_add_test(create, execute_heap_memory_is_executable);
    tcase_add_test(create, destroy_gives_memory_back);
    tcase_add_test(create, create_failures);
    suite_add_tcase(suite, create);

    TCase *blocks = tcase_create("blocks");
    tcase_add_test(blocks, zero_byte_block);
    tcase_add_test(blocks, sizes_are_exact);
    tcase_add_test(blocks, alignment);
    tcase_add_test(blocks, zero_memory);
    tcase_add_test(blocks, free_null);
    tcase_add_test(blocks, bad_pointers_fail_cleanly);
    tcase_add_test(blocks, a_copy_of_a_slot_and_what_precedes_it_is_no_slot);
    tcase_add_test(blocks, a_slot_of_a_destroyed_heap_is_no_slot_of_the_next);
    tcase_add_test(blocks, a_released_segments_bookkeeping_reads_as_no_heap);
    tcase_add_test(blocks, released_bookkeeping_is_reused_whatever_the_order);
    tcase_add_test(blocks, a_slot_with_a_smashed_header_is_invalid);
    tcase_add_test(blocks, validate_whole_heap_keeps_last_error);
    tcase_add_test(blocks, double_free_never_corrupts);
    tcase_add_test(blocks, corrupted_header_detected);
    tcase_add_test(blocks, termination_on_corruption);
    tcase_add_test(blocks, large_blocks_are_their_own_allocation);
    tcase_add_test(blocks, unserialized_heap);
    tcase_add_test(blocks, generate_exceptions_raises_no_memory);
    suite_add_tcase(suite, blocks);

    TCase *realloc_case = tcase_create("realloc");
    tcase_add_test(realloc_case, realloc_null_and_huge);
    tcase_add_test(realloc_case, realloc_zeroes_growth);
    tcase_add_test(realloc_case, realloc_slots_between_size_classes);
    tcase_add_test(realloc_case, realloc_zero_growth_stays_lazy);
    tcase_add_test(realloc_case, realloc_in_place);
    tcase_add_test(realloc_case, lfh_blocks_never_resize_in_place);
    tcase_add_test(realloc_case, fixed_heap_largest_block);
    tcase_add_test(realloc_case, fixed_heap_has_no_large_blocks);
    suite_add_tcase(suite, realloc_case);

    TCase *walking = tcase_create("walk and information");
    tcase_add_test(walking, walk_empty_heap);
    tcase_add_test(walking, walk_large_blocks);
    tcase_add_test(walking, walk_small_blocks);
    tcase_add_test(walking, query_information);
    tcase_add_test(walking, set_information);
    tcase_add_test(walking, lfh_switches_on_by_itself);
    tcase_add_test(walking, lfh_bins_switch_on_after_use);
    tcase_add_test(walking, lock_and_unlock);
    tcase_add_test(walking, compact_returns_largest_free_block);
    suite_add_tcase(suite, walking);

    TCase *models = tcase_create("model");
    tcase_set_timeout(models, 120);
    tcase_add_loop_test(models, model_growable, 0, 2);
    tcase_add_test(models, model_unserialized);
    tcase_add_test(models, model_fixed);
    tcase_add_test(models, model_process_heap);
    suite_add_tcase(suite, models);
    return suite;
}
