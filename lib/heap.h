/* The Win32 heap: shared layout and the calls between its parts.
 *
 * A heap is a list of segments (64 KiB-aligned VirtualAlloc reservations,
 * committed from the bottom up) plus a list of large blocks (one VirtualAlloc
 * each).  The heap structure sits at the start of its first segment, so the
 * handle is that segment's base (64 KiB aligned, as on Windows).
 *
 * Ordinary blocks ("the back end") tile each segment's committed part: an
 * 8-byte header, then the data, 16-byte aligned, as in Windows and Wine.
 * Free blocks coalesce and sit on log-linear free lists.  A process-wide
 * radix map from 64 KiB granules to segments and large blocks, and a bitmap
 * per segment marking where busy blocks' data begins, let every call decide
 * in O(1), without trusting anything the caller can overwrite, whether a
 * pointer is a live block of a given heap.
 *
 * Small sizes whose bin has seen enough allocations switch to the
 * low-fragmentation front end (lfh): groups of equal slots carved out of one
 * ordinary block, each owned by one thread's cache, so that the common
 * HeapAlloc/HeapFree takes no lock and no atomic read-modify-write, and a
 * free from another thread is one atomic OR that never takes a lock. */
#ifndef W32MEM_HEAP_H
#define W32MEM_HEAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <windows.h>

#define HEAP_ALIGN            16u           /* 2 * sizeof(void *) */
#define HEAP_BLOCK_HEADER     8u
#define HEAP_MIN_BLOCK        32u           /* header, two links, footer */
#define HEAP_GRANULE_SHIFT    16            /* 64 KiB: segments and the map */
#define HEAP_GRANULE          ((size_t)1 << HEAP_GRANULE_SHIFT)
#define HEAP_PAGE             0x1000u
/* Requests of this many bytes or more get their own allocation (x64). */
#define HEAP_LARGE_THRESHOLD  ((size_t)0xFF000)
/* A fixed-size heap's largest block is its reservation minus 0xC00 bytes
 * (0x400 + 0x100 * sizeof(void *)): its first block starts this far in (the
 * heap structure comes first), and the last 8 bytes of every segment's
 * committed part are a gap, because blocks start at 8 mod 16. */
#define HEAP_FIXED_OVERHEAD   0xC00u
#define HEAP_HEADER_SIZE      0xBE8u
#define SEGMENT_END_GAP       8u
/* An empty growable heap commits this much (0x400 * sizeof(void *)). */
#define HEAP_INITIAL_COMMIT   0x2000u
#define HEAP_FIRST_GROW       ((size_t)0x100000)
#define HEAP_MAX_GROW         ((size_t)0xFD0000)
#define HEAP_MAX_SEGMENT      ((size_t)0xFFFF0000)  /* block sizes fit 32 bits */
#define HEAP_COMMIT_STEP      ((size_t)0x10000)
#define HEAP_LARGE_HEADER     64u           /* large data is 64 mod 128 aligned */
#define HEAP_LARGE_REGION     64            /* HeapWalk's iRegionIndex for large blocks */
#define HEAP_TAIL_CHECK       16u           /* bytes of 0xAB, at least, after a block with tail checking */

#define HEAP_MAGIC            0x48656170u   /* "Heap" */
#define HEAP_DEAD             0x44656164u
#define LARGE_MAGIC           0x4C617267u

/* ---- blocks -------------------------------------------------------------- */

enum block_type { BLOCK_BUSY = 0xB5, BLOCK_FREE = 0xF7, BLOCK_SLOT = 0x5C };

#define BLOCK_FLAG_PREV_FREE  0x01          /* the block before this one is free */
#define BLOCK_FLAG_GROUP      0x02          /* a busy block that holds an lfh group */
#define BLOCK_FLAG_PURGED     0x04          /* a free block whose inner pages were given back */
#define BLOCK_AGE_SHIFT       4             /* bits 4-5: purge passes a free block has seen */
#define BLOCK_AGE_MASK        0x30

struct block {
    uint32_t size;      /* ordinary: whole block in bytes; slot: offset from its group */
    uint16_t tail;      /* busy: bytes past the requested size */
    uint8_t type;       /* enum block_type */
    uint8_t flags;      /* ordinary: BLOCK_FLAG_*; slot: its index in the group */
};

struct free_block {
    struct block header;
    struct free_block *next, *prev;
    /* ... and the size again in the last 8 bytes (the footer). */
};

