/*
 * handleapi.h - handle API (w32mem).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.
 */
#ifndef _APISETHANDLE_
#define _APISETHANDLE_

#include <minwindef.h>
#include <winnt.h>

#ifdef __cplusplus
extern "C" {
#endif

#define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)

WINBASEAPI BOOL WINAPI CloseHandle(HANDLE hObject);
WINBASEAPI BOOL WINAPI DuplicateHandle(HANDLE hSourceProcessHandle,
                                       HANDLE hSourceHandle,
                                       HANDLE hTargetProcessHandle,
                                       LPHANDLE lpTargetHandle,
                                       DWORD dwDesiredAccess,
                                       BOOL bInheritHandle,
                                       DWORD dwOptions);
WINBASEAPI BOOL WINAPI GetHandleInformation(HANDLE hObject,
                                            LPDWORD lpdwFlags);
WINBASEAPI BOOL WINAPI SetHandleInformation(HANDLE hObject, DWORD dwMask,
                                            DWORD dwFlags);

#ifdef __cplusplus
}
#endif

#endif /* _APISETHANDLE_ */
