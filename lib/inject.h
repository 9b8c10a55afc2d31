/* Fault injection, for tests only: with ./configure --enable-fault-injection
 * (W32MEM_FAULT_INJECTION) every kernel primitive the library calls, and
 * every allocation of its own metadata, is counted, and the Nth call of one
 * of them can be made to fail with a chosen errno, as the kernel would.
 *
 * Library files include this header after every other header; it then
 * redirects those calls to counting wrappers (function-like macros, so a
 * variable or member that happens to be called `read` is left alone).  Without the switch it
 * defines nothing and the calls are the plain ones.  The tests include it
 * with INJECT_CONTROL_ONLY for the control API alone. */
#ifndef W32MEM_INJECT_H
#define W32MEM_INJECT_H

#ifdef W32MEM_FAULT_INJECTION

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum inject_primitive {
    INJECT_MMAP, INJECT_MPROTECT, INJECT_MUNMAP, INJECT_MADVISE, INJECT_MLOCK,
    INJECT_MEMFD_CREATE, INJECT_OPEN, INJECT_OPENAT, INJECT_FTRUNCATE, INJECT_FLOCK,
    INJECT_FCNTL, INJECT_LINKAT, INJECT_READ, INJECT_WRITE, INJECT_USERFAULTFD,
    INJECT_MALLOC,          /* malloc, calloc, strdup */
    INJECT_POOL,            /* pool_alloc: the map's runs and allocations, handlers */
    INJECT_PRIMITIVES
};

/* The nth call (1 for the next one) of primitive from now fails with err;
 * one failure at a time, later calls succeed again. */
void inject_arm(enum inject_primitive primitive, unsigned long nth, int err);
void inject_disarm(void);
/* Whether the armed failure happened since inject_arm. */
int inject_fired(void);
/* Calls of primitive since the last inject_reset_counts. */
unsigned long inject_calls(enum inject_primitive primitive);
void inject_reset_counts(void);
const char *inject_name(enum inject_primitive primitive);

#ifndef INJECT_CONTROL_ONLY
struct pool;

void *inject_mmap(void *address, size_t length, int protection, int flags, int fd, off_t offset);
int inject_mprotect(void *address, size_t length, int protection);
int inject_munmap(void *address, size_t length);
int inject_madvise(void *address, size_t length, int advice);
long inject_syscall(long number, ...);
int inject_memfd_create(const char *name, unsigned int flags);
int inject_open(const char *path, int flags, ...);
int inject_openat(int dirfd, const char *path, int flags, ...);
int inject_ftruncate(int fd, off_t length);
int inject_flock(int fd, int operation);
int inject_fcntl(int fd, int command, void *argument);
int inject_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
ssize_t inject_read(int fd, void *buffer, size_t count);
ssize_t inject_write(int fd, const void *buffer, size_t count);
ssize_t inject_pread(int fd, void *buffer, size_t count, off_t offset);
ssize_t inject_pwrite(int fd, const void *buffer, size_t count, off_t offset);
void *inject_malloc(size_t size);
void *inject_calloc(size_t count, size_t size);
char *inject_strdup(const char *text);
void *inject_pool_alloc(struct pool *pool);

#define mmap(...) inject_mmap(__VA_ARGS__)
#define mprotect(...) inject_mprotect(__VA_ARGS__)
#define munmap(...) inject_munmap(__VA_ARGS__)
#define madvise(...) inject_madvise(__VA_ARGS__)
#define syscall(...) inject_syscall(__VA_ARGS__)
#define memfd_create(...) inject_memfd_create(__VA_ARGS__)
#define open(...) inject_open(__VA_ARGS__)
#define openat(...) inject_openat(__VA_ARGS__)
#define ftruncate(...) inject_ftruncate(__VA_ARGS__)
#define flock(fd, operation) inject_flock(fd, operation)
#define fcntl(fd, command, argument) inject_fcntl(fd, command, (void *)(uintptr_t)(argument))
#define linkat(...) inject_linkat(__VA_ARGS__)
#define read(...) inject_read(__VA_ARGS__)
#define write(...) inject_write(__VA_ARGS__)
#define pread(...) inject_pread(__VA_ARGS__)
#define pwrite(...) inject_pwrite(__VA_ARGS__)
#define malloc(...) inject_malloc(__VA_ARGS__)
#define calloc(...) inject_calloc(__VA_ARGS__)
#define strdup(...) inject_strdup(__VA_ARGS__)
#define pool_alloc(...) inject_pool_alloc(__VA_ARGS__)
#endif

#endif
#endif
