/*
 * header_layout.c - compile-time checks of the w32mem Win32 headers.
 *
 * Every size and offset below is the Windows x64 value.  The checks are
 * compile-time assertions, so a layout mistake breaks the build; main()
 * only adds a few run-time checks of macros.
 *
 * Build (done by tests/header_compile.sh):
 *   cc -std=c99 -Wall -Wextra -pedantic -Werror -I include \
 *      tests/header_layout.c -o header_layout && ./header_layout
 */
#include <windows.h>

#include <stddef.h>
#include <stdio.h>

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#else
#define STATIC_ASSERT_CAT2(a, b) a##b
#define STATIC_ASSERT_CAT(a, b) STATIC_ASSERT_CAT2(a, b)
#define STATIC_ASSERT(cond, msg) \
    typedef char STATIC_ASSERT_CAT(static_assert_line_, __LINE__) \
        [(cond) ? 1 : -1]
#endif

#define SIZE(type, n)          STATIC_ASSERT(sizeof(type) == (n), \
                                   "sizeof(" #type ") == " #n)
#define OFF(type, field, n)    STATIC_ASSERT(offsetof(type, field) == (n), \
                                   "offsetof(" #type ", " #field ") == " #n)
#define VAL(name, n)           STATIC_ASSERT((name) == (n), #name " == " #n)

