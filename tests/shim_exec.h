/* Test programs for the LD_PRELOAD shim run themselves again under it. */
#ifndef W32MEM_SHIM_EXEC_H
#define W32MEM_SHIM_EXEC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SHIM_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SHIM_UNDER_SANITIZER 1
#endif
#endif

static void run_under_shim(char **argv)
{
#ifdef SHIM_UNDER_SANITIZER
    (void)argv;
    puts("SKIP: a sanitizer owns malloc; the shim cannot replace it");
    exit(77);
#else
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "libw32mem-preload"))
        return;
    const char *top = getenv("top_builddir");
    char libraries[4096], shim[4096 + 64];
    snprintf(libraries, sizeof(libraries), "%s/.libs", top ? top : ".");
    snprintf(shim, sizeof(shim), "%s/libw32mem-preload.so", libraries);
    if (access(shim, R_OK) != 0) {
        printf("SKIP: %s not built\n", shim);
        exit(77);
    }
    setenv("LD_PRELOAD", shim, 1);
    setenv("LD_LIBRARY_PATH", libraries, 1);
    execv("/proc/self/exe", argv);
    perror("execv");
    exit(1);
#endif
}

#endif
