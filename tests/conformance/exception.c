/* Conformance: RaiseException, vectored exception and continue handlers,
 * SetUnhandledExceptionFilter/UnhandledExceptionFilter, guard pages and
 * write watches (windows-behaviour.md sections F and G). */
#include "conformance.h"

#define P 0x1000

/* The handlers change state behind the compiler's back: a faulting access
 * must not be reordered with the accesses to that state around it. */
#define BARRIER() __asm__ __volatile__("" ::: "memory")

static char order[64];
static EXCEPTION_RECORD last;
static unsigned seen;
static char *volatile fix_page;

static void note(char c)
{
    size_t n = strlen(order);

    if (n + 1 < sizeof order) {
        order[n] = c;
        order[n + 1] = 0;
    }
}

static LONG WINAPI first_handler(EXCEPTION_POINTERS *pointers)
{
    note('A');
    last = *pointers->ExceptionRecord;
    seen++;
    if (last.ExceptionCode == STATUS_ACCESS_VIOLATION && fix_page) {
        DWORD old;

        VirtualProtect(fix_page, P, PAGE_READWRITE, &old);
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    if (last.ExceptionCode == STATUS_GUARD_PAGE_VIOLATION || last.ExceptionCode == 0xE0000001)
        return EXCEPTION_CONTINUE_EXECUTION;
    return EXCEPTION_CONTINUE_SEARCH;
}

static LONG WINAPI second_handler(EXCEPTION_POINTERS *pointers)
{
    (void)pointers;
    note('B');
    return EXCEPTION_CONTINUE_SEARCH;
}

static LONG WINAPI continue_handler(EXCEPTION_POINTERS *pointers)
{
    (void)pointers;
    note('C');
    return EXCEPTION_CONTINUE_SEARCH;
}

static LONG WINAPI filter_one(EXCEPTION_POINTERS *pointers)
{
    (void)pointers;
    return EXCEPTION_EXECUTE_HANDLER;
}

static LONG WINAPI filter_two(EXCEPTION_POINTERS *pointers)
{
    (void)pointers;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void raising(void)
{
    ULONG_PTR arguments[20];
    void *a, *b, *c;
    unsigned i;

    heading("RaiseException and vectored handlers");
    for (i = 0; i < 20; i++)
        arguments[i] = 100 + i;
    a = TRY(AddVectoredExceptionHandler(0, second_handler));
    ptr_is("add handler last", a, NULL);
    b = TRY(AddVectoredExceptionHandler(1, first_handler));
    ptr_is("add handler first", b, NULL);
    c = TRY(AddVectoredContinueHandler(0, continue_handler));
    ptr_is("add continue handler", c, NULL);
    order[0] = 0;
    SetLastError(UNTOUCHED);
    RaiseException(0xE0000001, 0, 3, arguments);
    emit("raise continuable", GetLastError(), "order=%s code=0x%lx flags=0x%lx params=%lu p2=%lu",
         order, (unsigned long)last.ExceptionCode, (unsigned long)last.ExceptionFlags,
         (unsigned long)last.NumberParameters, (unsigned long)last.ExceptionInformation[2]);
    RaiseException(0xE0000001, 0, 0, arguments);
    fact("raise no arguments", "params=%lu", (unsigned long)last.NumberParameters);
    RaiseException(0xE0000001, 0, 3, NULL);
    fact("raise NULL arguments", "params=%lu", (unsigned long)last.NumberParameters);
    RaiseException(0xE0000001, 0, 20, arguments);
    fact("raise 20 arguments", "params=%lu last=%lu", (unsigned long)last.NumberParameters,
         (unsigned long)last.ExceptionInformation[last.NumberParameters ? last.NumberParameters - 1 : 0]);
    RaiseException(0xE0000001, 0x10, 0, NULL);
    fact("raise flags 0x10", "flags=0x%lx", (unsigned long)last.ExceptionFlags);
    RaiseException(0xF0000001 & 0xEFFFFFFF, 0, 0, NULL);
    fact("raise code with bit 28", "code=0x%lx", (unsigned long)last.ExceptionCode);
    yes_no("record address nonzero", last.ExceptionAddress != NULL);
    num_is("remove continue handler", TRY(RemoveVectoredContinueHandler(c)));
    num_is("remove continue handler twice", TRY(RemoveVectoredContinueHandler(c)));
    num_is("remove handler first", TRY(RemoveVectoredExceptionHandler(b)));
    num_is("remove handler first twice", TRY(RemoveVectoredExceptionHandler(b)));
    num_is("remove handler last", TRY(RemoveVectoredExceptionHandler(a)));
    num_is("remove bogus handler", TRY(RemoveVectoredExceptionHandler(&order)));
    num_is("remove NULL handler", TRY(RemoveVectoredExceptionHandler(NULL)));
}

static void filters(void)
{
    LPTOP_LEVEL_EXCEPTION_FILTER previous;
    EXCEPTION_RECORD record;
    EXCEPTION_POINTERS pointers;
    CONTEXT context;

    heading("unhandled exception filter");
    previous = SetUnhandledExceptionFilter(filter_one);
    fact("set filter returns previous", "%s", previous == filter_one ? "same" : "other");
    fact("set filter again returns first", "%s", SetUnhandledExceptionFilter(filter_two) == filter_one ? "yes" : "no");
    fact("set filter back returns second", "%s", SetUnhandledExceptionFilter(filter_one) == filter_two ? "yes" : "no");
    memset(&record, 0, sizeof record);
    memset(&context, 0, sizeof context);
    record.ExceptionCode = 0xE0000002;
    pointers.ExceptionRecord = &record;
    pointers.ContextRecord = &context;
    num_is("unhandled filter runs the filter", TRY(UnhandledExceptionFilter(&pointers)));
    SetUnhandledExceptionFilter(filter_two);
    num_is("unhandled filter continue", TRY(UnhandledExceptionFilter(&pointers)));
    SetUnhandledExceptionFilter(previous);
}

static void faults(void)
{
    volatile char *page = VirtualAlloc(NULL, P, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY);
    void *handler = AddVectoredExceptionHandler(1, first_handler);
    DWORD old;
    char value;

    heading("access violations and guard pages");
    fix_page = (char *)page;
    seen = 0;
    BARRIER();
    page[5] = 1;
    BARRIER();
    fact("write to read-only page", "seen=%u code=0x%lx params=%lu kind=%lu at=%s", seen,
         (unsigned long)last.ExceptionCode, (unsigned long)last.NumberParameters,
         (unsigned long)last.ExceptionInformation[0], offset_text((void *)last.ExceptionInformation[1], (void *)page));
    yes_no("write completed after fix", page[5] == 1);
    VirtualProtect((void *)page, P, PAGE_NOACCESS, &old);
    seen = 0;
    BARRIER();
    value = page[7];
    BARRIER();
    fact("read of no-access page", "seen=%u kind=%lu at=%s value=%d", seen, (unsigned long)last.ExceptionInformation[0],
         offset_text((void *)last.ExceptionInformation[1], (void *)page), value);
    fix_page = NULL;

    VirtualProtect((void *)page, P, PAGE_READWRITE | PAGE_GUARD, &old);
    seen = 0;
    BARRIER();
    value = page[9];
    BARRIER();
    fact("read of guard page", "seen=%u code=0x%lx params=%lu at=%s", seen, (unsigned long)last.ExceptionCode,
         (unsigned long)last.NumberParameters, offset_text((void *)last.ExceptionInformation[1], (void *)page));
    query_is("guard page after trip", (void *)page, (void *)page);
    seen = 0;
    BARRIER();
    value = page[9];
    BARRIER();
    fact("second read of guard page", "seen=%u", seen);
    VirtualProtect((void *)page, P, PAGE_READWRITE | PAGE_GUARD, &old);
    seen = 0;
    BARRIER();
    page[11] = 3;
    BARRIER();
    fact("write to guard page", "seen=%u kind=%lu value=%d", seen, (unsigned long)last.ExceptionInformation[0], page[11]);
    VirtualProtect((void *)page, P, PAGE_READWRITE | PAGE_GUARD, &old);
    seen = 0;
    BARRIER();
    bool_is("lock guard page", TRY(VirtualLock((void *)page, P)));
    fact("lock guard page exceptions", "seen=%u", seen);
    bool_is("lock guard page again", TRY(VirtualLock((void *)page, P)));
    query_is("guard page after lock", (void *)page, (void *)page);
    VirtualUnlock((void *)page, P);
    RemoveVectoredExceptionHandler(handler);
    VirtualFree((void *)page, 0, MEM_RELEASE);
}

static void write_watch(void)
{
    char *base = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE);
    char *plain = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    void *results[64];
    ULONG_PTR count;
    DWORD granularity, old;
    UINT ret;

    heading("write watch");
    ptr_is("watched region", base, NULL);
    query_is("watched query", base, base);
    count = 64;
    ret = TRY(GetWriteWatch(0, base, 0x10000, results, &count, &granularity));
    emit("fresh watch", GetLastError(), "ret=0x%x count=%lu granularity=0x%lx", ret, (unsigned long)count, (unsigned long)granularity);
    base[P + 1] = 1;
    count = 64;
    ret = TRY(GetWriteWatch(0, base, 0x10000, results, &count, &granularity));
    emit("one write", GetLastError(), "ret=0x%x count=%lu first=%s", ret, (unsigned long)count, count ? offset_text(results[0], base) : "-");
    count = 64;
    ret = TRY(GetWriteWatch(WRITE_WATCH_FLAG_RESET, base, 0x10000, results, &count, &granularity));
    emit("one write with reset", GetLastError(), "ret=0x%x count=%lu", ret, (unsigned long)count);
    count = 64;
    GetWriteWatch(0, base, 0x10000, results, &count, &granularity);
    fact("after reset", "count=%lu", (unsigned long)count);
    base[5 * P] = 1;
    base[2 * P] = 1;
    base[4 * P - 2] = 1;
    *(volatile unsigned *)(base + 8 * P - 2) = 1;
    count = 64;
    GetWriteWatch(0, base, 0x10000, results, &count, &granularity);
    {
        char list[256] = "", one[64];
        ULONG_PTR i;

        for (i = 0; i < count && i < 8; i++) {
            strcat(list, " ");
            strcat(list, offset_into(one, sizeof one, results[i], base));
        }
        fact("ascending", "count=%lu%s", (unsigned long)count, list);
    }
    count = 64;
    GetWriteWatch(0, base + 3 * P, 2 * P, results, &count, &granularity);
    fact("sub-range", "count=%lu first=%s", (unsigned long)count, count ? offset_text(results[0], base) : "-");
    num_is("reset 3 pages", TRY(ResetWriteWatch(base, 3 * P)));
    count = 64;
    GetWriteWatch(0, base, 0x10000, results, &count, &granularity);
    fact("after partial reset", "count=%lu first=%s", (unsigned long)count, count ? offset_text(results[0], base) : "-");
    count = 1;
    GetWriteWatch(WRITE_WATCH_FLAG_RESET, base, 0x10000, results, &count, &granularity);
    fact("count 1 with reset", "count=%lu first=%s", (unsigned long)count, offset_text(results[0], base));
    count = 64;
    GetWriteWatch(0, base, 0x10000, results, &count, &granularity);
    fact("after count 1 reset", "count=%lu", (unsigned long)count);
    ResetWriteWatch(base, 0x10000);
    VirtualProtect(base, 0x10000, PAGE_READONLY, &old);
    VirtualProtect(base, 0x10000, PAGE_READWRITE, &old);
    count = 64;
    GetWriteWatch(0, base, 0x10000, results, &count, &granularity);
    fact("protect is not a write", "count=%lu", (unsigned long)count);

    count = 64;
    num_is("watch NULL base", TRY(GetWriteWatch(0, NULL, 0x10000, results, &count, &granularity)));
    count = 64;
    num_is("watch unwatched region", TRY(GetWriteWatch(0, plain, 0x10000, results, &count, &granularity)));
    count = 0;
    num_is("watch count 0", TRY(GetWriteWatch(0, base, 0x10000, results, &count, &granularity)));
    num_is("watch NULL count", TRY(GetWriteWatch(0, base, 0x10000, results, NULL, &granularity)));
    count = 64;
    num_is("watch NULL granularity", TRY(GetWriteWatch(0, base, 0x10000, results, &count, NULL)));
    count = 64;
    num_is("watch NULL addresses", TRY(GetWriteWatch(0, base, 0x10000, NULL, &count, &granularity)));
    count = 0;
    num_is("watch NULL addresses count 0", TRY(GetWriteWatch(0, base, 0x10000, NULL, &count, &granularity)));
    count = 64;
    num_is("watch bad flags", TRY(GetWriteWatch(0xdeadbeef, base, 0x10000, results, &count, &granularity)));
    count = 64;
    num_is("watch size 0", TRY(GetWriteWatch(0, base, 0, results, &count, &granularity)));
    count = 64;
    num_is("watch twice the region", TRY(GetWriteWatch(0, base, 0x20000, results, &count, &granularity)));
    count = 64;
    num_is("watch across the end", TRY(GetWriteWatch(0, base + 0x10000 - P, P + 1, results, &count, &granularity)));
    num_is("reset size 0", TRY(ResetWriteWatch(base, 0)));
    num_is("reset unwatched", TRY(ResetWriteWatch(plain, 0x10000)));
    bool_is("decommit watched", TRY(VirtualFree(base, 0x10000, MEM_DECOMMIT)));
    VirtualFree(base, 0, MEM_RELEASE);
    VirtualFree(plain, 0, MEM_RELEASE);

    base = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_WRITE_WATCH, PAGE_NOACCESS);
    VirtualAlloc(base, 0x10000, MEM_COMMIT, PAGE_NOACCESS);
    count = 64;
    GetWriteWatch(0, base, 0x10000, results, &count, &granularity);
    fact("no-access watch fresh", "count=%lu", (unsigned long)count);
    VirtualProtect(base, 0x10000, PAGE_READWRITE, &old);
    base[5 * P] = 1;
    VirtualProtect(base, 0x10000, PAGE_NOACCESS, &old);
    count = 64;
    GetWriteWatch(0, base, 0x10000, results, &count, &granularity);
    fact("no-access watch after write", "count=%lu first=%s old=0x%lx", (unsigned long)count,
         count ? offset_text(results[0], base) : "-", (unsigned long)old);
    VirtualFree(base, 0, MEM_RELEASE);
}

int main(void)
{
    raising();
    filters();
    faults();
    write_watch();
    return 0;
}
