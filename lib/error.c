/* GetLastError/SetLastError and the errno translation table. */
#include "config.h"

#include <errno.h>

#include "error.h"

/* Initial-exec, as the heap's thread caches are: the default model for a
 * shared library costs a __tls_get_addr call on every access, and the
 * malloc shim reads and restores the last error around every free. */
static __thread DWORD last_error __attribute__((tls_model("initial-exec")));

DWORD WINAPI GetLastError(void)
{
    return last_error;
}

void WINAPI SetLastError(DWORD error)
{
    last_error = error;
}

BOOL failure(DWORD error)
{
    last_error = error;
    return FALSE;
}

DWORD error_from_errno(int err)
{
    switch (err) {
    case 0:             return ERROR_SUCCESS;
    case ENOENT:        return ERROR_FILE_NOT_FOUND;
    case ENOTDIR:       return ERROR_PATH_NOT_FOUND;
    case EMFILE:
    case ENFILE:        return ERROR_TOO_MANY_OPEN_FILES;
    case EPERM:
    case EACCES:
    case EROFS:         return ERROR_ACCESS_DENIED;
    case EBADF:         return ERROR_INVALID_HANDLE;
    case ENOMEM:        return ERROR_NOT_ENOUGH_MEMORY;
    case EEXIST:        return ERROR_ALREADY_EXISTS;
    case EINVAL:        return ERROR_INVALID_PARAMETER;
    case EFAULT:        return ERROR_NOACCESS;
    case ENOSPC:        return ERROR_DISK_FULL;
    case EFBIG:         return ERROR_FILE_TOO_LARGE;
    case ENAMETOOLONG:  return ERROR_FILENAME_EXCED_RANGE;
    case EISDIR:        return ERROR_DIRECTORY;
    case ENOTEMPTY:     return ERROR_DIR_NOT_EMPTY;
    case EAGAIN:        return ERROR_LOCK_VIOLATION;
    case EBUSY:         return ERROR_BUSY;
    case EXDEV:         return ERROR_NOT_SAME_DEVICE;
    case EPIPE:         return ERROR_BROKEN_PIPE;
    case ESPIPE:        return ERROR_SEEK;
    case ENOSYS:
    case EOPNOTSUPP:    return ERROR_NOT_SUPPORTED;
    case EOVERFLOW:     return ERROR_ARITHMETIC_OVERFLOW;
    case EIO:           return ERROR_GEN_FAILURE;
    case ETIMEDOUT:     return ERROR_TIMEOUT;
    case ENOLCK:        return ERROR_NO_SYSTEM_RESOURCES;   /* no memory for lock records */
    default:            return ERROR_GEN_FAILURE;
    }
}

BOOL failure_from_errno(void)
{
    return failure(error_from_errno(errno));
}
