/* HeapWalk and HeapValidate.
 *
 * HeapWalk keeps no state between calls: the entry it returned last says
 * where it is (a region at a segment's base, a block at its data, the
 * uncommitted range at the committed end, a large block in region 64), so
 * each step is O(1).  Per segment it reports the region, its blocks in
 * address order (a front-end group as its slots, busy or free), and the
 * uncommitted rest; then the large blocks. */
#include "config.h"

#include <string.h>

#include "error.h"
#include "heap.h"

/* Where a free ordinary block's entry points: past its header and links.
 * cbOverhead is the bookkeeping, and cbData is counted as Windows counts
 * it: the entry's data, its data size and twice its overhead reach the
 * next entry (fact 99), the uncommitted range after the last block. */
#define FREE_ENTRY_OFFSET (HEAP_BLOCK_HEADER + 2 * sizeof(void *))
#define WALK_PREFETCH 4

static size_t free_entry_size(const struct segment *segment, uintptr_t at, size_t size)
{
    uintptr_t next = at + size == blocks_end(segment) ? segment->base + segment_committed(segment) : at + size;
    uintptr_t data = at + FREE_ENTRY_OFFSET;
    return next - data > 2 * HEAP_MIN_BLOCK ? next - data - 2 * HEAP_MIN_BLOCK : 0;
}

static void fill(PROCESS_HEAP_ENTRY *entry, uintptr_t data, size_t size, unsigned overhead, unsigned region,
                 WORD flags)
{
    memset(entry, 0, sizeof(*entry));
    entry->lpData = (void *)data;
    entry->cbData = (DWORD)size;
    entry->cbOverhead = (BYTE)overhead;
    entry->iRegionIndex = (BYTE)region;
    entry->wFlags = flags;
}

static unsigned region_index(unsigned ordinal)
{
    return ordinal < HEAP_LARGE_REGION ? ordinal : HEAP_LARGE_REGION - 1;
}

static BOOL large_entry(struct large_block *large, PROCESS_HEAP_ENTRY *entry)
{
    if (!large)
        return failure(ERROR_NO_MORE_ITEMS);
    fill(entry, (uintptr_t)large_data(large), large->size, 0, HEAP_LARGE_REGION, PROCESS_HEAP_ENTRY_BUSY);
    return TRUE;
}

static BOOL region_entry(struct heap *heap, struct segment *segment, unsigned ordinal, PROCESS_HEAP_ENTRY *entry)
{
    if (!segment)
        return large_entry(heap->large, entry);
    size_t committed = segment_committed(segment);
    fill(entry, segment->base, segment->first_block - segment->base, 0, region_index(ordinal),
         PROCESS_HEAP_REGION);
    entry->Region.dwCommittedSize = (DWORD)committed;
    entry->Region.dwUnCommittedSize = (DWORD)(segment->reserved - committed);
    entry->Region.lpFirstBlock = (void *)segment->first_block;
    entry->Region.lpLastBlock = (void *)(segment->base + segment->reserved);
    return TRUE;
}

static BOOL slot_entry(struct heap *heap, struct lfh_group *group, unsigned index, unsigned ordinal,
                       PROCESS_HEAP_ENTRY *entry)
{
    uintptr_t data = (uintptr_t)slot_data(group, index);
    heap->walk_slot = data;
    heap->walk_group = group;
    heap->walk_index = index;
    /* A walk reads the slots' headers in order, each a cache miss of its
     * own: ask for the ones a few calls ahead now. */
    if (index + WALK_PREFETCH < group->count)
        __builtin_prefetch(block_of(slot_data(group, index + WALK_PREFETCH)));
    if (lfh_slot_busy(group, index))
        fill(entry, data, lfh_slot_size(group, index), HEAP_BLOCK_HEADER, region_index(ordinal),
             PROCESS_HEAP_ENTRY_BUSY);
    else
        fill(entry, data, group->stride - HEAP_BLOCK_HEADER, HEAP_BLOCK_HEADER, region_index(ordinal), 0);
    return TRUE;
}

