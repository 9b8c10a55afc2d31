/*
 * minwindef.h - basic Win32 types and macros (w32mem).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.  Scalar types
 * keep their Windows sizes (DWORD, LONG and ULONG are 32 bits even though
 * the C "long" is 64 bits here).  Calling-convention macros expand to
 * nothing: callers and the library use the native Linux ABI.
 */
#ifndef _MINWINDEF_
#define _MINWINDEF_

#include <stddef.h>     /* NULL, size_t, offsetof */
#include <basetsd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* Calling conventions, linkage and declaration specifiers                 */
/* ---------------------------------------------------------------------- */

#ifndef WINAPI
#define WINAPI
#endif
#ifndef WINAPIV
#define WINAPIV
#endif
#ifndef APIENTRY
#define APIENTRY WINAPI
#endif
#ifndef APIPRIVATE
#define APIPRIVATE
#endif
#ifndef CALLBACK
#define CALLBACK
#endif
#ifndef NTAPI
#define NTAPI
#endif
#ifndef PASCAL
#define PASCAL
#endif
#ifndef CDECL
#define CDECL
#endif
#ifndef WINAPI_INLINE
#define WINAPI_INLINE WINAPI
#endif

/*
 * The library is built with -fvisibility=hidden; these macros are what make
 * the API functions visible in libw32mem.so.
 */
#ifndef WINBASEAPI
#define WINBASEAPI __attribute__((visibility("default")))
#endif
#ifndef WINUSERAPI
#define WINUSERAPI __attribute__((visibility("default")))
#endif
#ifndef NTSYSAPI
#define NTSYSAPI __attribute__((visibility("default")))
#endif
#ifndef DECLSPEC_IMPORT
#define DECLSPEC_IMPORT __attribute__((visibility("default")))
#endif
#ifndef DECLSPEC_EXPORT
#define DECLSPEC_EXPORT __attribute__((visibility("default")))
#endif

#ifndef DECLSPEC_NORETURN
#define DECLSPEC_NORETURN __attribute__((noreturn))
#endif
#ifndef DECLSPEC_ALIGN
#define DECLSPEC_ALIGN(x) __attribute__((aligned(x)))
#endif
#ifndef DECLSPEC_NOINLINE
#define DECLSPEC_NOINLINE __attribute__((noinline))
#endif
#ifndef DECLSPEC_NOTHROW
#define DECLSPEC_NOTHROW __attribute__((nothrow))
#endif
#ifndef DECLSPEC_ALLOCATOR
#define DECLSPEC_ALLOCATOR
#endif
#ifndef DECLSPEC_DEPRECATED
#define DECLSPEC_DEPRECATED __attribute__((deprecated))
#endif
#ifndef FORCEINLINE
#define FORCEINLINE __inline__ __attribute__((always_inline))
#endif

#ifdef __cplusplus
#ifndef EXTERN_C
#define EXTERN_C extern "C"
#endif
#else
#ifndef EXTERN_C
#define EXTERN_C extern
#endif
#endif

/* Decorations that Windows code sprinkles over declarations. */
#ifndef CONST
#define CONST const
#endif
#ifndef VOID
#define VOID void
#endif
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif
#ifndef FAR
#define FAR
#endif
#ifndef NEAR
#define NEAR
#endif
#ifndef UNALIGNED
#define UNALIGNED
#endif

/* ---------------------------------------------------------------------- */
/* Constants and helper macros                                             */
/* ---------------------------------------------------------------------- */

#ifndef FALSE
#define FALSE 0
#endif
#ifndef TRUE
#define TRUE 1
#endif

#define MAX_PATH 260

/* min/max are macros only in C: in C++ they would break <algorithm>. */
#if !defined(__cplusplus) && !defined(NOMINMAX)
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#endif

#define MAKEWORD(a, b) \
    ((WORD)(((BYTE)(((DWORD_PTR)(a)) & 0xff)) | \
            ((WORD)((BYTE)(((DWORD_PTR)(b)) & 0xff))) << 8))
#define MAKELONG(a, b) \
    ((LONG)(((WORD)(((DWORD_PTR)(a)) & 0xffff)) | \
            ((DWORD)((WORD)(((DWORD_PTR)(b)) & 0xffff))) << 16))
#define LOWORD(l)  ((WORD)(((DWORD_PTR)(l)) & 0xffff))
#define HIWORD(l)  ((WORD)((((DWORD_PTR)(l)) >> 16) & 0xffff))
#define LOBYTE(w)  ((BYTE)(((DWORD_PTR)(w)) & 0xff))
#define HIBYTE(w)  ((BYTE)((((DWORD_PTR)(w)) >> 8) & 0xff))

/* ---------------------------------------------------------------------- */
/* Scalar types                                                            */
/* ---------------------------------------------------------------------- */

