/*
 * winnt.h - Win32 base types, structures and constants (w32mem).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.  Structures
 * have their Windows x64 layout (checked by tests/header_layout.c) and
 * constants their Windows values.
 *
 * A few definitions that the Windows SDK keeps in minwinbase.h and excpt.h
 * (SECURITY_ATTRIBUTES, OVERLAPPED, EXCEPTION_CONTINUE_*) live at the end of
 * this file, since w32mem ships no separate copies of those headers.
 */
#ifndef _WINNT_
#define _WINNT_

#include <string.h>     /* memset, memcpy, memmove, memcmp */
#include <minwindef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* Nameless unions and structures                                          */
/* ---------------------------------------------------------------------- */
/*
 * Members are anonymous, as with the Microsoft compiler, unless
 * NONAMELESSUNION is defined.  Declarations are marked __extension__ so that
 * -pedantic in C99 and C++ accepts them.
 */
#ifndef DUMMYUNIONNAME
#ifdef NONAMELESSUNION
#define DUMMYUNIONNAME   u
#define DUMMYUNIONNAME2  u2
#define DUMMYUNIONNAME3  u3
#define DUMMYUNIONNAME4  u4
#define DUMMYUNIONNAME5  u5
#else
#define DUMMYUNIONNAME
#define DUMMYUNIONNAME2
#define DUMMYUNIONNAME3
#define DUMMYUNIONNAME4
#define DUMMYUNIONNAME5
#endif
#endif

#ifndef DUMMYSTRUCTNAME
#if defined(NONAMELESSUNION) || defined(NONAMELESSSTRUCT)
#define DUMMYSTRUCTNAME  s
#define DUMMYSTRUCTNAME2 s2
#define DUMMYSTRUCTNAME3 s3
#define DUMMYSTRUCTNAME4 s4
#define DUMMYSTRUCTNAME5 s5
#else
#define DUMMYSTRUCTNAME
#define DUMMYSTRUCTNAME2
#define DUMMYSTRUCTNAME3
#define DUMMYSTRUCTNAME4
#define DUMMYSTRUCTNAME5
#endif
#endif

/* ---------------------------------------------------------------------- */
/* Miscellaneous macros                                                    */
/* ---------------------------------------------------------------------- */

#define ANYSIZE_ARRAY 1

#define UNREFERENCED_PARAMETER(P)          ((void)(P))
#define DBG_UNREFERENCED_PARAMETER(P)      ((void)(P))
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#define UNREFERENCED_LOCAL_VARIABLE(V)     ((void)(V))

#define FIELD_OFFSET(type, field)   ((LONG)offsetof(type, field))
#define RTL_FIELD_SIZE(type, field) (sizeof(((type *)0)->field))
#define CONTAINING_RECORD(address, type, field) \
    ((type *)((PCHAR)(address) - offsetof(type, field)))
#define RTL_NUMBER_OF(A) (sizeof(A) / sizeof((A)[0]))
#ifndef ARRAYSIZE
#define ARRAYSIZE(A) RTL_NUMBER_OF(A)
#endif
#ifndef _ARRAYSIZE
#define _ARRAYSIZE(A) RTL_NUMBER_OF(A)
#endif

#define MINCHAR     0x80
#define MAXCHAR     0x7f
#define MINSHORT    0x8000
#define MAXSHORT    0x7fff
#define MINLONG     0x80000000
#define MAXLONG     0x7fffffff
#define MAXBYTE     0xff
#define MAXWORD     0xffff
#define MAXDWORD    0xffffffff

/* ---------------------------------------------------------------------- */
/* Further types                                                           */
/* ---------------------------------------------------------------------- */

typedef char CCHAR;
typedef DWORD LCID, *PLCID;
typedef WORD LANGID;

#ifndef _HRESULT_DEFINED
#define _HRESULT_DEFINED
typedef LONG HRESULT;
#endif

#ifndef _NTSTATUS_DEFINED_W32MEM
#define _NTSTATUS_DEFINED_W32MEM
typedef LONG NTSTATUS, *PNTSTATUS;
#endif
#ifndef NT_SUCCESS
#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#endif

typedef DWORD ACCESS_MASK, *PACCESS_MASK;

