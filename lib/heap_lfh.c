/* The low-fragmentation front end: size bins of equal slots, as Windows' LFH.
 *
 * A bin switches on after LFH_ACTIVATION allocations of its size (Windows
 * does so after 17 in a row; Wine after more than 16), and only in growable,
 * serialized heaps without debug checks, as on Windows.  From then on its
 * requests come from groups: one ordinary block holding up to 64 slots of one
 * stride, each with an 8-byte header that names its group.
 *
 * Every thread has a cache per heap (found through a small thread-local
 * table), and every group belongs to the cache that carved it.  The owner
 * allocates and frees its groups' slots with plain loads and stores of the
 * group's local_free bits; another thread frees a slot with one atomic OR
 * into remote_free and, when that word was empty, pushes the group onto the
 * owner's pending stack, which the owner drains when a bin runs dry.  A
 * take that empties a group unlists it; a free into an unlisted group only
 * counts the slot, and a dry bin lists its groups with free slots again once
 * the count is worth a search (worth_searching).  In a steady churn this
 * took W1 of heapbench from 19.4 to 18.2 ns an operation.  The heap lock is
 * taken only to carve a new group.  A thread that exits leaves its cache,
 * groups and all, to the next thread that comes to the heap, which lists
 * them again before its first use.
 *
 * HeapLock (and HeapCompact) must still keep every thread out.  A thread
 * marks its cache in flight, then reads the heap's lfh_locked word, and
 * takes the heap lock instead when that is set; the locker sets the word,
 * makes every thread's stores visible with one membarrier(2), and waits for
 * the caches in flight.  Without membarrier (Linux before 4.14, or a seccomp
 * filter) the word stays set for good, and the front end runs under the heap
 * lock. */
#include "config.h"

#include <sched.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>

#include "fork.h"
#include "heap.h"
#include "pool.h"
#include "inject.h"

static pthread_mutex_t lfh_pool_lock = PTHREAD_MUTEX_INITIALIZER;
FORK_HOOKS(lfh_pool, lfh_pool_lock)
static struct pool lfh_pool = POOL_INIT(struct lfh_cache);

/* Small groups: a thread's groups are its own, and every bin of every thread
 * holds one partly used. */
#define GROUP_BYTES 0x4000u

static unsigned bin_stride(int bin)
{
    if (bin < 31)
        return (unsigned)(bin + 2) * HEAP_ALIGN;
    unsigned log = 9 + (unsigned)(bin - 31) / 4, step = (unsigned)(bin - 31) % 4 + 1;
    return (1u << log) + step * (1u << (log - 2));
}

/* Strides up to 512 bytes have a bin each; above, a bin spans a quarter of
 * a power of two, as bin_stride says. */
const uint8_t lfh_bins_by_stride[LFH_MAX_SIZE / HEAP_ALIGN + 2] = {
    0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
    30, [33 ... 40] = 31, [41 ... 48] = 32, [49 ... 56] = 33, [57 ... 64] = 34,
    [65 ... 80] = 35, [81 ... 96] = 36, [97 ... 112] = 37, [113 ... 128] = 38,
    [129 ... 160] = 39, [161 ... 192] = 40, [193 ... 224] = 41, [225 ... 256] = 42,
    [257 ... 320] = 43, [321 ... 384] = 44, [385 ... 448] = 45, [449 ... 512] = 46,
    [513 ... 640] = 47, [641 ... 768] = 48, [769 ... 896] = 49, [897 ... 1024] = 50,
};

/* ---- the thread's caches ------------------------------------------------- */

__thread struct lfh_cache_ref lfh_thread_caches[LFH_THREAD_CACHES] __attribute__((tls_model("initial-exec")));
__thread struct lfh_cache *lfh_process_cache __attribute__((tls_model("initial-exec")));
static __thread char thread_token __attribute__((tls_model("initial-exec")));
static __thread bool thread_registered __attribute__((tls_model("initial-exec")));

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static pthread_key_t thread_exit_key;
static bool membarrier_registered;     /* this process may use MEMBARRIER_CMD_PRIVATE_EXPEDITED */

static uintptr_t my_token(void)
{
    return (uintptr_t)&thread_token;
}


/* Leaves the cache to the next thread that comes to its heap.  The heap may
 * be gone, and the cache with it (pool memory stays mapped): it is still
 * ours only if it serves the same heap and names this thread, which nobody
 * else changes while it does. */
