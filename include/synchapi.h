/*
 * synchapi.h - synchronization API (w32mem: Sleep only).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.
 */
#ifndef _SYNCHAPI_H_
#define _SYNCHAPI_H_

#include <minwindef.h>
#include <winnt.h>

#ifdef __cplusplus
extern "C" {
#endif

WINBASEAPI VOID WINAPI Sleep(DWORD dwMilliseconds);

#ifdef __cplusplus
}
#endif

#endif /* _SYNCHAPI_H_ */
