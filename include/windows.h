/*
 * windows.h - master include file for the w32mem Win32 memory API.
 *
 * w32mem implements the Win32 memory API on Linux (x86_64 and aarch64,
 * LP64).  Build with the flags from "pkg-config --cflags w32mem" (which put
 * this directory first on the include path) and link with -lw32mem.
 *
 * Notes for code ported from Windows:
 *  - _WIN32/_WIN64 are not defined; portable code keeps its Linux paths.
 *  - DWORD, LONG and ULONG are 32 bits; SIZE_T and the *_PTR types are 64.
 *  - WCHAR is a 16-bit UTF-16 unit (char16_t in C++11, unsigned short in C),
 *    not wchar_t; under UNICODE, TEXT("x") is the u"x" literal.
 *  - min/max are defined only for C (never for C++) unless NOMINMAX.
 */
#ifndef _WINDOWS_
#define _WINDOWS_

#include <stdarg.h>

#include <windef.h>
#include <winnt.h>
#include <winbase.h>
#include <winerror.h>

#endif /* _WINDOWS_ */