static void drop_ref(struct lfh_cache_ref *ref)
{
    struct lfh_cache *cache = ref->cache;
    if (cache == lfh_process_cache)
        lfh_process_cache = NULL;
    uintptr_t me = my_token();
    if (cache && __atomic_load_n(&cache->heap_id, __ATOMIC_ACQUIRE) == ref->heap_id)
        __atomic_compare_exchange_n(&cache->thread, &me, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
    *ref = (struct lfh_cache_ref){ .heap = NULL };
}

/* Thread exit: the caches go back to their heaps for the next thread. */
static void thread_exit(void *unused)
{
    (void)unused;
    for (int i = 0; i < LFH_THREAD_CACHES; i++)
        drop_ref(&lfh_thread_caches[i]);
    thread_registered = false;
}

static bool register_membarrier(void)
{
    return !syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
}

uint32_t lfh_key_secret;

static uint32_t random_secret(void)
{
    uint32_t secret;
    if (getrandom(&secret, sizeof(secret), GRND_NONBLOCK) == (ssize_t)sizeof(secret))
        return secret;
    /* Early in boot, before the kernel's pool is ready: the clock, and
     * where the stack and the library lie. */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint32_t)((uintptr_t)now.tv_nsec ^ (uintptr_t)&now ^ ((uintptr_t)&lfh_key_secret >> 12));
}

/* Every heap's creation comes here first (heap_lock_init), so the secret is
 * set before any group has a key. */
static void setup(void)
{
    __atomic_store_n(&lfh_key_secret, random_secret(), __ATOMIC_RELAXED);
    pthread_key_create(&thread_exit_key, thread_exit);
    membarrier_registered = register_membarrier();
}

/* The caller holds the heap: without membarrier, keep the fast paths out. */
static void serialize_without_membarrier(struct heap *heap)
{
    if (!membarrier_registered && !heap->lfh_serialized) {
        heap->lfh_serialized = true;
        lfh_lock_all(heap);
    }
}

bool lfh_barrier_ready(void)
{
    pthread_once(&setup_once, setup);
    return membarrier_registered;
}

/* Every thread's stores before this are visible to the caller after it.
 * Should the expedited barrier fail (it allocates in the kernel), the
 * global one, which waits for every CPU to pass a barrier and allocates
 * nothing, gives the same order: a fence of the caller's alone would not. */
void lfh_barrier_all_threads(void)
{
    if (!membarrier_registered)
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    else if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
        syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
}

static bool worth_searching(const struct lfh_cache *cache, int bin);
static void search_bin(struct lfh_cache *cache, int bin);

/* A cache of the heap for this thread: one a dead thread left, or a new one. */
struct lfh_cache *lfh_attach(struct heap *heap)
{
    pthread_once(&setup_once, setup);
    struct lfh_cache_ref *ref = lfh_ref_of(heap);
    drop_ref(ref);
    heap_lock(heap);
    struct lfh_cache *cache = heap->caches;
    while (cache && __atomic_load_n(&cache->thread, __ATOMIC_ACQUIRE))
        cache = cache->next;
    if (!cache) {
        pthread_mutex_lock(&lfh_pool_lock);
        cache = pool_alloc(&lfh_pool);
        pthread_mutex_unlock(&lfh_pool_lock);
        if (cache) {
            memset(cache, 0, sizeof(*cache));
            cache->heap = heap;
            __atomic_store_n(&cache->heap_id, heap->id, __ATOMIC_RELEASE);
            cache->next = heap->caches;
            heap->caches = cache;
        }
    }
    if (cache) {
        __atomic_store_n(&cache->thread, my_token(), __ATOMIC_RELEASE);
        /* A dead thread's cache comes with the slots it freed last. */
        for (int bin = 0; bin < LFH_BINS; bin++)
            if (worth_searching(cache, bin))
                search_bin(cache, bin);
    }
    heap_unlock(heap);
    if (!cache)
        return NULL;
    *ref = (struct lfh_cache_ref){ .heap = heap, .heap_id = heap->id, .cache = cache };
    if (heap->process)
        lfh_process_cache = cache;
    if (!thread_registered) {
        thread_registered = true;
        pthread_setspecific(thread_exit_key, &thread_token);
    }
    return cache;
}

