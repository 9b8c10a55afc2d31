/*
 * errhandlingapi.h - last-error and exception-handling API (w32mem).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.
 */
#ifndef _ERRHANDLING_H_
#define _ERRHANDLING_H_

#include <minwindef.h>
#include <winnt.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef LONG (WINAPI *PTOP_LEVEL_EXCEPTION_FILTER)(
    struct _EXCEPTION_POINTERS *ExceptionInfo);
typedef PTOP_LEVEL_EXCEPTION_FILTER LPTOP_LEVEL_EXCEPTION_FILTER;

WINBASEAPI DWORD WINAPI GetLastError(VOID);
WINBASEAPI VOID WINAPI SetLastError(DWORD dwErrCode);

/* Not noreturn: it returns when a handler continues execution. */
WINBASEAPI VOID WINAPI RaiseException(DWORD dwExceptionCode,
                                      DWORD dwExceptionFlags,
                                      DWORD nNumberOfArguments,
                                      CONST ULONG_PTR *lpArguments);

WINBASEAPI LONG WINAPI UnhandledExceptionFilter(
    struct _EXCEPTION_POINTERS *ExceptionInfo);
WINBASEAPI LPTOP_LEVEL_EXCEPTION_FILTER WINAPI SetUnhandledExceptionFilter(
    LPTOP_LEVEL_EXCEPTION_FILTER lpTopLevelExceptionFilter);

WINBASEAPI PVOID WINAPI AddVectoredExceptionHandler(
    ULONG First, PVECTORED_EXCEPTION_HANDLER Handler);
WINBASEAPI ULONG WINAPI RemoveVectoredExceptionHandler(PVOID Handle);
WINBASEAPI PVOID WINAPI AddVectoredContinueHandler(
    ULONG First, PVECTORED_EXCEPTION_HANDLER Handler);
WINBASEAPI ULONG WINAPI RemoveVectoredContinueHandler(PVOID Handle);

#ifdef __cplusplus
}
#endif

#endif /* _ERRHANDLING_H_ */
