/* The address-space map: every allocation the library made, and inside each
 * the runs of pages that share a state and a protection.
 *
 * Runs tile their allocation exactly and adjacent runs always differ (state,
 * protection or lock), so a reservation costs one run however large it is,
 * and VirtualQuery's RegionSize is the rest of one run (plus neighbours that
 * differ only in being locked).  All runs of all allocations sit in one
 * ordered index keyed by address, so finding what holds an address is one
 * O(log n) lookup.  A single reader/writer lock guards the whole map. */
#ifndef W32MEM_REGION_H
#define W32MEM_REGION_H

#include <stdint.h>
#include <sys/types.h>
#include <windows.h>

/* Allocation flags. */
#define ALLOCATION_WRITE_WATCH 0x1
#define ALLOCATION_LARGE_PAGES 0x2
#define ALLOCATION_PHYSICAL    0x4

struct vm_allocation;

struct vm_run {
    uintptr_t start;
    size_t size;
    DWORD state;            /* MEM_RESERVE or MEM_COMMIT */
    DWORD protect;          /* PAGE_* with modifiers; 0 while reserved */
    BOOL locked;            /* VirtualLock'ed */
    struct vm_allocation *allocation;
};

/* A query reads the first run and the fields after it: they share the first
 * cache line, so answering for an allocation with one run (most of them)
 * touches one line. */
struct vm_allocation {
    struct vm_run first_run; /* the run at base */
    uintptr_t base;         /* 64 KiB aligned */
    size_t size;            /* whole pages: what VirtualQuery shows */
    DWORD protect;          /* AllocationProtect */
    DWORD type;             /* MEM_PRIVATE or MEM_MAPPED */
    size_t mapped_size;     /* whole granules: what the kernel maps; the tail
                               past size is inaccessible and shows as free */
    DWORD flags;            /* ALLOCATION_* */
    void *owner;            /* a view's mapping object; NULL otherwise */
    unsigned char *written; /* MEM_WRITE_WATCH: a bit per page written since the last reset */
} __attribute__((aligned(64)));

struct vm_request {
    uintptr_t base;         /* 64 KiB aligned, or 0 for anywhere */
    size_t size;            /* whole pages */
    DWORD protect;          /* AllocationProtect, and the protection of a commit */
    BOOL commit;            /* commit every page at once */
    BOOL top_down;
    DWORD flags;            /* ALLOCATION_* */
};

/* A view of a file or shared-memory object, for MapViewOfFile. */
struct vm_view_request {
    uintptr_t base;         /* 64 KiB aligned, or 0 for anywhere */
    size_t size;            /* whole pages */
    int fd;                 /* what to map */
    off_t offset;
    int kernel_flags;       /* MAP_SHARED, or MAP_PRIVATE for copy-on-write */
    DWORD protect;          /* AllocationProtect, and the protection of committed pages */
    BOOL commit;            /* FALSE (SEC_RESERVE): the pages start reserved */
    void *owner;
};

void vm_lock_shared(void);
void vm_lock_exclusive(void);
void vm_unlock(void);

/* Lookups; the caller holds the lock. */
struct vm_run *vm_run_at(uintptr_t address);
struct vm_run *vm_run_next(const struct vm_run *run);   /* within its allocation */
struct vm_allocation *vm_allocation_at(uintptr_t address);
struct vm_allocation *vm_mapping_at(uintptr_t address); /* also in the inaccessible tail */
struct vm_allocation *vm_allocation_before(uintptr_t address); /* greatest base <= address */
struct vm_allocation *vm_allocation_after(uintptr_t address);  /* lowest base > address */
uintptr_t vm_region_end(const struct vm_run *run);

/* Changes; the caller holds the lock exclusively.  Each returns NULL/FALSE
 * with the last error set and the map unchanged on failure. */
struct vm_allocation *vm_allocate(const struct vm_request *request);
/* A MEM_MAPPED allocation; vm_release unmaps it. */
struct vm_allocation *vm_map_view(const struct vm_view_request *request);
BOOL vm_release(struct vm_allocation *allocation);
/* Sets [start, start+size) of allocation to state (MEM_COMMIT with protect,
 * or MEM_RESERVE) in the kernel and in the map. */
BOOL vm_change(struct vm_allocation *allocation, uintptr_t start, size_t size, DWORD state, DWORD protect);
/* Resizes a private allocation that is one committed run of whole granules
 * (as a large heap block is) with mremap, so no byte is copied: in place,
 * or, with may_move, to a fresh range placed like a new allocation (the
 * kernel moves the pages there; nothing else is ever mapped over).  The
 * allocation keeps its record; its base may change.  prepare_move, if not
 * NULL, is told the new range before anything moves and may refuse it. */
BOOL vm_resize(struct vm_allocation *allocation, size_t size, BOOL (*prepare_move)(uintptr_t, size_t),
               BOOL may_move);
BOOL vm_set_locked(struct vm_allocation *allocation, uintptr_t start, size_t size, BOOL locked);

/* For the fault handler, which cannot wait for a lock its own thread may
 * hold: a shared lock, or FALSE when this thread holds it exclusively. */
BOOL vm_lock_shared_in_signal(void);

/* A guard page's first touch: 1 if this caller removes the guard (it then
 * makes the kernel agree; the map follows at the next lock), 0 if someone
 * already did, -1 if too many removals are waiting for the map. */
int vm_guard_claim(uintptr_t page);
BOOL vm_guard_cleared(uintptr_t page);

/* The kernel protection for a PAGE_* value. */
int vm_kernel_protection(DWORD protect);

#endif
