/* Large blocks: requests at or above HEAP_LARGE_THRESHOLD get their own
 * VirtualAlloc, so each shows in VirtualQuery as an allocation of its own,
 * with a 64-byte header that puts the data at 64 mod 128 (Windows aligns
 * large blocks to 8 * sizeof(void *)).
 *
 * An allocation is whole granules, all committed: one kernel mapping that
 * mremap can grow, shrink or move without copying a byte, so HeapReAlloc of
 * a large block costs one system call whatever its size.
 *
 * Freed allocations wait in a small process-wide cache, still committed,
 * for a request they can serve (up to LARGE_CACHE_FIT times smaller): a
 * program that frees and allocates big buffers in a loop then makes no
 * system calls.  While cached they belong to no heap and the granule map
 * does not know them.  Each remembers how much of it any user was given
 * (dirty), so HEAP_ZERO_MEMORY clears only that much: pages nobody was
 * given still read as zero.  The cache may hold far more address space than
 * memory: past LARGE_CACHE_RESIDENT dirty bytes, the oldest entries' pages
 * go back to the kernel (MADV_DONTNEED) while their address space stays
 * cached, so a loop of big buffers does not keep its dead ones resident. */
#include "config.h"

#include <string.h>
#include <sys/mman.h>

#include "fork.h"
#include "heap.h"
#include "region.h"
#include "sysinfo.h"

#define LARGE_CACHE_SLOTS 32
#define LARGE_CACHE_BYTES ((size_t)192 << 20)
#define LARGE_CACHE_FIT   4
#define LARGE_CACHE_RESIDENT ((size_t)64 << 20)
#define LARGE_CACHE_IDLE_TAIL ((size_t)1 << 20)

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
FORK_HOOKS(large_cache, cache_lock)
/* Oldest first: eviction takes from the front.  The sizes sit apart from
 * the blocks so that a search reads one array, not a page of each. */
static struct large_block *large_cache[LARGE_CACHE_SLOTS];
static size_t cache_sizes[LARGE_CACHE_SLOTS];
static size_t cache_spans[LARGE_CACHE_SLOTS];  /* resident_span of each */
/* Blocks the kernel would not unmap (it would have to split a mapping at
 * vm.max_map_count): never handed out, tried again by the next trim. */
static struct large_block *unreleased;
static unsigned cache_count;
static size_t cache_bytes;
static size_t cache_resident;   /* the cached blocks' dirty bytes */

static size_t allocation_size(size_t size)
{
    return (size + HEAP_LARGE_HEADER + HEAP_GRANULE - 1) & ~(HEAP_GRANULE - 1);
}

/* What of a block may hold data: its header and dirty bytes. */
static size_t resident_span(const struct large_block *large)
{
    return HEAP_LARGE_HEADER + large->dirty;
}

static void cache_remove(unsigned index)
{
    cache_bytes -= cache_sizes[index];
    cache_resident -= cache_spans[index];
    for (unsigned i = index + 1; i < cache_count; i++) {
        large_cache[i - 1] = large_cache[i];
        cache_sizes[i - 1] = cache_sizes[i];
        cache_spans[i - 1] = cache_spans[i];
    }
    cache_count--;
}

/* Of the cached allocations that hold need bytes and are not too big, the
 * one whose resident pages cover most of the request (each page it lacks
 * costs a fault, the dearest part of a big allocation), then the smallest. */
static struct large_block *cached_large(size_t need)
{
    pthread_mutex_lock(&cache_lock);
    int best = -1;
    size_t best_cover = 0;
    for (unsigned i = 0; i < cache_count; i++) {
        size_t reserved = cache_sizes[i];
        if (reserved < need || reserved / LARGE_CACHE_FIT > need)
            continue;
        size_t cover = cache_spans[i] < need ? cache_spans[i] : need;
        if (best < 0 || cover > best_cover || (cover == best_cover && reserved < cache_sizes[best])) {
            best = (int)i;
            best_cover = cover;
        }
    }
    struct large_block *found = NULL;
    if (best >= 0) {
        found = large_cache[best];
        cache_remove((unsigned)best);
    }
    pthread_mutex_unlock(&cache_lock);
    return found;
}

static bool cacheable(const struct heap *heap, const struct large_block *large)
{
    /* Debug heaps promise zeroes past every large block's end: fresh ones. */
    return large->protect == PAGE_READWRITE && !(heap->flags & HEAP_DEBUG_FLAGS) &&
           large->reserved <= LARGE_CACHE_BYTES / 4;
}