/* The whole block an ordinary request of size bytes needs. */
static inline size_t block_size_for(size_t size)
{
    return ((size < 16 ? 16 : size) + HEAP_BLOCK_HEADER + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1);
}

static inline struct block *block_of(const void *data)
{
    return (struct block *)((uintptr_t)data - HEAP_BLOCK_HEADER);
}

/* ---- segments ------------------------------------------------------------ */

struct heap;

/* Kept outside the segment (mapped separately), so that a fixed-size heap's
 * capacity is its own and nothing the heap's user writes can reach it. */
struct segment {
    uintptr_t base;
    size_t reserved;            /* bytes reserved from base */
    size_t committed;           /* bytes committed from base (atomic) */
    uintptr_t first_block;
    struct heap *heap;          /* owner (atomic); NULL while cached */
    struct segment *next;       /* the heap's segments in creation order */
    size_t meta_size;
    DWORD protect;
    BOOL end_prev_free;         /* the last committed block is free */
    /* Entry k, for the KiB at base + k KiB, says where the front-end groups
     * there begin: the group that begins inside it (low half: 1 + its offset
     * in the KiB in 16-byte units, or 0), and the group its first byte
     * belongs to (high half: 1 + how far before the KiB that one begins, in
     * 16-byte units, or 0).  Every group is over a KiB, so no KiB has two
     * beginning inside it. */
    uint32_t *group_map;
    /* Last, so that every back-end call finds it with no load of a pointer. */
    uint64_t busy_bits[];       /* bit n: a busy ordinary block's data starts at base + 16n */
};

#define GROUP_MAP_KIB_SHIFT 10u
#define GROUP_MAP_KIB (1u << GROUP_MAP_KIB_SHIFT)

/* From the entry of the KiB at kib: where the group that begins inside it
 * begins, and where the one its first byte belongs to begins; 0 for none. */
static inline uintptr_t group_map_begins(uintptr_t kib, uint32_t entry)
{
    return entry & 0xFFFF ? kib + ((entry & 0xFFFF) - 1) * HEAP_ALIGN : 0;
}

static inline uintptr_t group_map_covers(uintptr_t kib, uint32_t entry)
{
    return entry >> 16 ? kib - ((entry >> 16) - 1) * HEAP_ALIGN : 0;
}

static inline bool busy_bit(const struct segment *segment, uintptr_t data)
{
    size_t n = (data - segment->base) / HEAP_ALIGN;
    return (__atomic_load_n(&segment->busy_bits[n / 64], __ATOMIC_RELAXED) >> (n % 64)) & 1;
}

static inline size_t segment_committed(const struct segment *segment)
{
    return __atomic_load_n(&segment->committed, __ATOMIC_ACQUIRE);
}

/* Where the blocks tiling the committed part end. */
static inline uintptr_t blocks_end(const struct segment *segment)
{
    return segment->base + segment_committed(segment) - SEGMENT_END_GAP;
}

/* ---- large blocks -------------------------------------------------------- */

struct large_block {            /* at the base of its own allocation */
    uint32_t magic;
    DWORD protect;
    struct heap *heap;
    size_t size;                /* requested */
    size_t dirty;               /* data bytes that may not be zero: the most any user had */
    size_t reserved;            /* the whole allocation: granules, all committed */
    struct large_block *next, *prev;
    uint64_t unused;
};

static inline void *large_data(struct large_block *large)
{
    return (char *)large + HEAP_LARGE_HEADER;
}

/* ---- low-fragmentation front end ---------------------------------------- */

#define LFH_MAX_SIZE        16368u      /* largest request the front end serves */
#define LFH_BINS            51
#define LFH_GROUP_SLOTS     64
#define LFH_ACTIVATION      0x11        /* a bin switches on after this many allocations */
#define LFH_GROUP_HEADER    80u

struct lfh_cache;

/* A slot is free when its bit is set in local_free or remote_free.  Only the
 * owning cache's thread changes local_free (plain loads and stores, atomic
 * only so that HeapWalk may read it); any other thread frees with one atomic
 * OR into remote_free, which the owner takes over in bulk. */
