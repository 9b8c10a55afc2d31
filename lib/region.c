/* The address-space map and the kernel calls behind each change to it.
 *
 * Reserve is one mmap of PROT_NONE memory (inaccessible, no commit charge);
 * commit is one mprotect, which makes Linux charge writable pages against the
 * commit limit; decommit is one mmap(MAP_FIXED, PROT_NONE) over our own
 * range, which drops the pages and the charge at once; release is one munmap.
 * Every bookkeeping step that can fail (splitting a run needs memory) happens
 * before the kernel call, and is undone if the kernel call fails, so the map
 * and the kernel never disagree. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "addrmap.h"
#include "compat.h"
#include "error.h"
#include "fork.h"
#include "pool.h"
#include "procmaps.h"
#include "region.h"
#include "sysinfo.h"
#include "watch.h"
#include "inject.h"

/* Where bottom-up placement starts looking: low like Windows' own
 * allocations, above where a non-PIE executable and its brk heap live. */
#define BOTTOM_UP_START ((uintptr_t)0x10000000)
#define PLACEMENT_TRIES 64

static pthread_rwlock_t map_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct addrmap runs;                 /* run start -> struct vm_run */
static struct pool run_pool = POOL_INIT(struct vm_run);
/* Allocation records live in the bottom-up arena's first granule: the page
 * they occupy keeps the kernel's page tables for the arena in place, down to
 * the last level for its first 2 MiB.  That halves the cost of reserving and
 * releasing there (measured: 6.5 us against 3.5 us per pair on the
 * development VM), and spares a view or commit there from allocating and
 * freeing a page table -- and the TLB shootdown that freeing costs -- each
 * time (make bench's named mapping cycle: 42 us against 59-83 us). */
static struct pool allocation_pool = POOL_INIT_AT(struct vm_allocation, BOTTOM_UP_START);
static uintptr_t bottom_up_cursor = BOTTOM_UP_START + ALLOCATION_GRANULARITY;

/* Which thread holds the lock exclusively, so that a fault in that thread
 * (its own handler cannot wait for itself) is recognised. */
static __thread char thread_identity __attribute__((tls_model("initial-exec")));
static char *exclusive_owner;

/* Pages whose guard the fault handler has removed in the kernel but not yet
 * in the map (it cannot take the lock exclusively); any locker brings them
 * into the map first. */
#define GUARD_CLEARS 1024
static uintptr_t guard_clears[GUARD_CLEARS];
static int guard_clears_pending;

static void drain_guard_clears(void);
static void released_range(uintptr_t start, size_t size);

void vm_lock_shared(void)
{
    if (__atomic_load_n(&guard_clears_pending, __ATOMIC_ACQUIRE)) {
        vm_lock_exclusive();
        vm_unlock();
    }
    pthread_rwlock_rdlock(&map_lock);
}

void vm_lock_exclusive(void)
{
    pthread_rwlock_wrlock(&map_lock);
    __atomic_store_n(&exclusive_owner, &thread_identity, __ATOMIC_RELAXED);
    if (__atomic_load_n(&guard_clears_pending, __ATOMIC_ACQUIRE))
        drain_guard_clears();
}

void vm_unlock(void)
{
    if (__atomic_load_n(&exclusive_owner, __ATOMIC_RELAXED) == &thread_identity)
        __atomic_store_n(&exclusive_owner, NULL, __ATOMIC_RELAXED);
    pthread_rwlock_unlock(&map_lock);
}

void vm_fork_prepare(void)
{
    vm_lock_exclusive();
}

void vm_fork_parent(void)
{
    vm_unlock();
}

void vm_fork_child(void)
{
    fork_forget_lock(&map_lock);
    pthread_rwlock_init(&map_lock, NULL);
    __atomic_store_n(&exclusive_owner, NULL, __ATOMIC_RELAXED);
}

BOOL vm_lock_shared_in_signal(void)
{
    while (pthread_rwlock_tryrdlock(&map_lock) != 0) {
        if (__atomic_load_n(&exclusive_owner, __ATOMIC_RELAXED) == &thread_identity)
            return FALSE;
        sched_yield();
    }
    return TRUE;
}

