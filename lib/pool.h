/* Fixed-size object pools for the library's own metadata.  They take memory
 * straight from mmap, never from malloc: the Win32 heap is built on the
 * address-space map, and malloc itself may be that heap. */
#ifndef W32MEM_POOL_H
#define W32MEM_POOL_H

#include <stddef.h>
#include <stdint.h>

struct pool {
    size_t object_size;
    void *free_list;
    char *chunk_next, *chunk_end;
    uintptr_t first_chunk_at;   /* where the first chunk should go, if free */
};

#define POOL_INIT(type) { .object_size = (sizeof(type) + 15) & ~(size_t)15 }
#define POOL_INIT_AT(type, address) \
    { .object_size = (sizeof(type) + 15) & ~(size_t)15, .first_chunk_at = (address) }

/* An uninitialised object, or NULL when no memory can be mapped.  The caller
 * synchronises access to the pool. */
void *pool_alloc(struct pool *pool);
void pool_free(struct pool *pool, void *object);

#endif
