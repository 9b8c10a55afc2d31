/*
 * basetsd.h - fixed-size and pointer-size integer types (w32mem).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.  The types
 * keep their Windows x64 sizes: DWORD/LONG/ULONG are 32 bits, the *_PTR
 * types and SIZE_T are pointer sized.
 */
#ifndef _BASETSD_H_
#define _BASETSD_H_

#ifdef __cplusplus
extern "C" {
#endif

#if !defined(__LP64__) && !defined(_LP64)
#error "w32mem headers support LP64 targets only (Linux x86_64/aarch64)"
#endif

/* Pointer size qualifiers from the Windows SDK: meaningless here. */
#ifndef POINTER_64
#define POINTER_64
#endif
#ifndef POINTER_32
#define POINTER_32
#endif
#ifndef POINTER_SIGNED
#define POINTER_SIGNED
#endif
#ifndef POINTER_UNSIGNED
#define POINTER_UNSIGNED
#endif
#ifndef SPOINTER_32
#define SPOINTER_32 POINTER_SIGNED POINTER_32
#endif
#ifndef UPOINTER_32
#define UPOINTER_32 POINTER_UNSIGNED POINTER_32
#endif

/* Fixed-size integers. */
typedef signed char         INT8,   *PINT8;
typedef signed short        INT16,  *PINT16;
typedef signed int          INT32,  *PINT32;
typedef signed long long    INT64,  *PINT64;
typedef unsigned char       UINT8,  *PUINT8;
typedef unsigned short      UINT16, *PUINT16;
typedef unsigned int        UINT32, *PUINT32;
typedef unsigned long long  UINT64, *PUINT64;

typedef signed int          LONG32,  *PLONG32;
typedef unsigned int        ULONG32, *PULONG32;
typedef unsigned int        DWORD32, *PDWORD32;
typedef signed long long    LONG64,  *PLONG64;
typedef unsigned long long  ULONG64, *PULONG64;
typedef unsigned long long  DWORD64, *PDWORD64;

/* Pointer-precision integers (64-bit). */
typedef long                INT_PTR,   *PINT_PTR;
typedef unsigned long       UINT_PTR,  *PUINT_PTR;
typedef long                LONG_PTR,  *PLONG_PTR;
typedef unsigned long       ULONG_PTR, *PULONG_PTR;
typedef int                 HALF_PTR,  *PHALF_PTR;
typedef unsigned int        UHALF_PTR, *PUHALF_PTR;

/* unsigned long, like size_t on LP64, so SIZE_T* and size_t* are compatible */
typedef ULONG_PTR           SIZE_T,    *PSIZE_T;
typedef LONG_PTR            SSIZE_T,   *PSSIZE_T;
typedef ULONG_PTR           DWORD_PTR, *PDWORD_PTR;
typedef ULONG_PTR           KAFFINITY, *PKAFFINITY;


/* Limits. */
#define MAXUINT_PTR   (~((UINT_PTR)0))
#define MAXINT_PTR    ((INT_PTR)(MAXUINT_PTR >> 1))
#define MININT_PTR    (~MAXINT_PTR)
#define MAXULONG_PTR  (~((ULONG_PTR)0))
#define MAXLONG_PTR   ((LONG_PTR)(MAXULONG_PTR >> 1))
#define MINLONG_PTR   (~MAXLONG_PTR)
#define MAXUHALF_PTR  ((UHALF_PTR)~0)
#define MAXHALF_PTR   ((HALF_PTR)(MAXUHALF_PTR >> 1))
#define MINHALF_PTR   (~MAXHALF_PTR)

#define MAXSIZE_T     ((SIZE_T)~((SIZE_T)0))
#define MAXSSIZE_T    ((SSIZE_T)(MAXSIZE_T >> 1))
#define MINSSIZE_T    ((SSIZE_T)~MAXSSIZE_T)

#define MAXUINT8      ((UINT8)~((UINT8)0))
#define MAXINT8       ((INT8)(MAXUINT8 >> 1))
#define MININT8       ((INT8)~MAXINT8)
#define MAXUINT16     ((UINT16)~((UINT16)0))
#define MAXINT16      ((INT16)(MAXUINT16 >> 1))
#define MININT16      ((INT16)~MAXINT16)
#define MAXUINT32     ((UINT32)~((UINT32)0))
#define MAXINT32      ((INT32)(MAXUINT32 >> 1))
#define MININT32      ((INT32)~MAXINT32)
#define MAXUINT64     ((UINT64)~((UINT64)0))
#define MAXINT64      ((INT64)(MAXUINT64 >> 1))
#define MININT64      ((INT64)~MAXINT64)
#define MAXULONG32    ((ULONG32)~((ULONG32)0))
#define MAXLONG32     ((LONG32)(MAXULONG32 >> 1))
#define MINLONG32     ((LONG32)~MAXLONG32)
#define MAXULONG64    ((ULONG64)~((ULONG64)0))
#define MAXLONG64     ((LONG64)(MAXULONG64 >> 1))
#define MINLONG64     ((LONG64)~MAXLONG64)
#define MAXDWORD32    ((DWORD32)~((DWORD32)0))
#define MAXDWORD64    ((DWORD64)~((DWORD64)0))

/* Pointer <-> integer conversion helpers. */
#define HandleToULong(h)   ((unsigned int)(ULONG_PTR)(h))
#define HandleToLong(h)    ((int)(LONG_PTR)(h))
#define ULongToHandle(ul)  ((void *)(ULONG_PTR)(ul))
#define LongToHandle(l)    ((void *)(LONG_PTR)(l))
#define PtrToUlong(p)      ((unsigned int)(ULONG_PTR)(p))
#define PtrToLong(p)       ((int)(LONG_PTR)(p))
#define PtrToUint(p)       ((unsigned int)(UINT_PTR)(p))
#define PtrToInt(p)        ((int)(INT_PTR)(p))
#define PtrToUshort(p)     ((unsigned short)(ULONG_PTR)(p))
#define PtrToShort(p)      ((short)(LONG_PTR)(p))
#define IntToPtr(i)        ((void *)(INT_PTR)((int)(i)))
#define UIntToPtr(ui)      ((void *)(UINT_PTR)((unsigned int)(ui)))
#define LongToPtr(l)       ((void *)(LONG_PTR)((int)(l)))
#define ULongToPtr(ul)     ((void *)(ULONG_PTR)((unsigned int)(ul)))
#define UlongToPtr(ul)     ULongToPtr(ul)
#define UintToPtr(ui)      UIntToPtr(ui)
#define Ptr32ToPtr(p)      ((void *)(p))
#define PtrToPtr64(p)      ((void *)(p))
#define Ptr64ToPtr(p)      ((void *)(p))

#ifdef __cplusplus
}
#endif

#endif /* _BASETSD_H_ */