struct lfh_group {              /* at the start of a busy ordinary block's data */
    uint64_t local_free;
    uint64_t remote_free;       /* atomic */
    uint32_t key;               /* lfh_group_key while the group lives, then another value */
    uint16_t bin;
    uint16_t count;
    uint16_t stride;
    uint8_t listed;             /* owner only: on the owner's available list */
    uint32_t stride_inverse;    /* ceil(2^32 / stride): n / stride is n * it >> 32 within a group */
    struct lfh_cache *owner;    /* fixed for the group's life */
    struct lfh_group *next_available;   /* owner only */
    struct lfh_group *next_pending;     /* on the owner's pending stack */
    struct lfh_group *next_of_bin;      /* owner only: its groups of the bin, newest first */
};

_Static_assert(sizeof(struct lfh_group) <= LFH_GROUP_HEADER - HEAP_BLOCK_HEADER,
               "a group's header ends where its first slot's begins");

/* Random for the process, set before any heap exists (lfh_barrier_ready). */
extern uint32_t lfh_key_secret;

/* What a group at this address holds in its key.  Block data can copy a
 * group's header, but not make a key for its own address without the
 * secret, as Windows' LFH encodes its headers with a random key. */
static inline uint32_t lfh_group_key(const void *group)
{
    return (uint32_t)((uintptr_t)group >> 4) ^ __atomic_load_n(&lfh_key_secret, __ATOMIC_RELAXED);
}

/* One thread's front end on one heap. */
struct lfh_cache {
    int in_flight;              /* atomic: the thread is inside a lock-free operation */
    uintptr_t thread;           /* atomic: the owning thread's token; 0 once it has exited */
    struct heap *heap;
    uint64_t heap_id;           /* atomic; 0 once the heap is destroyed */
    struct lfh_group *pending;  /* atomic: groups that got remote frees since drained */
    struct lfh_cache *next;     /* every cache of the heap */
    struct lfh_group *available[LFH_BINS];  /* groups with local free slots, per bin */
    /* Per bin: every group, the number of them, and how many slots were
     * freed into the unlisted ones since the bin was last searched. */
    struct lfh_group *groups[LFH_BINS];
    uint32_t group_count[LFH_BINS];
    uint64_t stranded[LFH_BINS];
};

/* Bit i set: slot i is free (read without the owner's help). */
static inline uint64_t lfh_free_slots(const struct lfh_group *group)
{
    return __atomic_load_n(&group->local_free, __ATOMIC_RELAXED) |
           __atomic_load_n(&group->remote_free, __ATOMIC_ACQUIRE);
}

static inline void *slot_data(struct lfh_group *group, unsigned index)
{
    return (char *)group + LFH_GROUP_HEADER + (size_t)index * group->stride;
}

/* Whether slot index's header is the one new_group wrote, but for its tail:
 * an overrun of the slot before it smashes it. */
static inline bool lfh_slot_header_intact(struct lfh_group *group, unsigned index)
{
    const struct block *header = block_of(slot_data(group, index));
    return header->type == BLOCK_SLOT && header->size == (uintptr_t)header - (uintptr_t)group &&
           header->flags == index &&
           __atomic_load_n(&header->tail, __ATOMIC_RELAXED) <= group->stride - HEAP_BLOCK_HEADER;
}

/* ---- the heap ------------------------------------------------------------ */

#define FREE_LISTS 152

struct heap {
    uint32_t magic;
    DWORD flags;                /* HeapCreate options, plus HEAP_GROWABLE */
    uint64_t id;                /* unique among all heaps ever created */
    bool process;               /* GetProcessHeap's */
    int lfh_locked;             /* atomic: HeapLock or HeapCompact excludes the front end */
    bool lfh_serialized;        /* no membarrier: lfh_locked stays set */
    DWORD protect;              /* of its segments and large blocks */
    /* The heap's critical section, recursive (heap_lock): a futex word, 0
     * free, 1 held, 2 held and waited for, and its holder's token and depth,
     * so that nested entries are only counted. */
    int lock_word;              /* atomic */
    uintptr_t lock_owner;       /* atomic: 0 when free */
    unsigned lock_depth;
    /* The lock's bias (heap_lock): the thread that may take it without an
     * atomic read-modify-write, until another thread wants it; whether that
     * thread is inside; whether the holder came in that way. */
    uintptr_t bias_thread;      /* atomic: 0 once revoked */
    int bias_held;              /* atomic: a futex word */
    bool lock_biased;
    unsigned hold_depth;        /* HeapLock nesting of the lock's owner */
    DWORD compat;               /* atomic: HeapCompatibilityInformation */
    struct segment *segments, *last_segment;
    size_t next_segment_size;
    struct large_block *large;
    struct lfh_cache *caches;   /* the front end's per-thread caches */
    struct heap *list_next, *list_prev;     /* GetProcessHeaps order */
    size_t freed_since_purge;   /* back-end bytes freed since the last purge pass */
    /* The front-end slot HeapWalk returned last, so that the next step
     * need not find its group again (heap_walk.c). */
    uintptr_t walk_slot;
    struct lfh_group *walk_group;
    unsigned walk_index;
    uint8_t bin_active[LFH_BINS];           /* atomic */
    uint16_t bin_allocations[LFH_BINS];
    uint64_t nonempty[(FREE_LISTS + 63) / 64];
    struct free_block *free_lists[FREE_LISTS];
};

