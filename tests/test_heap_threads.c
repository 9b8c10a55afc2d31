/* Heaps shared by threads: blocks allocated on one thread and freed on
 * another, concurrent churn, and HeapLock excluding every other thread
 * (fact 109).  Built to run under ThreadSanitizer. */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <windows.h>

#include "check_main.h"

#define HANDOFF_BLOCKS 20000
#define RING 256

/* A single-producer single-consumer ring of block pointers. */
struct handoff {
    HANDLE heap;
    void *ring[RING];
    unsigned head, tail;        /* atomic */
    int failures;               /* atomic */
};

static SIZE_T handoff_size(unsigned i)
{
    return i % 17 == 0 ? 3000 + i % 5000 : 16 + (i * 7) % 240;
}

static void *produce(void *argument)
{
    struct handoff *handoff = argument;
    for (unsigned i = 0; i < HANDOFF_BLOCKS; i++) {
        unsigned char *block = HeapAlloc(handoff->heap, 0, handoff_size(i));
        if (!block) {
            __atomic_fetch_add(&handoff->failures, 1, __ATOMIC_RELAXED);
            continue;
        }
        memset(block, (int)(i & 0xff), handoff_size(i));
        while (__atomic_load_n(&handoff->head, __ATOMIC_ACQUIRE) - __atomic_load_n(&handoff->tail, __ATOMIC_ACQUIRE) == RING)
            sched_yield();
        handoff->ring[handoff->head % RING] = block;
        __atomic_store_n(&handoff->head, handoff->head + 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

static void *consume(void *argument)
{
    struct handoff *handoff = argument;
    unsigned done = 0;
    while (done + (unsigned)__atomic_load_n(&handoff->failures, __ATOMIC_RELAXED) < HANDOFF_BLOCKS) {
        if (__atomic_load_n(&handoff->tail, __ATOMIC_ACQUIRE) == __atomic_load_n(&handoff->head, __ATOMIC_ACQUIRE)) {
            sched_yield();
            continue;
        }
        void *block = handoff->ring[handoff->tail % RING];
        __atomic_store_n(&handoff->tail, handoff->tail + 1, __ATOMIC_RELEASE);
        if (!HeapFree(handoff->heap, 0, block))
            __atomic_fetch_add(&handoff->failures, 1, __ATOMIC_RELAXED);
        done++;
    }
    return NULL;
}

static void run_handoff(HANDLE heap)
{
    static struct handoff handoff;
    memset(&handoff, 0, sizeof(handoff));
    handoff.heap = heap;
    pthread_t producer, consumer;
    ck_assert_int_eq(pthread_create(&producer, NULL, produce, &handoff), 0);
    ck_assert_int_eq(pthread_create(&consumer, NULL, consume, &handoff), 0);
    pthread_join(producer, NULL);
    pthread_join(consumer, NULL);
    ck_assert_int_eq(handoff.failures, 0);
    ck_assert(HeapValidate(heap, 0, NULL));
}

START_TEST(alloc_here_free_there)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    run_handoff(heap);
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    int busy = 0;
    while (HeapWalk(heap, &entry))
        busy += (entry.wFlags & PROCESS_HEAP_ENTRY_BUSY) != 0;
    ck_assert_int_eq(busy, 0);
    ck_assert(HeapDestroy(heap));
    run_handoff(GetProcessHeap());
}
END_TEST

#define CHURN_THREADS 4
#define CHURN_SLOTS 512

struct churn {
    HANDLE heap;
    unsigned seed;
    int failures;
};

static void *churn(void *argument)
{
    struct churn *work = argument;
    unsigned char *slots[CHURN_SLOTS] = { NULL };
    SIZE_T sizes[CHURN_SLOTS] = { 0 };
    for (int op = 0; op < 40000; op++) {
        unsigned i = (unsigned)rand_r(&work->seed) % CHURN_SLOTS;
        if (slots[i]) {
            if (HeapSize(work->heap, 0, slots[i]) != sizes[i] || slots[i][0] != (unsigned char)i ||
                !HeapFree(work->heap, 0, slots[i]))
                work->failures++;
        }
        sizes[i] = (SIZE_T)rand_r(&work->seed) % (op % 100 ? 512 : 40000);
        slots[i] = HeapAlloc(work->heap, 0, sizes[i] + 1);
        sizes[i]++;
        if (!slots[i])
            work->failures++;
        else
            slots[i][0] = (unsigned char)i;
    }
    for (unsigned i = 0; i < CHURN_SLOTS; i++)
        if (slots[i] && !HeapFree(work->heap, 0, slots[i]))
            work->failures++;
    return NULL;
}

START_TEST(concurrent_churn)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    pthread_t threads[CHURN_THREADS];
    struct churn work[CHURN_THREADS];
    for (int i = 0; i < CHURN_THREADS; i++) {
        work[i] = (struct churn){ .heap = heap, .seed = 17u * (unsigned)i + 1 };
        ck_assert_int_eq(pthread_create(&threads[i], NULL, churn, &work[i]), 0);
    }
    for (int i = 0; i < CHURN_THREADS; i++) {
        pthread_join(threads[i], NULL);
        ck_assert_int_eq(work[i].failures, 0);
    }
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert_uint_gt(HeapCompact(heap, 0), 0);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* The heap lock is biased to the thread that created the heap (heap.c): a
 * second thread that starts on the heap while the creator is inside must
 * take the lock over without either seeing the other's half-done work.
 * Over many heaps, so that the takeover lands in every part of a call. */
#define TAKEOVER_HEAPS 300

struct takeover {
    HANDLE heap;                /* atomic: the heap of this round */
    int round;                  /* atomic: the round the helper may start */
    int done;                   /* atomic: the last round the helper finished */
    int failures;
};

static int churn_back_end(HANDLE heap, unsigned seed)
{
    int failures = 0;
    void *slots[8] = { NULL };
    for (int op = 0; op < 200; op++) {
        unsigned i = (unsigned)rand_r(&seed) % 8;
        if (slots[i] && !HeapFree(heap, 0, slots[i]))
            failures++;
        /* Above the front end's sizes: every call takes the lock. */
        slots[i] = HeapAlloc(heap, 0, 16400 + (SIZE_T)rand_r(&seed) % 4096);
        if (!slots[i])
            failures++;
    }
    for (int i = 0; i < 8; i++)
        if (slots[i] && !HeapFree(heap, 0, slots[i]))
            failures++;
    return failures;
}

static void *take_over(void *argument)
{
    struct takeover *takeover = argument;
    for (int round = 1; round <= TAKEOVER_HEAPS; round++) {
        while (__atomic_load_n(&takeover->round, __ATOMIC_ACQUIRE) != round)
            sched_yield();
        takeover->failures += churn_back_end(__atomic_load_n(&takeover->heap, __ATOMIC_RELAXED), (unsigned)round);
        __atomic_store_n(&takeover->done, round, __ATOMIC_RELEASE);
    }
    return NULL;
}

START_TEST(another_thread_takes_over_a_busy_heaps_lock)
{
    static struct takeover takeover;
    pthread_t helper;
    ck_assert_int_eq(pthread_create(&helper, NULL, take_over, &takeover), 0);
    int failures = 0, invalid = 0;
    for (int round = 1; round <= TAKEOVER_HEAPS; round++) {
        HANDLE heap = HeapCreate(0, 0, 0);
        ck_assert_ptr_nonnull(heap);
        failures += churn_back_end(heap, 7);   /* the creator is inside already */
        __atomic_store_n(&takeover.heap, heap, __ATOMIC_RELAXED);
        __atomic_store_n(&takeover.round, round, __ATOMIC_RELEASE);
        failures += churn_back_end(heap, 1000u + (unsigned)round);
        while (__atomic_load_n(&takeover.done, __ATOMIC_ACQUIRE) != round)
            sched_yield();
        invalid += !HeapValidate(heap, 0, NULL);
        ck_assert(HeapDestroy(heap));
    }
    pthread_join(helper, NULL);
    ck_assert_int_eq(failures + takeover.failures, 0);
    ck_assert_int_eq(invalid, 0);
}
END_TEST

/* A heap this thread has just used, destroyed by another thread: the
 * handle is no heap any more for this thread either. */
static void *destroy_heap(void *heap)
{
    return (void *)(uintptr_t)HeapDestroy(heap);
}

START_TEST(a_heap_destroyed_by_another_thread_is_gone_here_too)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    ck_assert_ptr_nonnull(heap);
    void *block = HeapAlloc(heap, 0, 100);
    ck_assert_ptr_nonnull(block);
    ck_assert_uint_eq(HeapSize(heap, 0, block), 100);
    pthread_t other;
    void *destroyed = NULL;
    ck_assert_int_eq(pthread_create(&other, NULL, destroy_heap, heap), 0);
    pthread_join(other, &destroyed);
    ck_assert(destroyed);
    SetLastError(0);
    ck_assert_ptr_null(HeapAlloc(heap, 0, 10));
    ck_assert_uint_eq(GetLastError(), ERROR_INVALID_HANDLE);
    SetLastError(0);
    ck_assert(!HeapFree(heap, 0, block));
    ck_assert_uint_eq(GetLastError(), ERROR_INVALID_HANDLE);
    ck_assert(!HeapDestroy(heap));
}
END_TEST

struct blocked_call {
    HANDLE heap;
    DWORD flags;
    SIZE_T size;
    void *to_free;
    int done;                   /* atomic */
};

static void *alloc_and_free(void *argument)
{
    struct blocked_call *call = argument;
    void *block = HeapAlloc(call->heap, call->flags, call->size);
    HeapFree(call->heap, call->flags, block);
    if (call->to_free)
        HeapFree(call->heap, call->flags, call->to_free);
    __atomic_store_n(&call->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Starts a thread that allocates and frees, and reports whether it got
 * through while this thread holds the heap lock for 200 ms. */
static bool gets_through_lock(HANDLE heap, DWORD flags, SIZE_T size, void *to_free)
{
    struct blocked_call call = { .heap = heap, .flags = flags, .size = size, .to_free = to_free };
    pthread_t thread;
    ck_assert(HeapLock(heap));
    ck_assert_int_eq(pthread_create(&thread, NULL, alloc_and_free, &call), 0);
    usleep(200000);
    bool through = __atomic_load_n(&call.done, __ATOMIC_ACQUIRE);
    ck_assert(HeapUnlock(heap));
    pthread_join(thread, NULL);
    ck_assert(call.done);
    return through;
}

START_TEST(heap_lock_excludes_other_threads)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    /* Switch the 32-byte bin to the front end, so both paths are covered. */
    for (int i = 0; i < 40; i++)
        ck_assert(HeapFree(heap, 0, HeapAlloc(heap, 0, 32)));
    ck_assert(!gets_through_lock(heap, 0, 32, NULL));           /* front end */
    ck_assert(!gets_through_lock(heap, 0, 5000, NULL));         /* back end */
    ck_assert(!gets_through_lock(heap, 0, 0x200000, NULL));     /* large */
    void *slot = HeapAlloc(heap, 0, 32);
    ck_assert(!gets_through_lock(heap, 0, 5000, slot));         /* a remote free waits too */
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapDestroy(heap));

    /* HEAP_NO_SERIALIZE bypasses the lock, and an unserialized heap has none. */
    heap = HeapCreate(0, 0, 0);
    ck_assert(gets_through_lock(heap, HEAP_NO_SERIALIZE, 5000, NULL));
    ck_assert(HeapDestroy(heap));
    heap = HeapCreate(HEAP_NO_SERIALIZE, 0, 0);
    ck_assert(gets_through_lock(heap, 0, 5000, NULL));
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* A thread whose cache has slots of both sizes resizes one of its blocks
 * from one to the other while this thread holds the heap lock: it must
 * wait, as its HeapAlloc and HeapFree do. */
struct blocked_realloc {
    HANDLE heap;
    void *block;
    int ready, go, done;        /* atomic */
};

static void *realloc_when_told(void *argument)
{
    struct blocked_realloc *call = argument;
    call->block = HeapAlloc(call->heap, 0, 32);
    HeapFree(call->heap, 0, HeapAlloc(call->heap, 0, 100));
    memset(call->block, 0x3d, 32);
    __atomic_store_n(&call->ready, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&call->go, __ATOMIC_ACQUIRE))
        sched_yield();
    call->block = HeapReAlloc(call->heap, 0, call->block, 100);
    __atomic_store_n(&call->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

START_TEST(heap_lock_excludes_a_threads_realloc)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    for (int i = 0; i < 40; i++) {
        ck_assert(HeapFree(heap, 0, HeapAlloc(heap, 0, 32)));
        ck_assert(HeapFree(heap, 0, HeapAlloc(heap, 0, 100)));
    }
    struct blocked_realloc call = { .heap = heap };
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, realloc_when_told, &call), 0);
    while (!__atomic_load_n(&call.ready, __ATOMIC_ACQUIRE))
        sched_yield();
    ck_assert(HeapLock(heap));
    __atomic_store_n(&call.go, 1, __ATOMIC_RELEASE);
    usleep(200000);
    bool through = __atomic_load_n(&call.done, __ATOMIC_ACQUIRE);
    ck_assert(HeapUnlock(heap));
    pthread_join(thread, NULL);
    ck_assert(!through);
    ck_assert_ptr_nonnull(call.block);
    ck_assert_uint_eq(HeapSize(heap, 0, call.block), 100);
    const unsigned char *bytes = call.block;
    for (int i = 0; i < 32; i++)
        ck_assert_uint_eq(bytes[i], 0x3d);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapDestroy(heap));
}
END_TEST

