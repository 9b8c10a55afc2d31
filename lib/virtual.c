/* VirtualAlloc, VirtualFree, VirtualProtect, VirtualQuery, VirtualLock and
 * their Ex forms: Windows' argument checks and error codes in front of the
 * address-space map. */
#include "config.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compat.h"
#include "error.h"
#include "exception.h"
#include "handle.h"
#include "mapping.h"
#include "region.h"
#include "sysinfo.h"
#include "vquery.h"
#include "inject.h"

#define ALLOCATION_TYPES (MEM_COMMIT | MEM_RESERVE | MEM_RESET | MEM_RESET_UNDO | MEM_TOP_DOWN | \
                          MEM_WRITE_WATCH | MEM_LARGE_PAGES | MEM_PHYSICAL)
#define PROTECTION_MODIFIERS (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE)

/* One base protection, none of the copy-on-write ones (they only make sense
 * for views), and modifiers only in the combinations Windows allows. */
static BOOL valid_private_protection(DWORD protect)
{
    DWORD modifiers = protect & ~(DWORD)0xff;
    switch (protect & 0xff) {
    case PAGE_NOACCESS:
        return modifiers == 0;
    case PAGE_READONLY: case PAGE_READWRITE: case PAGE_EXECUTE:
    case PAGE_EXECUTE_READ: case PAGE_EXECUTE_READWRITE:
        break;
    default:
        return FALSE;
    }
    if (modifiers & ~(DWORD)PROTECTION_MODIFIERS)
        return FALSE;
    DWORD exclusive = modifiers & PROTECTION_MODIFIERS;
    return (exclusive & (exclusive - 1)) == 0;
}

/* Caching attributes belong to the allocation: a page keeps them when it is
 * committed again or reprotected, and ordinary memory cannot gain them. */
static DWORD with_allocation_caching(DWORD protect, const struct vm_allocation *allocation)
{
    DWORD caching = PAGE_NOCACHE | PAGE_WRITECOMBINE;
    return (protect & ~caching) | (allocation->protect & caching);
}

/* [address, address+size) lies in user space and does not wrap. */
static BOOL valid_user_range(uintptr_t address, size_t size)
{
    const struct address_space *space = address_space();
    return address >= space->lowest && address + size > address && address + size - 1 <= space->highest;
}

/* MEM_RESET and MEM_RESET_UNDO over [start, end) of one allocation. */
static LPVOID reset_pages(uintptr_t start, uintptr_t end, BOOL undo)
{
    vm_lock_shared();
    struct vm_allocation *allocation = vm_allocation_at(start);
    BOOL inside = allocation && end <= allocation->base + allocation->size;
    BOOL intact = TRUE;
    if (inside && !undo) {
        /* MADV_FREE lets the kernel drop the pages lazily, so a program that
         * writes again before memory runs short pays no new fault. */
        if (madvise((void *)start, end - start, MADV_FREE) != 0)
            madvise((void *)start, end - start, MADV_DONTNEED);
    } else if (inside) {
        /* Writing to a lazily freed page takes it back; a page the kernel
         * has already reclaimed reads as zero and its data is lost. */
        size_t page = address_space()->page_size;
        for (struct vm_run *run = vm_run_at(start); run && run->start < end; run = vm_run_next(run)) {
            if (run->state != MEM_COMMIT)
                continue;
            uintptr_t from = run->start > start ? run->start : start;
            uintptr_t to = run->start + run->size < end ? run->start + run->size : end;
            unsigned char resident[64];
            for (uintptr_t at = from; at < to; at += page * sizeof(resident)) {
                size_t span = to - at < page * sizeof(resident) ? to - at : page * sizeof(resident);
                if (mincore((void *)at, span, resident) != 0) {
                    intact = FALSE;
                    break;
                }
                for (size_t i = 0; i < (span + page - 1) / page; i++) {
                    volatile unsigned char *byte = (unsigned char *)(at + i * page);
                    if (!(resident[i] & 1))
                        intact = FALSE;
                    else if (vm_kernel_protection(run->protect) & PROT_WRITE)
                        *byte = *byte;  /* cppcheck-suppress selfAssignment ; the write takes the page back */
                }
            }
        }
    }
    vm_unlock();
    if (!inside || !intact) {
        failure(ERROR_INVALID_ADDRESS);
        return NULL;
    }
    return (LPVOID)start;
}