/* Adds a block as the newest entry, evicting the oldest to make room; the
 * evicted ones are linked through next onto *evicted.  The caller holds
 * cache_lock. */
static void cache_add(struct large_block *large, struct large_block **evicted)
{
    while (cache_count == LARGE_CACHE_SLOTS || cache_bytes + large->reserved > LARGE_CACHE_BYTES) {
        struct large_block *oldest = large_cache[0];
        cache_remove(0);
        oldest->next = *evicted;
        *evicted = oldest;
    }
    cache_sizes[cache_count] = large->reserved;
    cache_spans[cache_count] = resident_span(large);
    cache_resident += cache_spans[cache_count];
    large_cache[cache_count++] = large;
    cache_bytes += large->reserved;
}

/* Gives a block's pages from `from` (page aligned, past its header) to the
 * end of its dirty bytes back to the kernel; they read as zero afterwards,
 * so its dirty bytes end there. */
static void give_back_from(struct large_block *large, uintptr_t from)
{
    uintptr_t base = (uintptr_t)large, end = page_up(base + resident_span(large));
    if (end > from && madvise((void *)from, end - from, MADV_DONTNEED) == 0)
        large->dirty = from - base - HEAP_LARGE_HEADER;
}

/* A cached block's pages but the first (its header) go back. */
static void clean(struct large_block *large)
{
    give_back_from(large, (uintptr_t)large + address_space()->page_size);
}

/* A cached block serving a smaller request gives back the pages past the
 * request that an earlier user dirtied: the new user would leave them idle. */
static void trim_dirty_tail(struct large_block *large, size_t size)
{
    uintptr_t base = (uintptr_t)large, from = page_up(base + HEAP_LARGE_HEADER + size);
    if (page_up(base + resident_span(large)) > from + LARGE_CACHE_IDLE_TAIL)
        give_back_from(large, from);
}

/* Keeps a freed allocation, evicting the oldest to make room and cleaning
 * the oldest dirty ones while the cache holds too much memory; returns the
 * ones that must go back to the system, linked through next. */
static struct large_block *cache_insert(struct large_block *large)
{
    size_t first_page = address_space()->page_size - HEAP_LARGE_HEADER;
    struct large_block *evicted = NULL, *dirty = NULL;
    pthread_mutex_lock(&cache_lock);
    cache_add(large, &evicted);
    for (unsigned i = 0; i < cache_count && cache_resident > LARGE_CACHE_RESIDENT;) {
        struct large_block *oldest = large_cache[i];
        if (oldest->dirty <= first_page) {
            i++;
            continue;
        }
        cache_remove(i);
        oldest->next = dirty;
        dirty = oldest;
    }
    pthread_mutex_unlock(&cache_lock);
    if (!dirty)
        return evicted;
    /* The system calls run unlocked: the blocks are out of the cache meanwhile. */
    for (struct large_block *block = dirty; block; block = block->next)
        clean(block);
    pthread_mutex_lock(&cache_lock);
    while (dirty) {
        struct large_block *next = dirty->next;
        cache_add(dirty, &evicted);
        dirty = next;
    }
    pthread_mutex_unlock(&cache_lock);
    return evicted;
}

static void release(struct large_block *large)
{
    if (VirtualFree(large, 0, MEM_RELEASE))
        return;
    pthread_mutex_lock(&cache_lock);
    large->next = unreleased;
    unreleased = large;
    pthread_mutex_unlock(&cache_lock);
}

static void release_all(struct large_block *large)
{
    while (large) {
        struct large_block *next = large->next;
        release(large);
        large = next;
    }
}

static void link_block(struct heap *heap, struct large_block *large)
{
    large->prev = NULL;
    large->next = heap->large;
    if (large->next)
        large->next->prev = large;
    heap->large = large;
}

