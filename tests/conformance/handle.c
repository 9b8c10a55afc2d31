/* Conformance: CloseHandle, DuplicateHandle, Get/SetHandleInformation and
 * the pseudo handles (windows-behaviour.md section U). */
#include "conformance.h"

static HANDLE new_mapping(void)
{
    return CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x10000, NULL);
}

static void show_flags(const char *what, HANDLE handle)
{
    DWORD flags = 0x5555;
    BOOL ok = TRY(GetHandleInformation(handle, &flags));
    DWORD error = GetLastError();

    emit(what, error, "%s flags=0x%lx", ok ? "TRUE" : "FALSE", (unsigned long)flags);
}

/* An id as a call returned it: the caller's own, none, or another. */
static void show_id(const char *what, DWORD id, DWORD own)
{
    DWORD error = GetLastError();

    emit(what, error, "%s", id == own ? "own" : id == 0 ? "0" : "other");
}

int main(void)
{
    HANDLE self = GetCurrentProcess(), out, source, copy;

    heading("pseudo handles");
    fact("current process pseudo handle", "%s", self == (HANDLE)(LONG_PTR)-1 ? "-1" : "other");
    fact("current thread pseudo handle", "%s", GetCurrentThread() == (HANDLE)(LONG_PTR)-2 ? "-2" : "other");
    yes_no("process id nonzero", GetCurrentProcessId() != 0);
    yes_no("thread id nonzero", GetCurrentThreadId() != 0);
    bool_is("close current process", TRY(CloseHandle(self)));
    bool_is("close current thread", TRY(CloseHandle(GetCurrentThread())));
    bool_is("close INVALID_HANDLE_VALUE", TRY(CloseHandle(INVALID_HANDLE_VALUE)));
    bool_is("close NULL", TRY(CloseHandle(NULL)));
    bool_is("close bogus", TRY(CloseHandle((HANDLE)(ULONG_PTR)0x12340)));

    heading("DuplicateHandle");
    out = NULL;
    bool_is("duplicate pseudo process", TRY(DuplicateHandle(self, self, self, &out, 0, FALSE, DUPLICATE_SAME_ACCESS)));
    fact("duplicate pseudo process result", "%s", !out ? "NULL" : out == self ? "pseudo" : "real");
    show_flags("duplicate pseudo process flags", out);
    bool_is("close duplicated process", TRY(CloseHandle(out)));
    bool_is("close duplicated process twice", TRY(CloseHandle(out)));
    bool_is("duplicate pseudo inheritable", TRY(DuplicateHandle(self, self, self, &out, 0, TRUE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE)));
    show_flags("duplicate pseudo inheritable flags", out);
    CloseHandle(out);
    bool_is("duplicate pseudo same attributes", TRY(DuplicateHandle(self, self, self, &out, 0, TRUE, DUPLICATE_SAME_ATTRIBUTES)));
    show_flags("duplicate pseudo same attributes flags", out);
    CloseHandle(out);
    bool_is("duplicate pseudo thread", TRY(DuplicateHandle(self, GetCurrentThread(), self, &out, 0, FALSE, DUPLICATE_SAME_ACCESS)));
    fact("duplicate pseudo thread result", "%s", !out ? "NULL" : out == GetCurrentThread() ? "pseudo" : "real");
    show_id("thread id of the duplicate", TRY(GetThreadId(out)), GetCurrentThreadId());
    show_id("process id of a thread handle", TRY(GetProcessId(out)), GetCurrentProcessId());
    show_flags("duplicated thread flags", out);
    bool_is("close duplicated thread", TRY(CloseHandle(out)));
    show_id("thread id of a closed handle", TRY(GetThreadId(out)), GetCurrentThreadId());
    show_id("thread id of the pseudo thread", TRY(GetThreadId(GetCurrentThread())), GetCurrentThreadId());
    show_id("thread id of the pseudo process", TRY(GetThreadId(self)), GetCurrentThreadId());
    show_id("process id of the pseudo process", TRY(GetProcessId(self)), GetCurrentProcessId());
    show_id("thread id of NULL", TRY(GetThreadId(NULL)), GetCurrentThreadId());
    out = NULL;
    bool_is("duplicate thread for terminate only", TRY(DuplicateHandle(self, GetCurrentThread(), self, &out, THREAD_TERMINATE, FALSE, 0)));
    show_id("thread id without a query right", TRY(GetThreadId(out)), GetCurrentThreadId());
    CloseHandle(out);
    out = NULL;
    bool_is("duplicate thread for generic read", TRY(DuplicateHandle(self, GetCurrentThread(), self, &out, GENERIC_READ, FALSE, 0)));
    show_id("thread id with generic read", TRY(GetThreadId(out)), GetCurrentThreadId());
    CloseHandle(out);
    out = NULL;
    bool_is("duplicate process for no right", TRY(DuplicateHandle(self, self, self, &out, 0, FALSE, 0)));
    show_id("process id without a query right", TRY(GetProcessId(out)), GetCurrentProcessId());
    CloseHandle(out);
    out = NULL;
    bool_is("duplicate process for limited query", TRY(DuplicateHandle(self, self, self, &out, PROCESS_QUERY_LIMITED_INFORMATION, FALSE, 0)));
    show_id("process id with limited query", TRY(GetProcessId(out)), GetCurrentProcessId());
    CloseHandle(out);

    source = new_mapping();
    bool_is("duplicate close source", TRY(DuplicateHandle(self, source, self, &out, 0, FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE)));
    fact("duplicate close source same value", "%s", out == source ? "yes" : "no");
    show_flags("duplicate close source result flags", out);
    CloseHandle(out);

    source = new_mapping();
    bool_is("set protect from close", TRY(SetHandleInformation(source, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE)));
    show_flags("protected flags", source);
    bool_is("close protected", TRY(CloseHandle(source)));
    bool_is("duplicate close protected source", TRY(DuplicateHandle(self, source, self, &out, 0, FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE)));
    fact("duplicate close protected source same value", "%s", out == source ? "yes" : "no");
    show_flags("protected source still open", source);
    bool_is("duplicate same attributes", TRY(DuplicateHandle(self, source, self, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES)));
    show_flags("same attributes copy flags", copy);
    SetHandleInformation(copy, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0);
    CloseHandle(copy);
    bool_is("set inherit", TRY(SetHandleInformation(source, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT)));
    show_flags("inherit and protect flags", source);
    bool_is("clear both", TRY(SetHandleInformation(source, HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE, 0)));
    show_flags("cleared flags", source);
    bool_is("set unknown flag", TRY(SetHandleInformation(source, 0x4, 0x4)));
    show_flags("after unknown flag", source);
    bool_is("set mask 0", TRY(SetHandleInformation(source, 0, HANDLE_FLAG_INHERIT)));
    show_flags("after mask 0", source);
    bool_is("close unprotected", TRY(CloseHandle(source)));
    bool_is("close unprotected twice", TRY(CloseHandle(source)));
    CloseHandle(out);

    heading("invalid handles");
    show_flags("information of NULL", NULL);
    show_flags("information of closed", source);
    show_flags("information of pseudo process", self);
    bool_is("set information of NULL", TRY(SetHandleInformation(NULL, HANDLE_FLAG_INHERIT, 0)));
    out = (HANDLE)(ULONG_PTR)0x777;
    bool_is("duplicate closed", TRY(DuplicateHandle(self, source, self, &out, 0, FALSE, DUPLICATE_SAME_ACCESS)));
    fact("duplicate closed output", "%s", out == NULL ? "NULL" : out == (HANDLE)(ULONG_PTR)0x777 ? "untouched" : "other");
    bool_is("duplicate NULL", TRY(DuplicateHandle(self, NULL, self, &out, 0, FALSE, DUPLICATE_SAME_ACCESS)));
    source = new_mapping();
    bool_is("duplicate into NULL process", TRY(DuplicateHandle(self, source, NULL, &out, 0, FALSE, DUPLICATE_SAME_ACCESS)));
    bool_is("duplicate from NULL process", TRY(DuplicateHandle(NULL, source, self, &out, 0, FALSE, DUPLICATE_SAME_ACCESS)));
    bool_is("duplicate with NULL output", TRY(DuplicateHandle(self, source, self, NULL, 0, FALSE, DUPLICATE_SAME_ACCESS)));
    CloseHandle(source);
    return 0;
}