/* The caller holds the heap; HeapLock's holder or HeapCompact. */
void lfh_lock_all(struct heap *heap)
{
    __atomic_store_n(&heap->lfh_locked, heap->lfh_locked + 1, __ATOMIC_RELAXED);
    if (!heap->caches)
        return;
    lfh_barrier_all_threads();
    for (struct lfh_cache *cache = heap->caches; cache; cache = cache->next)
        while (__atomic_load_n(&cache->in_flight, __ATOMIC_ACQUIRE))
            sched_yield();      /* a thread is inside; it never waits while there */
}

void lfh_unlock_all(struct heap *heap)
{
    __atomic_store_n(&heap->lfh_locked, heap->lfh_locked - 1, __ATOMIC_RELEASE);
}

void lfh_fork_child(struct heap *heap)
{
    if (!heap) {
        /* A child does not inherit the registration. */
        if (membarrier_registered)
            membarrier_registered = register_membarrier();
        return;
    }
    for (struct lfh_cache *cache = heap->caches; cache; cache = cache->next) {
        cache->in_flight = 0;
        if (cache->thread != my_token())
            cache->thread = 0;
    }
    if (heap->caches)
        serialize_without_membarrier(heap);
}

/* ---- bins and groups ----------------------------------------------------- */

static unsigned group_slots(unsigned stride)
{
    unsigned count = GROUP_BYTES / stride;
    return count > LFH_GROUP_SLOTS ? LFH_GROUP_SLOTS : count < 2 ? 2 : count;
}

/* Exact for every offset inside a group: those are below 2^16. */
static uint32_t stride_inverse(unsigned stride)
{
    return (uint32_t)(UINT32_MAX / stride + 1);
}

static uint64_t all_slots(unsigned count)
{
    return count == 64 ? ~(uint64_t)0 : ((uint64_t)1 << count) - 1;
}

/* The caller holds the heap. */
void lfh_activate(struct heap *heap, int bin)
{
    pthread_once(&setup_once, setup);
    serialize_without_membarrier(heap);
    __atomic_store_n(&heap->compat, 2, __ATOMIC_RELAXED);
    __atomic_store_n(&heap->bin_active[bin], 1, __ATOMIC_RELEASE);
}

/* A stray pointer into what the group was is no slot from now on. */
static void spoil_key(struct lfh_group *group)
{
    __atomic_store_n(&group->key, ~lfh_group_key(group), __ATOMIC_RELAXED);
}

/* Spoils the key of every group of the segment, found from its group map:
 * a cached segment comes back to a new heap with its first pages as they
 * were, and a slot pointer of the destroyed heap must then be no slot. */
static void forget_groups(struct segment *segment)
{
    for (size_t kib = 0; kib < segment->committed >> GROUP_MAP_KIB_SHIFT; kib++) {
        uintptr_t start = group_map_begins(segment->base + (kib << GROUP_MAP_KIB_SHIFT), segment->group_map[kib]);
        if (start)
            spoil_key((struct lfh_group *)start);
    }
}

void lfh_destroy(struct heap *heap)
{
    for (struct segment *segment = heap->segments; segment; segment = segment->next)
        forget_groups(segment);
    pthread_mutex_lock(&lfh_pool_lock);
    while (heap->caches) {
        struct lfh_cache *next = heap->caches->next;
        __atomic_store_n(&heap->caches->heap_id, 0, __ATOMIC_RELAXED);
        pool_free(&lfh_pool, heap->caches);
        heap->caches = next;
    }
    pthread_mutex_unlock(&lfh_pool_lock);
}


static size_t group_bytes(unsigned count, unsigned stride)
{
    return LFH_GROUP_HEADER - HEAP_BLOCK_HEADER + (size_t)count * stride;
}

/* The smallest stride is 32 bytes, and a group of fewer than 64 slots fills
 * over half of GROUP_BYTES. */
_Static_assert(LFH_GROUP_SLOTS * 2 * HEAP_ALIGN > GROUP_MAP_KIB && GROUP_BYTES / 2 > GROUP_MAP_KIB,
               "every group is over a KiB, so no KiB has two groups beginning inside it");

/* Enters the group in its segment's group map, or takes it out; the caller
 * holds the heap. */
