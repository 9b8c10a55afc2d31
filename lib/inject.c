/* Fault injection: counting wrappers around the kernel primitives and the
 * metadata allocations (see inject.h).  Compiled only with
 * --enable-fault-injection. */
#include "config.h"

/* Built only with the switch, but linted in every configuration. */
#ifndef W32MEM_FAULT_INJECTION
#define W32MEM_FAULT_INJECTION 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat.h"
#include "pool.h"
#include "procmaps.h"
#define INJECT_CONTROL_ONLY
#include "inject.h"

static unsigned long calls[INJECT_PRIMITIVES];
static unsigned long armed_at[INJECT_PRIMITIVES];   /* the failing call's number; 0 for none */
static int armed_errno;
static int fired;

static const char *const names[INJECT_PRIMITIVES] = {
    [INJECT_MMAP] = "mmap", [INJECT_MPROTECT] = "mprotect", [INJECT_MUNMAP] = "munmap",
    [INJECT_MADVISE] = "madvise", [INJECT_MLOCK] = "mlock", [INJECT_MEMFD_CREATE] = "memfd_create",
    [INJECT_OPEN] = "open", [INJECT_OPENAT] = "openat", [INJECT_FTRUNCATE] = "ftruncate",
    [INJECT_FLOCK] = "flock", [INJECT_FCNTL] = "fcntl", [INJECT_LINKAT] = "linkat",
    [INJECT_READ] = "read", [INJECT_WRITE] = "write", [INJECT_USERFAULTFD] = "userfaultfd",
    [INJECT_MALLOC] = "malloc", [INJECT_POOL] = "pool_alloc",
};

const char *inject_name(enum inject_primitive primitive)
{
    return names[primitive];
}

void inject_arm(enum inject_primitive primitive, unsigned long nth, int err)
{
    inject_disarm();
    armed_errno = err;
    __atomic_store_n(&fired, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&armed_at[primitive], __atomic_load_n(&calls[primitive], __ATOMIC_SEQ_CST) + nth,
                     __ATOMIC_SEQ_CST);
}

void inject_disarm(void)
{
    for (int i = 0; i < INJECT_PRIMITIVES; i++)
        __atomic_store_n(&armed_at[i], 0, __ATOMIC_SEQ_CST);
}

int inject_fired(void)
{
    return __atomic_load_n(&fired, __ATOMIC_SEQ_CST);
}

unsigned long inject_calls(enum inject_primitive primitive)
{
    return __atomic_load_n(&calls[primitive], __ATOMIC_SEQ_CST);
}

void inject_reset_counts(void)
{
    inject_disarm();
    for (int i = 0; i < INJECT_PRIMITIVES; i++)
        __atomic_store_n(&calls[i], 0, __ATOMIC_SEQ_CST);
}

