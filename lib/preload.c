/* libw32mem-preload: the C allocator on the Win32 process heap.
 *
 *     LD_PRELOAD=libw32mem-preload.so program
 *
 * makes malloc, free and the rest of the family (and so C++ new and delete)
 * allocate from GetProcessHeap(), as they do on Windows: HeapSize,
 * HeapValidate, HeapWalk and HeapFree(GetProcessHeap(), 0, p) accept what
 * malloc returned.  Only the public Win32 API of libw32mem.so is used, so a
 * program that also links libw32mem sees one and the same heap.
 *
 * Blocks aligned beyond the heap's 16 bytes are carved from a larger block,
 * with a header that names it just below the aligned address.  Pointers this
 * library never handed out (from the dynamic loader's start-up allocator,
 * say) are recognised by the heap and left alone. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <windows.h>

#define EXPORT __attribute__((visibility("default")))
#define ALIGNED_MAGIC ((uintptr_t)0x5733324d414c4e47ull)   /* "W32MALNG" */

struct aligned_header {
    uintptr_t base;         /* the heap block this aligned block lives in */
    uintptr_t check;        /* base ^ aligned address ^ ALIGNED_MAGIC */
};

/* The process heap never changes, so the handle is asked for once: a call
 * into the library saved on every malloc and free. */
static HANDLE process_heap;

static HANDLE heap(void)
{
    HANDLE known = __atomic_load_n(&process_heap, __ATOMIC_RELAXED);
    if (__builtin_expect(!known, 0)) {
        known = GetProcessHeap();
        __atomic_store_n(&process_heap, known, __ATOMIC_RELAXED);
    }
    return known;
}

EXPORT void *malloc(size_t size)
{
    void *block = HeapAlloc(heap(), 0, size);
    if (!block)
        errno = ENOMEM;
    return block;
}

EXPORT void *calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    void *block = HeapAlloc(heap(), HEAP_ZERO_MEMORY, total);
    if (!block)
        errno = ENOMEM;
    return block;
}

/* The heap block an over-aligned pointer was carved from, or NULL when the
 * pointer is not one of ours. */
static void *aligned_base(const void *pointer)
{
    uintptr_t address = (uintptr_t)pointer;
    if (address % 32 != 0)
        return NULL;
    /* The header must be readable before it can be trusted or not. */
    MEMORY_BASIC_INFORMATION info;
    if (VirtualQuery((const char *)pointer - sizeof(struct aligned_header), &info, sizeof(info)) == 0 ||
        info.State != MEM_COMMIT || (info.Protect & (PAGE_GUARD | PAGE_NOACCESS)) || !info.Protect)
        return NULL;
    const struct aligned_header *header = (const struct aligned_header *)pointer - 1;
    void *base = (void *)header->base;
    if (header->check != (header->base ^ address ^ ALIGNED_MAGIC) || !HeapValidate(heap(), 0, base))
        return NULL;
    SIZE_T size = HeapSize(heap(), 0, base);
    return address >= header->base + sizeof(*header) && address <= header->base + size ? base : NULL;
}

/* free of a pointer that is no heap block: an aligned block's, or foreign
 * (left alone).  Out of line, so that the common case keeps a small frame. */
static __attribute__((noinline)) void free_other(void *pointer, DWORD saved_error)
{
    int saved_errno = errno;
    void *base = aligned_base(pointer);
    if (base)
        HeapFree(heap(), 0, base);
    errno = saved_errno;
    SetLastError(saved_error);
}

/* Frees what malloc and friends returned; anything else is left alone.  A
 * HeapFree never changes errno, and one that succeeds leaves the last error
 * too (heap.c): the common case only reads the last error, in case the
 * pointer turns out to be foreign. */
EXPORT void free(void *pointer)
{
    if (!pointer)
        return;
    DWORD saved_error = GetLastError();
    if (__builtin_expect(HeapFree(heap(), 0, pointer), 1))
        return;
    free_other(pointer, saved_error);
}

EXPORT void cfree(void *pointer)
{
    free(pointer);
}