typedef int                 BOOL;
typedef unsigned char       BYTE;
typedef unsigned short      WORD;
typedef unsigned int        DWORD;
typedef float               FLOAT;
typedef int                 INT;
typedef unsigned int        UINT;

typedef char                CHAR;
typedef short               SHORT;
typedef int                 LONG;
typedef unsigned char       UCHAR;
typedef unsigned short      USHORT;
typedef unsigned int        ULONG;
typedef long long           LONGLONG;
typedef unsigned long long  ULONGLONG;
typedef unsigned long long  DWORDLONG;
typedef BYTE                BOOLEAN;

/*
 * WCHAR is a 16-bit UTF-16 code unit, as on Windows.  In C++11 it is
 * char16_t and in C it is unsigned short (the type of char16_t in C11), so
 * u"..." literals have the right type in both languages.  It is never
 * wchar_t, which is 32 bits on Linux.
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
typedef char16_t            WCHAR;
#else
typedef unsigned short      WCHAR;
#endif

typedef ULONG               *PULONG;
typedef USHORT              *PUSHORT;
typedef UCHAR               *PUCHAR;
typedef char                *PSZ;
typedef FLOAT               *PFLOAT;
typedef BOOL                *PBOOL, *LPBOOL;
typedef BYTE                *PBYTE, *LPBYTE;
typedef int                 *PINT, *LPINT;
typedef WORD                *PWORD, *LPWORD;
typedef LONG                *PLONG, *LPLONG;
typedef DWORD               *PDWORD, *LPDWORD;
typedef UINT                *PUINT, *LPUINT;
typedef SHORT               *PSHORT;
typedef LONGLONG            *PLONGLONG;
typedef ULONGLONG           *PULONGLONG;
typedef DWORDLONG           *PDWORDLONG;
typedef BOOLEAN             *PBOOLEAN;

typedef void                *PVOID, *LPVOID;
typedef const void          *PCVOID, *LPCVOID;
typedef void                *PVOID64;

/* Character and string pointers. */
typedef CHAR                *PCHAR, *LPCH, *PCH, *NPSTR, *LPSTR, *PSTR;
typedef const CHAR          *LPCCH, *PCCH, *LPCSTR, *PCSTR;
typedef WCHAR               *PWCHAR, *LPWCH, *PWCH, *NWPSTR, *LPWSTR, *PWSTR;
typedef const WCHAR         *LPCWCH, *PCWCH, *LPCWSTR, *PCWSTR;

/* ---------------------------------------------------------------------- */
/* Handles                                                                 */
/* ---------------------------------------------------------------------- */

typedef void                *HANDLE;
typedef HANDLE              *PHANDLE, *LPHANDLE;

/* Strict handle declaration, for code that declares its own handle types. */
#define DECLARE_HANDLE(name) struct name##__ { int unused; }; \
    typedef struct name##__ *name

typedef HANDLE              HINSTANCE;
typedef HANDLE              HMODULE;
typedef HANDLE              HGLOBAL;
typedef HANDLE              HLOCAL;
typedef HANDLE              HRSRC;
typedef HANDLE              HKEY, *PHKEY;
typedef HANDLE              HWND;
typedef HANDLE              HDC;
typedef HANDLE              HMENU;
typedef HANDLE              HICON;
typedef HICON               HCURSOR;
typedef HANDLE              HBRUSH;
typedef HANDLE              HBITMAP;
typedef HANDLE              HFONT;
typedef HANDLE              HPEN;
typedef HANDLE              HRGN;
typedef HANDLE              HGDIOBJ;
typedef HANDLE              HMONITOR;
typedef HANDLE              HKL;
typedef HANDLE              GLOBALHANDLE;
typedef HANDLE              LOCALHANDLE;
typedef int                 HFILE;

#define HFILE_ERROR ((HFILE)-1)

typedef UINT_PTR            WPARAM;
typedef LONG_PTR            LPARAM;
typedef LONG_PTR            LRESULT;
typedef WORD                ATOM;
typedef DWORD               COLORREF, *LPCOLORREF;

/* Unprototyped in C, as in the SDK, so any function pointer converts. */
#if !defined(__cplusplus)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#endif
typedef INT_PTR (WINAPI *FARPROC)();
typedef INT_PTR (WINAPI *NEARPROC)();
typedef INT_PTR (WINAPI *PROC)();
#if !defined(__cplusplus)
#pragma GCC diagnostic pop
#endif

/* ---------------------------------------------------------------------- */
/* FILETIME                                                                */
/* ---------------------------------------------------------------------- */

typedef struct _FILETIME {
    DWORD dwLowDateTime;
    DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;

#ifdef __cplusplus
}
#endif

/* As in the Windows SDK, minwindef.h brings in winnt.h. */
#include <winnt.h>

#endif /* _MINWINDEF_ */