struct walker {
    HANDLE heap;
    int busy;
};

static void *walk_locked(void *argument)
{
    struct walker *walker = argument;
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    HeapLock(walker->heap);
    while (HeapWalk(walker->heap, &entry))
        walker->busy += (entry.wFlags & PROCESS_HEAP_ENTRY_BUSY) != 0;
    HeapUnlock(walker->heap);
    return NULL;
}

START_TEST(walk_under_lock_while_others_allocate)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    pthread_t threads[2], walkers[2];
    struct churn work[2];
    struct walker walker[2];
    for (int i = 0; i < 2; i++) {
        work[i] = (struct churn){ .heap = heap, .seed = 5u + (unsigned)i };
        ck_assert_int_eq(pthread_create(&threads[i], NULL, churn, &work[i]), 0);
    }
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 2; i++) {
            walker[i] = (struct walker){ .heap = heap };
            ck_assert_int_eq(pthread_create(&walkers[i], NULL, walk_locked, &walker[i]), 0);
        }
        for (int i = 0; i < 2; i++) {
            pthread_join(walkers[i], NULL);
            ck_assert_int_le(walker[i].busy, 2 * CHURN_SLOTS);
        }
        ck_assert(HeapValidate(heap, 0, NULL));
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
        ck_assert_int_eq(work[i].failures, 0);
    }
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* ---- the front end's per-thread caches ---------------------------------- */

