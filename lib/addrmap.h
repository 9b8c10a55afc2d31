/*
 * addrmap: ordered map from addresses to non-NULL pointers, the index of
 * every region w32mem tracks (keyed by region start address).
 *
 * A B+-tree whose nodes come from a per-map pool of mmap'd chunks, so the
 * map never calls malloc (the library's own heap is built on top of it).
 * Not synchronized: writers need exclusive access; functions taking a
 * const map only read memory, so any number of them may run concurrently.
 * A zero-initialised struct addrmap is a valid empty map.
 */
#ifndef W32MEM_ADDRMAP_H
#define W32MEM_ADDRMAP_H

#include <stddef.h>
#include <stdint.h>

struct addrmap_node;

struct addrmap {
    struct addrmap_node *root;       /* NULL when the map is empty */
    unsigned height;                 /* levels of nodes; 1 = root is a leaf */
    size_t count;                    /* live entries */
    /* Node pool: recycled nodes first, then never-used space of the newest
     * chunk. Each map has its own so that maps guarded by different locks
     * share no mutable state. */
    struct addrmap_node *free_nodes;
    struct addrmap_node *chunk_next;
    struct addrmap_node *chunk_end;
    size_t pool_bytes;               /* bytes obtained from mmap, never returned */
};

/* 0 on success, -1 if node memory could not be mapped (map left unchanged).
 * key must not be present; value must not be NULL. */
int addrmap_insert(struct addrmap *map, uintptr_t key, void *value);

/* Swaps the value of an existing key; returns the old value, or NULL (and
 * changes nothing) if key is absent. Never allocates, so it cannot fail. */
void *addrmap_replace(struct addrmap *map, uintptr_t key, void *value);

/* Removes key and returns its value, or NULL if absent. Never allocates. */
void *addrmap_remove(struct addrmap *map, uintptr_t key);

void *addrmap_get(const struct addrmap *map, uintptr_t key);

/* The entry with the greatest key <= addr (floor), least key >= addr
 * (ceiling) or least key > key (next); NULL if there is none. The entry's key
 * is stored through key_out unless it is NULL. */
void *addrmap_floor(const struct addrmap *map, uintptr_t addr, uintptr_t *key_out);
void *addrmap_ceiling(const struct addrmap *map, uintptr_t addr, uintptr_t *key_out);
void *addrmap_next(const struct addrmap *map, uintptr_t key, uintptr_t *key_out);

size_t addrmap_count(const struct addrmap *map);

/* Drops every entry; node memory stays in the map's pool for reuse. */
void addrmap_clear(struct addrmap *map);

/* Bytes of node memory this map has mapped (for tests and statistics). */
size_t addrmap_pool_bytes(const struct addrmap *map);

/* Checks every structural invariant (ordering, node fill, depth, sibling
 * links, count); returns 1 if all hold. O(n): for tests and debugging. */
int addrmap_validate(const struct addrmap *map);

#endif
