/*
 * windef.h - basic Windows definitions (w32mem).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.  Pulls in the
 * basic types (minwindef.h, basetsd.h, winnt.h) and adds the few geometry
 * structures that Windows code commonly expects next to them.
 */
#ifndef _WINDEF_
#define _WINDEF_

#include <minwindef.h>
#include <basetsd.h>
#include <winnt.h>

#ifdef __cplusplus
extern "C" {
#endif


typedef struct tagRECT {
    LONG left;
    LONG top;
    LONG right;
    LONG bottom;
} RECT, *PRECT, *NPRECT, *LPRECT;

typedef const RECT *LPCRECT;

typedef struct tagPOINT {
    LONG x;
    LONG y;
} POINT, *PPOINT, *NPPOINT, *LPPOINT;

typedef struct tagSIZE {
    LONG cx;
    LONG cy;
} SIZE, *PSIZE, *LPSIZE;

#ifdef __cplusplus
}
#endif

#endif /* _WINDEF_ */
