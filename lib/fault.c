/* The SIGSEGV/SIGBUS handler: faults become Windows exceptions.
 *
 * A fault on one of the library's pages is first checked against what the
 * library itself keeps inaccessible: the first touch of a guard page (which
 * then loses its guard and raises STATUS_GUARD_PAGE_VIOLATION once), and the
 * first write to a write-watched page (recorded, then let through).  Every
 * other fault is an access violation for the vectored handlers, then the
 * unhandled-exception filter, then whatever handler the program had before
 * (or the default action, which ends the process).
 *
 * Everything here is async-signal-safe: the map is read under a shared lock
 * taken without waiting on this thread itself, and changes to it are left for
 * the next caller that takes the lock normally. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "exception.h"
#include "mapping.h"
#include "region.h"
#include "sysinfo.h"
#include "watch.h"
#include "inject.h"

enum fault_kind { FAULT_VIOLATION, FAULT_GUARD, FAULT_RETRY };

static struct sigaction previous_segv, previous_bus;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

/* EXCEPTION_READ_FAULT, _WRITE_FAULT or _EXECUTE_FAULT from the CPU's page
 * fault error code. */
static ULONG_PTR fault_access(const ucontext_t *context)
{
#if defined(__x86_64__)
    greg_t error = context->uc_mcontext.gregs[REG_ERR];
    if (error & 0x10)
        return EXCEPTION_EXECUTE_FAULT;
    return (error & 0x2) ? EXCEPTION_WRITE_FAULT : EXCEPTION_READ_FAULT;
#else
    (void)context;
    return EXCEPTION_READ_FAULT;
#endif
}

static void context_from_signal(CONTEXT *out, const ucontext_t *in)
{
    memset(out, 0, sizeof(*out));
#if defined(__x86_64__)
    const greg_t *r = in->uc_mcontext.gregs;
    out->ContextFlags = CONTEXT_CONTROL | CONTEXT_INTEGER;
    out->Rax = (DWORD64)r[REG_RAX]; out->Rbx = (DWORD64)r[REG_RBX];
    out->Rcx = (DWORD64)r[REG_RCX]; out->Rdx = (DWORD64)r[REG_RDX];
    out->Rsi = (DWORD64)r[REG_RSI]; out->Rdi = (DWORD64)r[REG_RDI];
    out->Rbp = (DWORD64)r[REG_RBP]; out->Rsp = (DWORD64)r[REG_RSP];
    out->R8 = (DWORD64)r[REG_R8];   out->R9 = (DWORD64)r[REG_R9];
    out->R10 = (DWORD64)r[REG_R10]; out->R11 = (DWORD64)r[REG_R11];
    out->R12 = (DWORD64)r[REG_R12]; out->R13 = (DWORD64)r[REG_R13];
    out->R14 = (DWORD64)r[REG_R14]; out->R15 = (DWORD64)r[REG_R15];
    out->Rip = (DWORD64)r[REG_RIP];
    out->EFlags = (DWORD)r[REG_EFL];
#else
    (void)in;
#endif
}

/* A handler that continues execution may have changed the registers. */
static void context_to_signal(ucontext_t *out, const CONTEXT *in)
{
#if defined(__x86_64__)
    greg_t *r = out->uc_mcontext.gregs;
    r[REG_RAX] = (greg_t)in->Rax; r[REG_RBX] = (greg_t)in->Rbx;
    r[REG_RCX] = (greg_t)in->Rcx; r[REG_RDX] = (greg_t)in->Rdx;
    r[REG_RSI] = (greg_t)in->Rsi; r[REG_RDI] = (greg_t)in->Rdi;
    r[REG_RBP] = (greg_t)in->Rbp; r[REG_RSP] = (greg_t)in->Rsp;
    r[REG_R8] = (greg_t)in->R8;   r[REG_R9] = (greg_t)in->R9;
    r[REG_R10] = (greg_t)in->R10; r[REG_R11] = (greg_t)in->R11;
    r[REG_R12] = (greg_t)in->R12; r[REG_R13] = (greg_t)in->R13;
    r[REG_R14] = (greg_t)in->R14; r[REG_R15] = (greg_t)in->R15;
    r[REG_RIP] = (greg_t)in->Rip;
    r[REG_EFL] = (greg_t)in->EFlags;
#else
    (void)out; (void)in;
#endif
}

static BOOL access_allowed(int protection, ULONG_PTR access)
{
    switch (access) {
    case EXCEPTION_WRITE_FAULT:   return (protection & PROT_WRITE) != 0;
    case EXCEPTION_EXECUTE_FAULT: return (protection & PROT_EXEC) != 0;
    default:                      return (protection & (PROT_READ | PROT_EXEC)) != 0;
    }
}

/* A reserved page of a view that another view has committed (fact 139):
 * the kernel is made to agree now, the map at the view's next refresh. */
static enum fault_kind commit_from_section(const struct vm_run *run, uintptr_t address, ULONG_PTR access)
{
    uintptr_t page = page_down(address);
    int protection = view_committed_elsewhere(run->allocation, page);
    if (protection < 0 || !access_allowed(protection, access) ||
        mprotect((void *)page, address_space()->page_size, protection) != 0)
        return FAULT_VIOLATION;
    return FAULT_RETRY;
}