_Static_assert(sizeof(struct heap) <= HEAP_HEADER_SIZE, "the heap structure fits its header");

/* Flags a caller may pass per call that the heap also has at creation. */
#define HEAP_CALL_FLAGS (HEAP_NO_SERIALIZE | HEAP_GENERATE_EXCEPTIONS)
#define HEAP_DEBUG_FLAGS (HEAP_TAIL_CHECKING_ENABLED | HEAP_FREE_CHECKING_ENABLED)

/* heap_map.c: the process-wide granule map.  Values are a struct segment *,
 * or for a large block large_map_value, with bit 0 set.  47 bits of user address space
 * hold 2^31 granules: a static top level points at leaves of 2^16 entries. */
#define HEAP_MAP_ADDRESS_BITS 47
#define HEAP_MAP_LEAF_BITS    16
#define HEAP_MAP_TOP_BITS     (HEAP_MAP_ADDRESS_BITS - HEAP_GRANULE_SHIFT - HEAP_MAP_LEAF_BITS)
extern uintptr_t *heap_map_top[(size_t)1 << HEAP_MAP_TOP_BITS];
bool heap_map_set(uintptr_t base, size_t size, uintptr_t value);
bool heap_map_prepare(uintptr_t base, size_t size);

static inline uintptr_t heap_map_get(uintptr_t address)
{
    if (address >> HEAP_MAP_ADDRESS_BITS)
        return 0;
    uintptr_t granule = address >> HEAP_GRANULE_SHIFT;
    uintptr_t *leaf = __atomic_load_n(&heap_map_top[granule >> HEAP_MAP_LEAF_BITS], __ATOMIC_ACQUIRE);
    return leaf ? __atomic_load_n(&leaf[granule & ((1u << HEAP_MAP_LEAF_BITS) - 1)], __ATOMIC_ACQUIRE) : 0;
}

static inline struct segment *segment_at(uintptr_t address)
{
    uintptr_t value = heap_map_get(address);
    return value & 1 ? NULL : (struct segment *)value;
}

/* A large block's map value names its heap beside its base (both granule
 * aligned), so that a lookup on behalf of another heap reads nothing at the
 * block, which its own heap may be unmapping meanwhile. */
_Static_assert(HEAP_MAP_ADDRESS_BITS - HEAP_GRANULE_SHIFT <= 31, "a heap and a block base fit in a map value");

static inline uintptr_t large_map_value(const struct heap *heap, const struct large_block *large)
{
    return ((uintptr_t)heap >> HEAP_GRANULE_SHIFT) << 32 | ((uintptr_t)large >> HEAP_GRANULE_SHIFT) << 1 | 1;
}

/* The large block of the heap that a map value names, or NULL; the caller
 * holds the heap, so that the block stays while it reads it. */
static inline struct large_block *large_of(const struct heap *heap, uintptr_t value)
{
    if (!(value & 1) || (value >> 32) << HEAP_GRANULE_SHIFT != (uintptr_t)heap)
        return NULL;
    return (struct large_block *)(((value >> 1) & 0x7FFFFFFF) << HEAP_GRANULE_SHIFT);
}

static inline struct large_block *large_at(const struct heap *heap, uintptr_t address)
{
    return large_of(heap, heap_map_get(address));
}

/* heap.c */
void heap_lock(struct heap *heap);
void heap_unlock(struct heap *heap);
void heap_enter(struct heap *heap, DWORD flags);
void heap_leave(struct heap *heap, DWORD flags);
struct heap *heap_from_handle(HANDLE handle);
/* A block of the heap found from a pointer the caller passed. */
struct located {
    enum { NOT_A_BLOCK, ORDINARY_BLOCK, SLOT_BLOCK, LARGE_BLOCK } kind;
    struct segment *segment;
    struct lfh_group *group;
    unsigned index;
    struct large_block *large;
};
/* The caller holds the heap: unlocked, the block could be freed, and its
 * memory given back, meanwhile. */