static void map_group(struct lfh_group *group, bool live)
{
    uintptr_t start = (uintptr_t)group, end = start + group_bytes(group->count, group->stride);
    struct segment *segment = segment_at(start);
    uint32_t *entry = &segment->group_map[(start - segment->base) >> GROUP_MAP_KIB_SHIFT];
    uint32_t begins = live ? (uint32_t)((start % GROUP_MAP_KIB) / HEAP_ALIGN + 1) : 0;
    /* Released after the group's header is written: a validation in flight
     * that finds the group finds it whole. */
    __atomic_store_n(entry, (*entry & ~(uint32_t)0xFFFF) | begins, __ATOMIC_RELEASE);
    for (uintptr_t kib = (start | (GROUP_MAP_KIB - 1)) + 1; kib < end; kib += GROUP_MAP_KIB) {
        entry = &segment->group_map[(kib - segment->base) >> GROUP_MAP_KIB_SHIFT];
        uint32_t covers = live ? (uint32_t)((kib - start) / HEAP_ALIGN + 1) : 0;
        __atomic_store_n(entry, (*entry & 0xFFFF) | covers << 16, __ATOMIC_RELEASE);
    }
}

/* Enters the group on its owner's list of the bin's groups. */
static void enrol_group(struct lfh_cache *cache, struct lfh_group *group)
{
    group->next_of_bin = cache->groups[group->bin];
    cache->groups[group->bin] = group;
    cache->group_count[group->bin]++;
}

/* The caller holds the heap. */
static struct lfh_group *new_group(struct heap *heap, struct lfh_cache *cache, int bin)
{
    unsigned stride = bin_stride(bin), count = group_slots(stride);
    struct lfh_group *group = backend_alloc(heap, group_bytes(count, stride));
    if (!group)
        return NULL;
    block_of(group)->flags |= BLOCK_FLAG_GROUP;
    for (unsigned i = 0; i < count; i++) {
        struct block *header = (struct block *)((char *)group + LFH_GROUP_HEADER - HEAP_BLOCK_HEADER + i * stride);
        *header = (struct block){
            .size = (uint32_t)((uintptr_t)header - (uintptr_t)group),
            .tail = (uint16_t)(stride - HEAP_BLOCK_HEADER), .type = BLOCK_SLOT, .flags = (uint8_t)i,
        };
    }
    *group = (struct lfh_group){
        .local_free = all_slots(count), .key = ~lfh_group_key(group), .bin = (uint16_t)bin, .count = (uint16_t)count,
        .stride = (uint16_t)stride, .stride_inverse = stride_inverse(stride), .owner = cache,
    };
    /* The key last, released: a stray pointer that races this finds the
     * group whole or not at all, never a count or stride half written. */
    __atomic_store_n(&group->key, lfh_group_key(group), __ATOMIC_RELEASE);
    map_group(group, true);
    enrol_group(cache, group);
    lfh_make_available(cache, group);
    return group;
}

/* ---- allocating and freeing ---------------------------------------------- */

/* Takes over what other threads freed into the cache's groups. */
static void drain_pending(struct lfh_cache *cache)
{
    struct lfh_group *group = __atomic_exchange_n(&cache->pending, NULL, __ATOMIC_ACQUIRE);
    while (group) {
        /* Read the link first: once remote_free is empty the group may be pushed again. */
        struct lfh_group *next = __atomic_load_n(&group->next_pending, __ATOMIC_RELAXED);
        uint64_t freed = __atomic_exchange_n(&group->remote_free, 0, __ATOMIC_ACQUIRE);
        __atomic_store_n(&group->local_free, group->local_free | freed, __ATOMIC_RELAXED);
        if (!group->listed && group->local_free)
            lfh_make_available(cache, group);
        group = next;
    }
}

/* A dry bin searches its groups for freed slots only once there are about
 * as many as it has groups (a sixteenth of its slots, if fewer): a search
 * then costs a read or so per slot it finds, and a bin leaves few slots
 * unused meanwhile, carving a group instead. */
static bool worth_searching(const struct lfh_cache *cache, int bin)
{
    uint64_t count = group_slots(bin_stride(bin)), groups = cache->group_count[bin];
    uint64_t enough = count < 16 ? groups * count / 16 : groups;
    return cache->stranded[bin] && cache->stranded[bin] >= enough;
}

/* Lists the bin's groups that have free slots again, in the order of its
 * list (newest first, or by address once HeapCompact has rebuilt it): the
 * bin then fills its newest groups before the older ones. */
static void search_bin(struct lfh_cache *cache, int bin)
{
    struct lfh_group **tail = &cache->available[bin];
    for (struct lfh_group *group = cache->groups[bin]; group; group = group->next_of_bin) {
        group->listed = group->local_free != 0;
        if (group->listed) {
            *tail = group;
            tail = &group->next_available;
        }
    }
    *tail = NULL;
    cache->stranded[bin] = 0;
}

