/* MEM_WRITE_WATCH bookkeeping, GetWriteWatch and ResetWriteWatch. */
#include "config.h"

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "sysinfo.h"
#include "watch.h"
#include "inject.h"

/* The kernel ABI of asynchronous write protection and PAGEMAP_SCAN, which
 * older kernel headers lack (values from include/uapi/linux). */
#define FEATURE_WP_UNPOPULATED (1 << 13)
#define FEATURE_WP_ASYNC       (1 << 15)
#define USER_MODE_ONLY         1
#define PAGE_IS_WRITTEN        (1 << 1)
#define SCAN_WP_MATCHING       (1 << 0)
#define SCAN_CHECK_WPASYNC     (1 << 1)

struct page_region {
    uint64_t start, end, categories;
};

struct scan_arguments {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};

#define PAGEMAP_SCAN_IOCTL _IOWR('f', 16, struct scan_arguments)

static int userfault_fd = -1, pagemap_fd = -1;
static pthread_once_t kernel_tracking_once = PTHREAD_ONCE_INIT;

static void kernel_tracking_init(void)
{
    /* W32MEM_WRITE_WATCH=faults picks the fallback, to test it or to keep
     * userfaultfd free for the program. */
    const char *choice = getenv("W32MEM_WRITE_WATCH");
    if (choice && strcmp(choice, "faults") == 0)
        return;
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | USER_MODE_ONLY);
    if (fd < 0)
        return;
    struct uffdio_api api = { .api = UFFD_API, .features = FEATURE_WP_ASYNC | FEATURE_WP_UNPOPULATED };
    int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (ioctl(fd, UFFDIO_API, &api) != 0 || pagemap < 0) {
        close(fd);
        if (pagemap >= 0)
            close(pagemap);
        return;
    }
    userfault_fd = fd;
    pagemap_fd = pagemap;
}

static BOOL kernel_tracks_writes(void)
{
    pthread_once(&kernel_tracking_once, kernel_tracking_init);
    return userfault_fd >= 0;
}

static BOOL track_range(uintptr_t start, uintptr_t end)
{
    struct uffdio_register registration = {
        .range = { .start = start, .len = end - start }, .mode = UFFDIO_REGISTER_MODE_WP,
    };
    struct uffdio_writeprotect protection = {
        .range = { .start = start, .len = end - start }, .mode = UFFDIO_WRITEPROTECT_MODE_WP,
    };
    return ioctl(userfault_fd, UFFDIO_REGISTER, &registration) == 0 &&
           ioctl(userfault_fd, UFFDIO_WRITEPROTECT, &protection) == 0;
}

static size_t page_size(void)
{
    return address_space()->page_size;
}

static size_t page_index(const struct vm_allocation *allocation, uintptr_t page)
{
    return (page - allocation->base) / page_size();
}

static size_t bitmap_bytes(const struct vm_allocation *allocation)
{
    size_t bytes = (allocation->size / page_size() + 7) / 8;
    return (bytes + page_size() - 1) & ~(page_size() - 1);
}