void *large_alloc(struct heap *heap, size_t size, DWORD flags)
{
    if (size > (size_t)0x7FFFFFFF0000)
        return NULL;            /* more than the address space */
    size_t need = allocation_size(size);
    DWORD protect = heap->protect;
    bool debug = heap->flags & HEAP_DEBUG_FLAGS;
    struct large_block *large = protect == PAGE_READWRITE && !debug ? cached_large(need) : NULL;
    if (large) {
        trim_dirty_tail(large, size);
        if (flags & HEAP_ZERO_MEMORY)
            memset(large_data(large), 0, size < large->dirty ? size : large->dirty);
    } else {
        /* Fresh pages read as zero: HEAP_ZERO_MEMORY costs nothing here. */
        large = VirtualAlloc(NULL, need, MEM_RESERVE | MEM_COMMIT, protect);
        if (!large)
            return NULL;
        large->reserved = need;
        large->protect = protect;
        large->dirty = 0;
    }
    if (!heap_map_set((uintptr_t)large, large->reserved, large_map_value(heap, large))) {
        heap_map_set((uintptr_t)large, large->reserved, 0);
        release(large);
        return NULL;
    }
    large->magic = LARGE_MAGIC;
    large->heap = heap;
    large->size = size;
    if (size > large->dirty)
        large->dirty = size;
    link_block(heap, large);
    return large_data(large);
}

static void unlink_block(struct heap *heap, struct large_block *large)
{
    if (large->prev)
        large->prev->next = large->next;
    else
        heap->large = large->next;
    if (large->next)
        large->next->prev = large->prev;
}

void large_free(struct heap *heap, struct large_block *large)
{
    unlink_block(heap, large);
    large->magic = 0;
    heap_map_set((uintptr_t)large, large->reserved, 0);
    if (cacheable(heap, large) && heap->magic != HEAP_DEAD) {
        large->heap = NULL;
        release_all(cache_insert(large));
    } else {
        release(large);
    }
}

/* The granule map follows the allocation wherever it goes. */
static BOOL prepare_move(uintptr_t base, size_t size)
{
    return heap_map_prepare(base, size);
}

/* Resizes the allocation to reserved bytes; the caller holds the heap. */
static struct large_block *remap(struct large_block *large, size_t reserved, bool may_move)
{
    uintptr_t base = (uintptr_t)large;
    size_t old = large->reserved;
    if (reserved > old && !heap_map_prepare(base, reserved))
        return NULL;
    /* Nothing the map names may be unmapped, even for a moment: a lookup of
     * a stray pointer reads the block header it finds there. */
    if (may_move || reserved < old)
        heap_map_set(base, old, 0);
    vm_lock_exclusive();
    struct vm_allocation *allocation = vm_allocation_at(base);
    BOOL resized = allocation && vm_resize(allocation, reserved, prepare_move, may_move);
    uintptr_t now = resized ? allocation->base : base;
    vm_unlock();
    if (!resized) {
        heap_map_set(base, old, large_map_value(large->heap, large));
        return NULL;
    }
    large = (struct large_block *)now;
    large->reserved = reserved;
    if (large->dirty > reserved - HEAP_LARGE_HEADER)
        large->dirty = reserved - HEAP_LARGE_HEADER;
    heap_map_set(now, reserved, large_map_value(large->heap, large));
    return large;
}

/* Grows or shrinks a large block, moving it (pages, not bytes) only
 * without HEAP_REALLOC_IN_PLACE_ONLY; NULL, with the block intact, when it
 * cannot.  A block below the threshold never grows past its allocation in
 * place: on Windows such a block has had pages decommitted (fact 92). */
void *large_realloc(struct heap *heap, struct large_block *large, size_t size, DWORD flags)
{
    if (size > (size_t)0x7FFFFFFF0000)
        return NULL;
    size_t need = allocation_size(size), old_size = large->size;
    bool in_place = flags & HEAP_REALLOC_IN_PLACE_ONLY;
    if (need > large->reserved && size < HEAP_LARGE_THRESHOLD)
        return NULL;
    if (need != large->reserved) {
        struct large_block *prev = large->prev, *next = large->next;
        struct large_block *resized = remap(large, need, !in_place && need > large->reserved);
        if (!resized)
            return NULL;
        if (resized != large) {
            large = resized;
            if (prev)
                prev->next = large;
            else
                heap->large = large;
            if (next)
                next->prev = large;
        }
    }
    large->size = size;
    if ((flags & HEAP_ZERO_MEMORY) && size > old_size && large->dirty > old_size)
        memset((char *)large_data(large) + old_size, 0, (size < large->dirty ? size : large->dirty) - old_size);
    if (size > large->dirty)
        large->dirty = size;
    return large_data(large);
}

void large_trim_cache(void)
{
    pthread_mutex_lock(&cache_lock);
    struct large_block *cached = unreleased;
    unreleased = NULL;
    while (cache_count) {
        struct large_block *oldest = large_cache[0];
        cache_remove(0);
        oldest->next = cached;
        cached = oldest;
    }
    pthread_mutex_unlock(&cache_lock);
    release_all(cached);
}
