/* The low-fragmentation front end: size bins of equal slots, as Windows' LFH.
 *
 * A bin switches on after LFH_ACTIVATION allocations of its size (Windows
 * does so after 17 in a row; Wine after more than 16), and only in growable,
 * serialized heaps without debug checks, as on Windows.  From then on its
 * requests come from groups: one ordinary block holding up to 64 slots of one
 * stride, each with an 8-byte header that names its group, and a 64-bit
 * word of free bits that threads claim and release with atomic operations.
 *
 * Each thread uses one of LFH_AFFINITIES affinity slots, which holds its
 * active group per bin.  Entering an affinity slot is one atomic exchange
 * that excludes nobody but HeapLock, which takes every slot; so the common
 * alloc and free take no lock shared with other threads, and a free from
 * another thread touches only the group's word.  Changing which group is
 * active, or carving a new group, takes the heap lock.  Either the affinity
 * slot or the heap lock suffices to touch free bits; HeapLock holds both. */
#include "config.h"

#include <sched.h>
#include <string.h>

#include "fork.h"
#include "heap.h"
#include "pool.h"
#include "inject.h"

static pthread_mutex_t lfh_pool_lock = PTHREAD_MUTEX_INITIALIZER;
FORK_HOOKS(lfh_pool, lfh_pool_lock)
static struct pool lfh_pool = POOL_INIT(struct lfh);

static __thread unsigned thread_affinity __attribute__((tls_model("initial-exec")));
static unsigned next_affinity;

#define GROUP_BYTES 0x20000u

static unsigned bin_stride(int bin)
{
    if (bin < 31)
        return (unsigned)(bin + 2) * HEAP_ALIGN;
    unsigned log = 9 + (unsigned)(bin - 31) / 4, step = (unsigned)(bin - 31) % 4 + 1;
    return (1u << log) + step * (1u << (log - 2));
}

static unsigned group_slots(unsigned stride)
{
    unsigned count = GROUP_BYTES / stride;
    return count > LFH_GROUP_SLOTS ? LFH_GROUP_SLOTS : count;
}

static uint64_t all_slots(unsigned count)
{
    return count == 64 ? ~(uint64_t)0 : ((uint64_t)1 << count) - 1;
}

int lfh_bin(size_t size)
{
    size_t stride = block_size_for(size);
    if (stride <= 512)
        return (int)(stride / HEAP_ALIGN) - 2;
    unsigned log = 63 - (unsigned)__builtin_clzll(stride - 1);
    return 31 + (int)(log - 9) * 4 + (int)(((stride - 1) - ((size_t)1 << log)) >> (log - 2));
}

static struct lfh_affinity *my_affinity(struct lfh *lfh)
{
    unsigned affinity = thread_affinity;
    if (!affinity)
        thread_affinity = affinity = __atomic_fetch_add(&next_affinity, 1, __ATOMIC_RELAXED) % LFH_AFFINITIES + 1;
    return &lfh->affinity[affinity - 1];
}

static bool affinity_enter(struct lfh_affinity *affinity)
{
    return !__atomic_exchange_n(&affinity->busy, 1, __ATOMIC_ACQUIRE);
}

static void affinity_leave(struct lfh_affinity *affinity)
{
    __atomic_store_n(&affinity->busy, 0, __ATOMIC_RELEASE);
}

void lfh_lock_all(struct heap *heap)
{
    struct lfh *lfh = __atomic_load_n(&heap->lfh, __ATOMIC_ACQUIRE);
    if (!lfh)
        return;
    for (int i = 0; i < LFH_AFFINITIES; i++)
        while (!affinity_enter(&lfh->affinity[i]))
            sched_yield();      /* a thread is inside; it never waits while there */
}

void lfh_unlock_all(struct heap *heap)
{
    struct lfh *lfh = __atomic_load_n(&heap->lfh, __ATOMIC_ACQUIRE);
    if (!lfh)
        return;
    for (int i = 0; i < LFH_AFFINITIES; i++)
        affinity_leave(&lfh->affinity[i]);
}

