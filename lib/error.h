/* Per-thread last error and the one translation from errno to ERROR_* codes. */
#ifndef W32MEM_ERROR_H
#define W32MEM_ERROR_H

#include <windows.h>

/* Sets the calling thread's last error and returns FALSE, so that a failing
 * API function can end with `return failure(ERROR_X);`. */
BOOL failure(DWORD error);

/* The Windows error code that best describes a failed system call. */
DWORD error_from_errno(int err);

/* failure(error_from_errno(errno)). */
BOOL failure_from_errno(void);

#endif
