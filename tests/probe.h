/* Whether touching memory faults, proved in a child process so that the
 * fault cannot disturb the test. */
#ifndef W32MEM_PROBE_H
#define W32MEM_PROBE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"

static bool access_faults(const void *address, bool write)
{
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        DELIBERATE_BAD_ACCESS_BEGIN();  /* the child dies of the fault it probes for */
        volatile char *byte = (volatile char *)address;
        if (write)
            *byte = 1;
        else
            (void)*byte;
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    /* Killed by the signal, or (under a sanitizer that catches SIGSEGV)
     * exited with its report: either way the access did not complete. */
    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

#define ck_assert_readable(address)     ck_assert(!access_faults((address), false))
#define ck_assert_writable(address)     ck_assert(!access_faults((address), true))
#define ck_assert_not_readable(address) ck_assert(access_faults((address), false))
#define ck_assert_not_writable(address) ck_assert(access_faults((address), true))

#endif