/* Generic-text types, switched by UNICODE. */
#ifdef UNICODE
#ifndef _TCHAR_DEFINED
#define _TCHAR_DEFINED
typedef WCHAR TCHAR;
#endif
typedef WCHAR TBYTE, *PTBYTE;
#define __TEXT(quote) u##quote
#else
#ifndef _TCHAR_DEFINED
#define _TCHAR_DEFINED
typedef char TCHAR;
#endif
typedef unsigned char TBYTE, *PTBYTE;
#define __TEXT(quote) quote
#endif
typedef TCHAR *PTCHAR, *LPTCH, *PTCH, *LPTSTR, *PTSTR;
typedef const TCHAR *LPCTSTR, *PCTSTR, *LPCTCH, *PCTCH;
#define TEXT(quote) __TEXT(quote)

typedef union _LARGE_INTEGER {
    __extension__ struct {
        DWORD LowPart;
        LONG HighPart;
    } DUMMYSTRUCTNAME;
    struct {
        DWORD LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    __extension__ struct {
        DWORD LowPart;
        DWORD HighPart;
    } DUMMYSTRUCTNAME;
    struct {
        DWORD LowPart;
        DWORD HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

typedef struct _LUID {
    DWORD LowPart;
    LONG HighPart;
} LUID, *PLUID;

/* ---------------------------------------------------------------------- */
/* Memory helpers                                                          */
/* ---------------------------------------------------------------------- */

#define RtlEqualMemory(Destination, Source, Length) \
    (!memcmp((Destination), (Source), (Length)))
#define RtlMoveMemory(Destination, Source, Length) \
    memmove((Destination), (Source), (Length))
#define RtlCopyMemory(Destination, Source, Length) \
    memcpy((Destination), (Source), (Length))
#define RtlFillMemory(Destination, Length, Fill) \
    memset((Destination), (Fill), (Length))
#define RtlZeroMemory(Destination, Length) \
    memset((Destination), 0, (Length))

/* Zeroes memory with volatile stores, so the compiler cannot drop it. */
static __inline__ PVOID RtlSecureZeroMemory(PVOID ptr, SIZE_T cnt)
{
#ifdef __cplusplus
    volatile char *vptr = static_cast<volatile char *>(ptr);
#else
    volatile char *vptr = (volatile char *)ptr;
#endif
    while (cnt) {
        *vptr = 0;
        vptr++;
        cnt--;
    }
    return ptr;
}

#define EqualMemory      RtlEqualMemory
#define MoveMemory       RtlMoveMemory
#define CopyMemory       RtlCopyMemory
#define FillMemory       RtlFillMemory
#define ZeroMemory       RtlZeroMemory
#define SecureZeroMemory RtlSecureZeroMemory

/* ---------------------------------------------------------------------- */
/* Access rights                                                           */
/* ---------------------------------------------------------------------- */

#define DELETE                           0x00010000
#define READ_CONTROL                     0x00020000
#define WRITE_DAC                        0x00040000
#define WRITE_OWNER                      0x00080000
#define SYNCHRONIZE                      0x00100000

#define STANDARD_RIGHTS_REQUIRED         0x000F0000
#define STANDARD_RIGHTS_READ             READ_CONTROL
#define STANDARD_RIGHTS_WRITE            READ_CONTROL
#define STANDARD_RIGHTS_EXECUTE          READ_CONTROL
#define STANDARD_RIGHTS_ALL              0x001F0000
#define SPECIFIC_RIGHTS_ALL              0x0000FFFF

#define ACCESS_SYSTEM_SECURITY           0x01000000
#define MAXIMUM_ALLOWED                  0x02000000

#define GENERIC_READ                     0x80000000
#define GENERIC_WRITE                    0x40000000
#define GENERIC_EXECUTE                  0x20000000
#define GENERIC_ALL                      0x10000000

#define PROCESS_TERMINATE                  0x0001
#define PROCESS_CREATE_THREAD              0x0002
#define PROCESS_SET_SESSIONID              0x0004
#define PROCESS_VM_OPERATION               0x0008
#define PROCESS_VM_READ                    0x0010
#define PROCESS_VM_WRITE                   0x0020
#define PROCESS_DUP_HANDLE                 0x0040
#define PROCESS_CREATE_PROCESS             0x0080
#define PROCESS_SET_QUOTA                  0x0100
#define PROCESS_SET_INFORMATION            0x0200
#define PROCESS_QUERY_INFORMATION          0x0400
#define PROCESS_SUSPEND_RESUME             0x0800
#define PROCESS_QUERY_LIMITED_INFORMATION  0x1000
#define PROCESS_SET_LIMITED_INFORMATION    0x2000
#define PROCESS_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFF)

#define THREAD_TERMINATE                   0x0001
#define THREAD_SUSPEND_RESUME              0x0002
#define THREAD_GET_CONTEXT                 0x0008
#define THREAD_SET_CONTEXT                 0x0010
#define THREAD_SET_INFORMATION             0x0020
#define THREAD_QUERY_INFORMATION           0x0040
#define THREAD_SET_THREAD_TOKEN            0x0080
#define THREAD_IMPERSONATE                 0x0100
#define THREAD_DIRECT_IMPERSONATION        0x0200
#define THREAD_SET_LIMITED_INFORMATION     0x0400
#define THREAD_QUERY_LIMITED_INFORMATION   0x0800
#define THREAD_RESUME                      0x1000
#define THREAD_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFF)

#define SECTION_QUERY                0x0001
#define SECTION_MAP_WRITE            0x0002
#define SECTION_MAP_READ             0x0004
#define SECTION_MAP_EXECUTE          0x0008
#define SECTION_EXTEND_SIZE          0x0010
#define SECTION_MAP_EXECUTE_EXPLICIT 0x0020  /* not in SECTION_ALL_ACCESS */
#define SECTION_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SECTION_QUERY | SECTION_MAP_WRITE | \
     SECTION_MAP_READ | SECTION_MAP_EXECUTE | SECTION_EXTEND_SIZE)

/* File access rights. */
#define FILE_READ_DATA            0x0001
#define FILE_LIST_DIRECTORY       0x0001
#define FILE_WRITE_DATA           0x0002
#define FILE_ADD_FILE             0x0002
#define FILE_APPEND_DATA          0x0004
#define FILE_ADD_SUBDIRECTORY     0x0004
#define FILE_CREATE_PIPE_INSTANCE 0x0004
#define FILE_READ_EA              0x0008
#define FILE_WRITE_EA             0x0010
#define FILE_EXECUTE              0x0020
#define FILE_TRAVERSE             0x0020
#define FILE_DELETE_CHILD         0x0040
#define FILE_READ_ATTRIBUTES      0x0080
#define FILE_WRITE_ATTRIBUTES     0x0100

#define FILE_ALL_ACCESS \
    (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FF)
#define FILE_GENERIC_READ \
    (STANDARD_RIGHTS_READ | FILE_READ_DATA | FILE_READ_ATTRIBUTES | \
     FILE_READ_EA | SYNCHRONIZE)
#define FILE_GENERIC_WRITE \
    (STANDARD_RIGHTS_WRITE | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES | \
     FILE_WRITE_EA | FILE_APPEND_DATA | SYNCHRONIZE)
#define FILE_GENERIC_EXECUTE \
    (STANDARD_RIGHTS_EXECUTE | FILE_READ_ATTRIBUTES | FILE_EXECUTE | \
     SYNCHRONIZE)

#define FILE_SHARE_READ    0x00000001
#define FILE_SHARE_WRITE   0x00000002
#define FILE_SHARE_DELETE  0x00000004

#define FILE_ATTRIBUTE_READONLY             0x00000001
#define FILE_ATTRIBUTE_HIDDEN               0x00000002
#define FILE_ATTRIBUTE_SYSTEM               0x00000004
#define FILE_ATTRIBUTE_DIRECTORY            0x00000010
#define FILE_ATTRIBUTE_ARCHIVE              0x00000020
#define FILE_ATTRIBUTE_DEVICE               0x00000040
#define FILE_ATTRIBUTE_NORMAL               0x00000080
#define FILE_ATTRIBUTE_TEMPORARY            0x00000100
#define FILE_ATTRIBUTE_SPARSE_FILE          0x00000200
#define FILE_ATTRIBUTE_REPARSE_POINT        0x00000400
#define FILE_ATTRIBUTE_COMPRESSED           0x00000800
#define FILE_ATTRIBUTE_OFFLINE              0x00001000
#define FILE_ATTRIBUTE_NOT_CONTENT_INDEXED  0x00002000
#define FILE_ATTRIBUTE_ENCRYPTED            0x00004000
#define FILE_ATTRIBUTE_INTEGRITY_STREAM     0x00008000
#define FILE_ATTRIBUTE_VIRTUAL              0x00010000
#define FILE_ATTRIBUTE_NO_SCRUB_DATA        0x00020000

#define DUPLICATE_CLOSE_SOURCE     0x00000001
#define DUPLICATE_SAME_ACCESS      0x00000002
#define DUPLICATE_SAME_ATTRIBUTES  0x00000004

/* ---------------------------------------------------------------------- */
/* Virtual memory                                                          */
/* ---------------------------------------------------------------------- */

#define PAGE_NOACCESS           0x01
#define PAGE_READONLY           0x02
#define PAGE_READWRITE          0x04
#define PAGE_WRITECOPY          0x08
#define PAGE_EXECUTE            0x10
#define PAGE_EXECUTE_READ       0x20
#define PAGE_EXECUTE_READWRITE  0x40
#define PAGE_EXECUTE_WRITECOPY  0x80
#define PAGE_GUARD              0x100
#define PAGE_NOCACHE            0x200
#define PAGE_WRITECOMBINE       0x400
#define PAGE_REVERT_TO_FILE_MAP 0x80000000
#define PAGE_TARGETS_NO_UPDATE  0x40000000
#define PAGE_TARGETS_INVALID    0x40000000

#define MEM_COMMIT                     0x00001000
#define MEM_RESERVE                    0x00002000
#define MEM_REPLACE_PLACEHOLDER        0x00004000
#define MEM_RESERVE_PLACEHOLDER        0x00040000
#define MEM_RESET                      0x00080000
#define MEM_TOP_DOWN                   0x00100000
#define MEM_WRITE_WATCH                0x00200000
#define MEM_PHYSICAL                   0x00400000
#define MEM_ROTATE                     0x00800000
#define MEM_DIFFERENT_IMAGE_BASE_OK    0x00800000
#define MEM_RESET_UNDO                 0x01000000
#define MEM_LARGE_PAGES                0x20000000
#define MEM_4MB_PAGES                  0x80000000
#define MEM_64K_PAGES                  (MEM_LARGE_PAGES | MEM_PHYSICAL)
#define MEM_UNMAP_WITH_TRANSIENT_BOOST 0x00000001
#define MEM_COALESCE_PLACEHOLDERS      0x00000001
#define MEM_PRESERVE_PLACEHOLDER       0x00000002
#define MEM_DECOMMIT                   0x00004000
#define MEM_RELEASE                    0x00008000
#define MEM_FREE                       0x00010000
#define MEM_PRIVATE                    0x00020000
#define MEM_MAPPED                     0x00040000
#define MEM_IMAGE                      0x01000000

#define SEC_PARTITION_OWNER_HANDLE  0x00040000
#define SEC_64K_PAGES               0x00080000
#define SEC_FILE                    0x00800000
#define SEC_IMAGE                   0x01000000
#define SEC_PROTECTED_IMAGE         0x02000000
#define SEC_RESERVE                 0x04000000
#define SEC_COMMIT                  0x08000000
#define SEC_NOCACHE                 0x10000000
#define SEC_WRITECOMBINE            0x40000000
#define SEC_LARGE_PAGES             0x80000000
#define SEC_IMAGE_NO_EXECUTE        (SEC_IMAGE | SEC_NOCACHE)

#define WRITE_WATCH_FLAG_RESET  0x01

/* What HeapAlloc and the C runtime guarantee (x64). */
#define MEMORY_ALLOCATION_ALIGNMENT 16

typedef struct _MEMORY_BASIC_INFORMATION {
    PVOID BaseAddress;
    PVOID AllocationBase;
    DWORD AllocationProtect;
    WORD PartitionId;
    SIZE_T RegionSize;
    DWORD State;
    DWORD Protect;
    DWORD Type;
} MEMORY_BASIC_INFORMATION, *PMEMORY_BASIC_INFORMATION;

/* ---------------------------------------------------------------------- */
/* Heaps                                                                   */
/* ---------------------------------------------------------------------- */

#define HEAP_NO_SERIALIZE               0x00000001
#define HEAP_GROWABLE                   0x00000002
#define HEAP_GENERATE_EXCEPTIONS        0x00000004
#define HEAP_ZERO_MEMORY                0x00000008
#define HEAP_REALLOC_IN_PLACE_ONLY      0x00000010
#define HEAP_TAIL_CHECKING_ENABLED      0x00000020
#define HEAP_FREE_CHECKING_ENABLED      0x00000040
#define HEAP_DISABLE_COALESCE_ON_FREE   0x00000080
#define HEAP_CREATE_ALIGN_16            0x00010000
#define HEAP_CREATE_ENABLE_TRACING      0x00020000
#define HEAP_CREATE_ENABLE_EXECUTE      0x00040000
#define HEAP_MAXIMUM_TAG                0x0FFF
#define HEAP_PSEUDO_TAG_FLAG            0x8000
#define HEAP_TAG_SHIFT                  18
#define HEAP_MAKE_TAG_FLAGS(TagBase, Tag) \
    ((DWORD)((TagBase) + ((Tag) << HEAP_TAG_SHIFT)))

typedef enum _HEAP_INFORMATION_CLASS {
    HeapCompatibilityInformation = 0,
    HeapEnableTerminationOnCorruption = 1,
    HeapOptimizeResources = 3
} HEAP_INFORMATION_CLASS;

#define HEAP_OPTIMIZE_RESOURCES_CURRENT_VERSION 1

typedef struct _HEAP_OPTIMIZE_RESOURCES_INFORMATION {
    DWORD Version;
    DWORD Flags;
} HEAP_OPTIMIZE_RESOURCES_INFORMATION, *PHEAP_OPTIMIZE_RESOURCES_INFORMATION;

/* ---------------------------------------------------------------------- */
/* Processors                                                              */
/* ---------------------------------------------------------------------- */

#define PROCESSOR_INTEL_386      386
#define PROCESSOR_INTEL_486      486
#define PROCESSOR_INTEL_PENTIUM  586
#define PROCESSOR_INTEL_IA64     2200
#define PROCESSOR_AMD_X8664      8664
#define PROCESSOR_STRONGARM      2577   /* 0xA11 */
#define PROCESSOR_ARM720         1824   /* 0x720 */
#define PROCESSOR_ARM820         2080   /* 0x820 */
#define PROCESSOR_ARM920         2336   /* 0x920 */
#define PROCESSOR_ARM_7TDMI      70001
#define PROCESSOR_OPTIL          0x494f

#define PROCESSOR_ARCHITECTURE_INTEL           0
#define PROCESSOR_ARCHITECTURE_MIPS            1
#define PROCESSOR_ARCHITECTURE_ALPHA           2
#define PROCESSOR_ARCHITECTURE_PPC             3
#define PROCESSOR_ARCHITECTURE_SHX             4
#define PROCESSOR_ARCHITECTURE_ARM             5
#define PROCESSOR_ARCHITECTURE_IA64            6
#define PROCESSOR_ARCHITECTURE_ALPHA64         7
#define PROCESSOR_ARCHITECTURE_MSIL            8
#define PROCESSOR_ARCHITECTURE_AMD64           9
#define PROCESSOR_ARCHITECTURE_IA32_ON_WIN64   10
#define PROCESSOR_ARCHITECTURE_NEUTRAL         11
#define PROCESSOR_ARCHITECTURE_ARM64           12
#define PROCESSOR_ARCHITECTURE_ARM32_ON_WIN64  13
#define PROCESSOR_ARCHITECTURE_IA32_ON_ARM64   14
#define PROCESSOR_ARCHITECTURE_UNKNOWN         0xFFFF

/* ---------------------------------------------------------------------- */
/* Status codes (DWORD-typed, as winnt.h defines them)                     */
/* ---------------------------------------------------------------------- */

#ifndef WIN32_NO_STATUS
#define STATUS_WAIT_0                    ((DWORD)0x00000000)
#define STATUS_ABANDONED_WAIT_0          ((DWORD)0x00000080)
#define STATUS_USER_APC                  ((DWORD)0x000000C0)
#define STATUS_TIMEOUT                   ((DWORD)0x00000102)
#define STATUS_PENDING                   ((DWORD)0x00000103)
#define DBG_EXCEPTION_HANDLED            ((DWORD)0x00010001)
#define DBG_CONTINUE                     ((DWORD)0x00010002)
#define STATUS_SEGMENT_NOTIFICATION      ((DWORD)0x40000005)
#define STATUS_FATAL_APP_EXIT            ((DWORD)0x40000015)
#define DBG_TERMINATE_THREAD             ((DWORD)0x40010003)
#define DBG_TERMINATE_PROCESS            ((DWORD)0x40010004)
#define DBG_CONTROL_C                    ((DWORD)0x40010005)
#define DBG_PRINTEXCEPTION_C             ((DWORD)0x40010006)
#define DBG_RIPEXCEPTION                 ((DWORD)0x40010007)
#define DBG_CONTROL_BREAK                ((DWORD)0x40010008)
#define DBG_COMMAND_EXCEPTION            ((DWORD)0x40010009)
#define STATUS_GUARD_PAGE_VIOLATION      ((DWORD)0x80000001)
#define STATUS_DATATYPE_MISALIGNMENT     ((DWORD)0x80000002)
#define STATUS_BREAKPOINT                ((DWORD)0x80000003)
#define STATUS_SINGLE_STEP               ((DWORD)0x80000004)
#define STATUS_LONGJUMP                  ((DWORD)0x80000026)
#define STATUS_UNWIND_CONSOLIDATE        ((DWORD)0x80000029)
#define DBG_EXCEPTION_NOT_HANDLED        ((DWORD)0x80010001)
#define STATUS_ACCESS_VIOLATION          ((DWORD)0xC0000005)
#define STATUS_IN_PAGE_ERROR             ((DWORD)0xC0000006)
#define STATUS_INVALID_HANDLE            ((DWORD)0xC0000008)
#define STATUS_INVALID_PARAMETER         ((DWORD)0xC000000D)
#define STATUS_NO_MEMORY                 ((DWORD)0xC0000017)
#define STATUS_ILLEGAL_INSTRUCTION       ((DWORD)0xC000001D)
#define STATUS_NONCONTINUABLE_EXCEPTION  ((DWORD)0xC0000025)
#define STATUS_INVALID_DISPOSITION       ((DWORD)0xC0000026)
#define STATUS_ARRAY_BOUNDS_EXCEEDED     ((DWORD)0xC000008C)
#define STATUS_FLOAT_DENORMAL_OPERAND    ((DWORD)0xC000008D)
#define STATUS_FLOAT_DIVIDE_BY_ZERO      ((DWORD)0xC000008E)
#define STATUS_FLOAT_INEXACT_RESULT      ((DWORD)0xC000008F)
#define STATUS_FLOAT_INVALID_OPERATION   ((DWORD)0xC0000090)
#define STATUS_FLOAT_OVERFLOW            ((DWORD)0xC0000091)
#define STATUS_FLOAT_STACK_CHECK         ((DWORD)0xC0000092)
#define STATUS_FLOAT_UNDERFLOW           ((DWORD)0xC0000093)
#define STATUS_INTEGER_DIVIDE_BY_ZERO    ((DWORD)0xC0000094)
#define STATUS_INTEGER_OVERFLOW          ((DWORD)0xC0000095)
#define STATUS_PRIVILEGED_INSTRUCTION    ((DWORD)0xC0000096)
#define STATUS_STACK_OVERFLOW            ((DWORD)0xC00000FD)
#define STATUS_DLL_NOT_FOUND             ((DWORD)0xC0000135)
#define STATUS_CONTROL_C_EXIT            ((DWORD)0xC000013A)
#define STATUS_DLL_INIT_FAILED           ((DWORD)0xC0000142)
#define STATUS_POSSIBLE_DEADLOCK         ((DWORD)0xC0000194)
#define STATUS_FLOAT_MULTIPLE_FAULTS     ((DWORD)0xC00002B4)
#define STATUS_FLOAT_MULTIPLE_TRAPS      ((DWORD)0xC00002B5)
#define STATUS_HEAP_CORRUPTION           ((DWORD)0xC0000374)
#define STATUS_STACK_BUFFER_OVERRUN      ((DWORD)0xC0000409)
#define STATUS_INVALID_CRUNTIME_PARAMETER ((DWORD)0xC0000417)
#define STATUS_ASSERTION_FAILURE         ((DWORD)0xC0000420)
#endif /* WIN32_NO_STATUS */

/* ---------------------------------------------------------------------- */
/* Exceptions and the x64 CONTEXT                                          */
/* ---------------------------------------------------------------------- */

#define EXCEPTION_NONCONTINUABLE     0x1
#define EXCEPTION_UNWINDING          0x2
#define EXCEPTION_EXIT_UNWIND        0x4
#define EXCEPTION_STACK_INVALID      0x8
#define EXCEPTION_NESTED_CALL        0x10
#define EXCEPTION_TARGET_UNWIND      0x20
#define EXCEPTION_COLLIDED_UNWIND    0x40
#define EXCEPTION_UNWIND \
    (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND | EXCEPTION_TARGET_UNWIND | \
     EXCEPTION_COLLIDED_UNWIND)

#define EXCEPTION_MAXIMUM_PARAMETERS 15

/* ExceptionInformation[0] of an access violation. */
#define EXCEPTION_READ_FAULT     0
#define EXCEPTION_WRITE_FAULT    1
#define EXCEPTION_EXECUTE_FAULT  8

/*
 * CONTEXT flags for AMD64.  The CONTEXT structure below has the Windows
 * x64 layout on every target w32mem supports (including aarch64).
 */
#define CONTEXT_AMD64              0x00100000
#define CONTEXT_CONTROL            (CONTEXT_AMD64 | 0x00000001)
#define CONTEXT_INTEGER            (CONTEXT_AMD64 | 0x00000002)
#define CONTEXT_SEGMENTS           (CONTEXT_AMD64 | 0x00000004)
#define CONTEXT_FLOATING_POINT     (CONTEXT_AMD64 | 0x00000008)
#define CONTEXT_DEBUG_REGISTERS    (CONTEXT_AMD64 | 0x00000010)
#define CONTEXT_FULL \
    (CONTEXT_CONTROL | CONTEXT_INTEGER | CONTEXT_FLOATING_POINT)
#define CONTEXT_ALL \
    (CONTEXT_CONTROL | CONTEXT_INTEGER | CONTEXT_SEGMENTS | \
     CONTEXT_FLOATING_POINT | CONTEXT_DEBUG_REGISTERS)
#define CONTEXT_XSTATE             (CONTEXT_AMD64 | 0x00000040)
#define CONTEXT_EXCEPTION_ACTIVE    0x08000000
#define CONTEXT_SERVICE_ACTIVE      0x10000000
#define CONTEXT_EXCEPTION_REQUEST   0x40000000
#define CONTEXT_EXCEPTION_REPORTING 0x80000000

#define INITIAL_MXCSR 0x1f80
#define INITIAL_FPCSR 0x027f

typedef struct DECLSPEC_ALIGN(16) _M128A {
    ULONGLONG Low;
    LONGLONG High;
} M128A, *PM128A;

/* FXSAVE image (512 bytes). */
typedef struct DECLSPEC_ALIGN(16) _XSAVE_FORMAT {
    WORD ControlWord;
    WORD StatusWord;
    BYTE TagWord;
    BYTE Reserved1;
    WORD ErrorOpcode;
    DWORD ErrorOffset;
    WORD ErrorSelector;
    WORD Reserved2;
    DWORD DataOffset;
    WORD DataSelector;
    WORD Reserved3;
    DWORD MxCsr;
    DWORD MxCsr_Mask;
    M128A FloatRegisters[8];
    M128A XmmRegisters[16];
    BYTE Reserved4[96];
} XSAVE_FORMAT, *PXSAVE_FORMAT;

typedef XSAVE_FORMAT XMM_SAVE_AREA32, *PXMM_SAVE_AREA32;

#define LEGACY_SAVE_AREA_LENGTH sizeof(XMM_SAVE_AREA32)

typedef struct DECLSPEC_ALIGN(16) _CONTEXT {
    /* Register parameter home addresses. */
    DWORD64 P1Home;
    DWORD64 P2Home;
    DWORD64 P3Home;
    DWORD64 P4Home;
    DWORD64 P5Home;
    DWORD64 P6Home;

    /* Control flags. */
    DWORD ContextFlags;
    DWORD MxCsr;

    /* Segment registers and processor flags. */
    WORD SegCs;
    WORD SegDs;
    WORD SegEs;
    WORD SegFs;
    WORD SegGs;
    WORD SegSs;
    DWORD EFlags;

    /* Debug registers. */
    DWORD64 Dr0;
    DWORD64 Dr1;
    DWORD64 Dr2;
    DWORD64 Dr3;
    DWORD64 Dr6;
    DWORD64 Dr7;

    /* Integer registers. */
    DWORD64 Rax;
    DWORD64 Rcx;
    DWORD64 Rdx;
    DWORD64 Rbx;
    DWORD64 Rsp;
    DWORD64 Rbp;
    DWORD64 Rsi;
    DWORD64 Rdi;
    DWORD64 R8;
    DWORD64 R9;
    DWORD64 R10;
    DWORD64 R11;
    DWORD64 R12;
    DWORD64 R13;
    DWORD64 R14;
    DWORD64 R15;

    /* Program counter. */
    DWORD64 Rip;

    /* Floating point state. */
    __extension__ union {
        XMM_SAVE_AREA32 FltSave;
        __extension__ struct {
            M128A Header[2];
            M128A Legacy[8];
            M128A Xmm0;
            M128A Xmm1;
            M128A Xmm2;
            M128A Xmm3;
            M128A Xmm4;
            M128A Xmm5;
            M128A Xmm6;
            M128A Xmm7;
            M128A Xmm8;
            M128A Xmm9;
            M128A Xmm10;
            M128A Xmm11;
            M128A Xmm12;
            M128A Xmm13;
            M128A Xmm14;
            M128A Xmm15;
        } DUMMYSTRUCTNAME;
    } DUMMYUNIONNAME;

    /* Vector registers. */
    M128A VectorRegister[26];
    DWORD64 VectorControl;

    /* Special debug control registers. */
    DWORD64 DebugControl;
    DWORD64 LastBranchToRip;
    DWORD64 LastBranchFromRip;
    DWORD64 LastExceptionToRip;
    DWORD64 LastExceptionFromRip;
} CONTEXT, *PCONTEXT;

typedef struct _EXCEPTION_RECORD {
    DWORD ExceptionCode;
    DWORD ExceptionFlags;
    struct _EXCEPTION_RECORD *ExceptionRecord;
    PVOID ExceptionAddress;
    DWORD NumberParameters;
    ULONG_PTR ExceptionInformation[EXCEPTION_MAXIMUM_PARAMETERS];
} EXCEPTION_RECORD, *PEXCEPTION_RECORD;

typedef struct _EXCEPTION_POINTERS {
    PEXCEPTION_RECORD ExceptionRecord;
    PCONTEXT ContextRecord;
} EXCEPTION_POINTERS, *PEXCEPTION_POINTERS;

typedef LONG (NTAPI *PVECTORED_EXCEPTION_HANDLER)(
    struct _EXCEPTION_POINTERS *ExceptionInfo);

/* ---------------------------------------------------------------------- */
/* From the SDK's excpt.h: exception filter results                        */
/* ---------------------------------------------------------------------- */

#ifndef EXCEPTION_EXECUTE_HANDLER
#define EXCEPTION_EXECUTE_HANDLER      1
#endif
#ifndef EXCEPTION_CONTINUE_SEARCH
#define EXCEPTION_CONTINUE_SEARCH      0
#endif
#ifndef EXCEPTION_CONTINUE_EXECUTION
#define EXCEPTION_CONTINUE_EXECUTION   (-1)
#endif

/* ---------------------------------------------------------------------- */
/* From the SDK's minwinbase.h: structures shared by the *api.h headers   */
/* ---------------------------------------------------------------------- */

typedef PCONTEXT LPCONTEXT;
typedef PEXCEPTION_RECORD LPEXCEPTION_RECORD;
typedef PEXCEPTION_POINTERS LPEXCEPTION_POINTERS;

typedef struct _SECURITY_ATTRIBUTES {
    DWORD nLength;
    LPVOID lpSecurityDescriptor;
    BOOL bInheritHandle;
} SECURITY_ATTRIBUTES, *PSECURITY_ATTRIBUTES, *LPSECURITY_ATTRIBUTES;

typedef struct _OVERLAPPED {
    ULONG_PTR Internal;
    ULONG_PTR InternalHigh;
    __extension__ union {
        __extension__ struct {
            DWORD Offset;
            DWORD OffsetHigh;
        } DUMMYSTRUCTNAME;
        PVOID Pointer;
    } DUMMYUNIONNAME;
    HANDLE hEvent;
} OVERLAPPED, *LPOVERLAPPED;

typedef VOID (WINAPI *LPOVERLAPPED_COMPLETION_ROUTINE)(
    DWORD dwErrorCode,
    DWORD dwNumberOfBytesTransfered,
    LPOVERLAPPED lpOverlapped);

#ifdef __cplusplus
}
#endif

#endif /* _WINNT_ */
