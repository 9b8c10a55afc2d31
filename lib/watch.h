/* Write watching (MEM_WRITE_WATCH): which pages of an allocation were
 * written since the last reset, kept as a bit per page.
 *
 * Where the kernel has asynchronous userfaultfd write protection and the
 * PAGEMAP_SCAN ioctl (Linux 6.7), it tracks the writes itself -- writes made
 * by the kernel on the program's behalf (a read() into the buffer) included
 * -- and the bits are collected from it when asked.  Elsewhere clean pages
 * that could be written are kept write-protected; the first write faults, the
 * fault handler sets the bit and lifts the protection, and the write goes
 * through (a system call writing into a clean watched page fails with
 * EFAULT there). */
#ifndef W32MEM_WATCH_H
#define W32MEM_WATCH_H

#include <stdint.h>

#include "region.h"

BOOL watch_start(struct vm_allocation *allocation);
void watch_stop(struct vm_allocation *allocation);

/* Write-protects the clean committed writable pages of [start, end); the
 * caller holds the map lock. */
void watch_protect_clean(struct vm_allocation *allocation, uintptr_t start, uintptr_t end);

/* Async-signal-safe: marks a page written; TRUE if it was clean before. */
BOOL watch_mark_written(struct vm_allocation *allocation, uintptr_t page);

/* Decommitting replaces the pages: what was written is collected first, and
 * the new pages are watched again. */
void watch_before_decommit(struct vm_allocation *allocation, uintptr_t start, uintptr_t end);
void watch_after_decommit(struct vm_allocation *allocation, uintptr_t start, uintptr_t end);
BOOL watch_page_written(const struct vm_allocation *allocation, uintptr_t page);

#endif