struct located heap_locate(struct heap *heap, const void *data);
/* HeapSize and HeapValidate of a slot, without the heap lock: found and
 * read in flight, as HeapFree finds one, so that HeapCompact gives no group
 * back meanwhile.  *size is the slot's usable size, or (SIZE_T)-1 when it is
 * free.  FALSE when data is no slot of the heap, or the thread has no cache
 * of it, or HeapLock holds the front end: the caller then looks with the
 * heap held. */
bool heap_slot_state(struct heap *heap, DWORD flags, const void *data, SIZE_T *size);
/* With the heap held for an ordinary block: the block, or NULL. */
struct block *heap_ordinary_block(const struct located *where, const void *data);
/* Aborts the process when HeapEnableTerminationOnCorruption is on. */
void heap_corruption_found(const void *data);

/* heap_meta.c: metadata for a segment of used bytes, zeroed; NULL if none
 * can be mapped.  Retiring it makes it read as a segment of no heap. */
struct segment *segment_meta_take(size_t used);
void segment_meta_retire(struct segment *segment);

/* heap_segment.c: segments and ordinary blocks; the caller holds the heap. */
struct segment *segment_create(struct heap *owner, size_t reserve, size_t commit, DWORD protect);
void segment_release(struct segment *segment);
void segment_trim_cache(void);
void backend_init_segment(struct heap *heap, struct segment *segment);
void *backend_alloc(struct heap *heap, size_t size);
void backend_free(struct heap *heap, struct segment *segment, struct block *block);
/* Resizes in place; FALSE when the block cannot hold size there. */
bool backend_resize(struct heap *heap, struct segment *segment, struct block *block, size_t size);
size_t backend_compact(struct heap *heap);
/* Gives the pages inside big free blocks back to the system: those a pass
 * already saw free (aged) within a budget, or with everything all of them. */
void backend_purge(struct heap *heap, bool everything);
/* The live ordinary block whose data is at data, or NULL, when the busy
 * bitmap says a block starts there (heap_locate's ORDINARY_BLOCK): checks
 * the header, so it spots a smashed one.  Inline: every back-end free asks. */
static inline struct block *backend_block(const struct segment *segment, uintptr_t data, bool *corrupt)
{
    struct block *block = block_of((void *)data);
    if (block->type != BLOCK_BUSY || block->size < HEAP_MIN_BLOCK || block->size % HEAP_ALIGN ||
        (uintptr_t)block + block->size > blocks_end(segment) ||
        block->tail > block->size - HEAP_BLOCK_HEADER) {
        *corrupt = true;
        return NULL;
    }
    return block->flags & BLOCK_FLAG_GROUP ? NULL : block;
}
size_t backend_block_usable(const struct block *block);
/* With tail checking, whether the bytes after the block's data are intact. */
bool backend_tail_intact(const struct heap *heap, const struct block *block);
bool backend_validate_segment(const struct segment *segment, size_t *free_blocks);
size_t backend_free_list_length(const struct heap *heap, size_t limit);

/* heap_lfh.c: the front end; its common paths are inline below. */
/* Whether lfh_barrier_all_threads orders every thread's stores with the
 * caller's (membarrier); what a thread does then needs no fence of its own. */
bool lfh_barrier_ready(void);
void lfh_barrier_all_threads(void);
void lfh_activate(struct heap *heap, int bin);
/* The caller holds no heap lock. */
void *lfh_alloc(struct heap *heap, int bin, size_t size, DWORD flags);
/* A cache of the heap for a thread that has none yet; NULL without memory. */
struct lfh_cache *lfh_attach(struct heap *heap);
/* Frees a slot with the heap held (or HEAP_NO_SERIALIZE); FALSE when it is
 * already free. */
bool lfh_free_held(struct heap *heap, struct lfh_group *group, unsigned index);
/* Pushes a group that got its first remote free onto its owner's pending stack. */
void lfh_push_pending(struct lfh_cache *owner, struct lfh_group *group);
/* With the heap held: waits until no thread is inside the front end and
 * keeps every thread out until lfh_unlock_all. */