/* Alignment, without C11 _Alignof. */
#define ALIGN_PROBE(type) struct align_probe_##type { char c; type x; }
#define ALIGN(type, n) \
    STATIC_ASSERT(offsetof(struct align_probe_##type, x) == (n), \
                  "alignof(" #type ") == " #n)

/* ---------------------------------------------------------------------- */
/* Basic types                                                             */
/* ---------------------------------------------------------------------- */

SIZE(BOOL, 4);
SIZE(BOOLEAN, 1);
SIZE(BYTE, 1);
SIZE(WORD, 2);
SIZE(DWORD, 4);
SIZE(LONG, 4);
SIZE(ULONG, 4);
SIZE(UINT, 4);
SIZE(INT, 4);
SIZE(SHORT, 2);
SIZE(USHORT, 2);
SIZE(CHAR, 1);
SIZE(UCHAR, 1);
SIZE(WCHAR, 2);
SIZE(FLOAT, 4);
SIZE(LONGLONG, 8);
SIZE(ULONGLONG, 8);
SIZE(DWORDLONG, 8);
SIZE(DWORD64, 8);
SIZE(DWORD32, 4);
SIZE(LONG32, 4);
SIZE(ULONG32, 4);
SIZE(LONG64, 8);
SIZE(ULONG64, 8);
SIZE(INT8, 1);
SIZE(UINT8, 1);
SIZE(INT16, 2);
SIZE(UINT16, 2);
SIZE(INT32, 4);
SIZE(UINT32, 4);
SIZE(INT64, 8);
SIZE(UINT64, 8);
SIZE(INT_PTR, 8);
SIZE(UINT_PTR, 8);
SIZE(LONG_PTR, 8);
SIZE(ULONG_PTR, 8);
SIZE(DWORD_PTR, 8);
SIZE(SIZE_T, 8);
SIZE(SSIZE_T, 8);
SIZE(HALF_PTR, 4);
SIZE(UHALF_PTR, 4);
SIZE(HANDLE, 8);
SIZE(HMODULE, 8);
SIZE(HINSTANCE, 8);
SIZE(HGLOBAL, 8);
SIZE(HLOCAL, 8);
SIZE(HWND, 8);
SIZE(PVOID, 8);
SIZE(LPVOID, 8);
SIZE(FARPROC, 8);
SIZE(WPARAM, 8);
SIZE(LPARAM, 8);
SIZE(LRESULT, 8);
SIZE(ATOM, 2);
SIZE(NTSTATUS, 4);
SIZE(HRESULT, 4);
SIZE(ACCESS_MASK, 4);
SIZE(LARGE_INTEGER, 8);
SIZE(ULARGE_INTEGER, 8);
SIZE(HEAP_INFORMATION_CLASS, 4);

/* Signedness. */
STATIC_ASSERT((DWORD)-1 > 0, "DWORD is unsigned");
STATIC_ASSERT((ULONG)-1 > 0, "ULONG is unsigned");
STATIC_ASSERT((UINT)-1 > 0, "UINT is unsigned");
STATIC_ASSERT((WORD)-1 > 0, "WORD is unsigned");
STATIC_ASSERT((BYTE)-1 > 0, "BYTE is unsigned");
STATIC_ASSERT((WCHAR)-1 > 0, "WCHAR is unsigned");
STATIC_ASSERT((SIZE_T)-1 > 0, "SIZE_T is unsigned");
STATIC_ASSERT((ULONG_PTR)-1 > 0, "ULONG_PTR is unsigned");
STATIC_ASSERT((DWORD64)-1 > 0, "DWORD64 is unsigned");
STATIC_ASSERT((LONG)-1 < 0, "LONG is signed");
STATIC_ASSERT((INT)-1 < 0, "INT is signed");
STATIC_ASSERT((BOOL)-1 < 0, "BOOL is signed");
STATIC_ASSERT((LONG_PTR)-1 < 0, "LONG_PTR is signed");
STATIC_ASSERT((SSIZE_T)-1 < 0, "SSIZE_T is signed");
STATIC_ASSERT((LONGLONG)-1 < 0, "LONGLONG is signed");

/* ---------------------------------------------------------------------- */
/* Structures                                                              */
/* ---------------------------------------------------------------------- */

OFF(LARGE_INTEGER, LowPart, 0);
OFF(LARGE_INTEGER, HighPart, 4);
OFF(LARGE_INTEGER, u.LowPart, 0);
OFF(LARGE_INTEGER, u.HighPart, 4);
OFF(LARGE_INTEGER, QuadPart, 0);
OFF(ULARGE_INTEGER, LowPart, 0);
OFF(ULARGE_INTEGER, HighPart, 4);
OFF(ULARGE_INTEGER, u.LowPart, 0);
OFF(ULARGE_INTEGER, u.HighPart, 4);
OFF(ULARGE_INTEGER, QuadPart, 0);

SIZE(FILETIME, 8);
OFF(FILETIME, dwLowDateTime, 0);
OFF(FILETIME, dwHighDateTime, 4);

SIZE(LUID, 8);

SIZE(MEMORYSTATUS, 56);
OFF(MEMORYSTATUS, dwLength, 0);
OFF(MEMORYSTATUS, dwMemoryLoad, 4);
OFF(MEMORYSTATUS, dwTotalPhys, 8);
OFF(MEMORYSTATUS, dwAvailPhys, 16);
OFF(MEMORYSTATUS, dwTotalPageFile, 24);
OFF(MEMORYSTATUS, dwAvailPageFile, 32);
OFF(MEMORYSTATUS, dwTotalVirtual, 40);
OFF(MEMORYSTATUS, dwAvailVirtual, 48);

SIZE(MEMORYSTATUSEX, 64);
OFF(MEMORYSTATUSEX, dwLength, 0);
OFF(MEMORYSTATUSEX, dwMemoryLoad, 4);
OFF(MEMORYSTATUSEX, ullTotalPhys, 8);
OFF(MEMORYSTATUSEX, ullAvailPhys, 16);
OFF(MEMORYSTATUSEX, ullTotalPageFile, 24);
OFF(MEMORYSTATUSEX, ullAvailPageFile, 32);
OFF(MEMORYSTATUSEX, ullTotalVirtual, 40);
OFF(MEMORYSTATUSEX, ullAvailVirtual, 48);
OFF(MEMORYSTATUSEX, ullAvailExtendedVirtual, 56);

SIZE(SYSTEM_INFO, 48);
OFF(SYSTEM_INFO, dwOemId, 0);
OFF(SYSTEM_INFO, wProcessorArchitecture, 0);
OFF(SYSTEM_INFO, wReserved, 2);
OFF(SYSTEM_INFO, dwPageSize, 4);
OFF(SYSTEM_INFO, lpMinimumApplicationAddress, 8);
OFF(SYSTEM_INFO, lpMaximumApplicationAddress, 16);
OFF(SYSTEM_INFO, dwActiveProcessorMask, 24);
OFF(SYSTEM_INFO, dwNumberOfProcessors, 32);
OFF(SYSTEM_INFO, dwProcessorType, 36);
OFF(SYSTEM_INFO, dwAllocationGranularity, 40);
OFF(SYSTEM_INFO, wProcessorLevel, 44);
OFF(SYSTEM_INFO, wProcessorRevision, 46);

SIZE(MEMORY_BASIC_INFORMATION, 48);
OFF(MEMORY_BASIC_INFORMATION, BaseAddress, 0);
OFF(MEMORY_BASIC_INFORMATION, AllocationBase, 8);
OFF(MEMORY_BASIC_INFORMATION, AllocationProtect, 16);
OFF(MEMORY_BASIC_INFORMATION, PartitionId, 20);
OFF(MEMORY_BASIC_INFORMATION, RegionSize, 24);
OFF(MEMORY_BASIC_INFORMATION, State, 32);
OFF(MEMORY_BASIC_INFORMATION, Protect, 36);
OFF(MEMORY_BASIC_INFORMATION, Type, 40);

SIZE(PROCESS_HEAP_ENTRY, 40);
OFF(PROCESS_HEAP_ENTRY, lpData, 0);
OFF(PROCESS_HEAP_ENTRY, cbData, 8);
OFF(PROCESS_HEAP_ENTRY, cbOverhead, 12);
OFF(PROCESS_HEAP_ENTRY, iRegionIndex, 13);
OFF(PROCESS_HEAP_ENTRY, wFlags, 14);
OFF(PROCESS_HEAP_ENTRY, Block, 16);
OFF(PROCESS_HEAP_ENTRY, Block.hMem, 16);
OFF(PROCESS_HEAP_ENTRY, Block.dwReserved, 24);
OFF(PROCESS_HEAP_ENTRY, Region, 16);
OFF(PROCESS_HEAP_ENTRY, Region.dwCommittedSize, 16);
OFF(PROCESS_HEAP_ENTRY, Region.dwUnCommittedSize, 20);
OFF(PROCESS_HEAP_ENTRY, Region.lpFirstBlock, 24);
OFF(PROCESS_HEAP_ENTRY, Region.lpLastBlock, 32);

SIZE(HEAP_SUMMARY, 40);
OFF(HEAP_SUMMARY, cb, 0);
OFF(HEAP_SUMMARY, cbAllocated, 8);
OFF(HEAP_SUMMARY, cbCommitted, 16);
OFF(HEAP_SUMMARY, cbReserved, 24);
OFF(HEAP_SUMMARY, cbMaxReserve, 32);

SIZE(HEAP_OPTIMIZE_RESOURCES_INFORMATION, 8);

SIZE(SECURITY_ATTRIBUTES, 24);
OFF(SECURITY_ATTRIBUTES, nLength, 0);
OFF(SECURITY_ATTRIBUTES, lpSecurityDescriptor, 8);
OFF(SECURITY_ATTRIBUTES, bInheritHandle, 16);

SIZE(OVERLAPPED, 32);
OFF(OVERLAPPED, Internal, 0);
OFF(OVERLAPPED, InternalHigh, 8);
OFF(OVERLAPPED, Offset, 16);
OFF(OVERLAPPED, OffsetHigh, 20);
OFF(OVERLAPPED, Pointer, 16);
OFF(OVERLAPPED, hEvent, 24);

SIZE(BY_HANDLE_FILE_INFORMATION, 52);
OFF(BY_HANDLE_FILE_INFORMATION, dwFileAttributes, 0);
OFF(BY_HANDLE_FILE_INFORMATION, ftCreationTime, 4);
OFF(BY_HANDLE_FILE_INFORMATION, ftLastAccessTime, 12);
OFF(BY_HANDLE_FILE_INFORMATION, ftLastWriteTime, 20);
OFF(BY_HANDLE_FILE_INFORMATION, dwVolumeSerialNumber, 28);
OFF(BY_HANDLE_FILE_INFORMATION, nFileSizeHigh, 32);
OFF(BY_HANDLE_FILE_INFORMATION, nFileSizeLow, 36);
OFF(BY_HANDLE_FILE_INFORMATION, nNumberOfLinks, 40);
OFF(BY_HANDLE_FILE_INFORMATION, nFileIndexHigh, 44);
OFF(BY_HANDLE_FILE_INFORMATION, nFileIndexLow, 48);

SIZE(EXCEPTION_RECORD, 152);
OFF(EXCEPTION_RECORD, ExceptionCode, 0);
OFF(EXCEPTION_RECORD, ExceptionFlags, 4);
OFF(EXCEPTION_RECORD, ExceptionRecord, 8);
OFF(EXCEPTION_RECORD, ExceptionAddress, 16);
OFF(EXCEPTION_RECORD, NumberParameters, 24);
OFF(EXCEPTION_RECORD, ExceptionInformation, 32);

SIZE(EXCEPTION_POINTERS, 16);
OFF(EXCEPTION_POINTERS, ExceptionRecord, 0);
OFF(EXCEPTION_POINTERS, ContextRecord, 8);

SIZE(M128A, 16);
OFF(M128A, Low, 0);
OFF(M128A, High, 8);
ALIGN_PROBE(M128A);
ALIGN(M128A, 16);

SIZE(XMM_SAVE_AREA32, 512);
OFF(XMM_SAVE_AREA32, ControlWord, 0);
OFF(XMM_SAVE_AREA32, StatusWord, 2);
OFF(XMM_SAVE_AREA32, TagWord, 4);
OFF(XMM_SAVE_AREA32, Reserved1, 5);
OFF(XMM_SAVE_AREA32, ErrorOpcode, 6);
OFF(XMM_SAVE_AREA32, ErrorOffset, 8);
OFF(XMM_SAVE_AREA32, ErrorSelector, 12);
OFF(XMM_SAVE_AREA32, Reserved2, 14);
OFF(XMM_SAVE_AREA32, DataOffset, 16);
OFF(XMM_SAVE_AREA32, DataSelector, 20);
OFF(XMM_SAVE_AREA32, Reserved3, 22);
OFF(XMM_SAVE_AREA32, MxCsr, 24);
OFF(XMM_SAVE_AREA32, MxCsr_Mask, 28);
OFF(XMM_SAVE_AREA32, FloatRegisters, 32);
OFF(XMM_SAVE_AREA32, XmmRegisters, 160);
OFF(XMM_SAVE_AREA32, Reserved4, 416);
ALIGN_PROBE(XMM_SAVE_AREA32);
ALIGN(XMM_SAVE_AREA32, 16);

SIZE(CONTEXT, 1232);
ALIGN_PROBE(CONTEXT);
ALIGN(CONTEXT, 16);
OFF(CONTEXT, P1Home, 0x00);
OFF(CONTEXT, P2Home, 0x08);
OFF(CONTEXT, P3Home, 0x10);
OFF(CONTEXT, P4Home, 0x18);
OFF(CONTEXT, P5Home, 0x20);
OFF(CONTEXT, P6Home, 0x28);
OFF(CONTEXT, ContextFlags, 0x30);
OFF(CONTEXT, MxCsr, 0x34);
OFF(CONTEXT, SegCs, 0x38);
OFF(CONTEXT, SegDs, 0x3A);
OFF(CONTEXT, SegEs, 0x3C);
OFF(CONTEXT, SegFs, 0x3E);
OFF(CONTEXT, SegGs, 0x40);
OFF(CONTEXT, SegSs, 0x42);
OFF(CONTEXT, EFlags, 0x44);
OFF(CONTEXT, Dr0, 0x48);
OFF(CONTEXT, Dr1, 0x50);
OFF(CONTEXT, Dr2, 0x58);
OFF(CONTEXT, Dr3, 0x60);
OFF(CONTEXT, Dr6, 0x68);
OFF(CONTEXT, Dr7, 0x70);
OFF(CONTEXT, Rax, 0x78);
OFF(CONTEXT, Rcx, 0x80);
OFF(CONTEXT, Rdx, 0x88);
OFF(CONTEXT, Rbx, 0x90);
OFF(CONTEXT, Rsp, 0x98);
OFF(CONTEXT, Rbp, 0xA0);
OFF(CONTEXT, Rsi, 0xA8);
OFF(CONTEXT, Rdi, 0xB0);
OFF(CONTEXT, R8, 0xB8);
OFF(CONTEXT, R9, 0xC0);
OFF(CONTEXT, R10, 0xC8);
OFF(CONTEXT, R11, 0xD0);
OFF(CONTEXT, R12, 0xD8);
OFF(CONTEXT, R13, 0xE0);
OFF(CONTEXT, R14, 0xE8);
OFF(CONTEXT, R15, 0xF0);
OFF(CONTEXT, Rip, 0xF8);
OFF(CONTEXT, FltSave, 0x100);
OFF(CONTEXT, FltSave.MxCsr, 0x118);
OFF(CONTEXT, Header, 0x100);
OFF(CONTEXT, Legacy, 0x120);
OFF(CONTEXT, Xmm0, 0x1A0);
OFF(CONTEXT, Xmm1, 0x1B0);
OFF(CONTEXT, Xmm2, 0x1C0);
OFF(CONTEXT, Xmm3, 0x1D0);
OFF(CONTEXT, Xmm4, 0x1E0);
OFF(CONTEXT, Xmm5, 0x1F0);
OFF(CONTEXT, Xmm6, 0x200);
OFF(CONTEXT, Xmm7, 0x210);
OFF(CONTEXT, Xmm8, 0x220);
OFF(CONTEXT, Xmm9, 0x230);
OFF(CONTEXT, Xmm10, 0x240);
OFF(CONTEXT, Xmm11, 0x250);
OFF(CONTEXT, Xmm12, 0x260);
OFF(CONTEXT, Xmm13, 0x270);
OFF(CONTEXT, Xmm14, 0x280);
OFF(CONTEXT, Xmm15, 0x290);
OFF(CONTEXT, VectorRegister, 0x300);
OFF(CONTEXT, VectorControl, 0x4A0);
OFF(CONTEXT, DebugControl, 0x4A8);
OFF(CONTEXT, LastBranchToRip, 0x4B0);
OFF(CONTEXT, LastBranchFromRip, 0x4B8);
OFF(CONTEXT, LastExceptionToRip, 0x4C0);
OFF(CONTEXT, LastExceptionFromRip, 0x4C8);

/* ---------------------------------------------------------------------- */
/* A sample of constants                                                   */
/* ---------------------------------------------------------------------- */

VAL(MAX_PATH, 260);
VAL(TRUE, 1);
VAL(FALSE, 0);
VAL(MEM_COMMIT, 0x1000);
VAL(MEM_RESERVE, 0x2000);
VAL(MEM_DECOMMIT, 0x4000);
VAL(MEM_RELEASE, 0x8000);
VAL(MEM_FREE, 0x10000);
VAL(MEM_PRIVATE, 0x20000);
VAL(MEM_MAPPED, 0x40000);
VAL(MEM_RESET, 0x80000);
VAL(MEM_TOP_DOWN, 0x100000);
VAL(MEM_WRITE_WATCH, 0x200000);
VAL(MEM_IMAGE, 0x1000000);
VAL(MEM_LARGE_PAGES, 0x20000000);
VAL(MEM_64K_PAGES, 0x20400000);
VAL(PAGE_NOACCESS, 0x01);
VAL(PAGE_READWRITE, 0x04);
VAL(PAGE_EXECUTE_READWRITE, 0x40);
VAL(PAGE_GUARD, 0x100);
VAL(SEC_COMMIT, 0x8000000);
VAL(SEC_IMAGE_NO_EXECUTE, 0x11000000);
VAL(HEAP_ZERO_MEMORY, 0x08);
VAL(HEAP_GENERATE_EXCEPTIONS, 0x04);
VAL(HEAP_CREATE_ENABLE_EXECUTE, 0x40000);
VAL(SECTION_ALL_ACCESS, 0xF001F);
VAL(FILE_MAP_ALL_ACCESS, 0xF001F);
VAL(FILE_MAP_READ, 4);
VAL(FILE_MAP_WRITE, 2);
VAL(FILE_MAP_EXECUTE, 0x20);
VAL(STANDARD_RIGHTS_REQUIRED, 0xF0000);
VAL(PROCESS_ALL_ACCESS, 0x1FFFFF);
VAL(FILE_ALL_ACCESS, 0x1F01FF);
VAL(FILE_GENERIC_READ, 0x120089);
VAL(FILE_GENERIC_WRITE, 0x120116);
VAL(FILE_GENERIC_EXECUTE, 0x1200A0);
VAL(GENERIC_READ, 0x80000000u);
VAL(GENERIC_WRITE, 0x40000000);
VAL(GHND, 0x42);
VAL(GPTR, 0x40);
VAL(LHND, 0x42);
VAL(LPTR, 0x40);
VAL(PROCESSOR_ARCHITECTURE_AMD64, 9);
VAL(PROCESSOR_ARCHITECTURE_ARM64, 12);
VAL(PROCESSOR_AMD_X8664, 8664);
VAL(CONTEXT_FULL, 0x10000B);
VAL(CONTEXT_ALL, 0x10001F);
VAL(EXCEPTION_ACCESS_VIOLATION, 0xC0000005u);
VAL(EXCEPTION_NONCONTINUABLE, 1);
VAL(EXCEPTION_MAXIMUM_PARAMETERS, 15);
VAL(EXCEPTION_CONTINUE_EXECUTION, -1);
VAL(STATUS_HEAP_CORRUPTION, 0xC0000374u);
VAL(STATUS_GUARD_PAGE_VIOLATION, 0x80000001u);
VAL(INFINITE, 0xFFFFFFFFu);
VAL(WAIT_TIMEOUT, 258);
VAL(INVALID_FILE_SIZE, 0xFFFFFFFFu);
VAL(INVALID_SET_FILE_POINTER, 0xFFFFFFFFu);
VAL(ERROR_NOT_ENOUGH_MEMORY, 8);
VAL(ERROR_INVALID_PARAMETER, 87);
VAL(ERROR_INVALID_ADDRESS, 487);
VAL(ERROR_COMMITMENT_LIMIT, 1455);
VAL(ERROR_INVALID_OPERATION, 4317);
VAL(HeapCompatibilityInformation, 0);
VAL(HeapEnableTerminationOnCorruption, 1);
VAL(HeapOptimizeResources, 3);

/* The Windows constants keep 32-bit types (no 64-bit "long" suffixes). */
SIZE(ERROR_ACCESS_DENIED, 4);
SIZE(GENERIC_READ, 4);
SIZE(MEM_4MB_PAGES, 4);
SIZE(STATUS_ACCESS_VIOLATION, 4);
SIZE(INFINITE, 4);

/* SIZE_T and size_t are the same type: the pointers convert silently. */
static size_t *size_t_ptr_from(SIZE_T *p) { return p; }
static ULONG_PTR *ulong_ptr_from(size_t *p) { return p; }

int main(void)
{
    int failures = 0;
    SIZE_T n = 0;
    LARGE_INTEGER li;
    BYTE buf[8];
    TCHAR text[] = TEXT("abc");

    li.QuadPart = 0x1122334455667788LL;
    if (li.LowPart != 0x55667788u || li.HighPart != 0x11223344 ||
        li.u.LowPart != li.LowPart) {
        printf("LARGE_INTEGER parts wrong\n");
        failures++;
    }
    if (LOWORD(0x12345678) != 0x5678 || HIWORD(0x12345678) != 0x1234 ||
        LOBYTE(0x1234) != 0x34 || HIBYTE(0x1234) != 0x12 ||
        MAKEWORD(0x34, 0x12) != 0x1234 ||
        MAKELONG(0x5678, 0x1234) != 0x12345678) {
        printf("word/byte macros wrong\n");
        failures++;
    }
    if (INVALID_HANDLE_VALUE != (HANDLE)(LONG_PTR)-1) {
        printf("INVALID_HANDLE_VALUE wrong\n");
        failures++;
    }
    FillMemory(buf, sizeof(buf), 0xAB);
    SecureZeroMemory(buf, 4);
    if (buf[0] != 0 || buf[3] != 0 || buf[4] != 0xAB) {
        printf("FillMemory/SecureZeroMemory wrong\n");
        failures++;
    }
    ZeroMemory(buf, sizeof(buf));
    if (buf[7] != 0) {
        printf("ZeroMemory wrong\n");
        failures++;
    }
    if (sizeof(text) != 4 * sizeof(TCHAR)) {
        printf("TEXT wrong\n");
        failures++;
    }
    if (size_t_ptr_from(&n) != &n || ulong_ptr_from(&n) != &n) {
        failures++;
    }
#ifndef __cplusplus
    if (max(2, 3) != 3 || min(2, 3) != 2) {
        printf("min/max wrong\n");
        failures++;
    }
#endif
    if (failures == 0)
        printf("header_layout: all checks passed\n");
    return failures ? 1 : 0;
}
