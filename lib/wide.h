/* UTF-16 (WCHAR) <-> UTF-8 for the W entry points: the library works in UTF-8
 * internally, as the Linux kernel's names are bytes. */
#ifndef W32MEM_WIDE_H
#define W32MEM_WIDE_H

#include <windows.h>

/* A malloc'ed UTF-8 copy of a NUL-terminated UTF-16 string, or NULL with the
 * last error set (ERROR_NOT_ENOUGH_MEMORY, or ERROR_INVALID_NAME for an
 * unpaired surrogate). */
char *utf8_from_wide(LPCWSTR wide);

/* Converts utf8 into at most capacity WCHARs including the terminator.
 * Returns the WCHARs written without the terminator, or, when capacity is too
 * small, the capacity needed including it (buffer untouched), as the
 * GetTempPath family reports. */
DWORD wide_from_utf8(const char *utf8, LPWSTR buffer, DWORD capacity);

#endif
