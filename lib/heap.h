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
 * ordinary block, allocated and freed with atomic bit operations from
 * per-thread affinity slots, so that the common HeapAlloc/HeapFree takes no
 * shared lock and a free from another thread never takes the owner's lock. */
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
#define GROUP_MAGIC           0x47727570u

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
    uint8_t flags;
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
    uint64_t busy_bits[];       /* bit n: a busy ordinary block's data starts at base + 16n */
};

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
#define LFH_AFFINITIES      16
#define LFH_GROUP_SLOTS     64
#define LFH_ACTIVATION      0x11        /* a bin switches on after this many allocations */
#define LFH_GROUP_HEADER    64u

struct lfh_group {              /* at the start of a busy ordinary block's data */
    uint64_t free_bits;         /* atomic; bit i set: slot i is free */
    uint32_t magic;
    uint16_t bin;
    uint16_t count;
    uint32_t stride;
    BOOL listed;                /* on its bin's partial list */
    struct heap *heap;
    struct lfh_group *next_partial;
    struct lfh_group *next, *prev;  /* every group of the heap */
    uint64_t unused;
};

struct lfh_affinity {
    int busy;                   /* atomic: a thread is inside the front end here */
    struct lfh_group *active[LFH_BINS];     /* atomic pointers */
} __attribute__((aligned(64)));

struct lfh {
    struct lfh_affinity affinity[LFH_AFFINITIES];
    struct lfh_group *partial[LFH_BINS];    /* groups that may have free slots */
    struct lfh_group *groups;
};

static inline void *slot_data(struct lfh_group *group, unsigned index)
{
    return (char *)group + LFH_GROUP_HEADER + (size_t)index * group->stride;
}

/* ---- the heap ------------------------------------------------------------ */

#define FREE_LISTS 152

struct heap {
    uint32_t magic;
    DWORD flags;                /* HeapCreate options, plus HEAP_GROWABLE */
    DWORD protect;              /* of its segments and large blocks */
    pthread_mutex_t lock;       /* recursive; the heap's critical section */
    unsigned hold_depth;        /* HeapLock nesting of the lock's owner */
    DWORD compat;               /* atomic: HeapCompatibilityInformation */
    struct segment *segments, *last_segment;
    size_t next_segment_size;
    struct large_block *large;
    struct lfh *lfh;            /* atomic; NULL until a bin switches on */
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
 * or a struct large_block * with bit 0 set. */
bool heap_map_set(uintptr_t base, size_t size, uintptr_t value);
bool heap_map_prepare(uintptr_t base, size_t size);
uintptr_t heap_map_get(uintptr_t address);

static inline struct segment *segment_at(uintptr_t address)
{
    uintptr_t value = heap_map_get(address);
    return value & 1 ? NULL : (struct segment *)value;
}

static inline struct large_block *large_at(uintptr_t address)
{
    uintptr_t value = heap_map_get(address);
    return value & 1 ? (struct large_block *)(value - 1) : NULL;
}

/* heap.c */
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
struct located heap_locate(struct heap *heap, const void *data);
/* With the heap held for an ordinary block: the block, or NULL. */
struct block *heap_ordinary_block(const struct located *where, const void *data);
/* Aborts the process when HeapEnableTerminationOnCorruption is on. */
void heap_corruption_found(const void *data);

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
/* The live ordinary block whose data is at data, or NULL.  Checks the busy
 * bitmap first and the header after, so it also spots a smashed header. */
struct block *backend_block(const struct segment *segment, uintptr_t data, bool *corrupt);
size_t backend_block_usable(const struct block *block);
/* With tail checking, whether the bytes after the block's data are intact. */
bool backend_tail_intact(const struct heap *heap, const struct block *block);
bool backend_validate_segment(const struct segment *segment, size_t *free_blocks);
size_t backend_free_list_length(const struct heap *heap, size_t limit);

/* heap_lfh.c: the front end. */
int lfh_bin(size_t size);
bool lfh_try_activate(struct heap *heap, int bin);
void *lfh_alloc(struct heap *heap, int bin, size_t size, DWORD flags);
/* The group and slot index of a slot pointer, or NULL. */
struct lfh_group *lfh_slot_group(const struct segment *segment, uintptr_t data, unsigned *index);
BOOL lfh_free(struct heap *heap, struct lfh_group *group, unsigned index, DWORD flags);
bool lfh_slot_busy(const struct lfh_group *group, unsigned index);
size_t lfh_slot_size(struct lfh_group *group, unsigned index);
void lfh_set_slot_size(struct lfh_group *group, unsigned index, size_t size);
void lfh_lock_all(struct heap *heap);
void lfh_unlock_all(struct heap *heap);
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

#endif
