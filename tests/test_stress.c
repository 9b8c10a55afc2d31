/* Soak: threads × heaps × virtual allocations × mappings for STRESS_SECONDS
 * (default 5).  Each thread works on its own heap, on one heap all threads
 * share, on the process heap, on its own VirtualAlloc regions and on one
 * named mapping every thread opens and maps; every block and page carries
 * its owner's pattern, checked before it is freed.  At the end every heap
 * validates and walks to exactly the blocks the threads still own, and a
 * VirtualQuery walk of the whole address space finds each thread's regions
 * as that thread left them, and no others of theirs. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"

#define THREADS 4
#define BLOCKS 64
#define REGIONS 16
#define REGION_PAGES 8
#define SHARED_PAGES THREADS

struct block {
    unsigned char *data;
    size_t size;
    HANDLE heap;
};

struct region {
    unsigned char *base;
    DWORD protect[REGION_PAGES];        /* 0: reserved */
};

struct worker {
    pthread_t thread;
    unsigned index;
    uint64_t random;
    struct block blocks[BLOCKS];
    struct region regions[REGIONS];
    HANDLE heap;
    unsigned long operations, views;
    char failure[256];
};

static HANDLE shared_heap;
static char mapping_name[64];
static int stop;                    /* atomic */
static size_t page;

static unsigned next_random(struct worker *worker, unsigned below)
{
    worker->random ^= worker->random << 13;
    worker->random ^= worker->random >> 7;
    worker->random ^= worker->random << 17;
    return (unsigned)(worker->random % below);
}

#define WORKER_CHECK(worker, condition, ...)                                           \
    do {                                                                               \
        if (!(condition) && !(worker)->failure[0]) {                                   \
            snprintf((worker)->failure, sizeof((worker)->failure), __VA_ARGS__);       \
            __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);                              \
        }                                                                              \
    } while (0)

static unsigned char pattern(const struct worker *worker, const void *data)
{
    return (unsigned char)(worker->index * 61 + ((uintptr_t)data >> 4));
}

static int pattern_intact(const struct worker *worker, const struct block *block)
{
    unsigned char expected = pattern(worker, block->data);
    for (size_t i = 0; i < block->size; i++)
        if (block->data[i] != expected)
            return 0;
    return 1;
}

static void heap_step(struct worker *worker)
{
    struct block *block = &worker->blocks[next_random(worker, BLOCKS)];
    if (block->data) {
        WORKER_CHECK(worker, pattern_intact(worker, block), "thread %u: block %p+%zu was overwritten", worker->index,
                     (void *)block->data, block->size);
        if (next_random(worker, 3) == 0) {
            size_t size = 1 + next_random(worker, 3000);
            unsigned char *moved = HeapReAlloc(block->heap, 0, block->data, size);
            WORKER_CHECK(worker, moved, "thread %u: HeapReAlloc failed with %u", worker->index,
                         (unsigned)GetLastError());
            if (moved) {
                size_t kept = size < block->size ? size : block->size;
                unsigned char old = pattern(worker, block->data);
                for (size_t i = 0; i < kept; i++)
                    WORKER_CHECK(worker, moved[i] == old, "thread %u: HeapReAlloc lost byte %zu", worker->index, i);
                block->data = moved;
                block->size = size;
                memset(moved, pattern(worker, moved), size);
            }
            return;
        }
        WORKER_CHECK(worker, HeapFree(block->heap, 0, block->data), "thread %u: HeapFree failed with %u",
                     worker->index, (unsigned)GetLastError());
        block->data = NULL;
        return;
    }
    static const size_t sizes[] = { 8, 24, 100, 512, 4000, 20000, 0x100000 };
    HANDLE heaps[] = { worker->heap, shared_heap, GetProcessHeap() };
    block->heap = heaps[next_random(worker, 3)];
    block->size = sizes[next_random(worker, 6 + (next_random(worker, 32) == 0))] - next_random(worker, 8);
    block->data = HeapAlloc(block->heap, 0, block->size);
    WORKER_CHECK(worker, block->data, "thread %u: HeapAlloc(%zu) failed with %u", worker->index, block->size,
                 (unsigned)GetLastError());
    if (block->data)
        memset(block->data, pattern(worker, block->data), block->size);
}