/* Usable bytes at pointer: the block's size, the rest of an aligned block,
 * or for a foreign pointer what is readable up to the end of its mapping. */
static size_t usable_size(const void *pointer, BOOL *ours)
{
    *ours = TRUE;
    if (HeapValidate(heap(), 0, pointer))
        return HeapSize(heap(), 0, pointer);
    void *base = aligned_base(pointer);
    if (base)
        return HeapSize(heap(), 0, base) - ((uintptr_t)pointer - (uintptr_t)base);
    *ours = FALSE;
    MEMORY_BASIC_INFORMATION info;
    if (!VirtualQuery(pointer, &info, sizeof(info)) || info.State != MEM_COMMIT)
        return 0;
    return (uintptr_t)info.BaseAddress + info.RegionSize - (uintptr_t)pointer;
}

EXPORT size_t malloc_usable_size(void *pointer)
{
    BOOL ours;
    return pointer ? usable_size(pointer, &ours) : 0;
}

EXPORT void *realloc(void *pointer, size_t size)
{
    if (!pointer)
        return malloc(size);
    if (size == 0) {
        free(pointer);
        return NULL;
    }
    DWORD saved_error = GetLastError();
    void *moved = HeapReAlloc(heap(), 0, pointer, size);
    if (moved || HeapValidate(heap(), 0, pointer)) {
        SetLastError(saved_error);
        if (!moved)
            errno = ENOMEM;
        return moved;
    }
    /* An aligned block, or memory from elsewhere: copy what there is. */
    BOOL ours;
    size_t old_size = usable_size(pointer, &ours);
    SetLastError(saved_error);
    void *block = malloc(size);
    if (!block)
        return NULL;
    memcpy(block, pointer, old_size < size ? old_size : size);
    if (ours)
        free(pointer);
    return block;
}

EXPORT void *reallocarray(void *pointer, size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(pointer, total);
}

static void *allocate_aligned(size_t alignment, size_t size)
{
    if (alignment <= MEMORY_ALLOCATION_ALIGNMENT)
        return malloc(size);
    size_t total;
    if (__builtin_add_overflow(size, alignment + sizeof(struct aligned_header), &total)) {
        errno = ENOMEM;
        return NULL;
    }
    char *base = malloc(total);
    if (!base)
        return NULL;
    uintptr_t aligned = ((uintptr_t)base + sizeof(struct aligned_header) + alignment - 1) & ~(uintptr_t)(alignment - 1);
    struct aligned_header *header = (struct aligned_header *)aligned - 1;
    header->base = (uintptr_t)base;
    header->check = (uintptr_t)base ^ aligned ^ ALIGNED_MAGIC;
    return (void *)aligned;
}

static BOOL power_of_two(size_t value)
{
    return value && !(value & (value - 1));
}

EXPORT int posix_memalign(void **result, size_t alignment, size_t size)
{
    if (!power_of_two(alignment) || alignment % sizeof(void *))
        return EINVAL;
    int saved_errno = errno;
    void *block = allocate_aligned(alignment, size);
    errno = saved_errno;
    if (!block)
        return ENOMEM;
    *result = block;
    return 0;
}

EXPORT void *aligned_alloc(size_t alignment, size_t size)
{
    if (!power_of_two(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    return allocate_aligned(alignment, size);
}

EXPORT void *memalign(size_t alignment, size_t size)
{
    if (!power_of_two(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    return allocate_aligned(alignment, size);
}

EXPORT void *valloc(size_t size)
{
    return allocate_aligned((size_t)sysconf(_SC_PAGESIZE), size);
}

EXPORT void *pvalloc(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (size > SIZE_MAX - page) {
        errno = ENOMEM;
        return NULL;
    }
    return allocate_aligned(page, (size + page - 1) & ~(page - 1));
}

/* The process heap exists before main(), so the first malloc of a thread
 * never has to create it.  fork() safety is the library's own (fork.c). */
__attribute__((constructor)) static void preload_init(void)
{
    heap();
}
