/* gettid for C libraries older than glibc 2.30. */
#include "config.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "compat.h"

pid_t gettid(void)
{
    return (pid_t)syscall(SYS_gettid);
}
