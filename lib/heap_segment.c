/* Segments and the ordinary blocks that tile them (the heap's back end).
 *
 * Free blocks carry their size in a footer and set PREV_FREE in the next
 * block, so a free coalesces with both neighbours in O(1).  Free lists are
 * log-linear: exact 16-byte classes up to 1 KiB, then four per power of two;
 * a bitmap of non-empty lists finds the smallest fitting list at once.
 *
 * Segments come from VirtualAlloc, so they show in VirtualQuery as the
 * private allocations they are.  A destroyed heap's segments go to a small
 * process-wide cache, committed pages and all, so that creating and
 * destroying heaps in a loop makes no system calls.  A segment is reused
 * only for the same reservation, since a fixed heap must not hold more than
 * its maximum.  It keeps the pages its last heap committed: giving them
 * back made create/alloc/destroy three times slower, so a recycled heap
 * walks with less (or no) uncommitted range than a new one. */
#include "config.h"

#include <string.h>
#include <sys/mman.h>

#include "fork.h"
#include "heap.h"
#include "inject.h"

#define SEGMENT_CACHE_COUNT     16
#define SEGMENT_CACHE_BYTES     ((size_t)32 << 20)  /* committed bytes kept */
#define SEGMENT_CACHE_KEEP      ((size_t)256 << 10) /* committed bytes kept per cached segment */

/* Purging: a free block's inner pages go back to the kernel (madvise, so
 * they stay committed and read as zero) once they are a run of at least
 * PURGE_MIN_RUN and the block has stayed free for PURGE_AGE whole purge
 * intervals: memory that is reused soon is never purged and faulted in
 * again.  One interval is enough since big requests take the lowest free
 * block (LOW_FIT_MIN): what stays free that long lies above the blocks in
 * use.  Against three, heapbench's W4 peaks at 80.9 MiB instead of 88.4,
 * with 0.34 faults a call instead of 0.23 (0.45 before the low fit, still
 * well under glibc's time); W5 does not change. */
#define PURGE_MIN_RUN           ((size_t)256 << 10)
#define PURGE_INTERVAL          ((size_t)32 << 20)   /* bytes freed between passes */
#define PURGE_BUDGET            ((size_t)8 << 20)   /* bytes purged per pass, at most */
#define PURGE_AGE               1                   /* passes a free block waits out */

/* Big requests go low: of the first LOW_FIT_SCAN free blocks that fit (the
 * smallest lists first) they take the lowest in memory, not the one freed
 * last.  Big blocks then pack at the bottom of the heap and the free memory
 * above them stays untouched: it ages and is purged instead of having a
 * header or a first byte written to one page of it after another, each
 * page then resident for good.  On the process heap this halved the page
 * faults of heapbench's realloc workload (W4: 0.45 to 0.23 a call, 4 MiB
 * lower peak) and took the big-block one (W5) from 9.4 to 8.2 MiB.  Small
 * requests keep taking the block freed last, which is still in the cache.
 * The scan is bounded so that a heap with thousands of big free blocks
 * reads at most LOW_FIT_SCAN headers for a request that will write at
 * least 64 KiB; 128 rather than 32 took W4 from 0.34 to 0.22 faults a call
 * and its peak 1 MiB lower, W5 unchanged. */
#define LOW_FIT_MIN             ((size_t)64 << 10)
#define LOW_FIT_SCAN            128

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
FORK_HOOKS(segment_cache, cache_lock)
static struct segment *segment_cache;
static size_t cache_count, cache_committed;
static size_t bitmap_bytes(size_t reserved)
{
    return (reserved / HEAP_ALIGN + 63) / 64 * sizeof(uint64_t);
}

static size_t group_map_bytes(size_t reserved)
{
    return ((reserved + GROUP_MAP_KIB - 1) >> GROUP_MAP_KIB_SHIFT) * sizeof(uint32_t);
}

