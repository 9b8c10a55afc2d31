/* Segment metadata: a segment's struct, busy bitmap and group map, kept
 * apart from the segment's own memory.
 *
 * Metadata is never unmapped: another thread may have read a segment's
 * address from the granule map just before the segment went (a stale
 * pointer or heap handle passed while HeapDestroy or HeapCompact runs), and
 * it must then read a segment of no heap, not fault.  A released segment's
 * metadata is zeroed (madvise, so it keeps no page resident) and kept for
 * the next segment of its size.  Sizes are powers of two and a new segment
 * takes one of its own size only, so the retired ones of each size never
 * outnumber the most segments of that size alive at once, and a program
 * that does again what it did before maps nothing new.
 *
 * Metadata is carved from arenas reserved META_ARENA at a time, inaccessible
 * until carved: one mapping for many segments, not one each. */
#include "config.h"

#include <string.h>
#include <sys/mman.h>

#include "fork.h"
#include "heap.h"
#include "sysinfo.h"
#include "inject.h"

#define META_ARENA ((size_t)64 << 20)

struct retired_meta {
    struct segment *meta;
    size_t size;
};

static pthread_mutex_t meta_lock = PTHREAD_MUTEX_INITIALIZER;
FORK_HOOKS(segment_meta, meta_lock)
static char *arena_next, *arena_end;    /* the newest arena's uncarved rest */
/* Listed in an array of their own, not through their first pages, which
 * would then stay resident. */
static struct retired_meta *retired;
static size_t retired_count, retired_capacity;

/* With meta_lock: room for one more retired entry. */
static bool retired_room(void)
{
    if (retired_count < retired_capacity)
        return true;
    size_t capacity = retired_capacity ? 2 * retired_capacity : HEAP_PAGE / sizeof(struct retired_meta);
    void *grown = mmap(NULL, capacity * sizeof(struct retired_meta), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (grown == MAP_FAILED)
        return false;
    if (retired) {
        memcpy(grown, retired, retired_count * sizeof(struct retired_meta));
        munmap(retired, retired_capacity * sizeof(struct retired_meta));
    }
    retired = grown;
    retired_capacity = capacity;
    return true;
}

/* Metadata is read and written a few bytes at a time, and retired metadata
 * must stay unresident: no huge page may gather it up again. */
static void *map_metadata(size_t size, int protection)
{
    int reserve_only = protection == PROT_NONE ? MAP_NORESERVE : 0;
    void *mapped = mmap(NULL, size, protection, MAP_PRIVATE | MAP_ANONYMOUS | reserve_only, -1, 0);
    if (mapped == MAP_FAILED)
        return NULL;
    madvise(mapped, size, MADV_NOHUGEPAGE);
    return mapped;
}

/* With meta_lock: size fresh bytes, readable and writable.  Metadata as big
 * as half an arena (a fixed heap of gigabytes) has a mapping of its own
 * rather than leave most of an arena unused. */
static void *arena_carve(size_t size)
{
    if (size >= META_ARENA / 2)
        return map_metadata(size, PROT_READ | PROT_WRITE);
    if ((size_t)(arena_end - arena_next) < size) {
        char *arena = map_metadata(META_ARENA, PROT_NONE);
        if (!arena)
            return NULL;
        arena_next = arena;
        arena_end = arena + META_ARENA;
    }
    if (mprotect(arena_next, size, PROT_READ | PROT_WRITE))
        return NULL;
    void *carved = arena_next;
    arena_next += size;
    return carved;
}

struct segment *segment_meta_take(size_t used)
{
    size_t size = address_space()->page_size;
    while (size < used)
        size *= 2;
    struct segment *meta = NULL;
    pthread_mutex_lock(&meta_lock);
    for (size_t i = 0; i < retired_count; i++)
        if (retired[i].size == size) {
            meta = retired[i].meta;
            retired[i] = retired[--retired_count];
            break;
        }
    if (!meta)
        meta = arena_carve(size);
    pthread_mutex_unlock(&meta_lock);
    if (meta)
        meta->meta_size = size;
    return meta;
}

/* Without room to list it, the metadata stays as it is: zeroed, unused. */
void segment_meta_retire(struct segment *segment)
{
    size_t size = segment->meta_size;
    __atomic_store_n(&segment->heap, NULL, __ATOMIC_RELEASE);
    if (madvise(segment, size, MADV_DONTNEED))
        memset(segment, 0, size);
    pthread_mutex_lock(&meta_lock);
    if (retired_room())
        retired[retired_count++] = (struct retired_meta){ segment, size };
    pthread_mutex_unlock(&meta_lock);
}
