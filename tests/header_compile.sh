#!/bin/sh
# header_compile.sh - compile checks for the w32mem public headers.
#
# Usage: tests/header_compile.sh [INCLUDE_DIR]
#   INCLUDE_DIR defaults to the include/ directory next to tests/.
#   CC and CXX choose the compilers (default: cc and c++); C++ checks are
#   skipped with a message when there is no C++ compiler.
#
# Every translation unit is compiled with -Wall -Wextra -pedantic -Werror:
#   - each public header on its own (C99 and C++11);
#   - <windows.h> together with common C library and POSIX headers, in both
#     orders, as C99, C11 and GNU11, and as C++11 and C++17 with <algorithm>,
#     <string>, <vector> and <cstdio> (std::min/std::max must still work);
#   - <tchar.h>, <conio.h> and <malloc.h> with <windows.h>;
#   - UNICODE/_UNICODE builds (TEXT()/_T() give 16-bit strings);
#   - NONAMELESSUNION and NOMINMAX builds.
# Prototypes are checked by assigning every API function to a pointer of its
# exact Windows type.  Finally tests/header_layout.c (the structure layout
# checks) is built and run as C99 and C11.
#
# Exits 0 when everything passes; otherwise prints each failing command with
# its output and exits 1.
#
# $CC, $CXX and $WARN are expanded unquoted on purpose: CC may carry flags.
# shellcheck disable=SC2086

here=$(cd "$(dirname "$0")" && pwd) || exit 1
incdir=${1:-$here/../include}
CC=${CC:-cc}
CXX=${CXX:-c++}
WARN="-Wall -Wextra -pedantic -Werror"

if [ ! -f "$incdir/windows.h" ]; then
    echo "header_compile.sh: no windows.h in $incdir" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/w32mem-hdr.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

failures=0
passes=0

# run DESCRIPTION COMMAND...: run a command, report it, count failures.
run() {
    desc=$1
    shift
    if "$@" >"$tmp/log" 2>&1; then
        passes=$((passes + 1))
        echo "ok   $desc"
    else
        failures=$((failures + 1))
        echo "FAIL $desc"
        echo "     command: $*"
        sed 's/^/     | /' "$tmp/log"
    fi
}

have_cxx=no
if command -v "${CXX%% *}" >/dev/null 2>&1; then
    have_cxx=yes
else
    echo "skip C++ checks: no C++ compiler ($CXX)"
fi

# ------------------------------------------------------------------------
# Shared test code
# ------------------------------------------------------------------------

cat >"$tmp/sysheaders.h" <<'EOT'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#include <signal.h>
#include <errno.h>
EOT

cat >"$tmp/cxxheaders.h" <<'EOT'
#include <algorithm>
#include <string>
#include <vector>
#include <cstdio>
EOT

