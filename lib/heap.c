/* The heap API: creating and destroying heaps, the process heap, and the
 * block calls, which dispatch to the front end, the back end or the large
 * blocks (see heap.h for the layout).
 *
 * Bad input never reaches the allocator: the heap handle and every pointer
 * are checked against the granule map and the busy bitmaps first, so a
 * bogus, stale or foreign pointer fails with ERROR_INVALID_PARAMETER and a
 * double free changes nothing. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/futex.h>

#include "error.h"
#include "fork.h"
#include "heap.h"

#define HEAP_CREATE_OPTIONS (HEAP_NO_SERIALIZE | HEAP_GENERATE_EXCEPTIONS | HEAP_CREATE_ENABLE_EXECUTE | \
                             HEAP_DEBUG_FLAGS | HEAP_DISABLE_COALESCE_ON_FREE | HEAP_CREATE_ALIGN_16 | \
                             HEAP_CREATE_ENABLE_TRACING)

static pthread_mutex_t heaps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct heap *heaps_first, *heaps_last;
static unsigned heaps_count;
static struct heap *process_heap;
static uint64_t last_heap_id;
static pthread_once_t process_heap_once = PTHREAD_ONCE_INIT;
static BOOL terminate_on_corruption;
static DWORD global_heap_flags;     /* what W32MEM_GLOBALFLAG turns on for every heap */

/* ---- the heap lock --------------------------------------------------------
 *
 * A futex of its own rather than a recursive pthread mutex, which costs some
 * fifty instructions per lock and unlock, on every back-end call.
 *
 * Most heaps are only ever used by the thread that created them, and the
 * two atomic read-modify-writes of a lock and unlock were a third of the
 * time of a back-end call.  So the lock is biased to its creator, which
 * takes it with plain stores the way the front end enters (lfh_enter): it
 * marks itself inside (bias_held), then reads bias_thread.  The first other
 * thread to want the lock takes the futex word, clears bias_thread, makes
 * every thread's stores visible with one membarrier(2), and waits until the
 * creator is not inside; from then on everyone uses the futex word.
 * Without membarrier no heap is biased. */

static __thread char lock_token __attribute__((tls_model("initial-exec")));

/* Nonzero, and this thread's alone while it runs. */
static uintptr_t my_lock_token(void)
{
    return (uintptr_t)&lock_token;
}

static void heap_lock_init(struct heap *heap)
{
    heap->lock_word = 0;
    heap->lock_owner = 0;
    heap->lock_depth = 0;
    heap->bias_thread = lfh_barrier_ready() ? my_lock_token() : 0;
    heap->bias_held = 0;
}

/* Only a thread itself stores its token there, so a relaxed read tells it
 * whether it holds the lock. */
static bool heap_lock_held(const struct heap *heap)
{
    return __atomic_load_n(&heap->lock_owner, __ATOMIC_RELAXED) == my_lock_token();
}

static void heap_lock_taken(struct heap *heap, bool biased)
{
    __atomic_store_n(&heap->lock_owner, my_lock_token(), __ATOMIC_RELAXED);
    heap->lock_depth = 1;
    heap->lock_biased = biased;
}

/* Out of line, so that bias_leave, inline in every unlock, is two
 * instructions and a test. */