/* Counts a call; TRUE if it is the armed one (which disarms it). */
static int armed(enum inject_primitive primitive)
{
    unsigned long number = __atomic_add_fetch(&calls[primitive], 1, __ATOMIC_SEQ_CST);
    return __atomic_compare_exchange_n(&armed_at[primitive], &number, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static int fail(void)
{
    __atomic_store_n(&fired, 1, __ATOMIC_SEQ_CST);
    errno = armed_errno;
    return 1;
}

/* Counts a call; TRUE, with errno set, if this one is to fail. */
static int fails(enum inject_primitive primitive)
{
    return armed(primitive) && fail();
}

struct range {
    uintptr_t start, end;
    int split;
};

static int splits(const struct procmap_entry *entry, void *context)
{
    struct range *range = context;
    range->split |= (entry->start < range->start && range->start < entry->end) ||
                    (entry->start < range->end && range->end < entry->end);
    return range->split;
}

void *inject_mmap(void *address, size_t length, int protection, int flags, int fd, off_t offset)
{
    return fails(INJECT_MMAP) ? MAP_FAILED : mmap(address, length, protection, flags, fd, offset);
}

int inject_mprotect(void *address, size_t length, int protection)
{
    return fails(INJECT_MPROTECT) ? -1 : mprotect(address, length, protection);
}

/* The kernel refuses an munmap only when it has to split a mapping (the
 * new piece needs kernel memory and a slot under vm.max_map_count);
 * unmapping whole mappings cannot fail, so an armed call that splits none
 * goes through and the failure does not fire. */
int inject_munmap(void *address, size_t length)
{
    struct range range = { (uintptr_t)address, (uintptr_t)address + length, 0 };
    if (armed(INJECT_MUNMAP) && procmaps_walk(splits, &range) && range.split && fail())
        return -1;
    return munmap(address, length);
}

int inject_madvise(void *address, size_t length, int advice)
{
    return fails(INJECT_MADVISE) ? -1 : madvise(address, length, advice);
}

/* The library calls syscall() for mlock, munlock and userfaultfd; as
 * glibc's own syscall() does, the arguments are read as longs, six of them
 * whatever the call passed: the sixth of a shorter call is whatever lies in
 * the caller's frame, which AddressSanitizer would take for an overflow. */
__attribute__((no_sanitize_address)) long inject_syscall(long number, ...)
{
    va_list list;
    long argument[6];
    va_start(list, number);
    for (int i = 0; i < 6; i++)
        argument[i] = va_arg(list, long);
    va_end(list);
    if ((number == SYS_mlock || number == SYS_munlock) && fails(INJECT_MLOCK))
        return -1;
    if (number == SYS_userfaultfd && fails(INJECT_USERFAULTFD))
        return -1;
    return syscall(number, argument[0], argument[1], argument[2], argument[3], argument[4], argument[5]);
}

int inject_memfd_create(const char *name, unsigned int flags)
{
    return fails(INJECT_MEMFD_CREATE) ? -1 : memfd_create(name, flags);
}

static mode_t mode_argument(int flags, va_list list)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(list, int) : 0;
}

int inject_open(const char *path, int flags, ...)
{
    va_list list;
    va_start(list, flags);
    mode_t mode = mode_argument(flags, list);
    va_end(list);
    return fails(INJECT_OPEN) ? -1 : open(path, flags, mode);
}

int inject_openat(int dirfd, const char *path, int flags, ...)
{
    va_list list;
    va_start(list, flags);
    mode_t mode = mode_argument(flags, list);
    va_end(list);
    return fails(INJECT_OPENAT) ? -1 : openat(dirfd, path, flags, mode);
}

int inject_ftruncate(int fd, off_t length)
{
    return fails(INJECT_FTRUNCATE) ? -1 : ftruncate(fd, length);
}

/* Unlocking needs no memory: only taking a lock can fail. */
int inject_flock(int fd, int operation)
{
    if (armed(INJECT_FLOCK) && (operation & ~LOCK_NB) != LOCK_UN && fail())
        return -1;
    return flock(fd, operation);
}

int inject_fcntl(int fd, int command, void *argument)
{
    return fails(INJECT_FCNTL) ? -1 : fcntl(fd, command, argument);
}

int inject_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
    return fails(INJECT_LINKAT) ? -1 : linkat(olddirfd, oldpath, newdirfd, newpath, flags);
}

ssize_t inject_read(int fd, void *buffer, size_t count)
{
    return fails(INJECT_READ) ? -1 : read(fd, buffer, count);
}

ssize_t inject_write(int fd, const void *buffer, size_t count)
{
    return fails(INJECT_WRITE) ? -1 : write(fd, buffer, count);
}

ssize_t inject_pread(int fd, void *buffer, size_t count, off_t offset)
{
    return fails(INJECT_READ) ? -1 : pread(fd, buffer, count, offset);
}

ssize_t inject_pwrite(int fd, const void *buffer, size_t count, off_t offset)
{
    return fails(INJECT_WRITE) ? -1 : pwrite(fd, buffer, count, offset);
}

void *inject_malloc(size_t size)
{
    return fails(INJECT_MALLOC) ? NULL : malloc(size);
}

void *inject_calloc(size_t count, size_t size)
{
    return fails(INJECT_MALLOC) ? NULL : calloc(count, size);
}

char *inject_strdup(const char *text)
{
    return fails(INJECT_MALLOC) ? NULL : strdup(text);
}

void *inject_pool_alloc(struct pool *pool)
{
    return fails(INJECT_POOL) ? NULL : pool_alloc(pool);
}
