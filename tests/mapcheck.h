/* Test-side proof that nothing was lost or left behind: the library's
 * address-space map against the kernel's (/proc/self/maps), and snapshots of
 * what a process holds (mappings, descriptors, handles, named objects,
 * malloc'ed bytes) to compare before and after a scenario. */
#ifndef W32MEM_MAPCHECK_H
#define W32MEM_MAPCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <windows.h>

/* TRUE if every allocation of region.c's map is mapped in the kernel with
 * the protection its runs say (PROT_NONE where reserved, for guard pages and
 * in the granule tail); otherwise FALSE with the first disagreement in why. */
BOOL mapcheck_consistent(char *why, size_t why_size);

#define MAPCHECK_RANGES 4096

struct holdings {
    size_t range_count;                 /* mapped ranges, adjacent ones merged */
    uintptr_t start[MAPCHECK_RANGES], end[MAPCHECK_RANGES];
    int descriptors;                    /* entries of /proc/self/fd */
    unsigned handles;                   /* the handle table's live handles */
    int names;                          /* whether the scenario's named object exists */
    size_t heap_bytes;                  /* malloc'ed bytes in use */
};

void holdings_take(struct holdings *holdings, const char *object);
/* TRUE if after holds no more than before; otherwise FALSE with what
 * was left behind in why. */
BOOL holdings_same(const struct holdings *before, const struct holdings *after, char *why, size_t why_size);

#endif
