/* File-mapping objects (sections) and their views, and what VirtualAlloc,
 * VirtualProtect and VirtualQuery must do differently inside a view. */
#ifndef W32MEM_MAPPING_H
#define W32MEM_MAPPING_H

#include <stdint.h>
#include <windows.h>

#include "region.h"

/* TRUE if the allocation is a MapViewOfFile view. */
BOOL view_is_mapping(const struct vm_allocation *allocation);

/* VirtualAlloc(MEM_COMMIT) of [start, end) inside a view; the caller holds
 * the address-space lock exclusively.  Commitment of a SEC_RESERVE section
 * is recorded in the section, so every view of it, in every process, sees
 * it. */
BOOL view_commit(struct vm_allocation *allocation, uintptr_t start, uintptr_t end, DWORD protect);

/* VirtualProtect of [start, end) inside a view (facts 38, 39, 142); the
 * caller holds the lock exclusively and has checked that every page is
 * committed. */
BOOL view_protect(struct vm_allocation *allocation, uintptr_t start, uintptr_t end, DWORD protect,
                  DWORD *old_protect);

/* Brings the view holding address (if any) up to date before a query: pages
 * another view committed, and copy-on-write pages that have been written
 * (they read back as PAGE_READWRITE).  Takes the lock itself. */
void view_refresh(uintptr_t address);

/* Whether a view must be refreshed before it is described; the caller
 * holds the address-space lock. */
BOOL view_is_stale(const struct vm_allocation *allocation);

/* For the fault handler (async-signal-safe; the caller holds the lock
 * shared): the kernel protection a reserved page of a view should have
 * because another view, perhaps in another process, committed it, or -1. */
int view_committed_elsewhere(const struct vm_allocation *allocation, uintptr_t page);

#endif
