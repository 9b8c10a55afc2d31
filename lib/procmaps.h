/* The kernel's own map of the process (/proc/self/maps), for memory the
 * library did not make. */
#ifndef W32MEM_PROCMAPS_H
#define W32MEM_PROCMAPS_H

#include <stdint.h>
#include <windows.h>

struct procmap_entry {
    uintptr_t start, end;
    char perms[5];              /* "rwxp" */
    unsigned long long offset;
    unsigned long device, inode;
    const char *path;           /* "" for anonymous memory; valid during the visit */
};

/* Calls visit for each mapping in address order until it returns nonzero.
 * Allocates nothing (the library may be underneath malloc).  FALSE, with
 * the last error set, if the map cannot be read. */
BOOL procmaps_walk(int (*visit)(const struct procmap_entry *entry, void *context), void *context);

/* The end of the first mapping that overlaps [start, start+size), or 0 if
 * none does. */
uintptr_t procmaps_overlap_end(uintptr_t start, size_t size);

#endif