static void virtual_step(struct worker *worker)
{
    struct region *region = &worker->regions[next_random(worker, REGIONS)];
    if (!region->base) {
        region->base = VirtualAlloc(NULL, REGION_PAGES * page, MEM_RESERVE, PAGE_NOACCESS);
        WORKER_CHECK(worker, region->base, "thread %u: VirtualAlloc failed with %u", worker->index,
                     (unsigned)GetLastError());
        memset(region->protect, 0, sizeof(region->protect));
        return;
    }
    unsigned first = next_random(worker, REGION_PAGES), count = 1 + next_random(worker, REGION_PAGES - first);
    unsigned char *start = region->base + first * page;
    switch (next_random(worker, 5)) {
    case 0: {
        for (unsigned i = 0; i < REGION_PAGES; i++)
            if (region->protect[i] == PAGE_READWRITE || region->protect[i] == PAGE_READONLY)
                WORKER_CHECK(worker, region->base[i * page] == (unsigned char)(worker->index + i),
                             "thread %u: page %u of %p lost its data", worker->index, i, (void *)region->base);
        WORKER_CHECK(worker, VirtualFree(region->base, 0, MEM_RELEASE), "thread %u: VirtualFree failed with %u",
                     worker->index, (unsigned)GetLastError());
        region->base = NULL;
        return;
    }
    case 1: case 2: {
        DWORD protect = next_random(worker, 2) ? PAGE_READWRITE : PAGE_READONLY;
        WORKER_CHECK(worker, VirtualAlloc(start, count * page, MEM_COMMIT, PAGE_READWRITE) == start,
                     "thread %u: commit failed with %u", worker->index, (unsigned)GetLastError());
        for (unsigned i = first; i < first + count; i++) {
            start[(i - first) * page] = (unsigned char)(worker->index + i);
            region->protect[i] = PAGE_READWRITE;
        }
        DWORD old;
        WORKER_CHECK(worker, VirtualProtect(start, count * page, protect, &old) && old == PAGE_READWRITE,
                     "thread %u: VirtualProtect failed with %u", worker->index, (unsigned)GetLastError());
        for (unsigned i = first; i < first + count; i++)
            region->protect[i] = protect;
        return;
    }
    default:
        WORKER_CHECK(worker, VirtualFree(start, count * page, MEM_DECOMMIT), "thread %u: decommit failed with %u",
                     worker->index, (unsigned)GetLastError());
        for (unsigned i = first; i < first + count; i++)
            region->protect[i] = 0;
        return;
    }
}

/* Every thread has its own page of one named section. */
static void mapping_step(struct worker *worker)
{
    HANDLE mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                        (DWORD)(SHARED_PAGES * page), mapping_name);
    WORKER_CHECK(worker, mapping, "thread %u: CreateFileMapping failed with %u", worker->index,
                 (unsigned)GetLastError());
    if (!mapping)
        return;
    unsigned long *view = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0);
    WORKER_CHECK(worker, view, "thread %u: MapViewOfFile failed with %u", worker->index, (unsigned)GetLastError());
    if (view) {
        unsigned long *mine = (unsigned long *)((char *)view + worker->index * page);
        WORKER_CHECK(worker, *mine == worker->views, "thread %u: the section's counter is %lu, expected %lu",
                     worker->index, *mine, worker->views);
        *mine = ++worker->views;
        WORKER_CHECK(worker, UnmapViewOfFile(view), "thread %u: UnmapViewOfFile failed with %u", worker->index,
                     (unsigned)GetLastError());
    }
    WORKER_CHECK(worker, CloseHandle(mapping), "thread %u: CloseHandle failed", worker->index);
}

static void *work(void *argument)
{
    struct worker *worker = argument;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        unsigned what = next_random(worker, 16);
        if (what < 10)
            heap_step(worker);
        else if (what < 15)
            virtual_step(worker);
        else
            mapping_step(worker);
        worker->operations++;
    }
    return NULL;
}

static unsigned stress_seconds(void)
{
    const char *text = getenv("STRESS_SECONDS");
    return text && atoi(text) > 0 ? (unsigned)atoi(text) : 5;
}

/* The VirtualQuery walk of the whole address space meets each region once,
 * at its base, and sees its pages as the owner left them. */
static void expect_address_space(struct worker *workers)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    unsigned expected = 0, found = 0;
    for (unsigned t = 0; t < THREADS; t++)
        for (unsigned r = 0; r < REGIONS; r++)
            expected += workers[t].regions[r].base != NULL;
    MEMORY_BASIC_INFORMATION region;
    for (char *at = info.lpMinimumApplicationAddress; at < (char *)info.lpMaximumApplicationAddress;
         at = (char *)region.BaseAddress + region.RegionSize) {
        ck_assert_uint_eq(VirtualQuery(at, &region, sizeof(region)), sizeof(region));
        if (region.State == MEM_FREE || region.BaseAddress != region.AllocationBase)
            continue;
        for (unsigned t = 0; t < THREADS; t++)
            for (unsigned r = 0; r < REGIONS; r++) {
                const struct region *owned = &workers[t].regions[r];
                if ((void *)owned->base != region.AllocationBase)
                    continue;
                found++;
                ck_assert_uint_eq(region.Type, MEM_PRIVATE);
                ck_assert_uint_eq(region.AllocationProtect, PAGE_NOACCESS);
                for (unsigned p = 0; p < REGION_PAGES; p++) {
                    MEMORY_BASIC_INFORMATION one;
                    ck_assert_uint_eq(VirtualQuery(owned->base + p * page, &one, sizeof(one)), sizeof(one));
                    ck_assert_ptr_eq(one.AllocationBase, owned->base);
                    ck_assert_uint_eq(one.State, owned->protect[p] ? MEM_COMMIT : MEM_RESERVE);
                    ck_assert_uint_eq(one.Protect, owned->protect[p]);
                }
            }
    }
    ck_assert_uint_eq(found, expected);
}