# Every declared API function, assigned to a pointer of its Windows type.
cat >"$tmp/uses.h" <<'EOT'
#define W32_CHECK(ret, name, args) \
    do { ret (WINAPI *p_##name) args = name; (void)p_##name; } while (0)

void w32mem_check_prototypes(void);
void w32mem_check_prototypes(void)
{
    /* errhandlingapi.h */
    W32_CHECK(DWORD, GetLastError, (VOID));
    W32_CHECK(VOID, SetLastError, (DWORD));
    W32_CHECK(VOID, RaiseException, (DWORD, DWORD, DWORD, CONST ULONG_PTR *));
    W32_CHECK(LONG, UnhandledExceptionFilter, (struct _EXCEPTION_POINTERS *));
    W32_CHECK(LPTOP_LEVEL_EXCEPTION_FILTER, SetUnhandledExceptionFilter,
              (LPTOP_LEVEL_EXCEPTION_FILTER));
    W32_CHECK(PVOID, AddVectoredExceptionHandler,
              (ULONG, PVECTORED_EXCEPTION_HANDLER));
    W32_CHECK(ULONG, RemoveVectoredExceptionHandler, (PVOID));
    W32_CHECK(PVOID, AddVectoredContinueHandler,
              (ULONG, PVECTORED_EXCEPTION_HANDLER));
    W32_CHECK(ULONG, RemoveVectoredContinueHandler, (PVOID));

    /* handleapi.h */
    W32_CHECK(BOOL, CloseHandle, (HANDLE));
    W32_CHECK(BOOL, DuplicateHandle,
              (HANDLE, HANDLE, HANDLE, LPHANDLE, DWORD, BOOL, DWORD));
    W32_CHECK(BOOL, GetHandleInformation, (HANDLE, LPDWORD));
    W32_CHECK(BOOL, SetHandleInformation, (HANDLE, DWORD, DWORD));

    /* processthreadsapi.h, synchapi.h */
    W32_CHECK(HANDLE, GetCurrentProcess, (VOID));
    W32_CHECK(DWORD, GetCurrentProcessId, (VOID));
    W32_CHECK(HANDLE, GetCurrentThread, (VOID));
    W32_CHECK(DWORD, GetCurrentThreadId, (VOID));
    W32_CHECK(BOOL, FlushInstructionCache, (HANDLE, LPCVOID, SIZE_T));
    W32_CHECK(VOID, Sleep, (DWORD));

    /* sysinfoapi.h */
    W32_CHECK(VOID, GetSystemInfo, (LPSYSTEM_INFO));
    W32_CHECK(VOID, GetNativeSystemInfo, (LPSYSTEM_INFO));
    W32_CHECK(BOOL, GlobalMemoryStatusEx, (LPMEMORYSTATUSEX));
    W32_CHECK(BOOL, GetPhysicallyInstalledSystemMemory, (PULONGLONG));
    W32_CHECK(DWORD, GetTickCount, (VOID));
    W32_CHECK(ULONGLONG, GetTickCount64, (VOID));

    /* memoryapi.h */
    W32_CHECK(LPVOID, VirtualAlloc, (LPVOID, SIZE_T, DWORD, DWORD));
    W32_CHECK(LPVOID, VirtualAllocEx, (HANDLE, LPVOID, SIZE_T, DWORD, DWORD));
    W32_CHECK(BOOL, VirtualFree, (LPVOID, SIZE_T, DWORD));
    W32_CHECK(BOOL, VirtualFreeEx, (HANDLE, LPVOID, SIZE_T, DWORD));
    W32_CHECK(BOOL, VirtualProtect, (LPVOID, SIZE_T, DWORD, PDWORD));
    W32_CHECK(BOOL, VirtualProtectEx, (HANDLE, LPVOID, SIZE_T, DWORD, PDWORD));
    W32_CHECK(SIZE_T, VirtualQuery,
              (LPCVOID, PMEMORY_BASIC_INFORMATION, SIZE_T));
    W32_CHECK(SIZE_T, VirtualQueryEx,
              (HANDLE, LPCVOID, PMEMORY_BASIC_INFORMATION, SIZE_T));
    W32_CHECK(BOOL, VirtualLock, (LPVOID, SIZE_T));
    W32_CHECK(BOOL, VirtualUnlock, (LPVOID, SIZE_T));
    W32_CHECK(UINT, GetWriteWatch,
              (DWORD, PVOID, SIZE_T, PVOID *, ULONG_PTR *, LPDWORD));
    W32_CHECK(UINT, ResetWriteWatch, (LPVOID, SIZE_T));
    W32_CHECK(SIZE_T, GetLargePageMinimum, (VOID));
    W32_CHECK(HANDLE, CreateFileMappingA,
              (HANDLE, LPSECURITY_ATTRIBUTES, DWORD, DWORD, DWORD, LPCSTR));
    W32_CHECK(HANDLE, CreateFileMappingW,
              (HANDLE, LPSECURITY_ATTRIBUTES, DWORD, DWORD, DWORD, LPCWSTR));
    W32_CHECK(HANDLE, OpenFileMappingA, (DWORD, BOOL, LPCSTR));
    W32_CHECK(HANDLE, OpenFileMappingW, (DWORD, BOOL, LPCWSTR));
    W32_CHECK(LPVOID, MapViewOfFile, (HANDLE, DWORD, DWORD, DWORD, SIZE_T));
    W32_CHECK(LPVOID, MapViewOfFileEx,
              (HANDLE, DWORD, DWORD, DWORD, SIZE_T, LPVOID));
    W32_CHECK(BOOL, UnmapViewOfFile, (LPCVOID));
    W32_CHECK(BOOL, FlushViewOfFile, (LPCVOID, SIZE_T));

    /* heapapi.h */
    W32_CHECK(HANDLE, HeapCreate, (DWORD, SIZE_T, SIZE_T));
    W32_CHECK(BOOL, HeapDestroy, (HANDLE));
    W32_CHECK(LPVOID, HeapAlloc, (HANDLE, DWORD, SIZE_T));
    W32_CHECK(LPVOID, HeapReAlloc, (HANDLE, DWORD, LPVOID, SIZE_T));
    W32_CHECK(BOOL, HeapFree, (HANDLE, DWORD, LPVOID));
    W32_CHECK(SIZE_T, HeapSize, (HANDLE, DWORD, LPCVOID));
    W32_CHECK(HANDLE, GetProcessHeap, (VOID));
    W32_CHECK(DWORD, GetProcessHeaps, (DWORD, PHANDLE));
    W32_CHECK(SIZE_T, HeapCompact, (HANDLE, DWORD));
    W32_CHECK(BOOL, HeapValidate, (HANDLE, DWORD, LPCVOID));
    W32_CHECK(BOOL, HeapLock, (HANDLE));
    W32_CHECK(BOOL, HeapUnlock, (HANDLE));
    W32_CHECK(BOOL, HeapWalk, (HANDLE, LPPROCESS_HEAP_ENTRY));
    W32_CHECK(BOOL, HeapSetInformation,
              (HANDLE, HEAP_INFORMATION_CLASS, PVOID, SIZE_T));
    W32_CHECK(BOOL, HeapQueryInformation,
              (HANDLE, HEAP_INFORMATION_CLASS, PVOID, SIZE_T, PSIZE_T));

    /* winbase.h: global and local memory */
    W32_CHECK(VOID, GlobalMemoryStatus, (LPMEMORYSTATUS));
    W32_CHECK(HGLOBAL, GlobalAlloc, (UINT, SIZE_T));
    W32_CHECK(HGLOBAL, GlobalReAlloc, (HGLOBAL, SIZE_T, UINT));
    W32_CHECK(HGLOBAL, GlobalFree, (HGLOBAL));
    W32_CHECK(SIZE_T, GlobalSize, (HGLOBAL));
    W32_CHECK(LPVOID, GlobalLock, (HGLOBAL));
    W32_CHECK(BOOL, GlobalUnlock, (HGLOBAL));
    W32_CHECK(HGLOBAL, GlobalHandle, (LPCVOID));
    W32_CHECK(UINT, GlobalFlags, (HGLOBAL));
    W32_CHECK(HLOCAL, LocalAlloc, (UINT, SIZE_T));
    W32_CHECK(HLOCAL, LocalReAlloc, (HLOCAL, SIZE_T, UINT));
    W32_CHECK(HLOCAL, LocalFree, (HLOCAL));
    W32_CHECK(SIZE_T, LocalSize, (HLOCAL));
    W32_CHECK(LPVOID, LocalLock, (HLOCAL));
    W32_CHECK(BOOL, LocalUnlock, (HLOCAL));
    W32_CHECK(HLOCAL, LocalHandle, (LPCVOID));
    W32_CHECK(UINT, LocalFlags, (HLOCAL));

    /* fileapi.h */
    W32_CHECK(HANDLE, CreateFileA, (LPCSTR, DWORD, DWORD,
              LPSECURITY_ATTRIBUTES, DWORD, DWORD, HANDLE));
    W32_CHECK(HANDLE, CreateFileW, (LPCWSTR, DWORD, DWORD,
              LPSECURITY_ATTRIBUTES, DWORD, DWORD, HANDLE));
    W32_CHECK(BOOL, ReadFile, (HANDLE, LPVOID, DWORD, LPDWORD, LPOVERLAPPED));
    W32_CHECK(BOOL, WriteFile,
              (HANDLE, LPCVOID, DWORD, LPDWORD, LPOVERLAPPED));
    W32_CHECK(DWORD, SetFilePointer, (HANDLE, LONG, PLONG, DWORD));
    W32_CHECK(BOOL, SetFilePointerEx,
              (HANDLE, LARGE_INTEGER, PLARGE_INTEGER, DWORD));
    W32_CHECK(BOOL, SetEndOfFile, (HANDLE));
    W32_CHECK(DWORD, GetFileSize, (HANDLE, LPDWORD));
    W32_CHECK(BOOL, GetFileSizeEx, (HANDLE, PLARGE_INTEGER));
    W32_CHECK(BOOL, FlushFileBuffers, (HANDLE));
    W32_CHECK(BOOL, DeleteFileA, (LPCSTR));
    W32_CHECK(BOOL, DeleteFileW, (LPCWSTR));
    W32_CHECK(DWORD, GetTempPathA, (DWORD, LPSTR));
    W32_CHECK(DWORD, GetTempPathW, (DWORD, LPWSTR));
    W32_CHECK(UINT, GetTempFileNameA, (LPCSTR, LPCSTR, UINT, LPSTR));
    W32_CHECK(UINT, GetTempFileNameW, (LPCWSTR, LPCWSTR, UINT, LPWSTR));
}

/* Types, macros and nameless members used the way Windows code uses them. */
static LONG WINAPI w32mem_veh(struct _EXCEPTION_POINTERS *info)
{
    PEXCEPTION_RECORD rec = info->ExceptionRecord;
    PCONTEXT ctx = info->ContextRecord;
    if (rec->ExceptionCode == EXCEPTION_ACCESS_VIOLATION &&
        rec->NumberParameters >= 2 &&
        rec->ExceptionInformation[0] == EXCEPTION_WRITE_FAULT) {
        ctx->Rip += 1;
        ctx->Xmm0.Low = ctx->FltSave.XmmRegisters[0].Low;
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

int w32mem_check_usage(void);
int w32mem_check_usage(void)
{
    SYSTEM_INFO si;
    MEMORY_BASIC_INFORMATION mbi;
    MEMORYSTATUSEX ms;
    PROCESS_HEAP_ENTRY he;
    OVERLAPPED ov;
    LARGE_INTEGER li;
    ULARGE_INTEGER uli;
    SECURITY_ATTRIBUTES sa;
    BYTE buf[16];
    size_t sz = 0;
    SIZE_T *psz = &sz;                 /* SIZE_T* and size_t* agree */
    PVECTORED_EXCEPTION_HANDLER veh = w32mem_veh;
    LPTOP_LEVEL_EXCEPTION_FILTER filter = w32mem_veh;
    LPVOID p;
    DWORD old = 0;
    HANDLE h = INVALID_HANDLE_VALUE;
    LPCSTR name = "w32mem";
    const TCHAR *tname = TEXT("w32mem");
    int total = 0;

    ZeroMemory(&si, sizeof(si));
    ZeroMemory(&mbi, sizeof(mbi));
    SecureZeroMemory(&ms, sizeof(ms));
    FillMemory(buf, sizeof(buf), 0x5A);
    CopyMemory(buf, buf + 8, 8);
    MoveMemory(buf + 1, buf, 8);
    ms.dwLength = sizeof(ms);
    ZeroMemory(&he, sizeof(he));
    ZeroMemory(&ov, sizeof(ov));
    ov.Offset = 1;
    ov.OffsetHigh = 0;
    ov.Pointer = NULL;
    li.QuadPart = 0;
    li.LowPart = 1;
    li.HighPart = 0;
    li.u.LowPart = 2;
    uli.QuadPart = 0;
    uli.HighPart = li.u.LowPart;
    total += (int)uli.LowPart;
    sa.nLength = sizeof(sa);
    sa.lpSecurityDescriptor = NULL;
    sa.bInheritHandle = FALSE;

    GetSystemInfo(&si);
    total += si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_AMD64;
    total += si.dwOemId != 0;
    p = VirtualAlloc(NULL, si.dwAllocationGranularity,
                     MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (p != NULL) {
        VirtualProtect(p, si.dwPageSize, PAGE_READONLY, &old);
        VirtualQuery(p, &mbi, sizeof(mbi));
        total += mbi.State == MEM_COMMIT && mbi.Type == MEM_PRIVATE;
        VirtualFree(p, 0, MEM_RELEASE);
    }
    p = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, 16);
    HeapFree(GetProcessHeap(), 0, p);
    while (HeapWalk(GetProcessHeap(), &he)) {
        if (he.wFlags & PROCESS_HEAP_REGION)
            total += he.Region.dwCommittedSize != 0;
        else if (he.wFlags & PROCESS_HEAP_ENTRY_MOVEABLE)
            total += he.Block.hMem != NULL;
    }
    h = CreateFileMapping(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 4096,
                          tname);
    if (h != NULL) {
        p = MapViewOfFile(h, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);
        UnmapViewOfFile(p);
        CloseHandle(h);
    }
    h = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL,
                    OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h != INVALID_HANDLE_VALUE) {
        SetFilePointerEx(h, li, &li, FILE_BEGIN);
        if (SetFilePointer(h, 0, NULL, FILE_END) == INVALID_SET_FILE_POINTER &&
            GetLastError() != NO_ERROR)
            total++;
        CloseHandle(h);
    }
    if (GlobalMemoryStatusEx(&ms))
        total += ms.ullTotalPhys > 0;
    if (AddVectoredExceptionHandler(1, veh) == NULL)
        total++;
    SetUnhandledExceptionFilter(filter);
    total += (int)(*psz + LOWORD(old) + HIWORD(old) + MAX_PATH);
    total += (int)(sizeof(TCHAR) + ARRAYSIZE(buf));
    total += FAILED(HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED));
    Sleep(0);
    return total;
}
EOT

# ------------------------------------------------------------------------
# C translation units
# ------------------------------------------------------------------------

{
    echo '#include <windows.h>'
    echo '#include "sysheaders.h"'
    echo '#include "uses.h"'
    echo 'int w32mem_minmax(int a, int b);'
    echo 'int w32mem_minmax(int a, int b) { return min(a, b) + max(a, b); }'
} >"$tmp/c_win_first.c"

{
    echo '#include "sysheaders.h"'
    echo '#include <windows.h>'
    echo '#include "uses.h"'
    echo 'int w32mem_minmax(int a, int b);'
    echo 'int w32mem_minmax(int a, int b) { return min(a, b) + max(a, b); }'
} >"$tmp/c_sys_first.c"

cat >"$tmp/crt_body.h" <<'EOT'
int _tmain(int argc, char *argv[])
{
    TCHAR buf[32];
    const _TCHAR *msg = _T("hello");
    char *stack = (char *)_alloca(16);
    char *stack2 = (char *)_malloca(16);
    int (*pgetch)(void) = getch;
    int (*pgetche)(void) = _getche;
    int (*pkbhit)(void) = kbhit;
    int (*pputch)(int) = putch;
    void *heap = malloc(8);
    size_t usable = heap ? malloc_usable_size(heap) : 0;

    (void)argv;
    (void)pgetch; (void)pgetche; (void)pkbhit; (void)pputch;
    _tcscpy(buf, msg);
    _tcscat(buf, _TEXT("!"));
    stack[0] = 0;
    stack2[0] = 0;
    _freea(stack2);
    free(heap);
    _tprintf(_T("%s %d %d\n"), buf, (int)_tcslen(buf), _ttoi(_T("42")));
    _stprintf(buf, _T("%d"), argc);
    return _tcscmp(buf, _T("1")) == 0 && usable < 1u << 20 ? 0 : 1;
}
EOT

{
    echo '#include <tchar.h>'
    echo '#include <conio.h>'
    echo '#include <malloc.h>'
    echo '#include <windows.h>'
    echo '#include "sysheaders.h"'
    echo '#include "crt_body.h"'
} >"$tmp/c_crt_first.c"

{
    echo '#include "sysheaders.h"'
    echo '#include <windows.h>'
    echo '#include <malloc.h>'
    echo '#include <conio.h>'
    echo '#include <tchar.h>'
    echo '#include "crt_body.h"'
} >"$tmp/c_crt_last.c"

cat >"$tmp/c_unicode_win_first.c" <<'EOT'
#include <windows.h>
#include <tchar.h>
#include "sysheaders.h"
#include "uses.h"

int w32mem_unicode(void);
int w32mem_unicode(void)
{
    LPCWSTR w = TEXT("x");
    const TCHAR *t = _T("y");
    const _TCHAR *t2 = t;
    LPCTSTR t3 = t2;
    const WCHAR *w2 = u"z";
    HANDLE h = CreateFile(TEXT("f"), GENERIC_READ, 0, NULL, OPEN_EXISTING,
                          0, NULL);
    DeleteFile(t3);
    return (int)(w[0] + w2[0] + sizeof(TCHAR)) + (h == NULL);
}
EOT

cat >"$tmp/c_unicode_tchar_first.c" <<'EOT'
#include <tchar.h>
#include <windows.h>
#include "sysheaders.h"

int w32mem_unicode(void);
int w32mem_unicode(void)
{
    LPCWSTR w = TEXT("x");
    const TCHAR *t = _T("y");
    LPCTSTR t2 = t;
    WCHAR tmp[MAX_PATH];
    DWORD n = GetTempPath(MAX_PATH, tmp);
    return (int)(w[0] + t2[0] + n + sizeof(_TCHAR));
}
EOT

cat >"$tmp/c_nominmax.c" <<'EOT'
#include <windows.h>
#include "sysheaders.h"

/* With NOMINMAX, min and max are ordinary identifiers. */
static int min(int a, int b) { return a < b ? a : b; }
int w32mem_min(int a, int b);
int w32mem_min(int a, int b) { return min(a, b); }
EOT

cat >"$tmp/c_nonameless.c" <<'EOT'
#include <windows.h>

int w32mem_nameless(void);
int w32mem_nameless(void)
{
    SYSTEM_INFO si;
    LARGE_INTEGER li;
    OVERLAPPED ov;
    CONTEXT ctx;
    si.u.s.wProcessorArchitecture = 0;
    li.s.LowPart = 0;
    li.u.HighPart = 0;
    ov.u.s.Offset = 0;
    ov.u.Pointer = NULL;
    ctx.u.s.Xmm0.Low = 0;
    return (int)(si.u.dwOemId + li.s.LowPart + ov.u.s.Offset +
                 ctx.u.s.Xmm0.Low);
}
EOT

# ------------------------------------------------------------------------
# C++ translation units
# ------------------------------------------------------------------------

cat >"$tmp/cxx_body.h" <<'EOT'
int w32mem_cxx(void);
int w32mem_cxx(void)
{
    std::vector<int> v;
    v.push_back(3);
    v.push_back(1);
    std::sort(v.begin(), v.end());
    std::string s("w32mem");
    DWORD a = 1, b = 2;
    DWORD lo = std::min(a, b);
    DWORD hi = std::max<DWORD>(a, b);
    SIZE_T n = std::max(static_cast<SIZE_T>(s.size()), sizeof(CONTEXT));
    const TCHAR *t = TEXT("w32mem");
    std::printf("%u %u %lu\n", lo, hi, static_cast<unsigned long>(n));
    return static_cast<int>(v[0] + sizeof(t));
}
EOT

{
    echo '#include <windows.h>'
    echo '#include "sysheaders.h"'
    echo '#include "cxxheaders.h"'
    echo '#include "uses.h"'
    echo '#include "cxx_body.h"'
} >"$tmp/cxx_win_first.cpp"

{
    echo '#include "cxxheaders.h"'
    echo '#include "sysheaders.h"'
    echo '#include <windows.h>'
    echo '#include <tchar.h>'
    echo '#include <conio.h>'
    echo '#include <malloc.h>'
    echo '#include "uses.h"'
    echo '#include "cxx_body.h"'
} >"$tmp/cxx_sys_first.cpp"

cat >"$tmp/cxx_unicode.cpp" <<'EOT'
#include <windows.h>
#include <tchar.h>
#include "cxxheaders.h"

int w32mem_unicode(void);
int w32mem_unicode(void)
{
    LPCWSTR w = TEXT("x");
    const TCHAR *t = _T("y");
    const char16_t *c16 = w;
    std::u16string s(t);
    return static_cast<int>(c16[0] + s.size());
}
EOT

# ------------------------------------------------------------------------
# Run
# ------------------------------------------------------------------------

# check_c DESCRIPTION STD FILE [FLAGS...]: syntax-check a C unit.
check_c() {
    c_desc=$1 c_std=$2 c_file=$3
    shift 3
    run "$c_desc" $CC -std="$c_std" $WARN "$@" -I"$incdir" -I"$tmp" \
        -fsyntax-only "$tmp/$c_file"
}

# check_cxx DESCRIPTION STD FILE [FLAGS...]: syntax-check a C++ unit.
check_cxx() {
    c_desc=$1 c_std=$2 c_file=$3
    shift 3
    run "$c_desc" $CXX -std="$c_std" $WARN "$@" -I"$incdir" -I"$tmp" \
        -fsyntax-only "$tmp/$c_file"
}

headers="windows.h windef.h minwindef.h basetsd.h winnt.h winbase.h winerror.h
errhandlingapi.h handleapi.h heapapi.h memoryapi.h fileapi.h sysinfoapi.h
processthreadsapi.h synchapi.h tchar.h conio.h malloc.h"

for h in $headers; do
    echo "#include <$h>" >"$tmp/alone.c"
    cp "$tmp/alone.c" "$tmp/alone.cpp"
    check_c "$h alone (c99)" c99 alone.c
    if [ $have_cxx = yes ]; then
        check_cxx "$h alone (c++11)" c++11 alone.cpp
    fi
done

for std in c99 c11 gnu11; do
    for unit in c_win_first c_sys_first c_crt_first c_crt_last; do
        check_c "$unit ($std)" $std $unit.c
    done
done

for unit in c_unicode_win_first c_unicode_tchar_first; do
    check_c "$unit (c11, UNICODE)" c11 $unit.c -DUNICODE -D_UNICODE
done
check_c "c_nominmax (c99, NOMINMAX)" c99 c_nominmax.c -DNOMINMAX
check_c "c_nonameless (c99, NONAMELESSUNION)" c99 c_nonameless.c \
    -DNONAMELESSUNION

if [ $have_cxx = yes ]; then
    for std in c++11 c++17; do
        for unit in cxx_win_first cxx_sys_first; do
            check_cxx "$unit ($std)" $std $unit.cpp
        done
        check_cxx "cxx_unicode ($std, UNICODE)" $std cxx_unicode.cpp \
            -DUNICODE -D_UNICODE
    done
fi

for std in c99 c11; do
    run "header_layout.c ($std): build" \
        $CC -std=$std $WARN -I"$incdir" "$here/header_layout.c" \
        -o "$tmp/header_layout_$std"
    if [ -x "$tmp/header_layout_$std" ]; then
        run "header_layout.c ($std): run" "$tmp/header_layout_$std"
    fi
done

echo "header_compile.sh: $passes passed, $failures failed (CC=$CC CXX=$CXX)"
[ $failures -eq 0 ]