#define SMALL 48

/* A heap whose SMALL bin has switched to the front end. */
static HANDLE front_end_heap(void)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    for (int i = 0; i < 40; i++)
        ck_assert(HeapFree(heap, 0, HeapAlloc(heap, 0, SMALL)));
    ULONG mode = 0;
    ck_assert(HeapQueryInformation(heap, HeapCompatibilityInformation, &mode, sizeof(mode), NULL));
    ck_assert_uint_eq(mode, 2);
    return heap;
}

static int busy_blocks(HANDLE heap)
{
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    int busy = 0;
    while (HeapWalk(heap, &entry))
        busy += (entry.wFlags & PROCESS_HEAP_ENTRY_BUSY) != 0;
    ck_assert_uint_eq(GetLastError(), ERROR_NO_MORE_ITEMS);
    return busy;
}

static bool entry_is_busy(HANDLE heap, const void *block)
{
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    while (HeapWalk(heap, &entry))
        if (entry.lpData == block)
            return (entry.wFlags & PROCESS_HEAP_ENTRY_BUSY) != 0;
    ck_abort_msg("HeapWalk does not list %p", block);
    return false;
}

struct remote_free {
    HANDLE heap;
    void *block;
    BOOL freed;
    DWORD error;
};

static void *free_there(void *argument)
{
    struct remote_free *call = argument;
    SetLastError(0);
    call->freed = HeapFree(call->heap, 0, call->block);
    call->error = GetLastError();
    return NULL;
}

