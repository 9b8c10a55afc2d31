/* Shared by the conformance programs. Plain Win32 and ISO C only: every
 * program builds unchanged with mingw-w64 for Windows and against w32mem.
 *
 * Each check prints one line "what: result err=E". Results are normalised
 * so that two correct implementations print the same bytes: booleans as
 * TRUE/FALSE, pointers as NULL or as an offset from a base the program
 * chose, handles as NULL/INVALID/handle. E is GetLastError() read right
 * after the call, or "-" when the call left the sentinel untouched. */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include <windows.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>

/* Documented, but missing from some mingw-w64 headers. */
#ifndef DUPLICATE_SAME_ATTRIBUTES
#define DUPLICATE_SAME_ATTRIBUTES 0x00000004
#endif

/* Set before every checked call, so that "left last error alone" shows. */
#define UNTOUCHED 0xDEADBEEF
#define TRY(call) (SetLastError(UNTOUCHED), (call))

static inline void emit(const char *what, DWORD error, const char *format, ...)
{
    va_list args;

    printf("%s: ", what);
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    if (error == UNTOUCHED)
        printf(" err=-\n");
    else
        printf(" err=%lu\n", (unsigned long)error);
    fflush(stdout);
}

/* A fact that involves no call: printed without an error field. */
static inline void fact(const char *what, const char *format, ...)
{
    va_list args;

    printf("%s: ", what);
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    printf("\n");
    fflush(stdout);
}

static inline void yes_no(const char *what, int condition)
{
    fact(what, "%s", condition ? "yes" : "no");
}

static inline const char *offset_into(char *text, size_t size, const void *p, const void *base)
{
    long long delta = (long long)((const char *)p - (const char *)base);

    if (!p)
        return "NULL";
    if (!base)
        return "non-NULL";
    if (delta < -0x40000000LL || delta > 0x40000000LL)
        return "elsewhere";
    if (delta < 0)
        snprintf(text, size, "base-0x%llx", (unsigned long long)-delta);
    else
        snprintf(text, size, "base+0x%llx", (unsigned long long)delta);
    return text;
}

static inline const char *offset_text(const void *p, const void *base)
{
    static char text[64];

    return offset_into(text, sizeof text, p, base);
}

static inline void bool_is(const char *what, BOOL result)
{
    DWORD error = GetLastError();

    emit(what, error, "%s", result ? "TRUE" : "FALSE");
}

/* A pointer result, shown as an offset from base (or just non-NULL when
 * base is NULL). */
static inline void ptr_is(const char *what, const void *result, const void *base)
{
    DWORD error = GetLastError();

    emit(what, error, "%s", offset_text(result, base));
}

static inline void handle_is(const char *what, HANDLE result)
{
    DWORD error = GetLastError();

    emit(what, error, "%s", !result ? "NULL" : result == INVALID_HANDLE_VALUE ? "INVALID" : "handle");
}

static inline void num_is(const char *what, unsigned long long result)
{
    DWORD error = GetLastError();

    emit(what, error, "0x%llx", result);
}

static inline const char *state_text(DWORD state)
{
    switch (state) {
    case MEM_COMMIT: return "COMMIT";
    case MEM_RESERVE: return "RESERVE";
    case MEM_FREE: return "FREE";
    default: return "?";
    }
}

static inline const char *type_text(DWORD type)
{
    switch (type) {
    case 0: return "0";
    case MEM_PRIVATE: return "PRIVATE";
    case MEM_MAPPED: return "MAPPED";
    case MEM_IMAGE: return "IMAGE";
    default: return "?";
    }
}

/* VirtualQuery at address, every field relative to base. The size of a
 * free region depends on its neighbours, so it is not shown. */
static inline void query_is(const char *what, const void *address, const void *base)
{
    MEMORY_BASIC_INFORMATION info;
    SIZE_T length;
    DWORD error;
    char size[32] = "-", at[64], allocation[64];

    memset(&info, 0xcc, sizeof info);
    length = TRY(VirtualQuery(address, &info, sizeof info));
    error = GetLastError();
    if (length != sizeof info) {
        emit(what, error, "ret=0x%llx", (unsigned long long)length);
        return;
    }
    if (info.State != MEM_FREE)
        snprintf(size, sizeof size, "0x%llx", (unsigned long long)info.RegionSize);
    emit(what, error, "base=%s abase=%s aprot=0x%lx size=%s state=%s prot=0x%lx type=%s",
         offset_into(at, sizeof at, info.BaseAddress, base),
         offset_into(allocation, sizeof allocation, info.AllocationBase, base),
         (unsigned long)info.AllocationProtect, size, state_text(info.State),
         (unsigned long)info.Protect, type_text(info.Type));
}

/* A check name built from a format, for checks made in loops. */
static inline const char *named(const char *format, ...)
{
    static char names[4][128];
    static int next;
    char *name = names[next++ % 4];
    va_list args;

    va_start(args, format);
    vsnprintf(name, sizeof names[0], format, args);
    va_end(args);
    return name;
}

static inline void heading(const char *section)
{
    printf("# %s\n", section);
}

#endif
