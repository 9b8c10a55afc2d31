/*
 * malloc.h - Microsoft CRT <malloc.h> additions (w32mem).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.  This file
 * shadows the C library's <malloc.h>: it includes that header and adds the
 * Microsoft stack-allocation names.
 */
#ifndef W32MEM_MALLOC_H
#define W32MEM_MALLOC_H

/* Lets -pedantic accept #include_next. */
#pragma GCC system_header

#include_next <malloc.h>
#include <alloca.h>

#ifndef _alloca
#define _alloca(size)   __builtin_alloca(size)
#endif

/* _malloca always uses the stack here, so _freea has nothing to free. */
#ifndef _malloca
#define _malloca(size)  __builtin_alloca(size)
#endif
#ifndef _freea
#define _freea(p)       ((void)(p))
#endif

#endif /* W32MEM_MALLOC_H */
