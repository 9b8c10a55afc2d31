/*
 * processthreadsapi.h - process and thread API (w32mem).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.
 */
#ifndef _PROCESSTHREADSAPI_H_
#define _PROCESSTHREADSAPI_H_

#include <minwindef.h>
#include <winnt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Pseudo handles: (HANDLE)-1 for the process, (HANDLE)-2 for the thread. */
WINBASEAPI HANDLE WINAPI GetCurrentProcess(VOID);
WINBASEAPI DWORD WINAPI GetCurrentProcessId(VOID);
WINBASEAPI HANDLE WINAPI GetCurrentThread(VOID);
WINBASEAPI DWORD WINAPI GetCurrentThreadId(VOID);
/* Ids behind real handles too: DuplicateHandle of a pseudo handle makes one. */
WINBASEAPI DWORD WINAPI GetProcessId(HANDLE Process);
WINBASEAPI DWORD WINAPI GetThreadId(HANDLE Thread);

WINBASEAPI BOOL WINAPI FlushInstructionCache(HANDLE hProcess,
                                             LPCVOID lpBaseAddress,
                                             SIZE_T dwSize);

#ifdef __cplusplus
}
#endif

#endif /* _PROCESSTHREADSAPI_H_ */