static BOOL free_on_another_thread(HANDLE heap, void *block, DWORD *error)
{
    struct remote_free call = { .heap = heap, .block = block };
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, free_there, &call), 0);
    pthread_join(thread, NULL);
    *error = call.error;
    return call.freed;
}

START_TEST(double_frees_here_and_there)
{
    HANDLE heap = front_end_heap();
    DWORD error;
    /* Freed by another thread: at once free to HeapWalk and HeapValidate,
     * before this thread, its owner, takes the slot back. */
    void *block = HeapAlloc(heap, 0, SMALL);
    ck_assert(entry_is_busy(heap, block));
    ck_assert(free_on_another_thread(heap, block, &error));
    ck_assert(!entry_is_busy(heap, block));
    ck_assert(!HeapValidate(heap, 0, block));
    ck_assert(!free_on_another_thread(heap, block, &error));
    ck_assert_uint_eq(error, ERROR_INVALID_PARAMETER);
    SetLastError(0);
    ck_assert(!HeapFree(heap, 0, block));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert_int_eq(HeapSize(heap, 0, block), (SIZE_T)-1);

    /* Freed here, its owner: another thread's second free fails as well. */
    block = HeapAlloc(heap, 0, SMALL);
    ck_assert(HeapFree(heap, 0, block));
    ck_assert(!free_on_another_thread(heap, block, &error));
    ck_assert_uint_eq(error, ERROR_INVALID_PARAMETER);
    SetLastError(0);
    ck_assert(!HeapFree(heap, 0, block));
    ck_assert_last_error(ERROR_INVALID_PARAMETER);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert_int_eq(busy_blocks(heap), 0);
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* A second free that waits behind HeapLock while the holder's HeapCompact
 * gives the slot's empty group back: when it gets in, the slot is gone, and
 * it fails without writing into what the group's memory is now. */
START_TEST(a_double_free_waiting_while_its_group_is_given_back)
{
    HANDLE heap = front_end_heap();
    void *block = HeapAlloc(heap, 0, SMALL);
    ck_assert(HeapFree(heap, 0, block));
    ck_assert(HeapLock(heap));
    struct remote_free call = { .heap = heap, .block = block };
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, free_there, &call), 0);
    usleep(200 * 1000);                 /* long enough to reach the lock */
    HeapCompact(heap, 0);
    ck_assert(!HeapValidate(heap, 0, block));
    ck_assert(HeapUnlock(heap));
    pthread_join(thread, NULL);
    ck_assert(!call.freed);
    ck_assert_uint_eq(call.error, ERROR_INVALID_PARAMETER);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert_int_eq(busy_blocks(heap), 0);
    void *blocks[64];
    for (int i = 0; i < 64; i++)
        ck_assert_ptr_nonnull(blocks[i] = HeapAlloc(heap, 0, SMALL));
    for (int i = 0; i < 64; i++)
        ck_assert(HeapFree(heap, 0, blocks[i]));
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapDestroy(heap));
}
END_TEST