static __attribute__((noinline)) void bias_wake_revoker(struct heap *heap)
{
    syscall(SYS_futex, &heap->bias_held, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* The bias thread is no longer inside; a revoker may be waiting for that. */
static inline __attribute__((always_inline)) void bias_leave(struct heap *heap)
{
    __atomic_store_n(&heap->bias_held, 0, __ATOMIC_RELEASE);
    if (__builtin_expect(!__atomic_load_n(&heap->bias_thread, __ATOMIC_RELAXED), 0))
        bias_wake_revoker(heap);
}

/* The bias thread: TRUE when it holds the heap without the futex word. */
static bool bias_enter(struct heap *heap)
{
    __atomic_store_n(&heap->bias_held, 1, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);        /* the revoker's membarrier orders it */
    if (__builtin_expect(__atomic_load_n(&heap->bias_thread, __ATOMIC_RELAXED) == my_lock_token(), 1))
        return true;
    bias_leave(heap);
    return false;
}

/* With the futex word: once the bias thread is out (if it is inside, it
 * either shows in bias_held after the barrier or reads bias_thread cleared
 * after it), nobody but the futex word's holder is. */
static void bias_revoke(struct heap *heap)
{
    __atomic_store_n(&heap->bias_thread, 0, __ATOMIC_RELAXED);
    lfh_barrier_all_threads();
    while (__atomic_load_n(&heap->bias_held, __ATOMIC_ACQUIRE))
        syscall(SYS_futex, &heap->bias_held, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
}

/* Out of line, so that the bias thread's lock needs no stack frame.  The
 * holder's fields are written only once the bias thread is out. */
static __attribute__((noinline)) void heap_lock_word(struct heap *heap)
{
    int expected = 0;
    if (!__atomic_compare_exchange_n(&heap->lock_word, &expected, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        while (__atomic_exchange_n(&heap->lock_word, 2, __ATOMIC_ACQUIRE))
            syscall(SYS_futex, &heap->lock_word, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
    if (__atomic_load_n(&heap->bias_thread, __ATOMIC_RELAXED))
        bias_revoke(heap);
    heap_lock_taken(heap, false);
}

void heap_lock(struct heap *heap)
{
    if (heap_lock_held(heap)) {
        heap->lock_depth++;
        return;
    }
    if (__atomic_load_n(&heap->bias_thread, __ATOMIC_RELAXED) == my_lock_token() && bias_enter(heap))
        heap_lock_taken(heap, true);
    else
        heap_lock_word(heap);
}

void heap_unlock(struct heap *heap)
{
    if (--heap->lock_depth)
        return;
    __atomic_store_n(&heap->lock_owner, 0, __ATOMIC_RELAXED);
    if (heap->lock_biased)
        bias_leave(heap);
    else if (__atomic_exchange_n(&heap->lock_word, 0, __ATOMIC_RELEASE) == 2)
        syscall(SYS_futex, &heap->lock_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Every heap's lock and front end are taken for fork() (see fork.h).  The
 * child's one thread is a copy of the forking one, with the same lock token,
 * so it releases them as the parent does, and a heap it held with HeapLock
 * stays held. */
void heaps_fork_prepare(void)
{
    pthread_mutex_lock(&heaps_lock);
    for (struct heap *heap = heaps_first; heap; heap = heap->list_next) {
        if (!(heap->flags & HEAP_NO_SERIALIZE))
            heap_lock(heap);
        lfh_lock_all(heap);
    }
}

void heaps_fork_parent(void)
{
    for (struct heap *heap = heaps_first; heap; heap = heap->list_next) {
        lfh_unlock_all(heap);
        if (!(heap->flags & HEAP_NO_SERIALIZE))
            heap_unlock(heap);
    }
    pthread_mutex_unlock(&heaps_lock);
}

void heaps_fork_child(void)
{
    lfh_fork_child(NULL);
    bool barrier = lfh_barrier_ready();
    for (struct heap *heap = heaps_first; heap; heap = heap->list_next) {
        lfh_unlock_all(heap);
        lfh_fork_child(heap);
        /* This thread holds every serialized heap.  One it holds through the
         * bias it now holds through the futex word: a parent's thread that
         * took the word and waits for the bias to be left is not here, and
         * the bias may be dropped below. */
        if (heap->lock_biased) {
            heap->lock_word = 1;
            heap->lock_biased = false;
            heap->bias_held = 0;
        }
        if (!(heap->flags & HEAP_NO_SERIALIZE))
            heap_unlock(heap);
        /* Without membarrier no bias could be revoked: the one thread may
         * drop them all. */
        if (!barrier)
            heap->bias_thread = 0;
    }
    pthread_mutex_unlock(&heaps_lock);
}

void heap_enter(struct heap *heap, DWORD flags)
{
    if (!(flags & HEAP_NO_SERIALIZE))
        heap_lock(heap);
}

void heap_leave(struct heap *heap, DWORD flags)
{
    if (!(flags & HEAP_NO_SERIALIZE))
        heap_unlock(heap);
}

/* Every HeapDestroy counts here first, so that the heap a thread found last
 * (last_found) is still that heap while no heap has been destroyed since: a
 * program working on one private heap finds it with two compares. */
static uint64_t heaps_destroyed;    /* atomic */

static __thread struct {
    HANDLE handle;
    struct heap *heap;
    uint64_t destroyed;
} last_found __attribute__((tls_model("initial-exec")));

/* A live heap's handle is the base of its first segment, and that segment
 * names it as owner; anything else is not a heap. */
struct heap *heap_from_handle(HANDLE handle)
{
    uint64_t destroyed = __atomic_load_n(&heaps_destroyed, __ATOMIC_ACQUIRE);
    if (handle == last_found.handle && destroyed == last_found.destroyed && handle)
        return last_found.heap;
    uintptr_t base = (uintptr_t)handle;
    if (!base || base % HEAP_GRANULE)
        return NULL;
    struct heap *known = __atomic_load_n(&process_heap, __ATOMIC_ACQUIRE);
    if (handle == known)
        return known;
    struct segment *segment = segment_at(base);
    if (!segment || segment->base != base)
        return NULL;
    struct heap *heap = __atomic_load_n(&segment->heap, __ATOMIC_ACQUIRE);
    if (heap != (struct heap *)base || heap->magic != HEAP_MAGIC)
        return NULL;
    last_found.handle = handle;
    last_found.heap = heap;
    last_found.destroyed = destroyed;
    return heap;
}

#ifdef W32MEM_COVERAGE
void __gcov_dump(void);
#endif

void heap_corruption_found(const void *data)
{
    if (!__atomic_load_n(&terminate_on_corruption, __ATOMIC_RELAXED))
        return;
    fprintf(stderr, "w32mem: heap corruption detected at %p; terminating (HeapEnableTerminationOnCorruption)\n",
            data);
#ifdef W32MEM_COVERAGE
    __gcov_dump();      /* abort() ends the process before gcov writes its counts */
#endif
    abort();
}

/* Inline here, where HeapFree, HeapReAlloc and HeapSize call it; the other
 * files get the out-of-line copy. */
inline __attribute__((always_inline)) struct located heap_locate(struct heap *heap, const void *data)
{
    struct located where = { .kind = NOT_A_BLOCK };
    uintptr_t address = (uintptr_t)data;
    uintptr_t value = heap_map_get(address);
    if (!value || address % HEAP_ALIGN)
        return where;
    if (value & 1) {
        struct large_block *large = large_of(heap, value);
        if (large && large->magic == LARGE_MAGIC && large->heap == heap && large_data(large) == data) {
            where.kind = LARGE_BLOCK;
            where.large = large;
        }
        return where;
    }
    struct segment *segment = (struct segment *)value;
    if (__atomic_load_n(&segment->heap, __ATOMIC_ACQUIRE) != heap || address >= blocks_end(segment))
        return where;
    where.segment = segment;
    if (address >= segment->first_block + HEAP_BLOCK_HEADER && busy_bit(segment, address))
        where.kind = ORDINARY_BLOCK;
    else if ((where.group = lfh_slot_group(segment, address, &where.index)))
        where.kind = SLOT_BLOCK;
    return where;
}

inline __attribute__((always_inline)) struct block *heap_ordinary_block(const struct located *where,
                                                                         const void *data)
{
    bool corrupt = false;
    struct block *block = backend_block(where->segment, (uintptr_t)data, &corrupt);
    if (corrupt)
        heap_corruption_found(data);
    return block;
}

/* Out of memory: the last error, and with HEAP_GENERATE_EXCEPTIONS the
 * noncontinuable STATUS_NO_MEMORY exception Windows raises (RtlRaiseStatus)
 * instead of returning NULL.  No heap lock is held here, so a handler may
 * leave by a long jump. */
static void *out_of_memory(DWORD flags)
{
    SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    if (flags & HEAP_GENERATE_EXCEPTIONS)
        RaiseException(STATUS_NO_MEMORY, EXCEPTION_NONCONTINUABLE, 0, NULL);
    return NULL;
}

/* ---- creating heaps ------------------------------------------------------ */

static struct heap *heap_create(DWORD options, SIZE_T initial, SIZE_T maximum)
{
    bool growable = maximum == 0;
    if (maximum && maximum < initial)
        maximum = initial;
    if (initial > HEAP_MAX_SEGMENT - HEAP_GRANULE || maximum > HEAP_MAX_SEGMENT)
        return NULL;
    size_t reserve = growable ? (initial + HEAP_GRANULE + HEAP_GRANULE - 1) & ~(HEAP_GRANULE - 1)
                              : (maximum + HEAP_INITIAL_COMMIT - 1) & ~(size_t)(HEAP_INITIAL_COMMIT - 1);
    size_t commit = (initial + HEAP_PAGE - 1) & ~(size_t)(HEAP_PAGE - 1);
    if (commit < HEAP_INITIAL_COMMIT)
        commit = HEAP_INITIAL_COMMIT;
    if (commit > reserve)
        commit = reserve;
    DWORD protect = options & HEAP_CREATE_ENABLE_EXECUTE ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
    struct segment *segment = segment_create(NULL, reserve, commit, protect);
    if (!segment)
        return NULL;

    struct heap *heap = (struct heap *)segment->base;
    memset(heap, 0, sizeof(*heap));
    heap->magic = HEAP_MAGIC;
    heap->id = __atomic_add_fetch(&last_heap_id, 1, __ATOMIC_RELAXED);
    heap->flags = (options & HEAP_CREATE_OPTIONS) | global_heap_flags | (growable ? HEAP_GROWABLE : 0);
    heap->protect = protect;
    heap->next_segment_size = HEAP_FIRST_GROW;
    heap_lock_init(heap);
    segment->first_block = segment->base + HEAP_HEADER_SIZE;
    backend_init_segment(heap, segment);
    __atomic_store_n(&segment->heap, heap, __ATOMIC_RELEASE);
    return heap;
}

/* Windows' global flags (NtGlobalFlag, set with gflags or the registry) turn
 * heap checks on for every heap of a process, the process heap included.
 * The environment variable W32MEM_GLOBALFLAG stands in for them: a number
 * (0x for hex) of the same bits. */
#define FLG_HEAP_ENABLE_TAIL_CHECK   0x10
#define FLG_HEAP_ENABLE_FREE_CHECK   0x20
#define FLG_HEAP_VALIDATE_PARAMETERS 0x40
#define FLG_HEAP_VALIDATE_ALL        0x80

static DWORD heap_flags_from_global_flag(unsigned long flag)
{
    DWORD flags = 0;
    if (flag & FLG_HEAP_ENABLE_TAIL_CHECK)
        flags |= HEAP_TAIL_CHECKING_ENABLED;
    if (flag & FLG_HEAP_ENABLE_FREE_CHECK)
        flags |= HEAP_FREE_CHECKING_ENABLED;
    if (flag & (FLG_HEAP_VALIDATE_PARAMETERS | FLG_HEAP_VALIDATE_ALL))
        flags |= HEAP_DEBUG_FLAGS;      /* as Windows does */
    return flags;
}

static void create_process_heap(void)
{
    const char *global_flag = getenv("W32MEM_GLOBALFLAG");
    if (global_flag)
        global_heap_flags = heap_flags_from_global_flag(strtoul(global_flag, NULL, 0));
    struct heap *heap = heap_create(0, 0, 0);
    if (!heap)
        return;
    heap->process = true;
    pthread_mutex_lock(&heaps_lock);
    heap->list_next = heaps_first;
    if (heaps_first)
        heaps_first->list_prev = heap;
    else
        heaps_last = heap;
    heaps_first = heap;
    heaps_count++;
    pthread_mutex_unlock(&heaps_lock);
    __atomic_store_n(&process_heap, heap, __ATOMIC_RELEASE);
}

HANDLE WINAPI GetProcessHeap(void)
{
    struct heap *heap = __atomic_load_n(&process_heap, __ATOMIC_ACQUIRE);
    if (!heap) {
        pthread_once(&process_heap_once, create_process_heap);
        heap = __atomic_load_n(&process_heap, __ATOMIC_ACQUIRE);
    }
    return heap;
}

DWORD WINAPI GetProcessHeaps(DWORD count, PHANDLE heaps)
{
    GetProcessHeap();
    pthread_mutex_lock(&heaps_lock);
    DWORD total = heaps_count;
    if (heaps && count >= total) {
        DWORD i = 0;
        for (struct heap *heap = heaps_first; heap; heap = heap->list_next)
            heaps[i++] = heap;
    }
    pthread_mutex_unlock(&heaps_lock);
    return total;
}

HANDLE WINAPI HeapCreate(DWORD options, SIZE_T initial, SIZE_T maximum)
{
    GetProcessHeap();           /* the process heap is always the first */
    struct heap *heap = heap_create(options, initial, maximum);
    if (!heap) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    pthread_mutex_lock(&heaps_lock);
    heap->list_prev = heaps_last;
    if (heaps_last)
        heaps_last->list_next = heap;
    else
        heaps_first = heap;
    heaps_last = heap;
    heaps_count++;
    pthread_mutex_unlock(&heaps_lock);
    return heap;
}

BOOL WINAPI HeapDestroy(HANDLE handle)
{
    struct heap *heap = heap_from_handle(handle);
    if (!heap || heap == GetProcessHeap())
        return failure(ERROR_INVALID_HANDLE);
    pthread_mutex_lock(&heaps_lock);
    if (heap->list_prev)
        heap->list_prev->list_next = heap->list_next;
    else
        heaps_first = heap->list_next;
    if (heap->list_next)
        heap->list_next->list_prev = heap->list_prev;
    else
        heaps_last = heap->list_prev;
    heaps_count--;
    pthread_mutex_unlock(&heaps_lock);

    heap->magic = HEAP_DEAD;
    __atomic_add_fetch(&heaps_destroyed, 1, __ATOMIC_RELEASE);
    while (heap->large)
        large_free(heap, heap->large);
    lfh_destroy(heap);
    /* The heap structure lives in the first segment: release it last. */
    struct segment *first = heap->segments, *segment = first->next;
    while (segment) {
        struct segment *next = segment->next;
        segment_release(segment);
        segment = next;
    }
    segment_release(first);
    return TRUE;
}

/* ---- blocks -------------------------------------------------------------- */

static bool lfh_eligible(const struct heap *heap)
{
    return (heap->flags & (HEAP_GROWABLE | HEAP_NO_SERIALIZE | HEAP_DEBUG_FLAGS)) == HEAP_GROWABLE;
}

/* The block of size bytes, or NULL; flags already include the heap's.
 * Inline in its two callers: one call fewer on every back-end allocation. */
static inline __attribute__((always_inline)) void *heap_alloc(struct heap *heap, DWORD flags, size_t size)
{
    void *data;
    int bin = size <= LFH_MAX_SIZE ? lfh_bin(size) : -1;
    if (bin >= 0 && __atomic_load_n(&heap->bin_active[bin], __ATOMIC_ACQUIRE)) {
        data = lfh_alloc(heap, bin, size, flags);
    } else if (size < HEAP_LARGE_THRESHOLD) {
        heap_enter(heap, flags);
        bool activated = bin >= 0 && lfh_eligible(heap) && lfh_try_activate(heap, bin);
        data = activated ? NULL : backend_alloc(heap, size);
        heap_leave(heap, flags);
        if (activated)
            data = lfh_alloc(heap, bin, size, flags);
    } else {
        /* Fixed-size heaps have no large blocks. */
        if (!(heap->flags & HEAP_GROWABLE))
            return NULL;
        heap_enter(heap, flags);
        data = large_alloc(heap, size, flags);
        heap_leave(heap, flags);
        return data;            /* zeroed there when asked */
    }
    /* Zero up to the next 8-byte boundary, as Windows does, but for the
     * tail check's bytes. */
    if (data && (flags & HEAP_ZERO_MEMORY))
        memset(data, 0, heap->flags & HEAP_TAIL_CHECKING_ENABLED ? size : (size + 7) & ~(size_t)7);
    return data;
}

/* HeapAlloc but for the front end's common case, kept out of line so that
 * the common case needs no stack frame. */
static __attribute__((noinline)) void *alloc_slow(struct heap *heap, DWORD flags, SIZE_T size)
{
    void *data = heap_alloc(heap, flags, size);
    return data ? data : out_of_memory(flags);
}

/* HeapAlloc once the heap is known; cache is this thread's of it, or NULL. */
static inline __attribute__((always_inline)) void *alloc_in(struct heap *heap, struct lfh_cache *cache,
                                                            DWORD flags, SIZE_T size)
{
    /* The front end's common case: a slot from this thread's cache (an
     * unserialized heap has no front end; a bin that is not switched on
     * has no groups, so the cache has no slot of it). */
    if (cache && size <= LFH_MAX_SIZE && !(flags & (HEAP_NO_SERIALIZE | HEAP_ZERO_MEMORY))) {
        int bin = lfh_bin(size);
        if (lfh_enter(heap, cache)) {
            void *data = lfh_take_slot(cache, bin, size);
            lfh_leave(cache);
            if (data)
                return data;
        }
    }
    return alloc_slow(heap, flags | (heap->flags & HEAP_CALL_FLAGS), size);
}

/* HeapAlloc on a heap other than the process heap. */
static __attribute__((noinline)) void *alloc_other_heap(HANDLE handle, DWORD flags, SIZE_T size)
{
    struct heap *heap = heap_from_handle(handle);
    if (!heap) {
        SetLastError(ERROR_INVALID_HANDLE);
        return NULL;
    }
    return alloc_in(heap, lfh_my_cache(heap), flags, size);
}

/* The process heap, the handle malloc passes every time, is found with two
 * loads and no call. */
LPVOID WINAPI HeapAlloc(HANDLE handle, DWORD flags, SIZE_T size)
{
    struct heap *known = __atomic_load_n(&process_heap, __ATOMIC_RELAXED);
    if (__builtin_expect(handle == known && known, 1))
        return alloc_in(known, lfh_process_cache, flags, size);
    return alloc_other_heap(handle, flags, size);
}

/* Frees a slot with the cache in flight: 1, 0 when the slot is free already,
 * -1 when data is no slot of the heap or HeapLock holds the front end.  It is
 * found in flight, so that HeapCompact gives no group back meanwhile. */
static inline __attribute__((always_inline)) int free_in_flight(struct heap *heap, struct lfh_cache *cache,
                                                                void *data)
{
    if (!lfh_enter(heap, cache))
        return -1;
    unsigned index = 0;
    struct lfh_group *group = lfh_find_slot(heap, data, &index);
    int freed = -1;
    if (group)
        freed = lfh_free_slot(cache, group, index);
    lfh_leave(cache);
    return freed;
}

/* HeapFree but for the front end's common case. */
static BOOL free_found(struct heap *heap, DWORD flags, void *data)
{
    /* Found with the heap held: no other thread frees the block or gives
     * its group back meanwhile. */
    heap_enter(heap, flags);
    struct located where = heap_locate(heap, data);
    bool freed = false, attach = false;
    switch (where.kind) {
    case SLOT_BLOCK:
        freed = lfh_free_held(heap, where.group, where.index);
        /* A thread's first free of a slot (a consumer's, say) gives it a
         * cache, so that its next ones take the common path. */
        attach = !(flags & HEAP_NO_SERIALIZE) && !lfh_my_cache(heap);
        break;
    case ORDINARY_BLOCK: {
        struct block *block = heap_ordinary_block(&where, data);
        if (block)
            backend_free(heap, where.segment, block);
        freed = block != NULL;
        break;
    }
    case LARGE_BLOCK:
        large_free(heap, where.large);
        freed = true;
        break;
    case NOT_A_BLOCK:
        break;
    }
    heap_leave(heap, flags);
    if (attach)
        lfh_attach(heap);
    return freed ? TRUE : failure(ERROR_INVALID_PARAMETER);
}

/* free_found, keeping errno (a futex wait or a purge may set it) and, when
 * it succeeds, the last error, as the common case does: the malloc shim's
 * free then saves and restores nothing, and free must not change errno. */
static __attribute__((noinline)) BOOL free_slow(struct heap *heap, DWORD flags, void *data)
{
    int saved_errno = errno;
    DWORD saved_error = GetLastError();
    BOOL freed = free_found(heap, flags, data);
    errno = saved_errno;
    if (freed)
        SetLastError(saved_error);
    return freed;
}

/* HeapFree once the heap is known; cache is this thread's of it, or NULL. */
static inline __attribute__((always_inline)) BOOL free_in(struct heap *heap, struct lfh_cache *cache,
                                                          DWORD flags, void *data)
{
    /* The common case: a slot, freed without a lock.  (An unserialized
     * heap has no slots, and so no caches.) */
    if (__builtin_expect(cache && !(flags & HEAP_NO_SERIALIZE), 1)) {
        int freed = free_in_flight(heap, cache, data);
        if (__builtin_expect(freed >= 0, 1))
            return freed ? TRUE : failure(ERROR_INVALID_PARAMETER);
    }
    return free_slow(heap, flags | (heap->flags & HEAP_CALL_FLAGS), data);
}

/* HeapFree on a heap other than the process heap. */
static __attribute__((noinline)) BOOL free_other_heap(HANDLE handle, DWORD flags, void *data)
{
    struct heap *heap = heap_from_handle(handle);
    if (!heap)
        return failure(ERROR_INVALID_HANDLE);
    return free_in(heap, lfh_my_cache(heap), flags, data);
}

BOOL WINAPI HeapFree(HANDLE handle, DWORD flags, LPVOID data)
{
    if (!data)
        return TRUE;
    struct heap *known = __atomic_load_n(&process_heap, __ATOMIC_RELAXED);
    if (__builtin_expect(handle == known && known, 1))
        return free_in(known, lfh_process_cache, flags, data);
    return free_other_heap(handle, flags, data);
}

/* Moves a block that cannot be resized in place. */
static void *move_block(struct heap *heap, DWORD flags, void *data, size_t old_size, size_t size)
{
    if (flags & HEAP_REALLOC_IN_PLACE_ONLY)
        return NULL;
    /* heap_alloc zeroes only what needs it: a fresh large block's pages are
     * zero already, and writing them would make a growing HEAP_ZERO_MEMORY
     * block resident in full. */
    void *moved = heap_alloc(heap, flags, size);
    if (!moved)
        return NULL;
    memcpy(moved, data, old_size < size ? old_size : size);
    HeapFree(heap, flags, data);
    return moved;
}

static void *realloc_located(struct heap *heap, DWORD flags, const struct located *where, void *data,
                             size_t size, bool *invalid)
{
    size_t old_size;
    switch (where->kind) {
    case SLOT_BLOCK: {
        struct lfh_group *group = where->group;
        if (!lfh_slot_busy(group, where->index))
            break;
        /* Windows' low-fragmentation heap never resizes a block in place,
         * not even to its own size: it moves, or fails in place only
         * (Wine's conformance test checks it through GlobalReAlloc). */
        if (flags & HEAP_REALLOC_IN_PLACE_ONLY)
            return NULL;
        return move_block(heap, flags, data, lfh_slot_size(group, where->index), size);
    }
    case ORDINARY_BLOCK: {
        struct block *block = heap_ordinary_block(where, data);
        if (!block)
            break;
        old_size = backend_block_usable(block);
        if (size < HEAP_LARGE_THRESHOLD && backend_resize(heap, where->segment, block, size)) {
            if ((flags & HEAP_ZERO_MEMORY) && size > old_size)
                memset((char *)data + old_size, 0, size - old_size);
            return data;
        }
        return move_block(heap, flags, data, old_size, size);
    }
    case LARGE_BLOCK: {
        old_size = where->large->size;
        if (size >= HEAP_LARGE_THRESHOLD || (flags & HEAP_REALLOC_IN_PLACE_ONLY)) {
            void *resized = large_realloc(heap, where->large, size, flags);
            if (resized || size >= HEAP_LARGE_THRESHOLD)
                return resized;
        }
        return move_block(heap, flags, data, old_size, size);
    }
    case NOT_A_BLOCK:
        break;
    }
    *invalid = true;
    return NULL;
}

/* HeapReAlloc's common case, as realloc_located does it, in flight as
 * HeapFree finds a slot: a busy slot moves to a slot the thread's cache has
 * ready.  NULL when anything more is needed: the caller then takes the
 * heap. */
static void *realloc_in_flight(struct heap *heap, struct lfh_cache *cache, void *data, SIZE_T size)
{
    if (!lfh_enter(heap, cache))
        return NULL;
    void *resized = NULL;
    unsigned index = 0;
    struct lfh_group *group = lfh_find_slot(heap, data, &index);
    if (group && lfh_slot_busy(group, index)) {
        if ((resized = lfh_take_slot(cache, lfh_bin(size), size))) {
            size_t old_size = lfh_slot_size(group, index);
            memcpy(resized, data, old_size < size ? old_size : size);
            lfh_free_slot(cache, group, index);
        }
    }
    lfh_leave(cache);
    return resized;
}

LPVOID WINAPI HeapReAlloc(HANDLE handle, DWORD flags, LPVOID data, SIZE_T size)
{
    struct heap *heap = heap_from_handle(handle);
    if (!heap) {
        SetLastError(ERROR_INVALID_HANDLE);
        return NULL;
    }
    if (!data) {
        SetLastError(NO_ERROR);     /* Windows clears it (Wine does not) */
        return NULL;
    }
    flags |= heap->flags & HEAP_CALL_FLAGS;
    struct lfh_cache *cache = heap->process ? lfh_process_cache : lfh_my_cache(heap);
    if (cache && size <= LFH_MAX_SIZE &&
        !(flags & (HEAP_NO_SERIALIZE | HEAP_ZERO_MEMORY | HEAP_REALLOC_IN_PLACE_ONLY))) {
        void *resized = realloc_in_flight(heap, cache, data, size);
        if (resized)
            return resized;
    }
    bool invalid = false;
    heap_enter(heap, flags);
    /* Found with the heap held, as in free_slow. */
    struct located where = heap_locate(heap, data);
    void *resized = realloc_located(heap, flags, &where, data, size, &invalid);
    heap_leave(heap, flags);
    if (invalid) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    return resized ? resized : out_of_memory(flags);
}

bool heap_slot_state(struct heap *heap, DWORD flags, const void *data, SIZE_T *size)
{
    struct lfh_cache *cache = flags & HEAP_NO_SERIALIZE ? NULL : lfh_my_cache(heap);
    if (!cache || !lfh_enter(heap, cache))
        return false;
    unsigned index = 0;
    struct lfh_group *group = lfh_find_slot(heap, data, &index);
    if (group)
        *size = lfh_slot_busy(group, index) ? lfh_slot_size(group, index) : (SIZE_T)-1;
    lfh_leave(cache);
    return group != NULL;
}

SIZE_T WINAPI HeapSize(HANDLE handle, DWORD flags, LPCVOID data)
{
    struct heap *heap = heap_from_handle(handle);
    if (!heap) {
        SetLastError(ERROR_INVALID_HANDLE);
        return (SIZE_T)-1;
    }
    flags |= heap->flags & HEAP_CALL_FLAGS;
    SIZE_T size = (SIZE_T)-1;
    if (!heap_slot_state(heap, flags, data, &size)) {
        /* Found with the heap held, as in free_found: no other thread
         * frees the block meanwhile, nor gives back its memory. */
        heap_enter(heap, flags);
        struct located where = heap_locate(heap, data);
        switch (where.kind) {
        case SLOT_BLOCK:
            if (lfh_slot_busy(where.group, where.index))
                size = lfh_slot_size(where.group, where.index);
            break;
        case ORDINARY_BLOCK: {
            struct block *block = heap_ordinary_block(&where, data);
            if (block)
                size = backend_block_usable(block);
            break;
        }
        case LARGE_BLOCK:
            size = where.large->size;
            break;
        case NOT_A_BLOCK:
            break;
        }
        heap_leave(heap, flags);
    }
    if (size == (SIZE_T)-1)
        SetLastError(ERROR_INVALID_PARAMETER);
    return size;
}

/* ---- locking, compaction, information ----------------------------------- */

BOOL WINAPI HeapLock(HANDLE handle)
{
    struct heap *heap = heap_from_handle(handle);
    if (!heap)
        return failure(ERROR_INVALID_HANDLE);
    if (heap->flags & HEAP_NO_SERIALIZE)
        return TRUE;            /* such a heap has no lock to take */
    heap_lock(heap);
    if (heap->hold_depth++ == 0)
        lfh_lock_all(heap);
    return TRUE;
}

BOOL WINAPI HeapUnlock(HANDLE handle)
{
    struct heap *heap = heap_from_handle(handle);
    if (!heap)
        return failure(ERROR_INVALID_HANDLE);
    if (heap->flags & HEAP_NO_SERIALIZE)
        return TRUE;
    /* Only the thread that locked the heap may unlock it. */
    if (!heap_lock_held(heap) || !heap->hold_depth)
        return failure(ERROR_NOT_LOCKED);
    if (--heap->hold_depth == 0)
        lfh_unlock_all(heap);
    heap_unlock(heap);
    return TRUE;
}

SIZE_T WINAPI HeapCompact(HANDLE handle, DWORD flags)
{
    struct heap *heap = heap_from_handle(handle);
    if (!heap) {
        SetLastError(ERROR_INVALID_HANDLE);
        return 0;
    }
    flags |= heap->flags & HEAP_CALL_FLAGS;
    heap_enter(heap, flags);
    if (!(flags & HEAP_NO_SERIALIZE) && heap->hold_depth == 0)
        lfh_lock_all(heap);
    lfh_release_empty_groups(heap);
    size_t largest = backend_compact(heap);
    backend_purge(heap, true);
    if (!(flags & HEAP_NO_SERIALIZE) && heap->hold_depth == 0)
        lfh_unlock_all(heap);
    heap_leave(heap, flags);
    segment_trim_cache();
    large_trim_cache();
    if (!largest)
        SetLastError(NO_ERROR);
    return largest;
}

BOOL WINAPI HeapQueryInformation(HANDLE handle, HEAP_INFORMATION_CLASS information_class, PVOID information,
                                 SIZE_T length, PSIZE_T return_length)
{
    if (information_class != HeapCompatibilityInformation)
        return failure(ERROR_INVALID_PARAMETER);
    if (!handle)
        return failure(ERROR_NOACCESS);     /* Windows faults reading the heap */
    struct heap *heap = heap_from_handle(handle);
    if (!heap)
        return failure(ERROR_INVALID_HANDLE);
    if (return_length)
        *return_length = sizeof(ULONG);
    if (length < sizeof(ULONG))
        return failure(ERROR_INSUFFICIENT_BUFFER);
    if (!information)
        return failure(ERROR_NOACCESS);
    *(ULONG *)information = __atomic_load_n(&heap->compat, __ATOMIC_RELAXED);
    return TRUE;
}

static BOOL set_compatibility(HANDLE handle, const void *information, SIZE_T length)
{
    if (!handle)
        return failure(ERROR_NOACCESS);
    struct heap *heap = heap_from_handle(handle);
    if (!heap)
        return failure(ERROR_INVALID_HANDLE);
    if (length < sizeof(ULONG))
        return failure(ERROR_INSUFFICIENT_BUFFER);
    if (!information)
        return failure(ERROR_NOACCESS);
    /* No LFH for unserialized or fixed-size heaps, as on Windows. */
    if ((heap->flags & (HEAP_NO_SERIALIZE | HEAP_GROWABLE)) != HEAP_GROWABLE)
        return failure(ERROR_INVALID_PARAMETER);
    ULONG wanted = *(const ULONG *)information;
    DWORD expected = 0;
    /* Only the standard heap can switch, and only to the LFH; it never
     * switches back. */
    if ((wanted != 0 && wanted != 2) ||
        !__atomic_compare_exchange_n(&heap->compat, &expected, wanted, false, __ATOMIC_RELAXED,
                                     __ATOMIC_RELAXED))
        return failure(ERROR_GEN_FAILURE);
    return TRUE;
}

static BOOL optimize_resources(HANDLE handle, const void *information, SIZE_T length)
{
    if (length < sizeof(HEAP_OPTIMIZE_RESOURCES_INFORMATION))
        return failure(ERROR_BAD_LENGTH);
    if (!information)
        return failure(ERROR_NOACCESS);
    const HEAP_OPTIMIZE_RESOURCES_INFORMATION *options = information;
    if (options->Version != HEAP_OPTIMIZE_RESOURCES_CURRENT_VERSION || options->Flags)
        return failure(ERROR_INVALID_PARAMETER);
    if (handle) {
        if (!heap_from_handle(handle))
            return failure(ERROR_INVALID_HANDLE);
        HeapCompact(handle, 0);
        return TRUE;
    }
    pthread_mutex_lock(&heaps_lock);
    for (struct heap *heap = heaps_first; heap; heap = heap->list_next)
        HeapCompact(heap, 0);
    pthread_mutex_unlock(&heaps_lock);
    return TRUE;
}

BOOL WINAPI HeapSetInformation(HANDLE handle, HEAP_INFORMATION_CLASS information_class, PVOID information,
                               SIZE_T length)
{
    switch (information_class) {
    case HeapCompatibilityInformation:
        return set_compatibility(handle, information, length);
    case HeapEnableTerminationOnCorruption:
        __atomic_store_n(&terminate_on_corruption, TRUE, __ATOMIC_RELAXED);
        return TRUE;
    case HeapOptimizeResources:
        return optimize_resources(handle, information, length);
    }
    return failure(ERROR_INVALID_PARAMETER);
}