/* Only the cache's thread, in flight or holding the heap. */
static void *cache_alloc(struct lfh_cache *cache, int bin, size_t size)
{
    if (!cache->available[bin]) {
        if (__atomic_load_n(&cache->pending, __ATOMIC_RELAXED))
            drain_pending(cache);
        if (!cache->available[bin] && worth_searching(cache, bin))
            search_bin(cache, bin);
    }
    return lfh_take_slot(cache, bin, size);
}

void lfh_push_pending(struct lfh_cache *owner, struct lfh_group *group)
{
    struct lfh_group *head = __atomic_load_n(&owner->pending, __ATOMIC_RELAXED);
    do
        __atomic_store_n(&group->next_pending, head, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(&owner->pending, &head, group, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

void *lfh_alloc(struct heap *heap, int bin, size_t size, DWORD flags)
{
    struct lfh_cache *cache = lfh_my_cache(heap);
    if (__builtin_expect(!cache, 0) && !(cache = lfh_attach(heap)))
        return NULL;
    bool serialize = !(flags & HEAP_NO_SERIALIZE);
    if (!serialize || lfh_enter(heap, cache)) {
        void *data = cache_alloc(cache, bin, size);
        if (serialize)
            lfh_leave(cache);
        if (data)
            return data;
    }
    heap_enter(heap, flags);
    void *data = cache_alloc(cache, bin, size);
    if (!data && new_group(heap, cache, bin))
        data = cache_alloc(cache, bin, size);
    /* Out of memory for a group: the slots freed into full ones, if any. */
    if (!data && cache->stranded[bin]) {
        search_bin(cache, bin);
        data = cache_alloc(cache, bin, size);
    }
    heap_leave(heap, flags);
    return data;
}

bool lfh_free_held(struct heap *heap, struct lfh_group *group, unsigned index)
{
    struct lfh_cache *cache = lfh_my_cache(heap);
    return cache ? lfh_free_slot(cache, group, index) : lfh_free_remote(group, index);
}

/* ---- finding and checking slots ------------------------------------------ */

bool lfh_validate_group(struct lfh_group *group)
{
    if (group->key != lfh_group_key(group) || group->bin >= LFH_BINS || group->stride != bin_stride(group->bin) ||
        group->count != group_slots(group->stride) || group->stride_inverse != stride_inverse(group->stride) ||
        !group->owner ||
        block_of(group)->size < HEAP_BLOCK_HEADER + group_bytes(group->count, group->stride) ||
        (lfh_free_slots(group) & ~all_slots(group->count)))
        return false;
    for (unsigned i = 0; i < group->count; i++)
        if (!lfh_slot_header_intact(group, i))
            return false;
    return true;
}

/* ---- compaction ----------------------------------------------------------- */

/* With the heap held and the front end locked: gives the groups no slot of
 * which is in use back to the back end, and rebuilds the caches' lists. */
size_t lfh_release_empty_groups(struct heap *heap)
{
    for (struct lfh_cache *cache = heap->caches; cache; cache = cache->next) {
        drain_pending(cache);
        memset(cache->available, 0, sizeof(cache->available));
        memset(cache->groups, 0, sizeof(cache->groups));
        memset(cache->group_count, 0, sizeof(cache->group_count));
        memset(cache->stranded, 0, sizeof(cache->stranded));
    }
    struct lfh_group *empty = NULL;
    for (struct segment *segment = heap->segments; segment; segment = segment->next) {
        uintptr_t end = blocks_end(segment);
        for (uintptr_t at = segment->first_block; at < end; at += ((struct block *)at)->size) {
            struct block *block = (struct block *)at;
            if (block->type != BLOCK_BUSY || !(block->flags & BLOCK_FLAG_GROUP))
                continue;
            struct lfh_group *group = (struct lfh_group *)(block + 1);
            group->listed = 0;
            if (group->local_free == all_slots(group->count)) {
                group->next_available = empty;
                empty = group;
                continue;
            }
            enrol_group(group->owner, group);
            if (group->local_free)
                lfh_make_available(group->owner, group);
        }
    }
    size_t released = 0;
    for (struct lfh_group *next; empty; empty = next, released++) {
        next = empty->next_available;
        map_group(empty, false);
        spoil_key(empty);
        backend_free(heap, segment_at((uintptr_t)empty), block_of(empty));
    }
    return released;
}