void lfh_lock_all(struct heap *heap);
void lfh_unlock_all(struct heap *heap);
/* In a child after fork: the caches of the threads that did not survive. */
void lfh_fork_child(struct heap *heap);
size_t lfh_release_empty_groups(struct heap *heap);
void lfh_destroy(struct heap *heap);
bool lfh_validate_group(struct lfh_group *group);

/* heap_large.c: large blocks; the caller holds the heap. */
void *large_alloc(struct heap *heap, size_t size, DWORD flags);
void large_free(struct heap *heap, struct large_block *large);
/* The block's data after resizing it (it may move), or NULL with the block
 * intact; zeroes the growth with HEAP_ZERO_MEMORY. */
void *large_realloc(struct heap *heap, struct large_block *large, size_t size, DWORD flags);
void large_trim_cache(void);

/* heap_walk.c */
bool heap_validate_all(struct heap *heap);

/* ---- the front end's common paths ---------------------------------------- */

/* lfh_bin of every size up to LFH_MAX_SIZE, by (size + 23) / 16: a request's
 * stride in units of 16 bytes, so that one load finds the bin. */
extern const uint8_t lfh_bins_by_stride[LFH_MAX_SIZE / HEAP_ALIGN + 2];

/* With the heap held: counts an allocation of the bin, and switches the bin
 * on once it has seen enough.  Inline, because all but a few calls per bin
 * only count. */
static inline bool lfh_try_activate(struct heap *heap, int bin)
{
    if (heap->bin_allocations[bin] < LFH_ACTIVATION) {
        heap->bin_allocations[bin]++;
        return false;
    }
    lfh_activate(heap, bin);
    return true;
}

/* The bin of a request of size bytes, at most LFH_MAX_SIZE. */
static inline int lfh_bin(size_t size)
{
    return lfh_bins_by_stride[(size + HEAP_BLOCK_HEADER + HEAP_ALIGN - 1) / HEAP_ALIGN];
}

/* The group and slot index of a slot pointer of the segment, or NULL.  Trusts
 * nothing the caller could have written: the header before a stray pointer
 * may be block data, so it only proposes a group and a slot, inside the
 * segment and below the slot.  The group is one if it holds the key of its
 * address, and data is that slot if it sits exactly where the group puts
 * it; a slot's header and a block's type then say nothing more, and are not
 * read.  (The key stands in for the segment's busy bitmap, a cache miss of
 * its own in every free.) */
static inline struct lfh_group *lfh_slot_group(const struct segment *segment, uintptr_t data, unsigned *index)
{
    uintptr_t first = segment->first_block;
    if (data % HEAP_ALIGN || data < first + LFH_GROUP_HEADER + HEAP_BLOCK_HEADER || data >= blocks_end(segment))
        return NULL;
    const struct block *header = block_of((void *)data);
    uint32_t offset = __atomic_load_n(&header->size, __ATOMIC_RELAXED);   /* once: the caller may be writing it */
    if (offset < LFH_GROUP_HEADER - HEAP_BLOCK_HEADER || offset > (uintptr_t)header - first)
        return NULL;
    uintptr_t start = (uintptr_t)header - offset;
    struct lfh_group *group = (struct lfh_group *)start;
    if (start % HEAP_ALIGN || __atomic_load_n(&group->key, __ATOMIC_ACQUIRE) != lfh_group_key(group))
        return NULL;
    unsigned slot = header->flags;
    if (slot >= group->count || offset != LFH_GROUP_HEADER - HEAP_BLOCK_HEADER + slot * group->stride)
        return NULL;
    *index = slot;
    return group;
}

/* lfh_slot_group finding the group without the header before data: the
 * segment's group map says which group covers the address, and data is that
 * slot if it sits exactly where the group puts it and its header is intact.
 * HeapValidate's way: the header is read beside the group's, not before it,
 * so a loop over many blocks has more of those reads in flight.  (A free is
 * better off reading the header first, which the caller has usually
 * touched: the map is two loads further from the group.) */
