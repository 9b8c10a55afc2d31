/*
 * memoryapi.h - virtual memory and file mapping API (w32mem).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.
 */
#ifndef _MEMORYAPI_H_
#define _MEMORYAPI_H_

#include <minwindef.h>
#include <winnt.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FILE_MAP_WRITE            SECTION_MAP_WRITE
#define FILE_MAP_READ             SECTION_MAP_READ
#define FILE_MAP_ALL_ACCESS       SECTION_ALL_ACCESS
#define FILE_MAP_EXECUTE          SECTION_MAP_EXECUTE_EXPLICIT
#define FILE_MAP_COPY             0x00000001
#define FILE_MAP_RESERVE          0x80000000
#define FILE_MAP_TARGETS_INVALID  0x40000000
#define FILE_MAP_LARGE_PAGES      0x20000000

/* Virtual memory. */
WINBASEAPI LPVOID WINAPI VirtualAlloc(LPVOID lpAddress, SIZE_T dwSize,
                                      DWORD flAllocationType,
                                      DWORD flProtect);
WINBASEAPI LPVOID WINAPI VirtualAllocEx(HANDLE hProcess, LPVOID lpAddress,
                                        SIZE_T dwSize,
                                        DWORD flAllocationType,
                                        DWORD flProtect);
WINBASEAPI BOOL WINAPI VirtualFree(LPVOID lpAddress, SIZE_T dwSize,
                                   DWORD dwFreeType);
WINBASEAPI BOOL WINAPI VirtualFreeEx(HANDLE hProcess, LPVOID lpAddress,
                                     SIZE_T dwSize, DWORD dwFreeType);
WINBASEAPI BOOL WINAPI VirtualProtect(LPVOID lpAddress, SIZE_T dwSize,
                                      DWORD flNewProtect,
                                      PDWORD lpflOldProtect);
WINBASEAPI BOOL WINAPI VirtualProtectEx(HANDLE hProcess, LPVOID lpAddress,
                                        SIZE_T dwSize, DWORD flNewProtect,
                                        PDWORD lpflOldProtect);
WINBASEAPI SIZE_T WINAPI VirtualQuery(LPCVOID lpAddress,
                                      PMEMORY_BASIC_INFORMATION lpBuffer,
                                      SIZE_T dwLength);
WINBASEAPI SIZE_T WINAPI VirtualQueryEx(HANDLE hProcess, LPCVOID lpAddress,
                                        PMEMORY_BASIC_INFORMATION lpBuffer,
                                        SIZE_T dwLength);
WINBASEAPI BOOL WINAPI VirtualLock(LPVOID lpAddress, SIZE_T dwSize);
WINBASEAPI BOOL WINAPI VirtualUnlock(LPVOID lpAddress, SIZE_T dwSize);

WINBASEAPI UINT WINAPI GetWriteWatch(DWORD dwFlags, PVOID lpBaseAddress,
                                     SIZE_T dwRegionSize,
                                     PVOID *lpAddresses,
                                     ULONG_PTR *lpdwCount,
                                     LPDWORD lpdwGranularity);
WINBASEAPI UINT WINAPI ResetWriteWatch(LPVOID lpBaseAddress,
                                       SIZE_T dwRegionSize);

WINBASEAPI SIZE_T WINAPI GetLargePageMinimum(VOID);

/* File mappings. */
WINBASEAPI HANDLE WINAPI CreateFileMappingA(
    HANDLE hFile, LPSECURITY_ATTRIBUTES lpFileMappingAttributes,
    DWORD flProtect, DWORD dwMaximumSizeHigh, DWORD dwMaximumSizeLow,
    LPCSTR lpName);
WINBASEAPI HANDLE WINAPI CreateFileMappingW(
    HANDLE hFile, LPSECURITY_ATTRIBUTES lpFileMappingAttributes,
    DWORD flProtect, DWORD dwMaximumSizeHigh, DWORD dwMaximumSizeLow,
    LPCWSTR lpName);
WINBASEAPI HANDLE WINAPI OpenFileMappingA(DWORD dwDesiredAccess,
                                          BOOL bInheritHandle,
                                          LPCSTR lpName);
WINBASEAPI HANDLE WINAPI OpenFileMappingW(DWORD dwDesiredAccess,
                                          BOOL bInheritHandle,
                                          LPCWSTR lpName);
WINBASEAPI LPVOID WINAPI MapViewOfFile(HANDLE hFileMappingObject,
                                       DWORD dwDesiredAccess,
                                       DWORD dwFileOffsetHigh,
                                       DWORD dwFileOffsetLow,
                                       SIZE_T dwNumberOfBytesToMap);
WINBASEAPI LPVOID WINAPI MapViewOfFileEx(HANDLE hFileMappingObject,
                                         DWORD dwDesiredAccess,
                                         DWORD dwFileOffsetHigh,
                                         DWORD dwFileOffsetLow,
                                         SIZE_T dwNumberOfBytesToMap,
                                         LPVOID lpBaseAddress);
WINBASEAPI BOOL WINAPI UnmapViewOfFile(LPCVOID lpBaseAddress);
WINBASEAPI BOOL WINAPI FlushViewOfFile(LPCVOID lpBaseAddress,
                                       SIZE_T dwNumberOfBytesToFlush);

#ifdef UNICODE
#define CreateFileMapping CreateFileMappingW
#define OpenFileMapping   OpenFileMappingW
#else
#define CreateFileMapping CreateFileMappingA
#define OpenFileMapping   OpenFileMappingA
#endif

#ifdef __cplusplus
}
#endif

#endif /* _MEMORYAPI_H_ */