#define DEAD_THREADS 32
#define PER_THREAD 100

struct short_life {
    HANDLE heap;
    void *first;
    void *freed[PER_THREAD / 2];
    void *kept[PER_THREAD / 2];
};

/* Allocates, frees half of it, and leaves the other half to its caller. */
static void *live_shortly(void *argument)
{
    struct short_life *life = argument;
    void *blocks[PER_THREAD];
    for (int i = 0; i < PER_THREAD; i++)
        blocks[i] = HeapAlloc(life->heap, 0, SMALL);
    life->first = blocks[0];
    for (int i = 0; i < PER_THREAD; i++) {
        if (i % 2)
            life->kept[i / 2] = blocks[i];
        else if (!HeapFree(life->heap, 0, (life->freed[i / 2] = blocks[i])))
            life->first = NULL;
    }
    return NULL;
}

START_TEST(dead_threads_hand_their_caches_on)
{
    HANDLE heap = front_end_heap();
    static struct short_life lives[DEAD_THREADS];
    for (int t = 0; t < DEAD_THREADS; t++) {
        lives[t] = (struct short_life){ .heap = heap };
        pthread_t thread;
        ck_assert_int_eq(pthread_create(&thread, NULL, live_shortly, &lives[t]), 0);
        pthread_join(thread, NULL);
        ck_assert_ptr_nonnull(lives[t].first);
        /* The next thread takes over the cache the last one left, free
         * slots and all, instead of carving groups of its own. */
        bool reused = false;
        for (int i = 0; t && i < PER_THREAD / 2; i++)
            reused |= lives[t].first == lives[t - 1].freed[i];
        ck_assert(reused || !t);
    }
    ck_assert_int_eq(busy_blocks(heap), DEAD_THREADS * PER_THREAD / 2);
    ck_assert(HeapValidate(heap, 0, NULL));
    /* Freed here, into the caches of threads that are gone. */
    for (int t = 0; t < DEAD_THREADS; t++)
        for (int i = 0; i < PER_THREAD / 2; i++)
            ck_assert(HeapFree(heap, 0, lives[t].kept[i]));
    ck_assert_int_eq(busy_blocks(heap), 0);
    ck_assert(HeapValidate(heap, 0, NULL));
    /* Nothing was lost: compaction gives every group back. */
    HeapCompact(heap, 0);
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    int entries = 0;
    while (HeapWalk(heap, &entry))
        entries++;
    ck_assert_int_eq(entries, 3);       /* the region, one free block, the uncommitted rest */
    ck_assert(HeapDestroy(heap));
}
END_TEST

