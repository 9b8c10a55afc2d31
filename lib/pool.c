/* Object pools carved from 64 KiB mapped chunks; freed objects are kept on a
 * free list for reuse and chunks are never unmapped, so an object's memory is
 * always readable (the fault path relies on that). */
#include "config.h"

#include <sys/mman.h>

#include "compat.h"
#include "pool.h"

#define POOL_CHUNK_SIZE 0x10000

void *pool_alloc(struct pool *pool)
{
    if (pool->free_list) {
        void *object = pool->free_list;
        pool->free_list = *(void **)object;
        return object;
    }
    if (pool->chunk_next == pool->chunk_end) {
        char *chunk = MAP_FAILED;
        if (pool->first_chunk_at) {
            chunk = mmap((void *)pool->first_chunk_at, POOL_CHUNK_SIZE, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
            if (chunk != MAP_FAILED && (uintptr_t)chunk != pool->first_chunk_at) {
                munmap(chunk, POOL_CHUNK_SIZE);     /* an old kernel's mere hint */
                chunk = MAP_FAILED;
            }
            pool->first_chunk_at = 0;
        }
        if (chunk == MAP_FAILED)
            chunk = mmap(NULL, POOL_CHUNK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (chunk == MAP_FAILED)
            return NULL;
        pool->chunk_next = chunk;
        pool->chunk_end = chunk + POOL_CHUNK_SIZE / pool->object_size * pool->object_size;
    }
    void *object = pool->chunk_next;
    pool->chunk_next += pool->object_size;
    return object;
}

void pool_free(struct pool *pool, void *object)
{
    *(void **)object = pool->free_list;
    pool->free_list = object;
}
