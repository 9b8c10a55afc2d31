/* Vectored exception and continue handlers, RaiseException and the
 * unhandled-exception filter.
 *
 * The handler lists are read from signal handlers, so readers take no lock:
 * each list is an immutable array that writers replace with a new copy (under
 * a mutex) and publish with one atomic store.  A replaced array is kept until
 * no dispatch is running, then unmapped. */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "fork.h"
#include "error.h"
#include "exception.h"
#include "pool.h"
#include "inject.h"

struct vectored_handler {
    PVECTORED_EXCEPTION_HANDLER function;
};

struct handler_list {
    size_t bytes;                       /* of this mapping */
    unsigned count;
    struct vectored_handler *entries[];
};

static struct handler_list *exception_handlers, *continue_handlers;   /* atomic */
static pthread_mutex_t lists_lock = PTHREAD_MUTEX_INITIALIZER;
FORK_HOOKS(exception_lists, lists_lock)
static struct pool handler_pool = POOL_INIT(struct vectored_handler);
static int dispatches_running;                                        /* atomic */
static struct handler_list *retired[64];
static unsigned retired_count;
static LPTOP_LEVEL_EXCEPTION_FILTER top_level_filter;                 /* atomic */

static struct handler_list *list_create(unsigned count)
{
    size_t bytes = sizeof(struct handler_list) + count * sizeof(struct vectored_handler *);
    struct handler_list *list = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (list == MAP_FAILED)
        return NULL;
    list->bytes = bytes;
    list->count = count;
    return list;
}

/* Called with lists_lock held. */
static void retire(struct handler_list *old)
{
    if (__atomic_load_n(&dispatches_running, __ATOMIC_ACQUIRE) == 0) {
        for (unsigned i = 0; i < retired_count; i++)
            munmap(retired[i], retired[i]->bytes);
        retired_count = 0;
    }
    if (!old)
        return;
    if (retired_count < sizeof(retired) / sizeof(retired[0]))
        retired[retired_count++] = old;
    /* Past that many lists waiting, a dispatch has run for a very long time;
     * keeping the list mapped is the safe choice. */
}

