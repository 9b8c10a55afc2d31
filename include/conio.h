/*
 * conio.h - console I/O (w32mem).
 *
 * Part of the w32mem Win32-compatible headers for LP64 Linux.  The functions
 * are provided by libw32mem and work on the controlling terminal.
 */
#ifndef _INC_CONIO
#define _INC_CONIO

#ifdef __cplusplus
extern "C" {
#endif

__attribute__((visibility("default"))) int _getch(void);
__attribute__((visibility("default"))) int _getche(void);
__attribute__((visibility("default"))) int _kbhit(void);
__attribute__((visibility("default"))) int _putch(int _Ch);

/* Old names without the leading underscore. */
#define getch   _getch
#define getche  _getche
#define kbhit   _kbhit
#define putch   _putch

#ifdef __cplusplus
}
#endif

#endif /* _INC_CONIO */