/* A heap that cannot grow any more still hands out the slots freed into its
 * full groups, which the front end lists again only when a bin runs dry.
 * In a child: the address space is capped just above what it uses. */
enum { MANY_SLOTS = 1 << 19 };
static void *many_slots[MANY_SLOTS];

static int fill_then_free_one(void)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    for (int i = 0; heap && i < 40; i++)
        HeapFree(heap, 0, HeapAlloc(heap, 0, SMALL));
    long pages = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (!heap || !statm || fscanf(statm, "%ld", &pages) != 1)
        return 2;
    fclose(statm);
    struct rlimit cap = { .rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (16u << 20) };
    cap.rlim_max = cap.rlim_cur;
    if (setrlimit(RLIMIT_AS, &cap))
        return 3;
    int count = 0;
    while (count < MANY_SLOTS && (many_slots[count] = HeapAlloc(heap, 0, SMALL)))
        count++;
    if (count == MANY_SLOTS || count < 1000 || GetLastError() != ERROR_NOT_ENOUGH_MEMORY)
        return 4;
    if (!HeapFree(heap, 0, many_slots[count / 2]))
        return 5;
    return HeapAlloc(heap, 0, SMALL) == many_slots[count / 2] ? 0 : 6;
}

START_TEST(a_heap_that_cannot_grow_reuses_a_slot_freed_into_a_full_group)
{
    /* valgrind's own allocations live under the same cap. */
    if (UNDER_VALGRIND || UNDER_SANITIZER)
        return;
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0)
        _exit(fill_then_free_one());
    int status = 0;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(a_new_heap_at_a_dead_heaps_address)
{
    /* This thread's cache of a destroyed heap must not serve the heap that
     * takes its place (the segment cache hands the same address back). */
    for (int round = 0; round < 8; round++) {
        HANDLE heap = front_end_heap();
        void *blocks[200];
        for (int i = 0; i < 200; i++)
            ck_assert_ptr_nonnull(blocks[i] = HeapAlloc(heap, 0, SMALL));
        for (int i = 0; i < 200; i += 2)
            ck_assert(HeapFree(heap, 0, blocks[i]));
        ck_assert_int_eq(busy_blocks(heap), 100);
        ck_assert(HeapValidate(heap, 0, NULL));
        ck_assert(HeapDestroy(heap));
    }
}
END_TEST