static inline struct lfh_group *lfh_mapped_slot_group(const struct segment *segment, uintptr_t data, unsigned *index)
{
    /* A stale reader's segment may be another one now (its metadata reused). */
    if (data - segment->base >= segment_committed(segment))
        return NULL;
    uint32_t entry = __atomic_load_n(&segment->group_map[(data - segment->base) >> GROUP_MAP_KIB_SHIFT],
                                     __ATOMIC_ACQUIRE);
    uintptr_t kib = data & ~(uintptr_t)(GROUP_MAP_KIB - 1), start = group_map_begins(kib, entry);
    if (!start || data < start) {
        start = group_map_covers(kib, entry);
        if (!start)
            return NULL;
    }
    struct lfh_group *group = (struct lfh_group *)start;
    if (__atomic_load_n(&group->key, __ATOMIC_ACQUIRE) != lfh_group_key(group))
        return NULL;            /* its header smashed by an overrun of the block before it */
    /* Before the first slot, offset wraps round, and no slot matches. */
    uint64_t offset = data - start - LFH_GROUP_HEADER;
    unsigned slot = (unsigned)((offset * group->stride_inverse) >> 32);
    if (slot >= group->count || (uint64_t)slot * group->stride != offset)
        return NULL;
    if (!lfh_slot_header_intact(group, slot))
        return NULL;
    *index = slot;
    return group;
}

/* The segment of the heap that data lies in, or NULL. */
static inline __attribute__((always_inline)) const struct segment *lfh_own_segment(const struct heap *heap,
                                                                               const void *data)
{
    uintptr_t value = heap_map_get((uintptr_t)data);
    if (!value || (value & 1))
        return NULL;
    const struct segment *segment = (const struct segment *)value;
    return __atomic_load_n(&segment->heap, __ATOMIC_ACQUIRE) == heap ? segment : NULL;
}

/* The slot of the heap that data is, or NULL. */
static inline __attribute__((always_inline)) struct lfh_group *lfh_find_slot(const struct heap *heap, const void *data,
                                                                         unsigned *index)
{
    const struct segment *segment = lfh_own_segment(heap, data);
    return segment ? lfh_slot_group(segment, (uintptr_t)data, index) : NULL;
}

struct lfh_cache_ref {
    const struct heap *heap;
    uint64_t heap_id;           /* a heap at the same address later is another heap */
    struct lfh_cache *cache;
};

#define LFH_THREAD_CACHES 8     /* heaps a thread keeps a cache for at once */
extern __thread struct lfh_cache_ref lfh_thread_caches[LFH_THREAD_CACHES] __attribute__((tls_model("initial-exec")));
/* The process heap's (never destroyed, so no id to check), or NULL. */
extern __thread struct lfh_cache *lfh_process_cache __attribute__((tls_model("initial-exec")));

static inline struct lfh_cache_ref *lfh_ref_of(const struct heap *heap)
{
    return &lfh_thread_caches[((uintptr_t)heap >> HEAP_GRANULE_SHIFT) % LFH_THREAD_CACHES];
}

/* This thread's cache of the heap, or NULL if it has none yet. */
static inline struct lfh_cache *lfh_my_cache(const struct heap *heap)
{
    struct lfh_cache_ref *ref = lfh_ref_of(heap);
    return ref->heap == heap && ref->heap_id == heap->id ? ref->cache : NULL;
}

/* Marks the cache in flight; FALSE (and not in flight) when HeapLock or
 * HeapCompact holds the heap, and the caller must take the heap lock. */
static inline bool lfh_enter(const struct heap *heap, struct lfh_cache *cache)
{
    __atomic_store_n(&cache->in_flight, 1, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);        /* the locker's membarrier orders it */
    if (__builtin_expect(!__atomic_load_n(&heap->lfh_locked, __ATOMIC_ACQUIRE), 1))
        return true;
    __atomic_store_n(&cache->in_flight, 0, __ATOMIC_RELEASE);
    return false;
}

static inline void lfh_leave(struct lfh_cache *cache)
{
    __atomic_store_n(&cache->in_flight, 0, __ATOMIC_RELEASE);
}

static inline void lfh_set_slot_tail(struct lfh_group *group, unsigned index, size_t size)
{
    struct block *header = block_of(slot_data(group, index));
    __atomic_store_n(&header->tail, (uint16_t)(group->stride - HEAP_BLOCK_HEADER - size), __ATOMIC_RELAXED);
}

static inline size_t lfh_slot_size(struct lfh_group *group, unsigned index)
{
    struct block *header = block_of(slot_data(group, index));
    return group->stride - HEAP_BLOCK_HEADER - __atomic_load_n(&header->tail, __ATOMIC_RELAXED);
}