/* The caller holds the heap. */
bool lfh_try_activate(struct heap *heap, int bin)
{
    if (heap->bin_allocations[bin] < LFH_ACTIVATION) {
        heap->bin_allocations[bin]++;
        return false;
    }
    if (!heap->lfh) {
        pthread_mutex_lock(&lfh_pool_lock);
        struct lfh *lfh = pool_alloc(&lfh_pool);
        pthread_mutex_unlock(&lfh_pool_lock);
        if (!lfh)
            return false;
        memset(lfh, 0, sizeof(*lfh));
        __atomic_store_n(&heap->lfh, lfh, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&heap->compat, 2, __ATOMIC_RELAXED);
    __atomic_store_n(&heap->bin_active[bin], 1, __ATOMIC_RELEASE);
    return true;
}

void lfh_destroy(struct heap *heap)
{
    if (!heap->lfh)
        return;
    pthread_mutex_lock(&lfh_pool_lock);
    pool_free(&lfh_pool, heap->lfh);
    pthread_mutex_unlock(&lfh_pool_lock);
    heap->lfh = NULL;
}

static int claim(struct lfh_group *group)
{
    uint64_t bits = __atomic_load_n(&group->free_bits, __ATOMIC_RELAXED);
    while (bits) {
        unsigned index = (unsigned)__builtin_ctzll(bits);
        if (__atomic_compare_exchange_n(&group->free_bits, &bits, bits & ~((uint64_t)1 << index), true,
                                        __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return (int)index;
    }
    return -1;
}

void lfh_set_slot_size(struct lfh_group *group, unsigned index, size_t size)
{
    struct block *header = block_of(slot_data(group, index));
    __atomic_store_n(&header->tail, (uint16_t)(group->stride - HEAP_BLOCK_HEADER - size), __ATOMIC_RELAXED);
}

size_t lfh_slot_size(struct lfh_group *group, unsigned index)
{
    struct block *header = block_of(slot_data(group, index));
    return group->stride - HEAP_BLOCK_HEADER - __atomic_load_n(&header->tail, __ATOMIC_RELAXED);
}

bool lfh_slot_busy(const struct lfh_group *group, unsigned index)
{
    return !((__atomic_load_n(&group->free_bits, __ATOMIC_ACQUIRE) >> index) & 1);
}

/* The caller holds the heap. */
static struct lfh_group *new_group(struct heap *heap, int bin)
{
    unsigned stride = bin_stride(bin), count = group_slots(stride);
    struct lfh_group *group = backend_alloc(heap, LFH_GROUP_HEADER - HEAP_BLOCK_HEADER + (size_t)count * stride);
    if (!group)
        return NULL;
    block_of(group)->flags |= BLOCK_FLAG_GROUP;
    *group = (struct lfh_group){
        .free_bits = all_slots(count), .magic = GROUP_MAGIC, .bin = (uint16_t)bin,
        .count = (uint16_t)count, .stride = stride, .heap = heap, .next = heap->lfh->groups,
    };
    if (group->next)
        group->next->prev = group;
    heap->lfh->groups = group;
    for (unsigned i = 0; i < count; i++) {
        struct block *header = block_of(slot_data(group, i));
        *header = (struct block){
            .size = (uint32_t)((uintptr_t)header - (uintptr_t)group),
            .tail = (uint16_t)(stride - HEAP_BLOCK_HEADER), .type = BLOCK_SLOT,
        };
    }
    return group;
}

/* The caller holds the heap: make a group with a free slot active. */
static void *alloc_locked(struct heap *heap, struct lfh_affinity *affinity, int bin, size_t size)
{
    struct lfh *lfh = heap->lfh;
    for (;;) {
        struct lfh_group *group = __atomic_load_n(&affinity->active[bin], __ATOMIC_ACQUIRE);
        int index = group ? claim(group) : -1;
        if (index >= 0) {
            lfh_set_slot_size(group, (unsigned)index, size);
            return slot_data(group, (unsigned)index);
        }
        group = NULL;
        while (lfh->partial[bin] && !group) {
            struct lfh_group *candidate = lfh->partial[bin];
            lfh->partial[bin] = candidate->next_partial;
            candidate->listed = FALSE;
            if (__atomic_load_n(&candidate->free_bits, __ATOMIC_RELAXED))
                group = candidate;
        }
        if (!group && !(group = new_group(heap, bin)))
            return NULL;
        __atomic_store_n(&affinity->active[bin], group, __ATOMIC_RELEASE);
    }
}

void *lfh_alloc(struct heap *heap, int bin, size_t size, DWORD flags)
{
    struct lfh *lfh = __atomic_load_n(&heap->lfh, __ATOMIC_ACQUIRE);
    struct lfh_affinity *affinity = my_affinity(lfh);
    bool serialize = !(flags & HEAP_NO_SERIALIZE);
    if (!serialize || affinity_enter(affinity)) {
        struct lfh_group *group = __atomic_load_n(&affinity->active[bin], __ATOMIC_ACQUIRE);
        int index = group ? claim(group) : -1;
        if (index >= 0)
            lfh_set_slot_size(group, (unsigned)index, size);
        if (serialize)
            affinity_leave(affinity);
        if (index >= 0)
            return slot_data(group, (unsigned)index);
    }
    heap_enter(heap, flags);
    void *data = alloc_locked(heap, affinity, bin, size);
    heap_leave(heap, flags);
    return data;
}

BOOL lfh_free(struct heap *heap, struct lfh_group *group, unsigned index, DWORD flags)
{
    struct lfh_affinity *affinity = my_affinity(__atomic_load_n(&heap->lfh, __ATOMIC_ACQUIRE));
    bool serialize = !(flags & HEAP_NO_SERIALIZE);
    bool locked = serialize && !affinity_enter(affinity);
    if (locked)
        heap_enter(heap, flags);
    uint64_t bit = (uint64_t)1 << index;
    uint64_t previous = __atomic_fetch_or(&group->free_bits, bit, __ATOMIC_ACQ_REL);
    if (serialize && !locked)
        affinity_leave(affinity);
    if (previous & bit) {
        if (locked)
            heap_leave(heap, flags);
        return FALSE;           /* already free: a double free changes nothing */
    }
    if (!previous) {
        /* The group was full, so no list has it: offer it again. */
        if (!locked)
            heap_enter(heap, flags);
        if (!group->listed) {
            group->listed = TRUE;
            group->next_partial = heap->lfh->partial[group->bin];
            heap->lfh->partial[group->bin] = group;
        }
        locked = true;
    }
    if (locked)
        heap_leave(heap, flags);
    return TRUE;
}

struct lfh_group *lfh_slot_group(const struct segment *segment, uintptr_t data, unsigned *index)
{
    if (data % HEAP_ALIGN || data < segment->first_block + LFH_GROUP_HEADER + HEAP_BLOCK_HEADER ||
        data >= blocks_end(segment))
        return NULL;
    const struct block *header = block_of((void *)data);
    if (header->type != BLOCK_SLOT || header->size > (uintptr_t)header - segment->first_block)
        return NULL;
    uintptr_t start = (uintptr_t)header - header->size;
    if (start % HEAP_ALIGN || !busy_bit(segment, start))
        return NULL;
    const struct block *block = block_of((void *)start);
    if (block->type != BLOCK_BUSY || !(__atomic_load_n(&block->flags, __ATOMIC_RELAXED) & BLOCK_FLAG_GROUP))
        return NULL;
    struct lfh_group *group = (struct lfh_group *)start;
    size_t offset = data - start - LFH_GROUP_HEADER;
    if (group->magic != GROUP_MAGIC || offset % group->stride || offset / group->stride >= group->count)
        return NULL;
    *index = (unsigned)(offset / group->stride);
    return group;
}

bool lfh_validate_group(struct lfh_group *group)
{
    if (group->magic != GROUP_MAGIC || group->bin >= LFH_BINS || group->stride != bin_stride(group->bin) ||
        group->count != group_slots(group->stride) ||
        block_of(group)->size < LFH_GROUP_HEADER + (size_t)group->count * group->stride ||
        (__atomic_load_n(&group->free_bits, __ATOMIC_RELAXED) & ~all_slots(group->count)))
        return false;
    for (unsigned i = 0; i < group->count; i++) {
        const struct block *header = block_of(slot_data(group, i));
        if (header->type != BLOCK_SLOT || header->size != (uintptr_t)header - (uintptr_t)group ||
            __atomic_load_n(&header->tail, __ATOMIC_RELAXED) > group->stride - HEAP_BLOCK_HEADER)
            return false;
    }
    return true;
}

/* With every affinity slot and the heap held: gives the groups no slot of
 * which is in use back to the back end, and rebuilds the partial lists. */
size_t lfh_release_empty_groups(struct heap *heap)
{
    struct lfh *lfh = heap->lfh;
    if (!lfh)
        return 0;
    size_t released = 0;
    memset(lfh->partial, 0, sizeof(lfh->partial));
    for (struct lfh_group *group = lfh->groups, *next; group; group = next) {
        next = group->next;
        uint64_t bits = __atomic_load_n(&group->free_bits, __ATOMIC_RELAXED);
        if (bits == all_slots(group->count)) {
            for (int i = 0; i < LFH_AFFINITIES; i++)
                if (lfh->affinity[i].active[group->bin] == group)
                    __atomic_store_n(&lfh->affinity[i].active[group->bin], NULL, __ATOMIC_RELAXED);
            if (group->prev)
                group->prev->next = group->next;
            else
                lfh->groups = group->next;
            if (group->next)
                group->next->prev = group->prev;
            backend_free(heap, segment_at((uintptr_t)group), block_of(group));
            released++;
        } else {
            group->listed = bits != 0;
            if (bits) {
                group->next_partial = lfh->partial[group->bin];
                lfh->partial[group->bin] = group;
            }
        }
    }
    return released;
}
