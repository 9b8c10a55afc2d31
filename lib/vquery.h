/* What VirtualQuery reports for any address. */
#ifndef W32MEM_VQUERY_H
#define W32MEM_VQUERY_H

#include <stdint.h>
#include <windows.h>

/* Fills info for the page holding address (at most the highest user
 * address); FALSE with the last error set if the kernel's map is unreadable. */
BOOL vquery(uintptr_t address, MEMORY_BASIC_INFORMATION *info);

/* Whether the page holding address is committed and may be read: what a
 * Windows function would not fault on (TRUE too when the kernel's map
 * cannot be read).  The last error stays as it was. */
BOOL vquery_readable(uintptr_t address);

#endif