static inline bool lfh_slot_busy(const struct lfh_group *group, unsigned index)
{
    return !((lfh_free_slots(group) >> index) & 1);
}

/* Found in flight: 1 when data is a busy slot of the heap, 0 when a free
 * one, -1 when it is no slot or HeapLock holds the front end. */
static inline int lfh_slot_busy_in_flight(const struct heap *heap, struct lfh_cache *cache, const void *data)
{
    if (!lfh_enter(heap, cache))
        return -1;
    const struct segment *segment = lfh_own_segment(heap, data);
    unsigned index = 0;
    struct lfh_group *group = segment ? lfh_mapped_slot_group(segment, (uintptr_t)data, &index) : NULL;
    int busy = group ? lfh_slot_busy(group, index) : -1;
    lfh_leave(cache);
    return busy;
}

static inline void lfh_make_available(struct lfh_cache *cache, struct lfh_group *group)
{
    group->listed = 1;
    group->next_available = cache->available[group->bin];
    cache->available[group->bin] = group;
}

/* if_true when condition holds, else if_false, by masks: the compiler turns
 * a plain conditional here into a branch, which a random churn mispredicts. */
static inline struct lfh_group *lfh_select(bool condition, struct lfh_group *if_true, struct lfh_group *if_false)
{
    uintptr_t mask = -(uintptr_t)condition;
    return (struct lfh_group *)(((uintptr_t)if_true & mask) | ((uintptr_t)if_false & ~mask));
}

/* With the cache in flight or the heap held: a slot of the bin from the
 * cache's available groups, or NULL. */
static inline void *lfh_take_slot(struct lfh_cache *cache, int bin, size_t size)
{
    struct lfh_group *group = cache->available[bin];
    if (__builtin_expect(!group, 0))
        return NULL;
    uint64_t bits = group->local_free;
    unsigned index = (unsigned)__builtin_ctzll(bits);
    bits &= bits - 1;
    __atomic_store_n(&group->local_free, bits, __ATOMIC_RELAXED);
    /* Unlisted once empty, without a branch: in a steady churn about half
     * the takes empty their group, at random, and a mispredicted branch
     * costs more than the stores. */
    struct lfh_group *next = group->next_available;
    cache->available[bin] = bits ? group : next;
    group->listed = bits != 0;
    /* The stride read once: the compiler reads it again after an atomic store. */
    uint32_t stride = group->stride;
    char *data = (char *)group + LFH_GROUP_HEADER + (size_t)index * stride;
    __atomic_store_n(&block_of(data)->tail, (uint16_t)(stride - HEAP_BLOCK_HEADER - size), __ATOMIC_RELAXED);
    return data;
}

/* With the cache in flight or the heap held: frees a slot of a group the
 * cache owns; FALSE when it is already free. */
static inline bool lfh_free_owned(struct lfh_cache *cache, struct lfh_group *group, unsigned index)
{
    uint64_t bit = (uint64_t)1 << index, local = group->local_free;
    if ((local | __atomic_load_n(&group->remote_free, __ATOMIC_RELAXED)) & bit)
        return false;
    __atomic_store_n(&group->local_free, local | bit, __ATOMIC_RELAXED);
    /* A full group is not listed again here but when its bin runs dry:
     * relisting it at once had the next take empty it again, so that in a
     * churn every other free moved a group, and the free slots sat in the
     * few groups below. */
    cache->stranded[group->bin] += !group->listed;
    return true;
}

/* In flight or holding the heap: a free from a thread whose cache does not
 * own the group; FALSE when the slot is already free. */
static inline bool lfh_free_remote(struct lfh_group *group, unsigned index)
{
    uint64_t bit = (uint64_t)1 << index;
    if (__atomic_load_n(&group->local_free, __ATOMIC_RELAXED) & bit)
        return false;
    uint64_t previous = __atomic_fetch_or(&group->remote_free, bit, __ATOMIC_RELEASE);
    if (previous & bit)
        return false;           /* already free: a double free changes nothing */
    if (!previous)
        lfh_push_pending(group->owner, group);
    return true;
}

/* In flight or holding the heap: frees a slot as the cache's thread, its
 * owner or not; FALSE when the slot is already free. */
static inline bool lfh_free_slot(struct lfh_cache *cache, struct lfh_group *group, unsigned index)
{
    return group->owner == cache ? lfh_free_owned(cache, group, index) : lfh_free_remote(group, index);
}

#endif