START_TEST(more_heaps_than_a_thread_keeps_caches_for)
{
    /* A thread keeps caches for a few heaps at once; going round more of
     * them hands caches back and takes them up again. */
    enum { HEAPS = 20, BLOCKS = 30 };
    HANDLE heaps[HEAPS];
    void *blocks[HEAPS][BLOCKS];
    for (int h = 0; h < HEAPS; h++)
        heaps[h] = front_end_heap();
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < BLOCKS; i++)
            for (int h = 0; h < HEAPS; h++)
                ck_assert_ptr_nonnull(blocks[h][i] = HeapAlloc(heaps[h], 0, SMALL));
        for (int h = 0; h < HEAPS; h++)
            ck_assert_int_eq(busy_blocks(heaps[h]), BLOCKS);
        for (int i = 0; i < BLOCKS; i++)
            for (int h = HEAPS; h-- > 0;)
                ck_assert(HeapFree(heaps[h], 0, blocks[h][i]));
    }
    for (int h = 0; h < HEAPS; h++) {
        ck_assert_int_eq(busy_blocks(heaps[h]), 0);
        ck_assert(HeapValidate(heaps[h], 0, NULL));
        ck_assert(HeapDestroy(heaps[h]));
    }
}
END_TEST

static void *create_process_heap(void *argument)
{
    *(HANDLE *)argument = GetProcessHeap();
    return NULL;
}

START_TEST(process_heap_created_once)
{
    /* The first calls race: every thread must see the same heap. */
    pthread_t threads[4];
    HANDLE seen[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, create_process_heap, &seen[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < 4; i++)
        ck_assert_ptr_eq(seen[i], GetProcessHeap());
    ck_assert_uint_eq(GetProcessHeaps(0, NULL), 1);
}
END_TEST

struct held_lock {
    HANDLE heap;
    int stage;                  /* atomic: 1 locked, 2 unlocked */
};

static void *hold_heap_lock_briefly(void *argument)
{
    struct held_lock *held = argument;
    HeapLock(held->heap);
    __atomic_store_n(&held->stage, 1, __ATOMIC_RELEASE);
    usleep(200000);
    HeapUnlock(held->heap);
    __atomic_store_n(&held->stage, 2, __ATOMIC_RELEASE);
    return NULL;
}

/* Waits up to 10 s for a child that uses a heap locked at fork, and wants it
 * to have exited with 0; one still waiting is killed and fails the test. */
static void expect_child_done_in_time(pid_t child)
{
    int status;
    pid_t waited = 0;
    for (int tenths = 0; tenths < 100 && waited == 0; tenths++) {
        waited = waitpid(child, &status, WNOHANG);
        if (waited == 0)
            usleep(100000);
    }
    if (waited == 0) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
        ck_abort_msg("the child's HeapAlloc still waits after 10 s: the heap stayed locked");
    }
    ck_assert_int_eq(waited, child);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}

START_TEST(fork_waits_for_a_heap_another_thread_holds)
{
    /* The child has only the forking thread: had fork() not waited for the
     * other thread's HeapUnlock, the child's heap would stay locked.  This
     * program links the library statically, which must not lose the
     * library's fork handlers. */
    struct held_lock held = { HeapCreate(0, 0, 0), 0 };
    /* Detached: the child, which has no such thread, cannot join it
     * (ThreadSanitizer would report a leaked thread there). */
    pthread_attr_t detached;
    pthread_attr_init(&detached);
    pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, &detached, hold_heap_lock_briefly, &held), 0);
    pthread_attr_destroy(&detached);
    while (__atomic_load_n(&held.stage, __ATOMIC_ACQUIRE) != 1)
        sched_yield();
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        void *block = HeapAlloc(held.heap, 0, 5000);
        _exit(block && HeapFree(held.heap, 0, block) ? 0 : 1);
    }
    expect_child_done_in_time(child);
    while (__atomic_load_n(&held.stage, __ATOMIC_ACQUIRE) != 2)
        sched_yield();
    ck_assert(HeapDestroy(held.heap));
}
END_TEST