/* The entry for whatever starts at address `at` of the segment. */
static BOOL entry_at(struct heap *heap, struct segment *segment, unsigned ordinal, uintptr_t at,
                     PROCESS_HEAP_ENTRY *entry)
{
    uintptr_t end = blocks_end(segment);
    if (at >= end) {
        size_t committed = segment_committed(segment);
        if (committed == segment->reserved || at > end)
            return region_entry(heap, segment->next, ordinal + 1, entry);
        fill(entry, segment->base + committed, segment->reserved - committed, 0, region_index(ordinal),
             PROCESS_HEAP_UNCOMMITTED_RANGE);
        return TRUE;
    }
    const struct block *block = (const struct block *)at;
    if (block->size < HEAP_MIN_BLOCK || block->size % HEAP_ALIGN || at + block->size > end)
        return failure(ERROR_INVALID_PARAMETER);    /* a smashed header */
    if (block->type == BLOCK_FREE) {
        fill(entry, at + FREE_ENTRY_OFFSET, free_entry_size(segment, at, block->size), HEAP_MIN_BLOCK,
             region_index(ordinal), 0);
        return TRUE;
    }
    if (block->type != BLOCK_BUSY)
        return failure(ERROR_INVALID_PARAMETER);
    if (block->flags & BLOCK_FLAG_GROUP)
        return slot_entry(heap, (struct lfh_group *)(block + 1), 0, ordinal, entry);
    size_t usable = backend_block_usable(block);
    fill(entry, (uintptr_t)(block + 1), usable, block->size - usable, region_index(ordinal),
         PROCESS_HEAP_ENTRY_BUSY);
    return TRUE;
}

static struct segment *own_segment(struct heap *heap, uintptr_t address)
{
    struct segment *segment = segment_at(address);
    return segment && segment->heap == heap ? segment : NULL;
}

/* The group of the slot at data.  When data is the slot this heap's walk
 * returned last, its group only needs to still be one (HeapCompact may have
 * given it back) holding that slot: the slot's own header, a cache miss of
 * its own, is not read. */
static struct lfh_group *walked_slot_group(struct heap *heap, const struct segment *segment, uintptr_t data,
                                           unsigned *index)
{
    struct lfh_group *group = heap->walk_group;
    if (data == heap->walk_slot && group && (uintptr_t)group >= segment->first_block + HEAP_BLOCK_HEADER &&
        (uintptr_t)group < blocks_end(segment) && busy_bit(segment, (uintptr_t)group)) {
        const struct block *block = block_of(group);
        if (block->type == BLOCK_BUSY && (__atomic_load_n(&block->flags, __ATOMIC_RELAXED) & BLOCK_FLAG_GROUP) &&
            group->key == lfh_group_key(group) && heap->walk_index < group->count &&
            (uintptr_t)slot_data(group, heap->walk_index) == data) {
            *index = heap->walk_index;
            return group;
        }
    }
    return lfh_slot_group(segment, data, index);
}