static void expect_heap_walk(HANDLE heap, struct worker *workers)
{
    ck_assert(HeapValidate(heap, 0, NULL));
    unsigned expected = 0, busy = 0;
    for (unsigned t = 0; t < THREADS; t++)
        for (unsigned b = 0; b < BLOCKS; b++)
            expected += workers[t].blocks[b].data && workers[t].blocks[b].heap == heap;
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    while (HeapWalk(heap, &entry)) {
        if (!(entry.wFlags & PROCESS_HEAP_ENTRY_BUSY))
            continue;
        int known = 0;
        for (unsigned t = 0; t < THREADS; t++)
            for (unsigned b = 0; b < BLOCKS; b++) {
                const struct block *block = &workers[t].blocks[b];
                if (block->data == entry.lpData && block->heap == heap) {
                    ck_assert_uint_eq(entry.cbData, block->size);
                    known = 1;
                }
            }
        if (heap != GetProcessHeap())
            ck_assert_msg(known, "HeapWalk found a block %p no thread owns", entry.lpData);
        busy += known;
    }
    ck_assert_last_error(ERROR_NO_MORE_ITEMS);
    ck_assert_uint_eq(busy, expected);
}

START_TEST(threads_heaps_regions_and_mappings)
{
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    page = info.dwPageSize;
    snprintf(mapping_name, sizeof(mapping_name), "w32mem-stress-%d", (int)getpid());
    shared_heap = HeapCreate(0, 0, 0);
    ck_assert_ptr_nonnull(shared_heap);
    /* Someone keeps the section alive, so the counters persist. */
    HANDLE keeper = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, (DWORD)(SHARED_PAGES * page),
                                       mapping_name);
    ck_assert_ptr_nonnull(keeper);

    static struct worker workers[THREADS];
    for (unsigned t = 0; t < THREADS; t++) {
        memset(&workers[t], 0, sizeof(workers[t]));
        workers[t].index = t;
        workers[t].random = 0x9e3779b97f4a7c15ull * (t + 1);
        workers[t].heap = HeapCreate(t % 2 ? HEAP_NO_SERIALIZE : 0, 0, 0);
        ck_assert_ptr_nonnull(workers[t].heap);
        ck_assert_int_eq(pthread_create(&workers[t].thread, NULL, work, &workers[t]), 0);
    }
    unsigned seconds = stress_seconds();
    for (unsigned tenth = 0; tenth < seconds * 10 && !__atomic_load_n(&stop, __ATOMIC_RELAXED); tenth++)
        usleep(100000);
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    unsigned long operations = 0, views = 0;
    for (unsigned t = 0; t < THREADS; t++) {
        ck_assert_int_eq(pthread_join(workers[t].thread, NULL), 0);
        ck_assert_msg(!workers[t].failure[0], "%s", workers[t].failure);
        operations += workers[t].operations;
        views += workers[t].views;
    }
    printf("stress: %u threads, %u s, %lu operations, %lu views mapped\n", THREADS, seconds, operations, views);

    for (unsigned t = 0; t < THREADS; t++)
        expect_heap_walk(workers[t].heap, workers);
    expect_heap_walk(shared_heap, workers);
    expect_heap_walk(GetProcessHeap(), workers);
    expect_address_space(workers);

    unsigned long *view = MapViewOfFile(keeper, FILE_MAP_READ, 0, 0, 0);
    ck_assert_ptr_nonnull(view);
    for (unsigned t = 0; t < THREADS; t++)
        ck_assert_uint_eq(*(unsigned long *)((char *)view + t * page), workers[t].views);
    ck_assert(UnmapViewOfFile(view));
    ck_assert(CloseHandle(keeper));

    for (unsigned t = 0; t < THREADS; t++) {
        for (unsigned b = 0; b < BLOCKS; b++)
            if (workers[t].blocks[b].data && workers[t].blocks[b].heap != workers[t].heap)
                ck_assert(HeapFree(workers[t].blocks[b].heap, 0, workers[t].blocks[b].data));
        for (unsigned r = 0; r < REGIONS; r++)
            if (workers[t].regions[r].base)
                ck_assert(VirtualFree(workers[t].regions[r].base, 0, MEM_RELEASE));
        ck_assert(HeapDestroy(workers[t].heap));
    }
    ck_assert(HeapDestroy(shared_heap));
    SetLastError(0xdead);
    ck_assert_ptr_null(OpenFileMappingA(FILE_MAP_READ, FALSE, mapping_name));
    ck_assert_last_error(ERROR_FILE_NOT_FOUND);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("stress");
    TCase *soak = tcase_create("threads");
    tcase_set_timeout(soak, stress_seconds() + 120);
    tcase_add_test(soak, threads_heaps_regions_and_mappings);
    suite_add_tcase(suite, soak);
    return suite;
}