static enum fault_kind classify(uintptr_t address, ULONG_PTR access)
{
    if (!vm_lock_shared_in_signal())
        return FAULT_VIOLATION;
    struct vm_run *run = vm_run_at(address);
    if (!run || run->state != MEM_COMMIT) {
        enum fault_kind kind = run ? commit_from_section(run, address, access) : FAULT_VIOLATION;
        vm_unlock();
        return kind;
    }
    struct vm_allocation *allocation = run->allocation;
    size_t page_size = address_space()->page_size;
    uintptr_t page = page_down(address);
    DWORD protect = run->protect;

    if ((protect & PAGE_GUARD) && !vm_guard_cleared(page)) {
        int claim = vm_guard_claim(page);
        if (claim != 0) {
            if (claim > 0) {
                int protection = vm_kernel_protection(protect & ~(DWORD)PAGE_GUARD);
                /* A write that trips the guard is a write for write watch; a
                 * read is not. */
                if (allocation->written && access == EXCEPTION_WRITE_FAULT)
                    watch_mark_written(allocation, page);
                if (allocation->written && !watch_page_written(allocation, page))
                    protection &= ~PROT_WRITE;
                mprotect((void *)page, page_size, protection);
            }
            vm_unlock();
            return FAULT_GUARD;
        }
    }
    protect &= ~(DWORD)PAGE_GUARD;
    int protection = vm_kernel_protection(protect);
    enum fault_kind kind = access_allowed(protection, access) ? FAULT_RETRY : FAULT_VIOLATION;
    if (kind == FAULT_RETRY && allocation->written && access == EXCEPTION_WRITE_FAULT) {
        watch_mark_written(allocation, page);
        mprotect((void *)page, page_size, protection);
    }
    /* Otherwise a retry finds the protection another thread just set. */
    vm_unlock();
    return kind;
}

static void chain(int signal_number, siginfo_t *info, void *context, const EXCEPTION_RECORD *record)
{
    const struct sigaction *previous = signal_number == SIGSEGV ? &previous_segv : &previous_bus;
    if ((previous->sa_flags & SA_SIGINFO) && previous->sa_sigaction) {
        previous->sa_sigaction(signal_number, info, context);
        return;
    }
    if (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN) {
        previous->sa_handler(signal_number);
        return;
    }
    /* The default action: the faulting instruction runs again and the
     * kernel ends the process with the signal. */
    exception_report_unhandled(record);
    struct sigaction default_action;
    memset(&default_action, 0, sizeof(default_action));
    default_action.sa_handler = SIG_DFL;
    sigaction(signal_number, &default_action, NULL);
}

static void on_fault(int signal_number, siginfo_t *info, void *context_pointer)
{
    int saved_errno = errno;
    ucontext_t *context = context_pointer;
    uintptr_t address = (uintptr_t)info->si_addr;
    ULONG_PTR access = fault_access(context);
    EXCEPTION_RECORD record;
    memset(&record, 0, sizeof(record));
    record.ExceptionCode = signal_number == SIGBUS ? EXCEPTION_IN_PAGE_ERROR : EXCEPTION_ACCESS_VIOLATION;
    if (signal_number == SIGSEGV) {
        enum fault_kind kind = classify(address, access);
        if (kind == FAULT_RETRY) {
            errno = saved_errno;
            return;
        }
        if (kind == FAULT_GUARD)
            record.ExceptionCode = STATUS_GUARD_PAGE_VIOLATION;
    }
    CONTEXT registers;
    context_from_signal(&registers, context);
    record.ExceptionAddress = (PVOID)(uintptr_t)registers.Rip;
    record.NumberParameters = 2;
    record.ExceptionInformation[0] = access;
    record.ExceptionInformation[1] = address;
    if (record.ExceptionCode == EXCEPTION_IN_PAGE_ERROR) {
        record.NumberParameters = 3;
        record.ExceptionInformation[2] = 0xC0000185;   /* STATUS_IO_DEVICE_ERROR */
    }
    EXCEPTION_POINTERS pointers = { &record, &registers };

    LONG result = exception_dispatch(&pointers);
    if (result != EXCEPTION_CONTINUE_EXECUTION)
        result = UnhandledExceptionFilter(&pointers);
    if (result == EXCEPTION_CONTINUE_EXECUTION) {
        context_to_signal(context, &registers);
        errno = saved_errno;
        return;
    }
    if (result == EXCEPTION_EXECUTE_HANDLER || record.ExceptionCode == STATUS_GUARD_PAGE_VIOLATION) {
        /* The filter chose to end the process (or nothing handled a guard
         * page, whose retry would now silently succeed): as Windows does. */
        exception_report_unhandled(&record);
        struct sigaction default_action;
        memset(&default_action, 0, sizeof(default_action));
        default_action.sa_handler = SIG_DFL;
        sigaction(SIGABRT, &default_action, NULL);
        raise(SIGABRT);
    }
    chain(signal_number, info, context_pointer, &record);
    errno = saved_errno;
}

static void install(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = on_fault;
    /* SA_NODEFER: a handler may itself touch a guard page or commit on
     * demand, which must fault again into this handler. */
    action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, &previous_segv);
    sigaction(SIGBUS, &action, &previous_bus);
}

void faults_install(void)
{
    pthread_once(&install_once, install);
}