BOOL watch_start(struct vm_allocation *allocation)
{
    /* Mapped, not malloc'ed: a bit per page of a reservation of any size,
     * and the fault handler reads it. */
    void *bitmap = mmap(NULL, bitmap_bytes(allocation), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (bitmap == MAP_FAILED)
        return FALSE;
    allocation->written = bitmap;
    if (kernel_tracks_writes() && !track_range(allocation->base, allocation->base + allocation->size)) {
        watch_stop(allocation);
        return FALSE;
    }
    return TRUE;
}

void watch_stop(struct vm_allocation *allocation)
{
    if (allocation->written)
        munmap(allocation->written, bitmap_bytes(allocation));
    allocation->written = NULL;
}

BOOL watch_page_written(const struct vm_allocation *allocation, uintptr_t page)
{
    size_t index = page_index(allocation, page);
    return (__atomic_load_n(&allocation->written[index / 8], __ATOMIC_ACQUIRE) >> (index % 8)) & 1;
}

BOOL watch_mark_written(struct vm_allocation *allocation, uintptr_t page)
{
    size_t index = page_index(allocation, page);
    unsigned char bit = (unsigned char)(1u << (index % 8));
    return !(__atomic_fetch_or(&allocation->written[index / 8], bit, __ATOMIC_ACQ_REL) & bit);
}

static void clear_written(struct vm_allocation *allocation, uintptr_t page)
{
    size_t index = page_index(allocation, page);
    __atomic_fetch_and(&allocation->written[index / 8], (unsigned char)~(1u << (index % 8)), __ATOMIC_ACQ_REL);
}

void watch_protect_clean(struct vm_allocation *allocation, uintptr_t start, uintptr_t end)
{
    if (kernel_tracks_writes())
        return;
    size_t page = page_size();
    for (struct vm_run *run = vm_run_at(start); run && run->start < end; run = vm_run_next(run)) {
        int protection = vm_kernel_protection(run->protect);
        if (run->state != MEM_COMMIT || !(protection & PROT_WRITE))
            continue;
        uintptr_t from = run->start > start ? run->start : start;
        uintptr_t to = run->start + run->size < end ? run->start + run->size : end;
        uintptr_t clean_from = 0;
        for (uintptr_t at = from; at <= to; at += page) {
            BOOL clean = at < to && !watch_page_written(allocation, at);
            if (clean && !clean_from)
                clean_from = at;
            else if (!clean && clean_from) {
                mprotect((void *)clean_from, at - clean_from, protection & ~PROT_WRITE);
                clean_from = 0;
            }
        }
    }
}

/* Moves what the kernel recorded for [start, end) into the bits, and has
 * it watch those pages afresh. */
static void collect_kernel_writes(struct vm_allocation *allocation, uintptr_t start, uintptr_t end)
{
    if (!kernel_tracks_writes())
        return;
    struct page_region regions[256];
    struct scan_arguments scan = {
        .size = sizeof(scan), .flags = SCAN_WP_MATCHING | SCAN_CHECK_WPASYNC,
        .start = start, .end = end, .vec = (uintptr_t)regions, .vec_len = 256,
        .category_mask = PAGE_IS_WRITTEN, .return_mask = PAGE_IS_WRITTEN,
    };
    for (;;) {
        long found = ioctl(pagemap_fd, PAGEMAP_SCAN_IOCTL, &scan);
        if (found <= 0)
            break;
        for (long i = 0; i < found; i++)
            /* cppcheck-suppress uninitvar ; the ioctl filled the first `found` regions */
            for (uintptr_t page = regions[i].start; page < regions[i].end; page += page_size())
                watch_mark_written(allocation, page);
        if (scan.walk_end >= end)
            break;
        scan.start = scan.walk_end;
    }
}

void watch_before_decommit(struct vm_allocation *allocation, uintptr_t start, uintptr_t end)
{
    collect_kernel_writes(allocation, start, end);
}

void watch_after_decommit(struct vm_allocation *allocation, uintptr_t start, uintptr_t end)
{
    (void)allocation;
    if (kernel_tracks_writes())
        track_range(start, end);
}

/* Rounds [base, base+size) out to pages and takes the map lock; the watched
 * allocation holding the range, with what the kernel recorded collected, or
 * NULL (unlocked, ERROR_INVALID_PARAMETER). */
static struct vm_allocation *lock_watched(uintptr_t base, size_t size, uintptr_t *start, uintptr_t *end)
{
    *start = page_down(base);
    *end = page_up(base + size);
    vm_lock_exclusive();
    struct vm_allocation *allocation = vm_allocation_at(base);
    if (!allocation || !allocation->written || base + size < base ||
        base + size > allocation->base + allocation->size) {
        vm_unlock();
        failure(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    collect_kernel_writes(allocation, *start, *end);
    return allocation;
}

UINT WINAPI GetWriteWatch(DWORD flags, PVOID base, SIZE_T size, PVOID *addresses,
                          ULONG_PTR *count, LPDWORD granularity)
{
    if (!count)
        return failure(ERROR_NOACCESS), ~0u;
    if (!*count)
        return failure(ERROR_INVALID_PARAMETER), ~0u;
    if (!addresses || !granularity)
        return failure(ERROR_NOACCESS), ~0u;
    if ((flags & ~(DWORD)WRITE_WATCH_FLAG_RESET) || !base || !size)
        return failure(ERROR_INVALID_PARAMETER), ~0u;

    uintptr_t start, end;
    struct vm_allocation *allocation = lock_watched((uintptr_t)base, size, &start, &end);
    if (!allocation)
        return ~0u;
    ULONG_PTR found = 0;
    uintptr_t last = start;
    for (uintptr_t page = start; page < end && found < *count; page += page_size()) {
        size_t index = page_index(allocation, page);
        if (index % 64 == 0 && page + 64 * page_size() <= end &&
            !((const uint64_t *)allocation->written)[index / 64]) {
            page += 63 * page_size();       /* 64 clean pages at once */
            continue;
        }
        if (!watch_page_written(allocation, page))
            continue;
        addresses[found++] = (PVOID)page;
        last = page + page_size();
        if (flags & WRITE_WATCH_FLAG_RESET)
            clear_written(allocation, page);
    }
    if ((flags & WRITE_WATCH_FLAG_RESET) && found)
        watch_protect_clean(allocation, start, last);
    vm_unlock();
    *count = found;
    *granularity = (DWORD)page_size();
    return 0;
}

UINT WINAPI ResetWriteWatch(LPVOID base, SIZE_T size)
{
    if (!base || !size)
        return failure(ERROR_INVALID_PARAMETER), ~0u;
    uintptr_t start, end;
    struct vm_allocation *allocation = lock_watched((uintptr_t)base, size, &start, &end);
    if (!allocation)
        return ~0u;
    for (uintptr_t page = start; page < end; page += page_size())
        clear_written(allocation, page);
    watch_protect_clean(allocation, start, end);
    vm_unlock();
    return 0;
}