LPVOID WINAPI VirtualAlloc(LPVOID address, SIZE_T size, DWORD type, DWORD protect)
{
    const struct address_space *space = address_space();
    uintptr_t at = (uintptr_t)address;
    if (!size || (type & ~(DWORD)ALLOCATION_TYPES) ||
        !(type & (MEM_COMMIT | MEM_RESERVE | MEM_RESET | MEM_RESET_UNDO))) {
        failure(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    if (at ? !valid_user_range(at, size) : size > space->highest - space->lowest + 1) {
        failure(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    if (type & (MEM_RESET | MEM_RESET_UNDO)) {
        /* Either alone; the protection is ignored. */
        if ((type & ~(DWORD)(MEM_RESET | MEM_RESET_UNDO)) ||
            (type & (MEM_RESET | MEM_RESET_UNDO)) == (MEM_RESET | MEM_RESET_UNDO) || !at) {
            failure(ERROR_INVALID_PARAMETER);
            return NULL;
        }
        return reset_pages(page_down(at), page_up(at + size), (type & MEM_RESET_UNDO) != 0);
    }
    if (!valid_private_protection(protect)) {
        failure(ERROR_INVALID_PARAMETER);
        return NULL;
    }

    /* Guard pages and write watching are implemented in the fault handler. */
    if ((protect & PAGE_GUARD) || (type & MEM_WRITE_WATCH))
        faults_install();

    BOOL reserve = (type & MEM_RESERVE) || !at;
    struct vm_request request = {
        .protect = protect,
        .commit = (type & MEM_COMMIT) != 0,
        .top_down = (type & MEM_TOP_DOWN) != 0,
    };
    if (type & MEM_WRITE_WATCH) {
        if (!reserve) {
            failure(ERROR_INVALID_PARAMETER);
            return NULL;
        }
        request.flags |= ALLOCATION_WRITE_WATCH;
    }
    if (type & MEM_PHYSICAL) {
        /* An AWE window: reserved read-write address space, never committed. */
        if ((type & ~(DWORD)(MEM_PHYSICAL | MEM_TOP_DOWN)) != MEM_RESERVE ||
            protect != PAGE_READWRITE) {
            failure(ERROR_INVALID_PARAMETER);
            return NULL;
        }
        request.flags |= ALLOCATION_PHYSICAL;
    }
    if (type & MEM_LARGE_PAGES) {
        SIZE_T large = GetLargePageMinimum();
        if (!large || (type & (MEM_RESERVE | MEM_COMMIT)) != (MEM_RESERVE | MEM_COMMIT) ||
            size % large || at % large) {
            failure(ERROR_INVALID_PARAMETER);
            return NULL;
        }
        request.flags |= ALLOCATION_LARGE_PAGES;
    }

    if (reserve) {
        request.base = at & ~(uintptr_t)(ALLOCATION_GRANULARITY - 1);
        request.size = at ? page_up(at + size) - request.base : page_up(size);
        vm_lock_exclusive();
        struct vm_allocation *allocation = vm_allocate(&request);
        vm_unlock();
        return allocation ? (LPVOID)allocation->base : NULL;
    }

    /* Commit inside an existing reservation: every page the range touches. */
    uintptr_t start = page_down(at), end = page_up(at + size);
    vm_lock_exclusive();
    struct vm_allocation *allocation = vm_allocation_at(start);
    BOOL committed = FALSE;
    if (!allocation || end > allocation->base + allocation->size)
        failure(ERROR_INVALID_ADDRESS);
    else if (allocation->flags & ALLOCATION_PHYSICAL)
        failure(ERROR_INVALID_PARAMETER);
    else if (view_is_mapping(allocation))
        committed = view_commit(allocation, start, end, protect);
    else
        committed = vm_change(allocation, start, end - start, MEM_COMMIT,
                              with_allocation_caching(protect, allocation));
    vm_unlock();
    return committed ? (LPVOID)start : NULL;
}

LPVOID WINAPI VirtualAllocEx(HANDLE process, LPVOID address, SIZE_T size, DWORD type, DWORD protect)
{
    if (!process_handle_is_current(process))
        return NULL;
    return VirtualAlloc(address, size, type, protect);
}

BOOL WINAPI VirtualFree(LPVOID address, SIZE_T size, DWORD type)
{
    if (type != MEM_DECOMMIT && type != MEM_RELEASE)
        return failure(ERROR_INVALID_PARAMETER);
    if (type == MEM_RELEASE && size)
        return failure(ERROR_INVALID_PARAMETER);
    if (!address)
        return failure(ERROR_INVALID_PARAMETER);
    uintptr_t start = page_down((uintptr_t)address);
    if ((uintptr_t)address + size < (uintptr_t)address)
        return failure(ERROR_INVALID_PARAMETER);

    vm_lock_exclusive();
    struct vm_allocation *allocation = vm_allocation_at(start);
    BOOL done = FALSE;
    if (!allocation) {
        failure(ERROR_INVALID_ADDRESS);
    } else if (allocation->type != MEM_PRIVATE) {
        failure(ERROR_INVALID_PARAMETER);      /* views are unmapped, never freed */
    } else if (!size && start != allocation->base) {
        failure(ERROR_INVALID_ADDRESS);        /* size 0 means "from the base" */
    } else if (type == MEM_RELEASE) {
        done = vm_release(allocation);
    } else {
        uintptr_t end = size ? page_up((uintptr_t)address + size) : allocation->base + allocation->size;
        /* Past the end, or large pages (which Windows cannot decommit). */
        if (end > allocation->base + allocation->size || (allocation->flags & ALLOCATION_LARGE_PAGES))
            failure(ERROR_INVALID_PARAMETER);
        else
            done = vm_change(allocation, start, end - start, MEM_RESERVE, 0);
    }
    vm_unlock();
    return done;
}

BOOL WINAPI VirtualFreeEx(HANDLE process, LPVOID address, SIZE_T size, DWORD type)
{
    if (!process_handle_is_current(process))
        return FALSE;
    return VirtualFree(address, size, type);
}

/* Every page of [start, end) committed in one allocation, or NULL with
 * ERROR_INVALID_ADDRESS. */
static struct vm_allocation *committed_allocation(uintptr_t start, uintptr_t end)
{
    struct vm_allocation *allocation = vm_allocation_at(start);
    if (!allocation || end > allocation->base + allocation->size) {
        failure(ERROR_INVALID_ADDRESS);
        return NULL;
    }
    for (struct vm_run *run = vm_run_at(start); run && run->start < end; run = vm_run_next(run)) {
        if (run->state != MEM_COMMIT) {
            failure(ERROR_INVALID_ADDRESS);
            return NULL;
        }
    }
    return allocation;
}

BOOL WINAPI VirtualProtect(LPVOID address, SIZE_T size, DWORD protect, PDWORD old_protect)
{
    if (!old_protect)
        return failure(ERROR_NOACCESS);
    /* Views take the copy-on-write protections too (view_protect's rules). */
    BOOL private_ok = valid_private_protection(protect);
    if (!(private_ok || (protect & 0xff) == PAGE_WRITECOPY || (protect & 0xff) == PAGE_EXECUTE_WRITECOPY) ||
        (uintptr_t)address + size < (uintptr_t)address)
        return failure(ERROR_INVALID_PARAMETER);
    uintptr_t start = page_down((uintptr_t)address);
    uintptr_t end = page_up((uintptr_t)address + size);
    /* Size 0 at a page boundary covers no page: the call only reports the
     * protection of the page there, as in Wine. */
    BOOL empty = end == start;

    if (protect & PAGE_GUARD)
        faults_install();
    view_refresh(start);        /* pages other views committed count as committed */
    vm_lock_exclusive();
    struct vm_allocation *allocation = committed_allocation(start, empty ? start + address_space()->page_size : end);
    BOOL done = FALSE;
    if (allocation && empty) {
        *old_protect = vm_run_at(start)->protect;
        done = TRUE;
    } else if (allocation && view_is_mapping(allocation)) {
        done = view_protect(allocation, start, end, protect, old_protect);
    } else if (allocation && !private_ok) {
        failure(ERROR_INVALID_PARAMETER);
    } else if (allocation) {
        DWORD old = vm_run_at(start)->protect;
        done = vm_change(allocation, start, end - start, MEM_COMMIT,
                         with_allocation_caching(protect, allocation));
        if (done)
            *old_protect = old;
    }
    vm_unlock();
    return done;
}

BOOL WINAPI VirtualProtectEx(HANDLE process, LPVOID address, SIZE_T size, DWORD protect, PDWORD old_protect)
{
    if (!process_handle_is_current(process))
        return FALSE;
    return VirtualProtect(address, size, protect, old_protect);
}

SIZE_T WINAPI VirtualQuery(LPCVOID address, PMEMORY_BASIC_INFORMATION info, SIZE_T length)
{
    if (length < sizeof(MEMORY_BASIC_INFORMATION)) {
        failure(ERROR_BAD_LENGTH);
        return 0;
    }
    if ((uintptr_t)address > address_space()->highest) {
        failure(ERROR_INVALID_PARAMETER);
        return 0;
    }
    if (!info) {
        failure(ERROR_NOACCESS);
        return 0;
    }
    return vquery((uintptr_t)address, info) ? sizeof(MEMORY_BASIC_INFORMATION) : 0;
}

SIZE_T WINAPI VirtualQueryEx(HANDLE process, LPCVOID address, PMEMORY_BASIC_INFORMATION info, SIZE_T length)
{
    if (!process_handle_is_current(process))
        return 0;
    return VirtualQuery(address, info, length);
}

/* VirtualLock and VirtualUnlock: mlock semantics over committed pages, with
 * Windows' bookkeeping of what is locked (munlock never complains). */
static BOOL change_lock(LPVOID address, SIZE_T size, BOOL lock)
{
    if (!address && !size)
        return failure(ERROR_INVALID_PARAMETER);
    uintptr_t start = page_down((uintptr_t)address);
    uintptr_t end = page_up((uintptr_t)address + size);
    if (end <= start)
        return failure(ERROR_INVALID_PARAMETER);

    vm_lock_exclusive();
    BOOL done = FALSE;
    struct vm_allocation *allocation = vm_allocation_at(start);
    if (!allocation) {
        /* Memory the library did not make (the stack, static data): lock it
         * with the kernel directly. */
        vm_unlock();
        if (syscall(lock ? SYS_mlock : SYS_munlock, start, end - start) != 0)
            return failure(errno == ENOMEM ? ERROR_NOACCESS : errno == EPERM ? ERROR_PRIVILEGE_NOT_HELD
                                        : ERROR_WORKING_SET_QUOTA);
        return TRUE;
    }
    if (!committed_allocation(start, end)) {
        failure(ERROR_NOACCESS);
    } else {
        BOOL all_locked = TRUE;
        for (struct vm_run *run = vm_run_at(start); run && run->start < end; run = vm_run_next(run))
            all_locked &= run->locked;
        struct vm_run *guarded = vm_run_at(start);
        while (guarded && guarded->start < end && !(guarded->protect & PAGE_GUARD))
            guarded = vm_run_next(guarded);
        if (!lock && !all_locked) {
            failure(ERROR_NOT_LOCKED);
        } else if (lock && guarded && guarded->start < end) {
            /* Locking touches the pages: the first armed guard page fires
             * (losing its guard) and the raw status is the error. */
            uintptr_t page = guarded->start > start ? guarded->start : start;
            vm_change(allocation, page, address_space()->page_size, MEM_COMMIT,
                      guarded->protect & ~(DWORD)PAGE_GUARD);
            failure(STATUS_GUARD_PAGE_VIOLATION);
        } else {
            done = vm_set_locked(allocation, start, end - start, lock);
        }
    }
    vm_unlock();
    return done;
}

BOOL WINAPI VirtualLock(LPVOID address, SIZE_T size)
{
    return change_lock(address, size, TRUE);
}

BOOL WINAPI VirtualUnlock(LPVOID address, SIZE_T size)
{
    return change_lock(address, size, FALSE);
}

BOOL WINAPI FlushInstructionCache(HANDLE process, LPCVOID address, SIZE_T size)
{
    if (!process_handle_is_current(process))
        return FALSE;
    if (address && size)
        __builtin___clear_cache((char *)address, (char *)address + size);
    return TRUE;
}
