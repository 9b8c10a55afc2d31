/* The process-wide map from 64 KiB granules to the heap segment or large
 * block that covers them: two loads answer "which heap memory is this?" for
 * any address, so pointer and handle checks are O(1) and never touch memory
 * the address itself names.
 *
 * 47 bits of user address space hold 2^31 granules: a static top level of
 * 2^15 entries points at leaves of 2^16 entries, mapped on first use and
 * never unmapped (untouched leaf pages cost nothing). */
#include "config.h"

#include <sys/mman.h>

#include "fork.h"
#include "heap.h"
#include "inject.h"

#define MAP_LEAF_BITS    HEAP_MAP_LEAF_BITS

uintptr_t *heap_map_top[(size_t)1 << HEAP_MAP_TOP_BITS];
static pthread_mutex_t map_grow_lock = PTHREAD_MUTEX_INITIALIZER;
FORK_HOOKS(heap_map, map_grow_lock)

static uintptr_t *map_leaf(size_t top, bool create)
{
    uintptr_t *leaf = __atomic_load_n(&heap_map_top[top], __ATOMIC_ACQUIRE);
    if (leaf || !create)
        return leaf;
    pthread_mutex_lock(&map_grow_lock);
    leaf = heap_map_top[top];
    if (!leaf) {
        void *mapped = mmap(NULL, sizeof(uintptr_t) << MAP_LEAF_BITS, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mapped != MAP_FAILED) {
            leaf = mapped;
            __atomic_store_n(&heap_map_top[top], leaf, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&map_grow_lock);
    return leaf;
}

/* Maps the leaves that [base, base+size) needs, so that setting it later
 * cannot fail. */
bool heap_map_prepare(uintptr_t base, size_t size)
{
    for (uintptr_t top = base >> (HEAP_GRANULE_SHIFT + MAP_LEAF_BITS);
         top <= (base + size - 1) >> (HEAP_GRANULE_SHIFT + MAP_LEAF_BITS); top++)
        if (!map_leaf(top, true))
            return false;
    return true;
}

/* FALSE only when a leaf cannot be mapped; clearing (value 0) never fails. */
bool heap_map_set(uintptr_t base, size_t size, uintptr_t value)
{
    const uintptr_t leaf_mask = ((uintptr_t)1 << MAP_LEAF_BITS) - 1;
    uintptr_t granule = base >> HEAP_GRANULE_SHIFT;
    uintptr_t end = (base + size + HEAP_GRANULE - 1) >> HEAP_GRANULE_SHIFT;
    while (granule < end) {
        uintptr_t leaf_end = (granule | leaf_mask) + 1;
        if (leaf_end > end)
            leaf_end = end;
        uintptr_t *leaf = map_leaf(granule >> MAP_LEAF_BITS, value != 0);
        if (!leaf && value)
            return false;
        for (; leaf && granule < leaf_end; granule++)
            __atomic_store_n(&leaf[granule & leaf_mask], value, __ATOMIC_RELEASE);
        granule = leaf_end;
    }
    return true;
}

