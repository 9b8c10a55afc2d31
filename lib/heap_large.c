/* Large blocks: requests at or above HEAP_LARGE_THRESHOLD get their own
 * VirtualAlloc, so each shows in VirtualQuery as an allocation of its own,
 * with a 64-byte header that puts the data at 64 mod 128 (Windows aligns
 * large blocks to 8 * sizeof(void *)).
 *
 * Freed large allocations wait in a small process-wide cache, still
 * committed, for a request of about their size: a program that frees and
 * allocates big buffers in a loop then makes no system calls.  While cached
 * they belong to no heap and the map does not know them. */
#include "config.h"

#include <string.h>

#include "fork.h"
#include "heap.h"

#define LARGE_CACHE_COUNT 16
#define LARGE_CACHE_BYTES ((size_t)64 << 20)

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
FORK_HOOKS(large_cache, cache_lock)
static struct large_block *large_cache;
static size_t cache_count, cache_bytes;

static struct large_block *cached_large(size_t need)
{
    pthread_mutex_lock(&cache_lock);
    struct large_block **best = NULL;
    for (struct large_block **link = &large_cache; *link; link = &(*link)->next)
        if ((*link)->reserved >= need && (*link)->reserved <= 2 * need &&
            (*link)->protect == PAGE_READWRITE && (*link)->committed == (*link)->reserved &&
            (!best || (*link)->reserved < (*best)->reserved))
            best = link;
    struct large_block *found = NULL;
    if (best) {
        found = *best;
        *best = found->next;
        cache_count--;
        cache_bytes -= found->reserved;
    }
    pthread_mutex_unlock(&cache_lock);
    return found;
}

void *large_alloc(struct heap *heap, size_t size, DWORD flags)
{
    if (size > (size_t)0x7FFFFFFF0000)
        return NULL;            /* more than the address space */
    size_t need = (size + HEAP_LARGE_HEADER + HEAP_PAGE - 1) & ~(size_t)(HEAP_PAGE - 1);
    DWORD protect = heap->protect;
    struct large_block *large = protect == PAGE_READWRITE ? cached_large(need) : NULL;
    if (large) {
        if (flags & HEAP_ZERO_MEMORY)
            memset(large_data(large), 0, size);
    } else {
        /* Fresh pages read as zero: HEAP_ZERO_MEMORY costs nothing here. */
        large = VirtualAlloc(NULL, need, MEM_RESERVE | MEM_COMMIT, protect);
        if (!large)
            return NULL;
        large->reserved = large->committed = need;
        large->protect = protect;
    }
    if (!heap_map_set((uintptr_t)large, large->reserved, (uintptr_t)large | 1)) {
        heap_map_set((uintptr_t)large, large->reserved, 0);
        VirtualFree(large, 0, MEM_RELEASE);
        return NULL;
    }
    large->magic = LARGE_MAGIC;
    large->heap = heap;
    large->size = size;
    large->prev = NULL;
    large->next = heap->large;
    if (large->next)
        large->next->prev = large;
    heap->large = large;
    return large_data(large);
}

/* Gives a freed block back to the system.  One the kernel will not unmap
 * (it would have to split a mapping at vm.max_map_count) goes into the
 * cache, for the next trim to try again; only a whole read-write one is
 * ever handed out from there. */
static void large_unmap(struct large_block *large)
{
    if (VirtualFree(large, 0, MEM_RELEASE))
        return;
    pthread_mutex_lock(&cache_lock);
    large->next = large_cache;
    large_cache = large;
    cache_count++;
    cache_bytes += large->reserved;
    pthread_mutex_unlock(&cache_lock);
}

void large_free(struct heap *heap, struct large_block *large)
{
    if (large->prev)
        large->prev->next = large->next;
    else
        heap->large = large->next;
    if (large->next)
        large->next->prev = large->prev;
    large->magic = 0;
    large->heap = NULL;
    heap_map_set((uintptr_t)large, large->reserved, 0);

    pthread_mutex_lock(&cache_lock);
    bool cache = large->protect == PAGE_READWRITE && large->committed == large->reserved &&
                 cache_count < LARGE_CACHE_COUNT && cache_bytes + large->reserved <= LARGE_CACHE_BYTES;
    if (cache) {
        large->next = large_cache;
        large_cache = large;
        cache_count++;
        cache_bytes += large->reserved;
    }
    pthread_mutex_unlock(&cache_lock);
    if (!cache)
        large_unmap(large);
}

/* In place, within the pages still committed; shrinking decommits the pages
 * the block no longer needs, so growing back in place fails afterwards, as
 * on Windows. */
bool large_resize(struct large_block *large, size_t size)
{
    size_t need = (size + HEAP_LARGE_HEADER + HEAP_PAGE - 1) & ~(size_t)(HEAP_PAGE - 1);
    if (size > large->reserved || need > large->committed)
        return false;
    if (need < large->committed &&
        VirtualFree((char *)large + need, large->committed - need, MEM_DECOMMIT))
        large->committed = need;
    large->size = size;
    return true;
}

void large_trim_cache(void)
{
    pthread_mutex_lock(&cache_lock);
    struct large_block *cached = large_cache;
    large_cache = NULL;
    cache_count = cache_bytes = 0;
    pthread_mutex_unlock(&cache_lock);
    while (cached) {
        struct large_block *next = cached->next;
        large_unmap(cached);
        cached = next;
    }
}
