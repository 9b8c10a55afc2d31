/* Windows exceptions: the vectored handler lists and their dispatch, shared
 * by RaiseException and the fault handler. */
#ifndef W32MEM_EXCEPTION_H
#define W32MEM_EXCEPTION_H

#include <windows.h>

/* Runs the vectored exception handlers (and, when one continues, the
 * continue handlers); EXCEPTION_CONTINUE_EXECUTION or _CONTINUE_SEARCH.
 * Async-signal-safe: takes no lock. */
LONG exception_dispatch(EXCEPTION_POINTERS *pointers);

/* Installs the SIGSEGV/SIGBUS handler, once. */
void faults_install(void);

/* Writes "w32mem: unhandled exception ..." to stderr, async-signal-safely. */
void exception_report_unhandled(const EXCEPTION_RECORD *record);

#endif