static PVOID add_handler(struct handler_list **head, ULONG first, PVECTORED_EXCEPTION_HANDLER function)
{
    faults_install();
    pthread_mutex_lock(&lists_lock);
    struct vectored_handler *entry = pool_alloc(&handler_pool);
    struct handler_list *old = __atomic_load_n(head, __ATOMIC_ACQUIRE);
    unsigned count = old ? old->count : 0;
    struct handler_list *list = entry ? list_create(count + 1) : NULL;
    if (!list) {
        if (entry)
            pool_free(&handler_pool, entry);
        pthread_mutex_unlock(&lists_lock);
        failure(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    entry->function = function;
    unsigned at = first ? 0 : count;
    for (unsigned i = 0, j = 0; i < count + 1; i++)
        list->entries[i] = i == at ? entry : old->entries[j++];
    __atomic_store_n(head, list, __ATOMIC_RELEASE);
    retire(old);
    pthread_mutex_unlock(&lists_lock);
    return entry;
}

static ULONG remove_handler(struct handler_list **head, PVOID handle)
{
    pthread_mutex_lock(&lists_lock);
    struct handler_list *old = __atomic_load_n(head, __ATOMIC_ACQUIRE);
    unsigned found = old ? old->count : 0;
    for (unsigned i = 0; old && i < old->count; i++)
        if (old->entries[i] == handle)
            found = i;
    struct handler_list *list = old && found < old->count ? list_create(old->count - 1) : NULL;
    if (!list) {
        pthread_mutex_unlock(&lists_lock);
        return 0;
    }
    for (unsigned i = 0, j = 0; i < old->count; i++)
        if (i != found)
            list->entries[j++] = old->entries[i];
    __atomic_store_n(head, list, __ATOMIC_RELEASE);
    retire(old);
    /* The entry itself may still be read by a running dispatch: it goes
     * back to the pool only when none runs. */
    if (__atomic_load_n(&dispatches_running, __ATOMIC_ACQUIRE) == 0)
        pool_free(&handler_pool, handle);
    pthread_mutex_unlock(&lists_lock);
    return 1;
}

PVOID WINAPI AddVectoredExceptionHandler(ULONG first, PVECTORED_EXCEPTION_HANDLER handler)
{
    return add_handler(&exception_handlers, first, handler);
}

ULONG WINAPI RemoveVectoredExceptionHandler(PVOID handle)
{
    return remove_handler(&exception_handlers, handle);
}

PVOID WINAPI AddVectoredContinueHandler(ULONG first, PVECTORED_EXCEPTION_HANDLER handler)
{
    return add_handler(&continue_handlers, first, handler);
}

ULONG WINAPI RemoveVectoredContinueHandler(PVOID handle)
{
    return remove_handler(&continue_handlers, handle);
}

/* Calls the handlers of one list until one continues execution. */
static LONG call_handlers(struct handler_list **head, EXCEPTION_POINTERS *pointers)
{
    struct handler_list *list = __atomic_load_n(head, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; list && i < list->count; i++) {
        PVECTORED_EXCEPTION_HANDLER function = list->entries[i]->function;
        if (function && function(pointers) == EXCEPTION_CONTINUE_EXECUTION)
            return EXCEPTION_CONTINUE_EXECUTION;
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

LONG exception_dispatch(EXCEPTION_POINTERS *pointers)
{
    __atomic_add_fetch(&dispatches_running, 1, __ATOMIC_ACQ_REL);
    LONG result = call_handlers(&exception_handlers, pointers);
    if (result == EXCEPTION_CONTINUE_EXECUTION)
        call_handlers(&continue_handlers, pointers);
    __atomic_sub_fetch(&dispatches_running, 1, __ATOMIC_ACQ_REL);
    return result;
}

LPTOP_LEVEL_EXCEPTION_FILTER WINAPI SetUnhandledExceptionFilter(LPTOP_LEVEL_EXCEPTION_FILTER filter)
{
    faults_install();
    return __atomic_exchange_n(&top_level_filter, filter, __ATOMIC_ACQ_REL);
}

LONG WINAPI UnhandledExceptionFilter(struct _EXCEPTION_POINTERS *pointers)
{
    LPTOP_LEVEL_EXCEPTION_FILTER filter = __atomic_load_n(&top_level_filter, __ATOMIC_ACQUIRE);
    return filter ? filter(pointers) : EXCEPTION_CONTINUE_SEARCH;
}

#ifdef W32MEM_COVERAGE
void __gcov_dump(void);
#endif

static char *append_hex(char *out, uintptr_t value, int digits)
{
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        *out++ = "0123456789ABCDEF"[(value >> shift) & 0xf];
    return out;
}

void exception_report_unhandled(const EXCEPTION_RECORD *record)
{
    char message[128], *out = message;
    static const char prefix[] = "w32mem: unhandled exception 0x";
    memcpy(out, prefix, sizeof(prefix) - 1);
    out = append_hex(out + sizeof(prefix) - 1, record->ExceptionCode, 8);
    static const char at[] = " at 0x";
    memcpy(out, at, sizeof(at) - 1);
    out = append_hex(out + sizeof(at) - 1, (uintptr_t)record->ExceptionAddress, 16);
    if (record->ExceptionCode == EXCEPTION_ACCESS_VIOLATION && record->NumberParameters >= 2) {
        static const char access[] = " accessing 0x";
        memcpy(out, access, sizeof(access) - 1);
        out = append_hex(out + sizeof(access) - 1, record->ExceptionInformation[1], 16);
    }
    *out++ = '\n';
    ssize_t written = write(STDERR_FILENO, message, (size_t)(out - message));
    (void)written;
#ifdef W32MEM_COVERAGE
    /* A signal ends the process next, and gcov only writes its counts at exit. */
    __gcov_dump();
#endif
}

/* An exception nobody handled ends the process, abnormally, as on Windows. */
static void terminate(const EXCEPTION_RECORD *record)
{
    exception_report_unhandled(record);
    signal(SIGABRT, SIG_DFL);
    raise(SIGABRT);
    _exit(128 + SIGABRT);
}

void WINAPI RaiseException(DWORD code, DWORD flags, DWORD count, const ULONG_PTR *arguments)
{
    EXCEPTION_RECORD record = {
        .ExceptionCode = code,
        .ExceptionFlags = flags & EXCEPTION_NONCONTINUABLE,
        .ExceptionAddress = __builtin_return_address(0),
    };
    if (count > EXCEPTION_MAXIMUM_PARAMETERS)
        count = EXCEPTION_MAXIMUM_PARAMETERS;
    if (arguments) {
        record.NumberParameters = count;
        memcpy(record.ExceptionInformation, arguments, count * sizeof(ULONG_PTR));
    }
    CONTEXT context;
    memset(&context, 0, sizeof(context));
#if defined(__x86_64__)
    context.ContextFlags = CONTEXT_CONTROL;
    context.Rip = (DWORD64)(uintptr_t)record.ExceptionAddress;
    context.Rsp = (DWORD64)(uintptr_t)__builtin_frame_address(0);
#endif
    EXCEPTION_POINTERS pointers = { &record, &context };

    LONG result = exception_dispatch(&pointers);
    if (result != EXCEPTION_CONTINUE_EXECUTION)
        result = UnhandledExceptionFilter(&pointers);
    if (result == EXCEPTION_CONTINUE_EXECUTION && !(record.ExceptionFlags & EXCEPTION_NONCONTINUABLE))
        return;
    if (result == EXCEPTION_CONTINUE_EXECUTION) {
        /* Continuing a noncontinuable exception is itself an exception. */
        EXCEPTION_RECORD nested = {
            .ExceptionCode = STATUS_NONCONTINUABLE_EXCEPTION,
            .ExceptionFlags = EXCEPTION_NONCONTINUABLE,
            .ExceptionRecord = &record,
            .ExceptionAddress = record.ExceptionAddress,
        };
        EXCEPTION_POINTERS nested_pointers = { &nested, &context };
        exception_dispatch(&nested_pointers);
        UnhandledExceptionFilter(&nested_pointers);
        terminate(&nested);
    }
    terminate(&record);
}