static struct segment *cached_segment(size_t reserve, size_t commit, DWORD protect)
{
    pthread_mutex_lock(&cache_lock);
    struct segment **link = &segment_cache, *found = NULL;
    for (; *link; link = &(*link)->next) {
        struct segment *segment = *link;
        if (segment->protect == protect && segment->reserved == reserve && segment->committed >= commit) {
            found = segment;
            *link = segment->next;
            cache_count--;
            cache_committed -= segment->committed;
            break;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return found;
}

struct segment *segment_create(struct heap *owner, size_t reserve, size_t commit, DWORD protect)
{
    struct segment *segment = cached_segment(reserve, commit, protect);
    if (segment) {
        segment->next = NULL;
        segment->end_prev_free = FALSE;
        __atomic_store_n(&segment->heap, owner, __ATOMIC_RELEASE);
        return segment;
    }

    size_t map_offset = sizeof(struct segment) + bitmap_bytes(reserve);
    struct segment *meta = segment_meta_take(map_offset + group_map_bytes(reserve));
    if (!meta)
        return NULL;
    void *base = VirtualAlloc(NULL, reserve, MEM_RESERVE, protect);
    if (!base || !VirtualAlloc(base, commit, MEM_COMMIT, protect)) {
        if (base)
            VirtualFree(base, 0, MEM_RELEASE);
        segment_meta_retire(meta);
        return NULL;
    }
    segment = meta;
    segment->base = (uintptr_t)base;
    segment->reserved = reserve;
    segment->committed = commit;
    segment->group_map = (uint32_t *)((char *)meta + map_offset);
    segment->protect = protect;
    __atomic_store_n(&segment->heap, owner, __ATOMIC_RELEASE);
    if (!heap_map_set(segment->base, reserve, (uintptr_t)segment)) {
        heap_map_set(segment->base, reserve, 0);
        VirtualFree(base, 0, MEM_RELEASE);
        segment_meta_retire(segment);
        return NULL;
    }
    return segment;
}

/* Gives an unused segment back to the system.  One the kernel will not
 * unmap (it would have to split a mapping at vm.max_map_count) stays in the
 * cache, usable, for the next trim to try again. */
static void segment_unmap(struct segment *segment)
{
    heap_map_set(segment->base, segment->reserved, 0);
    if (VirtualFree((void *)segment->base, 0, MEM_RELEASE)) {
        segment_meta_retire(segment);
        return;
    }
    heap_map_set(segment->base, segment->reserved, (uintptr_t)segment);    /* its leaves exist: cannot fail */
    pthread_mutex_lock(&cache_lock);
    segment->next = segment_cache;
    segment_cache = segment;
    cache_count++;
    cache_committed += segment->committed;
    pthread_mutex_unlock(&cache_lock);
}

void segment_release(struct segment *segment)
{
    __atomic_store_n(&segment->heap, NULL, __ATOMIC_RELEASE);
    /* No busy block or group survives into the cache. */
    memset(segment->busy_bits, 0, bitmap_bytes(segment->committed));
    memset(segment->group_map, 0, group_map_bytes(segment->committed));
    bool cache = segment->protect == PAGE_READWRITE;
    /* A destroyed heap's big segments keep only their first pages. */
    if (cache && segment->committed > SEGMENT_CACHE_KEEP) {
        cache = VirtualFree((void *)(segment->base + SEGMENT_CACHE_KEEP), segment->committed - SEGMENT_CACHE_KEEP,
                            MEM_DECOMMIT);
        if (cache)
            segment->committed = SEGMENT_CACHE_KEEP;
    }
    pthread_mutex_lock(&cache_lock);
    if (cache && cache_count < SEGMENT_CACHE_COUNT && cache_committed + segment->committed <= SEGMENT_CACHE_BYTES) {
        segment->next = segment_cache;
        segment_cache = segment;
        cache_count++;
        cache_committed += segment->committed;
        segment = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
    if (segment)
        segment_unmap(segment);
}

/* Releases every cached segment (HeapCompact gives memory back). */
void segment_trim_cache(void)
{
    pthread_mutex_lock(&cache_lock);
    struct segment *cached = segment_cache;
    segment_cache = NULL;
    cache_count = cache_committed = 0;
    pthread_mutex_unlock(&cache_lock);
    while (cached) {
        struct segment *next = cached->next;
        segment_unmap(cached);
        cached = next;
    }
}

/* ---- free lists ---------------------------------------------------------- */

static unsigned free_list_index(size_t size)
{
    if (size <= 1024)
        return (unsigned)(size / HEAP_ALIGN - 2);
    unsigned log = 63 - (unsigned)__builtin_clzll(size);
    return 63 + (log - 10) * 4 + (unsigned)((size >> (log - 2)) & 3);
}

static void free_list_insert(struct heap *heap, struct free_block *block)
{
    unsigned index = free_list_index(block->header.size);
    block->prev = NULL;
    block->next = heap->free_lists[index];
    if (block->next)
        block->next->prev = block;
    heap->free_lists[index] = block;
    heap->nonempty[index / 64] |= (uint64_t)1 << (index % 64);
}

/* The block is on list index: its size's, which the caller knows. */
static void free_list_unlink(struct heap *heap, struct free_block *block, unsigned index)
{
    if (block->prev)
        block->prev->next = block->next;
    else
        heap->free_lists[index] = block->next;
    if (block->next)
        block->next->prev = block->prev;
    if (!heap->free_lists[index])
        heap->nonempty[index / 64] &= ~((uint64_t)1 << (index % 64));
}

static void free_list_remove(struct heap *heap, struct free_block *block)
{
    free_list_unlink(heap, block, free_list_index(block->header.size));
}

_Static_assert(FREE_LISTS % 64, "index FREE_LISTS, which the search may start at, lies inside nonempty");

/* The first non-empty list at or after index, or FREE_LISTS. */
static unsigned next_nonempty_list(const struct heap *heap, unsigned index)
{
    unsigned word = index / 64;
    uint64_t bits = heap->nonempty[word] & (~(uint64_t)0 << (index % 64));
    while (!bits) {
        if (++word == sizeof(heap->nonempty) / sizeof(heap->nonempty[0]))
            return FREE_LISTS;
        bits = heap->nonempty[word];
    }
    return word * 64 + (unsigned)__builtin_ctzll(bits);
}

/* Of the first LOW_FIT_SCAN free blocks that hold need bytes, smallest
 * lists first, the lowest in memory, and its list; NULL when none does. */
static struct free_block *find_low_fit(struct heap *heap, size_t need, unsigned *found_index)
{
    struct free_block *lowest = NULL;
    unsigned seen = 0;
    for (unsigned index = next_nonempty_list(heap, free_list_index(need)); index < FREE_LISTS && seen < LOW_FIT_SCAN;
         index = next_nonempty_list(heap, index + 1))
        for (struct free_block *block = heap->free_lists[index]; block && seen < LOW_FIT_SCAN; block = block->next) {
            if (block->header.size < need)
                continue;
            seen++;
            if (!lowest || (uintptr_t)block < (uintptr_t)lowest) {
                lowest = block;
                *found_index = index;
            }
        }
    return lowest;
}

/* A free block of at least need bytes, and the list it is on, or NULL. */
static struct free_block *find_fit(struct heap *heap, size_t need, unsigned *found_index)
{
    if (need >= LOW_FIT_MIN)
        return find_low_fit(heap, need, found_index);
    unsigned index = free_list_index(need);
    if (need > 1024) {
        /* A log-linear list holds a range of sizes: look for one that fits. */
        for (struct free_block *block = heap->free_lists[index]; block; block = block->next)
            if (block->header.size >= need) {
                *found_index = index;
                return block;
            }
        index++;
    }
    *found_index = next_nonempty_list(heap, index);
    return *found_index < FREE_LISTS ? heap->free_lists[*found_index] : NULL;
}

/* ---- blocks -------------------------------------------------------------- */

static void set_prev_free(struct segment *segment, uintptr_t next, bool free)
{
    if (next >= blocks_end(segment)) {
        segment->end_prev_free = free;
        return;
    }
    /* Atomic stores, because the front end reads a group block's flags
     * unlocked; a plain read first, because only holders of the heap write
     * them (a locked read-modify-write would cost far more). */
    struct block *block = (struct block *)next;
    uint8_t flags = block->flags;
    __atomic_store_n(&block->flags, free ? flags | BLOCK_FLAG_PREV_FREE : flags & ~BLOCK_FLAG_PREV_FREE,
                     __ATOMIC_RELAXED);
}

/* Read without the heap, written only with it: atomic stores, no locked
 * read-modify-write. */
static void set_busy_bit(struct segment *segment, uintptr_t data, bool busy)
{
    size_t n = (data - segment->base) / HEAP_ALIGN;
    uint64_t bit = (uint64_t)1 << (n % 64), word = segment->busy_bits[n / 64];
    __atomic_store_n(&segment->busy_bits[n / 64], busy ? word | bit : word & ~bit, __ATOMIC_RELAXED);
}

/* ---- debug fills (HEAP_TAIL_CHECKING_ENABLED, HEAP_FREE_CHECKING_ENABLED) --
 *
 * With tail checking every ordinary block has at least HEAP_TAIL_CHECK bytes
 * of 0xAB after its data; with free checking new data reads 0xBAADF00D and
 * everything of a free block but its header, links and footer 0xFEEEFEEE,
 * as on Windows.  HeapValidate checks both. */

#define TAIL_FILL  0xABABABABu
#define ALLOC_FILL 0xBAADF00Du
#define FREE_FILL  0xFEEEFEEEu
#define FREE_HEAD  (HEAP_BLOCK_HEADER + 2 * sizeof(void *))     /* header and links */

static uint8_t pattern_byte(uint32_t pattern, uintptr_t at)
{
    return (uint8_t)(pattern >> (8 * (at % 4)));
}

/* The pattern as 32-bit words at 4-byte boundaries, over [start, end). */
static void fill(uintptr_t start, uintptr_t end, uint32_t pattern)
{
    for (; start < end && start % 4; start++)
        *(uint8_t *)start = pattern_byte(pattern, start);
    for (; start + 4 <= end; start += 4)
        *(uint32_t *)start = pattern;
    for (; start < end; start++)
        *(uint8_t *)start = pattern_byte(pattern, start);
}

static bool filled(uintptr_t start, uintptr_t end, uint32_t pattern)
{
    for (; start < end && start % 4; start++)
        if (*(const uint8_t *)start != pattern_byte(pattern, start))
            return false;
    for (; start + 4 <= end; start += 4)
        if (*(const uint32_t *)start != pattern)
            return false;
    for (; start < end; start++)
        if (*(const uint8_t *)start != pattern_byte(pattern, start))
            return false;
    return true;
}

static bool free_checking(const struct heap *heap)
{
    return heap->flags & HEAP_FREE_CHECKING_ENABLED;
}

static size_t tail_room(const struct heap *heap)
{
    return heap->flags & HEAP_TAIL_CHECKING_ENABLED ? HEAP_TAIL_CHECK : 0;
}

/* Fills a busy block's new data [from, to) and its tail. */
static void fill_busy(struct heap *heap, struct block *block, size_t from, size_t to)
{
    uintptr_t data = (uintptr_t)(block + 1);
    if (free_checking(heap) && to > from)
        fill(data + from, data + to, ALLOC_FILL);
    if (tail_room(heap))
        fill(data + to, (uintptr_t)block + block->size, TAIL_FILL);
}

bool backend_tail_intact(const struct heap *heap, const struct block *block)
{
    return !tail_room(heap) ||
           filled((uintptr_t)(block + 1) + backend_block_usable(block), (uintptr_t)block + block->size, TAIL_FILL);
}

/* Makes [start, start+size) one free block; its neighbours are busy.  With
 * free checking, [dirty, dirty_end) held something else than the free fill.
 * Inline: a call's saved registers were a tenth of a back-end free. */
static inline __attribute__((always_inline)) void make_free_dirty(struct heap *heap, struct segment *segment,
                                                                  uintptr_t start, size_t size, uintptr_t dirty,
                                                                  uintptr_t dirty_end)
{
    if (free_checking(heap)) {
        uintptr_t from = start + FREE_HEAD, to = start + size - sizeof(uint64_t);
        if (dirty > from)
            from = dirty;
        if (dirty_end < to)
            to = dirty_end;
        if (from < to)
            fill(from, to, FREE_FILL);
    }
    struct free_block *block = (struct free_block *)start;
    block->header = (struct block){ .size = (uint32_t)size, .type = BLOCK_FREE };
    *(uint64_t *)(start + size - sizeof(uint64_t)) = size;
    free_list_insert(heap, block);
    set_prev_free(segment, start + size, true);
}

static void make_free(struct heap *heap, struct segment *segment, uintptr_t start, size_t size)
{
    make_free_dirty(heap, segment, start, size, 0, 0);
}

void backend_init_segment(struct heap *heap, struct segment *segment)
{
    make_free_dirty(heap, segment, segment->first_block, blocks_end(segment) - segment->first_block,
                    segment->first_block, blocks_end(segment));
    if (heap->last_segment)
        heap->last_segment->next = segment;
    else
        heap->segments = segment;
    heap->last_segment = segment;
}

/* The free block that ends where the segment's blocks end, if any. */
static struct free_block *tail_free_block(const struct segment *segment)
{
    if (!segment->end_prev_free)
        return NULL;
    uintptr_t end = blocks_end(segment);
    return (struct free_block *)(end - *(const uint64_t *)(end - sizeof(uint64_t)));
}

/* Commits more of a segment so that its last free block holds need bytes. */
static struct free_block *extend_segment(struct heap *heap, struct segment *segment, size_t need)
{
    struct free_block *tail = tail_free_block(segment);
    size_t have = tail ? tail->header.size : 0;
    size_t committed = segment->committed, room = segment->reserved - committed;
    if (need > have + room)
        return NULL;
    size_t grow = (need - have + HEAP_COMMIT_STEP - 1) & ~(HEAP_COMMIT_STEP - 1);
    if (grow > room)
        grow = room;
    if (!VirtualAlloc((void *)(segment->base + committed), grow, MEM_COMMIT, segment->protect))
        return NULL;
    uintptr_t start = blocks_end(segment), dirty = start;
    if (tail) {
        free_list_remove(heap, tail);
        start = (uintptr_t)tail;
        dirty -= sizeof(uint64_t);      /* its footer */
    }
    __atomic_store_n(&segment->committed, committed + grow, __ATOMIC_RELEASE);
    make_free_dirty(heap, segment, start, blocks_end(segment) - start, dirty, blocks_end(segment));
    return (struct free_block *)start;
}

/* Out of line, so that backend_alloc saves fewer registers. */
static __attribute__((noinline)) struct free_block *grow(struct heap *heap, size_t need)
{
    for (struct segment *segment = heap->segments; segment; segment = segment->next) {
        struct free_block *block = extend_segment(heap, segment, need);
        if (block)
            return block;
    }
    if (!(heap->flags & HEAP_GROWABLE))
        return NULL;
    size_t reserve = heap->next_segment_size;
    size_t least = (need + HEAP_BLOCK_HEADER + SEGMENT_END_GAP + HEAP_GRANULE - 1) & ~(HEAP_GRANULE - 1);
    if (reserve < least)
        reserve = least;
    size_t commit = (need + HEAP_BLOCK_HEADER + SEGMENT_END_GAP + HEAP_COMMIT_STEP - 1) & ~(HEAP_COMMIT_STEP - 1);
    struct segment *segment = segment_create(heap, reserve, commit, heap->protect);
    if (!segment)
        return NULL;
    segment->first_block = segment->base + HEAP_BLOCK_HEADER;
    if (heap->next_segment_size < HEAP_MAX_GROW)
        heap->next_segment_size = heap->next_segment_size * 2 < HEAP_MAX_GROW ? heap->next_segment_size * 2
                                                                             : HEAP_MAX_GROW;
    backend_init_segment(heap, segment);
    return tail_free_block(segment);
}

/* Purging runs after every PURGE_INTERVAL bytes freed, never more often. */
static void note_freed(struct heap *heap, size_t size)
{
    heap->freed_since_purge += size;
    if (heap->freed_since_purge >= PURGE_INTERVAL)
        backend_purge(heap, false);
}

/* Turns the first `need` bytes of a busy block into the block and frees
 * what is left when that is big enough to be a block of its own; the bytes
 * up to dirty_end held something else than the free fill. */
static void trim_busy(struct heap *heap, struct segment *segment, struct block *block, size_t need,
                      uintptr_t dirty_end)
{
    size_t rest = block->size - need;
    if (rest < HEAP_MIN_BLOCK)
        return;
    block->size = (uint32_t)need;
    uintptr_t start = (uintptr_t)block + need, next = start + rest;
    if (next < blocks_end(segment) && ((struct block *)next)->type == BLOCK_FREE) {
        struct free_block *following = (struct free_block *)next;
        free_list_remove(heap, following);
        rest += following->header.size;
        dirty_end = next + FREE_HEAD;
    }
    make_free_dirty(heap, segment, start, rest, start, dirty_end);
    if (dirty_end > start)
        note_freed(heap, rest);
}

/* Leaves all of a free block but its first need bytes free, where it is.
 * The block after it stays busy and PREV_FREE, and with free checking the
 * rest holds the free fill already: it begins past the block's links. */
static void split_free(struct heap *heap, struct free_block *block, unsigned index, size_t need)
{
    size_t rest = block->header.size - need;
    struct free_block *remainder = (struct free_block *)((uintptr_t)block + need);
    /* The rest has been free as long as the block, and purged if it was. */
    remainder->header = (struct block){ .size = (uint32_t)rest, .type = BLOCK_FREE,
                                        .flags = block->header.flags & (BLOCK_FLAG_PURGED | BLOCK_AGE_MASK) };
    *(uint64_t *)((uintptr_t)remainder + rest - sizeof(uint64_t)) = rest;
    if (free_list_index(rest) != index) {
        free_list_unlink(heap, block, index);
        free_list_insert(heap, remainder);
        return;
    }
    /* Mostly so: the remainder of a big block takes its place in its list. */
    remainder->next = block->next;
    remainder->prev = block->prev;
    if (remainder->prev)
        remainder->prev->next = remainder;
    else
        heap->free_lists[index] = remainder;
    if (remainder->next)
        remainder->next->prev = remainder;
}

void *backend_alloc(struct heap *heap, size_t size)
{
    size_t need = block_size_for(size + tail_room(heap));
    unsigned index;
    struct free_block *found = find_fit(heap, need, &index);
    if (!found) {
        if (!(found = grow(heap, need)))
            return NULL;
        index = free_list_index(found->header.size);
    }
    /* Most heaps have one segment: no map lookup for them. */
    struct segment *segment = heap->segments->next ? segment_at((uintptr_t)found) : heap->segments;
    struct block *block = &found->header;
    if (block->size - need < HEAP_MIN_BLOCK) {
        free_list_unlink(heap, found, index);
        set_prev_free(segment, (uintptr_t)block + block->size, false);
    } else {
        split_free(heap, found, index, need);
        block->size = (uint32_t)need;
    }
    block->type = BLOCK_BUSY;
    block->flags = 0;
    block->tail = (uint16_t)(block->size - HEAP_BLOCK_HEADER - size);
    if (heap->flags & HEAP_DEBUG_FLAGS)
        fill_busy(heap, block, 0, size);
    set_busy_bit(segment, (uintptr_t)(block + 1), true);
    return block + 1;
}

void backend_free(struct heap *heap, struct segment *segment, struct block *block)
{
    set_busy_bit(segment, (uintptr_t)(block + 1), false);
    uintptr_t start = (uintptr_t)block;
    size_t size = block->size;
    uintptr_t next = start + size, dirty = start, dirty_end = next;
    if (next < blocks_end(segment) && ((struct block *)next)->type == BLOCK_FREE) {
        struct free_block *following = (struct free_block *)next;
        free_list_remove(heap, following);
        size += following->header.size;
        dirty_end = next + FREE_HEAD;
    }
    if (block->flags & BLOCK_FLAG_PREV_FREE) {
        size_t previous_size = *(uint64_t *)(start - sizeof(uint64_t));
        struct free_block *previous = (struct free_block *)(start - previous_size);
        free_list_remove(heap, previous);
        start = (uintptr_t)previous;
        size += previous_size;
        dirty -= sizeof(uint64_t);      /* its footer */
    }
    make_free_dirty(heap, segment, start, size, dirty, dirty_end);
    note_freed(heap, size);
}

bool backend_resize(struct heap *heap, struct segment *segment, struct block *block, size_t size)
{
    size_t need = block_size_for(size + tail_room(heap)), old_size = backend_block_usable(block);
    uintptr_t dirty_end = (uintptr_t)block + block->size;
    if (need > block->size) {
        uintptr_t next = (uintptr_t)block + block->size;
        if (next >= blocks_end(segment) || ((struct block *)next)->type != BLOCK_FREE ||
            block->size + ((struct block *)next)->size < need)
            return false;
        struct free_block *following = (struct free_block *)next;
        free_list_remove(heap, following);
        block->size += following->header.size;
        set_prev_free(segment, (uintptr_t)block + block->size, false);
        dirty_end = next + FREE_HEAD;
    }
    trim_busy(heap, segment, block, need, dirty_end);
    block->tail = (uint16_t)(block->size - HEAP_BLOCK_HEADER - size);
    if (heap->flags & HEAP_DEBUG_FLAGS)
        fill_busy(heap, block, old_size, size);
    return true;
}

size_t backend_block_usable(const struct block *block)
{
    return block->size - HEAP_BLOCK_HEADER - block->tail;
}

/* ---- purging ------------------------------------------------------------- */

/* The whole pages inside a free block, past its links and before its
 * footer: what purging may give back without touching the block's
 * bookkeeping. */
static size_t purge_block(struct free_block *block)
{
    uintptr_t from = ((uintptr_t)(block + 1) + HEAP_PAGE - 1) & ~(uintptr_t)(HEAP_PAGE - 1);
    uintptr_t to = ((uintptr_t)block + block->header.size - sizeof(uint64_t)) & ~(uintptr_t)(HEAP_PAGE - 1);
    if (to < from + PURGE_MIN_RUN)
        return 0;
    if (madvise((void *)from, to - from, MADV_DONTNEED))
        return 0;
    block->header.flags |= BLOCK_FLAG_PURGED;
    return to - from;
}

/* Only the lists whose blocks can hold a run worth purging. */
static unsigned first_purge_list(void)
{
    return free_list_index(PURGE_MIN_RUN + 2 * HEAP_PAGE);
}

void backend_purge(struct heap *heap, bool everything)
{
    heap->freed_since_purge = 0;
    /* Free checking promises the fill inside every free block. */
    if (heap->flags & HEAP_FREE_CHECKING_ENABLED)
        return;
    size_t purged = 0;
    for (unsigned index = first_purge_list(); index < FREE_LISTS; index++)
        for (struct free_block *block = heap->free_lists[index]; block; block = block->next) {
            uint8_t flags = block->header.flags;
            if (flags & BLOCK_FLAG_PURGED)
                continue;
            unsigned age = (flags & BLOCK_AGE_MASK) >> BLOCK_AGE_SHIFT;
            if (!everything && age < PURGE_AGE) {
                block->header.flags = (uint8_t)((flags & ~BLOCK_AGE_MASK) | (age + 1) << BLOCK_AGE_SHIFT);
                continue;
            }
            if (!everything && purged >= PURGE_BUDGET)
                continue;       /* next time */
            purged += purge_block(block);
        }
}

/* Gives back what the heap does not use: whole empty segments other than
 * the first, and the uncommitted-able tail of the others.  Returns the
 * largest free block's usable size afterwards. */
size_t backend_compact(struct heap *heap)
{
    struct segment **link = &heap->segments, *previous = NULL;
    while (*link) {
        struct segment *segment = *link;
        struct free_block *tail = tail_free_block(segment);
        if (tail && (uintptr_t)tail == segment->first_block && segment != heap->segments) {
            free_list_remove(heap, tail);
            *link = segment->next;
            if (heap->last_segment == segment)
                heap->last_segment = previous;
            segment_release(segment);
            continue;
        }
        if (tail) {
            size_t keep = (uintptr_t)tail + HEAP_MIN_BLOCK + SEGMENT_END_GAP - segment->base;
            keep = (keep + HEAP_PAGE - 1) & ~(size_t)(HEAP_PAGE - 1);
            if (segment == heap->segments && keep < HEAP_INITIAL_COMMIT)
                keep = HEAP_INITIAL_COMMIT;
            if (segment->committed > keep &&
                VirtualFree((void *)(segment->base + keep), segment->committed - keep, MEM_DECOMMIT)) {
                free_list_remove(heap, tail);
                __atomic_store_n(&segment->committed, keep, __ATOMIC_RELEASE);
                make_free(heap, segment, (uintptr_t)tail, blocks_end(segment) - (uintptr_t)tail);
            }
        }
        previous = segment;
        link = &segment->next;
    }

    size_t largest = 0;
    for (unsigned index = FREE_LISTS; index-- > 0;) {
        for (struct free_block *block = heap->free_lists[index]; block; block = block->next)
            if (block->header.size > largest)
                largest = block->header.size;
        if (largest)
            break;
    }
    return largest ? largest - HEAP_BLOCK_HEADER : 0;
}

/* ---- validation ---------------------------------------------------------- */

/* Every block of the segment well formed, tiling it exactly, with the busy
 * bitmap, the PREV_FREE flags and the free lists all agreeing. */
bool backend_validate_segment(const struct segment *segment, size_t *free_blocks)
{
    uintptr_t end = blocks_end(segment), at = segment->first_block;
    bool previous_free = false;
    size_t busy = 0;
    while (at < end) {
        const struct block *block = (const struct block *)at;
        if (block->size < HEAP_MIN_BLOCK || block->size % HEAP_ALIGN || at + block->size > end)
            return false;
        if (((__atomic_load_n(&block->flags, __ATOMIC_RELAXED) & BLOCK_FLAG_PREV_FREE) != 0) != previous_free)
            return false;
        uintptr_t data = at + HEAP_BLOCK_HEADER;
        if (block->type == BLOCK_FREE) {
            if (previous_free || *(const uint64_t *)(at + block->size - sizeof(uint64_t)) != block->size ||
                busy_bit(segment, data))
                return false;
            if (free_checking(segment->heap) &&
                !filled(at + FREE_HEAD, at + block->size - sizeof(uint64_t), FREE_FILL))
                return false;
            ++*free_blocks;
            previous_free = true;
        } else if (block->type == BLOCK_BUSY) {
            if (!busy_bit(segment, data) || block->tail > block->size - HEAP_BLOCK_HEADER ||
                !backend_tail_intact(segment->heap, block))
                return false;
            if ((block->flags & BLOCK_FLAG_GROUP) && !lfh_validate_group((struct lfh_group *)data))
                return false;
            busy++;
            previous_free = false;
        } else {
            return false;
        }
        at += block->size;
    }
    if (at != end || segment->end_prev_free != previous_free)
        return false;
    /* No stray bits: exactly one per busy block. */
    size_t bits = 0;
    for (size_t word = 0; word < bitmap_bytes(segment_committed(segment)) / sizeof(uint64_t); word++)
        bits += (size_t)__builtin_popcountll(__atomic_load_n(&segment->busy_bits[word], __ATOMIC_RELAXED));
    return bits == busy;
}

/* Every listed block is a free block of this heap, filed where its size
 * says; the count of them, which must match the free blocks the segments
 * hold (so nothing is listed twice or missing).  SIZE_MAX when broken. */
size_t backend_free_list_length(const struct heap *heap, size_t limit)
{
    size_t count = 0;
    for (unsigned index = 0; index < FREE_LISTS; index++) {
        bool listed = (heap->nonempty[index / 64] >> (index % 64)) & 1;
        if (listed != (heap->free_lists[index] != NULL))
            return SIZE_MAX;
        for (const struct free_block *block = heap->free_lists[index]; block; block = block->next) {
            const struct segment *segment = segment_at((uintptr_t)block);
            if (!segment || segment->heap != heap || (uintptr_t)block < segment->first_block ||
                (uintptr_t)block >= blocks_end(segment) || count == limit)
                return SIZE_MAX;
            if (block->header.type != BLOCK_FREE || free_list_index(block->header.size) != index ||
                (block->next && block->next->prev != block))
                return SIZE_MAX;
            count++;
        }
    }
    return count;
}
