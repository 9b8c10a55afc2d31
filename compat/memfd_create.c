/* memfd_create for C libraries older than glibc 2.27. */
#include "config.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "compat.h"

int memfd_create(const char *name, unsigned int flags)
{
    return (int)syscall(SYS_memfd_create, name, flags);
}
