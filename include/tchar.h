/*
 * tchar.h - generic-text mappings (w32mem).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.
 *
 * Without _UNICODE, the _t* names map to the narrow C library functions as
 * with the Microsoft CRT.  With _UNICODE, _TCHAR is the 16-bit WCHAR type
 * and _T("x") is a u"x" literal, but the _t* function names are NOT mapped:
 * Linux's wide-character functions (wprintf, wcslen, ...) work on wchar_t,
 * which is 32 bits here, so they cannot take 16-bit WCHAR strings.
 */
#ifndef _INC_TCHAR
#define _INC_TCHAR

#ifdef __cplusplus
extern "C" {
#endif

#ifdef _UNICODE

/* Same type as WCHAR in minwindef.h. */
#if defined(__cplusplus) && __cplusplus >= 201103L
typedef char16_t _TCHAR;
#else
typedef unsigned short _TCHAR;
#endif
typedef _TCHAR _TSCHAR;
typedef _TCHAR _TUCHAR;
typedef _TCHAR _TXCHAR;
typedef int _TINT;

#define __T(x) u ## x

#else /* !_UNICODE */

typedef char _TCHAR;
typedef signed char _TSCHAR;
typedef unsigned char _TUCHAR;
typedef char _TXCHAR;
typedef int _TINT;

#define __T(x) x

#endif /* _UNICODE */

#ifndef _TCHAR_DEFINED
#define _TCHAR_DEFINED
typedef _TCHAR TCHAR;
#endif

#define _T(x)       __T(x)
#define _TEXT(x)    __T(x)

/*
 * Linux has no wmain/wWinMain, so _tmain is main in both modes.  (With
 * _UNICODE, declare argv as char ** yourself: Linux passes narrow strings.)
 */
#define _tmain      main

#ifndef _UNICODE

#define _TEOF       EOF

/* Formatted I/O (<stdio.h>). */
#define _tprintf    printf
#define _ftprintf   fprintf
#define _stprintf   sprintf
#define _sntprintf  snprintf
#define _vtprintf   vprintf
#define _vftprintf  vfprintf
#define _vstprintf  vsprintf
#define _vsntprintf vsnprintf
#define _tscanf     scanf
#define _ftscanf    fscanf
#define _stscanf    sscanf

/* Unformatted I/O (<stdio.h>). */
#define _fgetts     fgets
#define _fputts     fputs
#define _putts      puts
#define _fgettc     fgetc
#define _fputtc     fputc
#define _gettc      getc
#define _puttc      putc
#define _gettchar   getchar
#define _puttchar   putchar
#define _ungettc    ungetc
#define _tfopen     fopen
#define _tfreopen   freopen
#define _tremove    remove
#define _trename    rename
#define _tperror    perror

/* Strings (<string.h>). */
#define _tcslen     strlen
#define _tcsclen    strlen
#define _tcscpy     strcpy
#define _tcsncpy    strncpy
#define _tcscat     strcat
#define _tcsncat    strncat
#define _tcscmp     strcmp
#define _tcsncmp    strncmp
#define _tcscoll    strcoll
#define _tcschr     strchr
#define _tcsrchr    strrchr
#define _tcsstr     strstr
#define _tcsspn     strspn
#define _tcscspn    strcspn
#define _tcspbrk    strpbrk
#define _tcstok     strtok
#define _tcserror   strerror
#define _tcsxfrm    strxfrm
#define _tcsftime   strftime
#define _tcsdup     strdup          /* POSIX */
#define _tcsicmp    strcasecmp      /* POSIX <strings.h> */
#define _tcsnicmp   strncasecmp     /* POSIX <strings.h> */

/* Conversions and environment (<stdlib.h>). */
#define _tcstol     strtol
#define _tcstoul    strtoul
#define _tcstod     strtod
#define _tcstoi64   strtoll
#define _tcstoui64  strtoull
#define _ttoi       atoi
#define _ttol       atol
#define _ttoi64     atoll
#define _ttof       atof
#define _tstoi      atoi
#define _tstol      atol
#define _tstof      atof
#define _tgetenv    getenv
#define _tsystem    system

/* Character classes (<ctype.h>). */
#define _istalnum   isalnum
#define _istalpha   isalpha
#define _istcntrl   iscntrl
#define _istdigit   isdigit
#define _istgraph   isgraph
#define _istlower   islower
#define _istprint   isprint
#define _istpunct   ispunct
#define _istspace   isspace
#define _istupper   isupper
#define _istxdigit  isxdigit
#define _totlower   tolower
#define _totupper   toupper

#endif /* !_UNICODE */

#ifdef __cplusplus
}
#endif

#endif /* _INC_TCHAR */