BOOL vm_guard_cleared(uintptr_t page)
{
    for (int i = 0; i < GUARD_CLEARS; i++)
        if (__atomic_load_n(&guard_clears[i], __ATOMIC_ACQUIRE) == page)
            return TRUE;
    return FALSE;
}

int vm_guard_claim(uintptr_t page)
{
    if (vm_guard_cleared(page))
        return 0;
    for (int i = 0; i < GUARD_CLEARS; i++) {
        uintptr_t empty = 0;
        if (__atomic_compare_exchange_n(&guard_clears[i], &empty, page, FALSE,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            __atomic_add_fetch(&guard_clears_pending, 1, __ATOMIC_RELEASE);
            /* Another thread may have claimed the page in an earlier slot
             * meanwhile; the lowest slot wins. */
            for (int j = 0; j < i; j++)
                if (__atomic_load_n(&guard_clears[j], __ATOMIC_ACQUIRE) == page) {
                    __atomic_store_n(&guard_clears[i], 0, __ATOMIC_RELEASE);
                    __atomic_sub_fetch(&guard_clears_pending, 1, __ATOMIC_RELEASE);
                    return 0;
                }
            return 1;
        }
    }
    return -1;
}

static uintptr_t align_up(uintptr_t value, uintptr_t alignment)
{
    return (value + alignment - 1) & ~(alignment - 1);
}

static uintptr_t run_end(const struct vm_run *run)
{
    return run->start + run->size;
}

struct vm_run *vm_run_at(uintptr_t address)
{
    struct vm_run *run = addrmap_floor(&runs, address, NULL);
    return run && address < run_end(run) ? run : NULL;
}

struct vm_run *vm_run_next(const struct vm_run *run)
{
    const struct vm_allocation *allocation = run->allocation;
    if (run_end(run) >= allocation->base + allocation->size)
        return NULL;
    return addrmap_get(&runs, run_end(run));
}

struct vm_allocation *vm_allocation_at(uintptr_t address)
{
    struct vm_run *run = vm_run_at(address);
    return run ? run->allocation : NULL;
}

struct vm_allocation *vm_mapping_at(uintptr_t address)
{
    struct vm_run *run = addrmap_floor(&runs, address, NULL);
    if (!run)
        return NULL;
    struct vm_allocation *allocation = run->allocation;
    return address < allocation->base + allocation->mapped_size ? allocation : NULL;
}

struct vm_allocation *vm_allocation_before(uintptr_t address)
{
    struct vm_run *run = addrmap_floor(&runs, address, NULL);
    return run ? run->allocation : NULL;
}

struct vm_allocation *vm_allocation_after(uintptr_t address)
{
    if (address == UINTPTR_MAX)
        return NULL;
    struct vm_allocation *here = vm_mapping_at(address);
    uintptr_t from = here ? here->base + here->mapped_size : address + 1;
    struct vm_run *run = addrmap_ceiling(&runs, from, NULL);
    return run ? run->allocation : NULL;
}

uintptr_t vm_region_end(const struct vm_run *run)
{
    const struct vm_run *next;
    while ((next = vm_run_next(run)) && next->state == run->state && next->protect == run->protect)
        run = next;
    return run_end(run);
}

int vm_kernel_protection(DWORD protect)
{
    if (protect & PAGE_GUARD)
        return PROT_NONE;
    switch (protect & 0xff) {
    case PAGE_READONLY:          return PROT_READ;
    case PAGE_READWRITE:
    case PAGE_WRITECOPY:         return PROT_READ | PROT_WRITE;
    case PAGE_EXECUTE:           return PROT_EXEC;
    case PAGE_EXECUTE_READ:      return PROT_READ | PROT_EXEC;
    case PAGE_EXECUTE_READWRITE:
    case PAGE_EXECUTE_WRITECOPY: return PROT_READ | PROT_WRITE | PROT_EXEC;
    default:                     return PROT_NONE;
    }
}

/* --- Placement ------------------------------------------------------------ */

/* What placement maps: anonymous memory, or (for a view) a file, so that a
 * view is placed by the one mmap that maps it. */
struct kernel_mapping {
    int protection;
    int flags;              /* MAP_PRIVATE | MAP_ANONYMOUS (and MAP_HUGETLB), or MAP_SHARED/MAP_PRIVATE */
    int fd;                 /* -1 for anonymous memory */
    off_t offset;
};

static void *map_kernel(const struct kernel_mapping *mapping, uintptr_t address, size_t size, int flags)
{
    return mmap((void *)address, size, mapping->protection, mapping->flags | flags, mapping->fd, mapping->offset);
}

static void *map_anonymous(uintptr_t address, size_t size, int protection, int flags)
{
    return mmap((void *)address, size, protection, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

/* Maps size bytes at a 64 KiB boundary as high as the kernel offers.  The
 * kernel's own choice is top-down but only page aligned, so the first try is
 * just below the last top-down allocation (or where one was released); then
 * the kernel's choice if it happens to be aligned; then a granule more than
 * needed, trimmed (a file is then mapped over the trimmed reservation, since
 * trimming would move its offset). */
static uintptr_t top_down_next;     /* the end of the next top-down try */

static uintptr_t place_top_down(size_t size, const struct kernel_mapping *mapping)
{
    if (top_down_next > size + LOWEST_USER_ADDRESS) {
        uintptr_t base = (top_down_next - size) & ~(uintptr_t)(ALLOCATION_GRANULARITY - 1);
        void *mapped = map_kernel(mapping, base, size, MAP_FIXED_NOREPLACE);
        if (mapped != MAP_FAILED) {
            if ((uintptr_t)mapped == base)
                return top_down_next = base;
            munmap(mapped, size);
        }
    }
    uintptr_t base = 0;
    void *first = map_kernel(mapping, 0, size, 0);
    if (first == MAP_FAILED)
        return 0;
    if (((uintptr_t)first & (ALLOCATION_GRANULARITY - 1)) == 0)
        return top_down_next = (uintptr_t)first;
    munmap(first, size);
    size_t padded = size + ALLOCATION_GRANULARITY;
    if (padded < size)
        return errno = ENOMEM, 0;
    struct kernel_mapping reservation = *mapping;
    if (mapping->fd >= 0)
        reservation = (struct kernel_mapping){ PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 };
    char *wide = map_kernel(&reservation, 0, padded, 0);
    if (wide == MAP_FAILED)
        return 0;
    base = align_up((uintptr_t)wide, ALLOCATION_GRANULARITY);
    if (base > (uintptr_t)wide)
        munmap(wide, base - (uintptr_t)wide);
    if ((uintptr_t)wide + padded > base + size)
        munmap((void *)(base + size), (uintptr_t)wide + padded - (base + size));
    if (mapping->fd >= 0 && map_kernel(mapping, base, size, MAP_FIXED) == MAP_FAILED) {
        int error = errno;
        munmap((void *)base, size);
        return errno = error, 0;
    }
    return top_down_next = base;
}

/* Maps at exactly base without touching anything already there; 0 (errno
 * EEXIST) if anything is. */
static uintptr_t place_at(uintptr_t base, size_t size, const struct kernel_mapping *mapping)
{
    void *mapped = map_kernel(mapping, base, size, MAP_FIXED_NOREPLACE);
    if (mapped == MAP_FAILED)
        return 0;
    if ((uintptr_t)mapped != base) {
        /* A kernel older than 4.17 takes the flag as a mere hint. */
        munmap(mapped, size);
        errno = EEXIST;
        return 0;
    }
    return base;
}

/* Windows' default order: the lowest free 64 KiB-aligned range, searched
 * from a cursor that release moves back down.  Our own allocations are
 * skipped with the map; anything else (the program's mappings) is found by
 * the kernel refusing to map over it. */
static uintptr_t place_bottom_up(size_t size, const struct kernel_mapping *mapping)
{
    const struct address_space *space = address_space();
    uintptr_t candidate = bottom_up_cursor;
    for (int tries = 0; tries < PLACEMENT_TRIES; tries++) {
        if (candidate + size < candidate || candidate + size - 1 > space->highest)
            break;
        struct vm_run *below = addrmap_floor(&runs, candidate + size - 1, NULL);
        if (below && below->allocation->base + below->allocation->mapped_size > candidate) {
            candidate = below->allocation->base + below->allocation->mapped_size;
            continue;
        }
        void *mapped = map_kernel(mapping, candidate, size, MAP_FIXED_NOREPLACE);
        if (mapped == MAP_FAILED) {
            if (errno != EEXIST)
                return 0;
            uintptr_t end = procmaps_overlap_end(candidate, size);
            candidate = align_up(end > candidate ? end : candidate + ALLOCATION_GRANULARITY,
                                 ALLOCATION_GRANULARITY);
            continue;
        }
        if ((uintptr_t)mapped == candidate) {
            bottom_up_cursor = candidate + size;
            return candidate;
        }
        /* The hint was not honoured (an old kernel, or a sanitizer's mmap
         * that keeps programs out of its shadow ranges): the kernel's choice
         * is as good as any if it is aligned. */
        if (((uintptr_t)mapped & (ALLOCATION_GRANULARITY - 1)) == 0)
            return (uintptr_t)mapped;
        munmap(mapped, size);
        break;
    }
    return place_top_down(size, mapping);
}

static uintptr_t place(const struct vm_request *request, size_t size, const struct kernel_mapping *mapping)
{
    if (request->base)
        return place_at(request->base, size, mapping);
    if (request->top_down || (request->flags & ALLOCATION_LARGE_PAGES))
        return place_top_down(size, mapping);
    return place_bottom_up(size, mapping);
}

/* --- Runs ----------------------------------------------------------------- */

static BOOL same_attributes(const struct vm_run *a, const struct vm_run *b)
{
    return a->state == b->state && a->protect == b->protect && a->locked == b->locked;
}

/* Splits the run holding `at` so that a run starts there. */
static BOOL split_at(uintptr_t at)
{
    struct vm_run *run = vm_run_at(at);
    if (!run || run->start == at)
        return TRUE;
    struct vm_run *tail = pool_alloc(&run_pool);
    if (!tail)
        return FALSE;
    *tail = *run;
    tail->start = at;
    tail->size = run_end(run) - at;
    if (addrmap_insert(&runs, at, tail) < 0) {
        pool_free(&run_pool, tail);
        return FALSE;
    }
    run->size = at - run->start;
    return TRUE;
}

/* Merges equal neighbours from the run before start to the run after end. */
static void coalesce(struct vm_allocation *allocation, uintptr_t start, uintptr_t end)
{
    struct vm_run *run = vm_run_at(start > allocation->base ? start - 1 : start);
    while (run && run->start <= end) {
        struct vm_run *next = vm_run_next(run);
        if (next && same_attributes(run, next)) {
            addrmap_remove(&runs, next->start);
            run->size += next->size;
            pool_free(&run_pool, next);
        } else {
            run = next;
        }
    }
}

/* Runs start at both ends of [start, end), or the map is unchanged. */
static BOOL split_range(struct vm_allocation *allocation, uintptr_t start, uintptr_t end)
{
    if (!split_at(start))
        return failure(ERROR_NOT_ENOUGH_MEMORY);
    if (end < allocation->base + allocation->size && !split_at(end)) {
        coalesce(allocation, start, start);
        return failure(ERROR_NOT_ENOUGH_MEMORY);
    }
    return TRUE;
}

/* --- Changes -------------------------------------------------------------- */

/* An allocation record (which holds its first run), or NULL with the last
 * error set. */
static struct vm_allocation *new_allocation(void)
{
    struct vm_allocation *allocation = pool_alloc(&allocation_pool);
    if (!allocation)
        failure(ERROR_NOT_ENOUGH_MEMORY);
    return allocation;
}

static void discard_allocation(struct vm_allocation *allocation, DWORD error)
{
    pool_free(&allocation_pool, allocation);
    failure(error);
}

struct vm_allocation *vm_allocate(const struct vm_request *request)
{
    size_t mapped_size = align_up(request->size, ALLOCATION_GRANULARITY);
    if (mapped_size < request->size) {
        failure(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    struct vm_allocation *allocation = new_allocation();
    if (!allocation)
        return NULL;

    /* Committing everything at once is one mmap with the final protection,
     * unless an inaccessible tail must stay behind the pages. */
    BOOL large = (request->flags & ALLOCATION_LARGE_PAGES) != 0;
    BOOL commit_in_mmap = request->commit && (mapped_size == request->size || large);
    struct kernel_mapping mapping = {
        .protection = commit_in_mmap ? vm_kernel_protection(request->protect) : PROT_NONE,
        .flags = MAP_PRIVATE | MAP_ANONYMOUS | (large ? MAP_HUGETLB : 0), .fd = -1,
    };
    DWORD error;
    uintptr_t base = place(request, mapped_size, &mapping);
    if (!base && commit_in_mmap && !large && errno == ENOMEM) {
        /* Out of address space, or over the commit limit?  Reserving first
         * tells them apart, and the commit below then reports the limit. */
        commit_in_mmap = FALSE;
        mapping.protection = PROT_NONE;
        base = place(request, mapped_size, &mapping);
    }
    if (!base) {
        error = errno == EEXIST ? ERROR_INVALID_ADDRESS
              : large ? ERROR_NO_SYSTEM_RESOURCES : ERROR_NOT_ENOUGH_MEMORY;
        goto discard;
    }
    if (request->commit && !commit_in_mmap &&
        mprotect((void *)base, request->size, vm_kernel_protection(request->protect)) != 0) {
        error = ERROR_COMMITMENT_LIMIT;
        goto unmap;
    }

    *allocation = (struct vm_allocation){
        .base = base, .size = request->size, .mapped_size = mapped_size,
        .protect = request->protect, .type = MEM_PRIVATE, .flags = request->flags,
    };
    struct vm_run *run = &allocation->first_run;
    *run = (struct vm_run){
        .start = base, .size = request->size,
        .state = request->commit ? MEM_COMMIT : MEM_RESERVE,
        .protect = request->commit ? request->protect : 0,
        .allocation = allocation,
    };
    if ((request->flags & ALLOCATION_WRITE_WATCH) && !watch_start(allocation)) {
        error = ERROR_NOT_ENOUGH_MEMORY;
        goto unmap;
    }
    if (addrmap_insert(&runs, base, run) < 0) {
        watch_stop(allocation);
        error = ERROR_NOT_ENOUGH_MEMORY;
        goto unmap;
    }
    if (allocation->written && request->commit)
        watch_protect_clean(allocation, base, base + request->size);
    return allocation;

unmap:
    munmap((void *)base, mapped_size);
discard:
    discard_allocation(allocation, error);
    return NULL;
}

/* A view whose size is not whole granules: the tail of its last granule
 * stays reserved, so the view goes over a reservation of the granules. */
static struct vm_allocation *map_view_over_reservation(const struct vm_view_request *request,
                                                       const struct kernel_mapping *mapping)
{
    struct vm_request space = { .base = request->base, .size = request->size, .protect = request->protect };
    struct vm_allocation *allocation = vm_allocate(&space);
    if (!allocation)
        return NULL;
    /* The address space is ours now, so the view may replace it. */
    if (map_kernel(mapping, allocation->base, request->size, MAP_FIXED) == MAP_FAILED) {
        DWORD error = error_from_errno(errno);
        vm_release(allocation);
        failure(error);
        return NULL;
    }
    return allocation;
}

/* A view of whole granules is placed by the mmap that maps it: one system
 * call, and still never over memory the program uses. */
static struct vm_allocation *map_view_in_place(const struct vm_view_request *request,
                                               const struct kernel_mapping *mapping)
{
    struct vm_allocation *allocation = new_allocation();
    if (!allocation)
        return NULL;
    struct vm_request where = { .base = request->base, .size = request->size };
    uintptr_t base = place(&where, request->size, mapping);
    if (!base) {
        discard_allocation(allocation, errno == EEXIST ? ERROR_INVALID_ADDRESS : error_from_errno(errno));
        return NULL;
    }
    *allocation = (struct vm_allocation){
        .base = base, .size = request->size, .mapped_size = request->size, .protect = request->protect,
    };
    struct vm_run *run = &allocation->first_run;
    *run = (struct vm_run){ .start = base, .size = request->size, .state = MEM_RESERVE, .allocation = allocation };
    if (addrmap_insert(&runs, base, run) < 0) {
        munmap((void *)base, request->size);
        discard_allocation(allocation, ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    return allocation;
}

struct vm_allocation *vm_map_view(const struct vm_view_request *request)
{
    struct kernel_mapping mapping = {
        .protection = request->commit ? vm_kernel_protection(request->protect) : PROT_NONE,
        .flags = request->kernel_flags, .fd = request->fd, .offset = request->offset,
    };
    struct vm_allocation *allocation = (request->size & (ALLOCATION_GRANULARITY - 1))
                                     ? map_view_over_reservation(request, &mapping)
                                     : map_view_in_place(request, &mapping);
    if (!allocation)
        return NULL;
    allocation->type = MEM_MAPPED;
    allocation->owner = request->owner;
    if (request->commit) {
        struct vm_run *run = vm_run_at(allocation->base);
        run->state = MEM_COMMIT;
        run->protect = request->protect;
    }
    return allocation;
}

BOOL vm_release(struct vm_allocation *allocation)
{
    if (munmap((void *)allocation->base, allocation->mapped_size) != 0)
        return failure_from_errno();
    watch_stop(allocation);
    uintptr_t at = allocation->base;
    while (at < allocation->base + allocation->size) {
        struct vm_run *run = addrmap_remove(&runs, at);
        at = run_end(run);
        if (run != &allocation->first_run)
            pool_free(&run_pool, run);
    }
    released_range(allocation->base, allocation->mapped_size);
    pool_free(&allocation_pool, allocation);
    return TRUE;
}

static BOOL kernel_change(uintptr_t start, size_t size, DWORD state, DWORD protect)
{
    if (state == MEM_RESERVE) {
        void *mapped = map_anonymous(start, size, PROT_NONE, MAP_FIXED);
        return mapped == MAP_FAILED ? failure_from_errno() : TRUE;
    }
    if (mprotect((void *)start, size, vm_kernel_protection(protect)) != 0)
        return failure(errno == ENOMEM ? ERROR_COMMITMENT_LIMIT : error_from_errno(errno));
    return TRUE;
}

/* Sets the runs of [start, end) to state and protect; with kernel, makes
 * the kernel agree first. */
static BOOL update_runs(struct vm_allocation *allocation, uintptr_t start, uintptr_t end,
                        DWORD state, DWORD protect, BOOL kernel)
{
    if (!split_range(allocation, start, end))
        return FALSE;
    if (kernel && allocation->written && state == MEM_RESERVE)
        watch_before_decommit(allocation, start, end);
    if (kernel && !kernel_change(start, end - start, state, protect)) {
        coalesce(allocation, start, end);
        return FALSE;
    }
    if (kernel && allocation->written && state == MEM_RESERVE)
        watch_after_decommit(allocation, start, end);
    for (struct vm_run *run = vm_run_at(start); run && run->start < end; run = vm_run_next(run)) {
        run->state = state;
        run->protect = protect;
        if (state == MEM_RESERVE)
            run->locked = FALSE;
    }
    coalesce(allocation, start, end);
    if (kernel && allocation->written && state == MEM_COMMIT)
        watch_protect_clean(allocation, start, end);
    return TRUE;
}

BOOL vm_change(struct vm_allocation *allocation, uintptr_t start, size_t size, DWORD state, DWORD protect)
{
    uintptr_t end = start + size;
    if (state == MEM_RESERVE)
        protect = 0;
    struct vm_run *first = vm_run_at(start);
    if (run_end(first) >= end && first->state == state && first->protect == protect &&
        state == MEM_COMMIT)
        return TRUE;            /* nothing to do: no syscall */
    return update_runs(allocation, start, end, state, protect, TRUE);
}

/* Placement hints follow what the allocation gave back. */
static void released_range(uintptr_t start, size_t size)
{
    if (start >= BOTTOM_UP_START && start < bottom_up_cursor)
        bottom_up_cursor = start;
    if (start == top_down_next)
        top_down_next += size;
}

static BOOL resizable(const struct vm_allocation *allocation, size_t size)
{
    const struct vm_run *run = vm_run_at(allocation->base);
    return run && allocation->type == MEM_PRIVATE && !allocation->flags && allocation->size == allocation->mapped_size &&
           run->size == allocation->size && run->state == MEM_COMMIT && !run->locked &&
           !(run->protect & PAGE_GUARD) && size && size % ALLOCATION_GRANULARITY == 0;
}

static BOOL move_allocation(struct vm_allocation *allocation, size_t size, BOOL (*prepare)(uintptr_t, size_t))
{
    struct vm_request request = { .size = size };
    const struct kernel_mapping reservation = { PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 };
    uintptr_t target = place(&request, size, &reservation);
    if (!target)
        return failure(ERROR_NOT_ENOUGH_MEMORY);
    if (prepare && !prepare(target, size)) {
        munmap((void *)target, size);
        return failure(ERROR_NOT_ENOUGH_MEMORY);
    }
    struct vm_run *run = vm_run_at(allocation->base);
    if (addrmap_insert(&runs, target, run) < 0) {
        munmap((void *)target, size);
        return failure(ERROR_NOT_ENOUGH_MEMORY);
    }
    /* The target is a reservation of our own: MREMAP_FIXED replaces only it. */
    void *moved = mremap((void *)allocation->base, allocation->size, size, MREMAP_MAYMOVE | MREMAP_FIXED,
                         (void *)target);
    if (moved == MAP_FAILED) {
        addrmap_remove(&runs, target);
        munmap((void *)target, size);
        return failure(ERROR_NOT_ENOUGH_MEMORY);
    }
    addrmap_remove(&runs, allocation->base);
    released_range(allocation->base, allocation->size);
    allocation->base = run->start = target;
    return TRUE;
}

BOOL vm_resize(struct vm_allocation *allocation, size_t size, BOOL (*prepare_move)(uintptr_t, size_t), BOOL may_move)
{
    if (!resizable(allocation, size))
        return failure(ERROR_INVALID_PARAMETER);
    size_t old_size = allocation->size;
    if (size == old_size)
        return TRUE;
    /* Without MREMAP_MAYMOVE the kernel only grows into unmapped space, and
     * everything the map holds is mapped: nobody's memory is taken. */
    if (mremap((void *)allocation->base, old_size, size, 0) == MAP_FAILED) {
        if (size < old_size || !may_move || !move_allocation(allocation, size, prepare_move))
            return size < old_size ? failure_from_errno() : failure(ERROR_NOT_ENOUGH_MEMORY);
    } else if (size < old_size) {
        released_range(allocation->base + size, old_size - size);
    }
    allocation->size = allocation->mapped_size = vm_run_at(allocation->base)->size = size;
    return TRUE;
}

static void drain_guard_clears(void)
{
    size_t page_size = address_space()->page_size;
    for (int i = 0; i < GUARD_CLEARS; i++) {
        uintptr_t page = __atomic_load_n(&guard_clears[i], __ATOMIC_ACQUIRE);
        if (!page)
            continue;
        struct vm_run *run = vm_run_at(page);
        if (run && (run->protect & PAGE_GUARD) &&
            !update_runs(run->allocation, page, page + page_size, MEM_COMMIT, run->protect & ~(DWORD)PAGE_GUARD, FALSE))
            continue;           /* no memory to split the run: try again later */
        __atomic_store_n(&guard_clears[i], 0, __ATOMIC_RELEASE);
        __atomic_sub_fetch(&guard_clears_pending, 1, __ATOMIC_RELEASE);
    }
}

BOOL vm_set_locked(struct vm_allocation *allocation, uintptr_t start, size_t size, BOOL locked)
{
    uintptr_t end = start + size;
    if (!split_range(allocation, start, end))
        return FALSE;
    /* The system calls themselves: sanitizers replace mlock with a no-op. */
    if (syscall(locked ? SYS_mlock : SYS_munlock, start, size) != 0) {
        DWORD error = errno == ENOMEM || errno == EAGAIN ? ERROR_WORKING_SET_QUOTA
                    : errno == EPERM ? ERROR_PRIVILEGE_NOT_HELD : error_from_errno(errno);
        coalesce(allocation, start, end);
        return failure(error);
    }
    for (struct vm_run *run = vm_run_at(start); run && run->start < end; run = vm_run_next(run))
        run->locked = locked;
    coalesce(allocation, start, end);
    return TRUE;
}