/* The thread that created a heap holds it by HeapLock, another thread is
 * waiting for it, and the creator forks: the child, which has only the
 * creator, must be able to unlock the heap and use it again. */
static void *alloc_and_free_once(void *heap)
{
    HeapFree(heap, 0, HeapAlloc(heap, 0, 20000));
    return NULL;
}

START_TEST(a_child_uses_the_heap_its_forking_creator_held_while_another_waited)
{
    HANDLE heap = HeapCreate(0, 0, 0);
    ck_assert(HeapFree(heap, 0, HeapAlloc(heap, 0, 20000)));
    ck_assert(HeapLock(heap));
    pthread_t waiter;
    ck_assert_int_eq(pthread_create(&waiter, NULL, alloc_and_free_once, heap), 0);
    usleep(200000);                     /* the waiter is blocked on the heap by now */
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        if (!HeapUnlock(heap))
            _exit(1);
        void *block = HeapAlloc(heap, 0, 20000);
        _exit(block && HeapFree(heap, 0, block) ? 0 : 2);
    }
    ck_assert(HeapUnlock(heap));
    pthread_join(waiter, NULL);
    expect_child_done_in_time(child);
    ck_assert(HeapValidate(heap, 0, NULL));
    ck_assert(HeapDestroy(heap));
}
END_TEST

START_TEST(a_heap_locked_at_fork_stays_locked_in_the_child)
{
    /* The forking thread's HeapLock holds in the child too, until the child
     * calls HeapUnlock: another thread of the child waits for it. */
    HANDLE heap = HeapCreate(0, 0, 0);
    ck_assert(HeapLock(heap));
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        struct blocked_call call = { .heap = heap, .size = 5000 };
        pthread_t thread;
        if (pthread_create(&thread, NULL, alloc_and_free, &call))
            _exit(1);
        usleep(200000);
        bool through = __atomic_load_n(&call.done, __ATOMIC_ACQUIRE);
        if (!HeapUnlock(heap))
            _exit(2);
        pthread_join(thread, NULL);
        SetLastError(0);
        _exit(through ? 3 : HeapUnlock(heap) || GetLastError() != ERROR_NOT_LOCKED ? 4 : 0);
    }
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert(HeapUnlock(heap));
    ck_assert(HeapDestroy(heap));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("heap threads");
    TCase *cases = tcase_create("threads");
    tcase_set_timeout(cases, 120);
    tcase_add_test(cases, process_heap_created_once);
    tcase_add_test(cases, alloc_here_free_there);
    tcase_add_test(cases, concurrent_churn);
    tcase_add_test(cases, heap_lock_excludes_other_threads);
    tcase_add_test(cases, heap_lock_excludes_a_threads_realloc);
    tcase_add_test(cases, another_thread_takes_over_a_busy_heaps_lock);
    tcase_add_test(cases, a_heap_destroyed_by_another_thread_is_gone_here_too);
    tcase_add_test(cases, walk_under_lock_while_others_allocate);
    tcase_add_test(cases, double_frees_here_and_there);
    tcase_add_test(cases, a_double_free_waiting_while_its_group_is_given_back);
    tcase_add_test(cases, dead_threads_hand_their_caches_on);
    tcase_add_test(cases, a_heap_that_cannot_grow_reuses_a_slot_freed_into_a_full_group);
    tcase_add_test(cases, a_new_heap_at_a_dead_heaps_address);
    tcase_add_test(cases, more_heaps_than_a_thread_keeps_caches_for);
    tcase_add_test(cases, fork_waits_for_a_heap_another_thread_holds);
    tcase_add_test(cases, a_heap_locked_at_fork_stays_locked_in_the_child);
    tcase_add_test(cases, a_child_uses_the_heap_its_forking_creator_held_while_another_waited);
    suite_add_tcase(suite, cases);
    return suite;
}