static BOOL walk_next(struct heap *heap, PROCESS_HEAP_ENTRY *entry)
{
    uintptr_t data = (uintptr_t)entry->lpData;
    if (!data)
        return region_entry(heap, heap->segments, 0, entry);
    unsigned ordinal = entry->iRegionIndex;
    if (ordinal == HEAP_LARGE_REGION && (entry->wFlags & PROCESS_HEAP_ENTRY_BUSY)) {
        struct large_block *large = large_at(heap, data);
        if (!large || large->heap != heap)
            return failure(ERROR_INVALID_PARAMETER);
        return large_entry(large->next, entry);
    }
    struct segment *segment = own_segment(heap, data);
    if (!segment)
        return failure(ERROR_INVALID_PARAMETER);
    if (entry->wFlags & PROCESS_HEAP_REGION)
        return entry_at(heap, segment, ordinal, segment->first_block, entry);
    if (entry->wFlags & PROCESS_HEAP_UNCOMMITTED_RANGE)
        return region_entry(heap, segment->next, ordinal + 1, entry);
    unsigned index;
    struct lfh_group *group = walked_slot_group(heap, segment, data, &index);
    if (group) {
        if (index + 1 < group->count)
            return slot_entry(heap, group, index + 1, ordinal, entry);
        const struct block *block = block_of(group);
        return entry_at(heap, segment, ordinal, (uintptr_t)block + block->size, entry);
    }
    uintptr_t start = data - (entry->wFlags & PROCESS_HEAP_ENTRY_BUSY ? HEAP_BLOCK_HEADER : FREE_ENTRY_OFFSET);
    if (start < segment->first_block || start >= blocks_end(segment))
        return failure(ERROR_INVALID_PARAMETER);
    const struct block *block = (const struct block *)start;
    if (block->size < HEAP_MIN_BLOCK || block->size % HEAP_ALIGN)
        return failure(ERROR_INVALID_PARAMETER);
    return entry_at(heap, segment, ordinal, start + block->size, entry);
}

BOOL WINAPI HeapWalk(HANDLE handle, LPPROCESS_HEAP_ENTRY entry)
{
    if (!entry)
        return failure(ERROR_INVALID_PARAMETER);
    struct heap *heap = heap_from_handle(handle);
    if (!heap)
        return failure(ERROR_INVALID_HANDLE);
    DWORD flags = heap->flags & HEAP_CALL_FLAGS;
    heap_enter(heap, flags);
    BOOL found = walk_next(heap, entry);
    heap_leave(heap, flags);
    return found;
}

/* The caller holds the heap. */
bool heap_validate_all(struct heap *heap)
{
    size_t free_blocks = 0;
    for (struct segment *segment = heap->segments; segment; segment = segment->next)
        if (segment->heap != heap || !backend_validate_segment(segment, &free_blocks))
            return false;
    if (backend_free_list_length(heap, free_blocks) != free_blocks)
        return false;
    for (struct large_block *large = heap->large; large; large = large->next)
        if (large->magic != LARGE_MAGIC || large->heap != heap || large_at(heap, (uintptr_t)large) != large ||
            large->size + HEAP_LARGE_HEADER > large->reserved || large->dirty + HEAP_LARGE_HEADER > large->reserved ||
            (large->next && large->next->prev != large))
            return false;
    return true;
}

static bool valid_block(struct heap *heap, const void *data)
{
    struct located where = heap_locate(heap, data);
    switch (where.kind) {
    case SLOT_BLOCK:
        return lfh_slot_busy(where.group, where.index);
    case ORDINARY_BLOCK: {
        const struct block *block = heap_ordinary_block(&where, data);
        return block && backend_tail_intact(heap, block);
    }
    case LARGE_BLOCK:
        return where.large->magic == LARGE_MAGIC && where.large->heap == heap;
    case NOT_A_BLOCK:
        break;
    }
    return false;
}

/* Leaves the last error alone when the heap or the block is bad, as on
 * Windows: the answer is the return value. */
BOOL WINAPI HeapValidate(HANDLE handle, DWORD flags, LPCVOID data)
{
    struct heap *heap = heap_from_handle(handle);
    if (!heap)
        return FALSE;
    flags |= heap->flags & HEAP_CALL_FLAGS;
    /* The common case, a slot, in as few instructions as it takes: a loop
     * over many blocks waits on their headers, and the fewer instructions
     * each call has, the more of those reads the processor has in flight. */
    struct lfh_cache *cache = data && !(flags & HEAP_NO_SERIALIZE) ? lfh_my_cache(heap) : NULL;
    int busy = cache ? lfh_slot_busy_in_flight(heap, cache, data) : -1;
    if (busy >= 0)
        return busy;
    heap_enter(heap, flags);
    bool valid = data ? valid_block(heap, data) : heap_validate_all(heap);
    heap_leave(heap, flags);
    if (!valid && !data)
        heap_corruption_found(heap);
    return valid;
}
