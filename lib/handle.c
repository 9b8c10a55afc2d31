/* The handle table.
 *
 * Slots live in chunks that are mapped on demand and never unmapped, so a
 * handle value, however stale, always indexes readable memory.  Each slot has
 * its own small lock: a lookup locks only the slot it reads (taking a reference
 * on the object before letting go), so lookups of different handles never
 * contend and no global lock is on the lookup path.  Creating and closing
 * handles also touch a free list under one mutex; that list is LIFO, so a
 * handle value freed by DuplicateHandle(DUPLICATE_CLOSE_SOURCE) is the one
 * handed back, as on Windows. */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fork.h"
#include "compat.h"
#include "error.h"
#include "handle.h"
#include "inject.h"

#define SLOTS_PER_CHUNK 4096u
#define MAX_CHUNKS      256u
#define NO_SLOT         UINT32_MAX

struct handle_slot {
    int lock;                   /* atomic; guards the fields below */
    DWORD flags;                /* HANDLE_FLAG_* */
    ACCESS_MASK access;
    struct object *object;      /* NULL while the slot is free */
    uint32_t next_free;
};

static struct handle_slot *chunks[MAX_CHUNKS];   /* atomic pointers */
static pthread_mutex_t free_list_lock = PTHREAD_MUTEX_INITIALIZER;
FORK_HOOKS(handle_table, free_list_lock)
static uint32_t free_list_head = NO_SLOT;
static uint32_t slots_in_use_or_free;            /* slots ever handed out */
static unsigned long open_handles;               /* atomic */

void object_init(struct object *object, const struct object_type *type)
{
    object->type = type;
    __atomic_store_n(&object->refcount, 1, __ATOMIC_RELAXED);
}

struct object *object_ref(struct object *object)
{
    __atomic_add_fetch(&object->refcount, 1, __ATOMIC_RELAXED);
    return object;
}

void object_unref(struct object *object)
{
    if (__atomic_sub_fetch(&object->refcount, 1, __ATOMIC_ACQ_REL) == 0 && object->type->destroy)
        object->type->destroy(object);
}

ACCESS_MASK object_map_access(const struct object_type *type, ACCESS_MASK access)
{
    if (access & GENERIC_READ)    access |= type->generic_read;
    if (access & GENERIC_WRITE)   access |= type->generic_write;
    if (access & GENERIC_EXECUTE) access |= type->generic_execute;
    if (access & GENERIC_ALL)     access |= type->all_access;
    return access & ~(ACCESS_MASK)(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
}

static void slot_lock(struct handle_slot *slot)
{
    while (__atomic_exchange_n(&slot->lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&slot->lock, __ATOMIC_RELAXED))
            sched_yield();
}

static void slot_unlock(struct handle_slot *slot)
{
    __atomic_store_n(&slot->lock, 0, __ATOMIC_RELEASE);
}

/* The slot a handle value names, or NULL if it names none.  Windows ignores
 * the two low bits of a handle value; so do we. */
static struct handle_slot *slot_of(HANDLE handle)
{
    uintptr_t value = (uintptr_t)handle >> 2;
    if (value == 0 || value > (uintptr_t)MAX_CHUNKS * SLOTS_PER_CHUNK)
        return NULL;
    uintptr_t index = value - 1;
    struct handle_slot *chunk = __atomic_load_n(&chunks[index / SLOTS_PER_CHUNK], __ATOMIC_ACQUIRE);
    return chunk ? &chunk[index % SLOTS_PER_CHUNK] : NULL;
}

static struct handle_slot *slot_at(uint32_t index)
{
    return &__atomic_load_n(&chunks[index / SLOTS_PER_CHUNK], __ATOMIC_ACQUIRE)[index % SLOTS_PER_CHUNK];
}

/* Takes a free slot index; called with free_list_lock held. */
static uint32_t slot_take(void)
{
    if (free_list_head != NO_SLOT) {
        uint32_t index = free_list_head;
        free_list_head = slot_at(index)->next_free;
        return index;
    }
    uint32_t index = slots_in_use_or_free;
    if (index == MAX_CHUNKS * SLOTS_PER_CHUNK)
        return NO_SLOT;
    if (index % SLOTS_PER_CHUNK == 0) {
        /* The chunk is mapped, not malloc'ed: the table must work before and
         * underneath any heap, and chunks are never given back. */
        void *chunk = mmap(NULL, SLOTS_PER_CHUNK * sizeof(struct handle_slot),
                           PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (chunk == MAP_FAILED)
            return NO_SLOT;
        __atomic_store_n(&chunks[index / SLOTS_PER_CHUNK], chunk, __ATOMIC_RELEASE);
    }
    slots_in_use_or_free++;
    return index;
}

HANDLE handle_create(struct object *object, ACCESS_MASK access, DWORD flags)
{
    pthread_mutex_lock(&free_list_lock);
    uint32_t index = slot_take();
    pthread_mutex_unlock(&free_list_lock);
    if (index == NO_SLOT) {
        failure(ERROR_NO_SYSTEM_RESOURCES);
        return NULL;
    }
    struct handle_slot *slot = slot_at(index);
    slot_lock(slot);
    slot->object = object_ref(object);
    slot->access = access;
    slot->flags = flags & (HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE);
    slot_unlock(slot);
    __atomic_add_fetch(&open_handles, 1, __ATOMIC_RELAXED);
    return (HANDLE)(((uintptr_t)index + 1) << 2);
}

struct object *handle_lookup(HANDLE handle, const struct object_type *type, ACCESS_MASK *access_out)
{
    struct handle_slot *slot = slot_of(handle);
    struct object *object = NULL;
    if (slot) {
        slot_lock(slot);
        if (slot->object && (!type || slot->object->type == type)) {
            object = object_ref(slot->object);
            if (access_out)
                *access_out = slot->access;
        }
        slot_unlock(slot);
    }
    if (!object)
        failure(ERROR_INVALID_HANDLE);
    return object;
}

static BOOL is_pseudo_handle(HANDLE handle)
{
    /* GetCurrentProcess(), GetCurrentThread() and the other pseudo-handles
     * Windows defines run from -1 down to -6. */
    LONG_PTR value = (LONG_PTR)handle;
    return value <= -1 && value >= -6;
}

BOOL WINAPI CloseHandle(HANDLE handle)
{
    if (is_pseudo_handle(handle))
        return TRUE;
    struct handle_slot *slot = slot_of(handle);
    if (!slot)
        return failure(ERROR_INVALID_HANDLE);
    slot_lock(slot);
    struct object *object = slot->object;
    if (!object || (slot->flags & HANDLE_FLAG_PROTECT_FROM_CLOSE)) {
        slot_unlock(slot);
        return failure(ERROR_INVALID_HANDLE);
    }
    slot->object = NULL;
    slot_unlock(slot);

    uint32_t index = (uint32_t)(((uintptr_t)handle >> 2) - 1);
    pthread_mutex_lock(&free_list_lock);
    slot->next_free = free_list_head;
    free_list_head = index;
    pthread_mutex_unlock(&free_list_lock);
    __atomic_sub_fetch(&open_handles, 1, __ATOMIC_RELAXED);
    object_unref(object);
    return TRUE;
}

unsigned long handle_count(void)
{
    return __atomic_load_n(&open_handles, __ATOMIC_RELAXED);
}

BOOL WINAPI GetHandleInformation(HANDLE handle, LPDWORD flags)
{
    /* A pseudo handle names its object without a table entry, hence
     * without attributes. */
    if (handle == PSEUDO_HANDLE_PROCESS || handle == PSEUDO_HANDLE_THREAD) {
        if (!flags)
            return failure(ERROR_NOACCESS);
        *flags = 0;
        return TRUE;
    }
    struct handle_slot *slot = slot_of(handle);
    if (!slot)
        return failure(ERROR_INVALID_HANDLE);
    slot_lock(slot);
    BOOL open = slot->object != NULL;
    DWORD value = slot->flags;
    slot_unlock(slot);
    if (!open)
        return failure(ERROR_INVALID_HANDLE);
    if (!flags)
        return failure(ERROR_NOACCESS);
    *flags = value;
    return TRUE;
}

BOOL WINAPI SetHandleInformation(HANDLE handle, DWORD mask, DWORD flags)
{
    struct handle_slot *slot = slot_of(handle);
    if (!slot)
        return failure(ERROR_INVALID_HANDLE);
    mask &= HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE;
    slot_lock(slot);
    BOOL open = slot->object != NULL;
    if (open)
        slot->flags = (slot->flags & ~mask) | (flags & mask);
    slot_unlock(slot);
    return open ? TRUE : failure(ERROR_INVALID_HANDLE);
}

/* The current process, the object behind real process handles. */
static const struct object_type process_type = {
    .name = "Process",
    .generic_read = STANDARD_RIGHTS_READ | PROCESS_VM_READ | PROCESS_QUERY_INFORMATION,
    .generic_write = STANDARD_RIGHTS_WRITE | PROCESS_CREATE_PROCESS | PROCESS_CREATE_THREAD |
                     PROCESS_VM_OPERATION | PROCESS_VM_WRITE | PROCESS_DUP_HANDLE |
                     PROCESS_TERMINATE | PROCESS_SET_QUOTA | PROCESS_SET_INFORMATION |
                     PROCESS_SUSPEND_RESUME,
    .generic_execute = STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
    .all_access = PROCESS_ALL_ACCESS,
};
static struct object current_process = { &process_type, 1 };

HANDLE WINAPI GetCurrentProcess(void)
{
    return PSEUDO_HANDLE_PROCESS;
}

DWORD WINAPI GetCurrentProcessId(void)
{
    return (DWORD)getpid();
}

HANDLE WINAPI GetCurrentThread(void)
{
    return PSEUDO_HANDLE_THREAD;
}

/* A thread, as a real handle names it: DuplicateHandle of GetCurrentThread()
 * makes one for the calling thread, which other threads may then use. */
struct thread_object {
    struct object object;
    DWORD id;
};

static void thread_destroy(struct object *object)
{
    free(object);
}

/* Windows' generic mapping for threads (Wine's server spells out the same). */
static const struct object_type thread_type = {
    .name = "Thread",
    .generic_read = STANDARD_RIGHTS_READ | THREAD_QUERY_INFORMATION | THREAD_GET_CONTEXT,
    .generic_write = STANDARD_RIGHTS_WRITE | THREAD_SET_LIMITED_INFORMATION | THREAD_SET_INFORMATION |
                     THREAD_SET_CONTEXT | THREAD_SUSPEND_RESUME | THREAD_TERMINATE | 0x0004,
    .generic_execute = STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE | THREAD_RESUME | THREAD_QUERY_LIMITED_INFORMATION,
    .all_access = THREAD_ALL_ACCESS,
    .destroy = thread_destroy,
};

static struct object *current_thread_object(void)
{
    struct thread_object *thread = calloc(1, sizeof(*thread));
    if (!thread) {
        failure(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    object_init(&thread->object, &thread_type);
    thread->id = GetCurrentThreadId();
    return &thread->object;
}

/* The id behind a real handle of the type, or 0 with the last error set.
 * Since Vista the full query right grants the limited one, which is all
 * reading an id needs. */
static DWORD object_id(HANDLE handle, const struct object_type *type, ACCESS_MASK either_right)
{
    ACCESS_MASK access = 0;
    struct object *object = handle_lookup(handle, type, &access);
    if (!object)
        return 0;
    DWORD id = type == &thread_type ? ((struct thread_object *)object)->id : GetCurrentProcessId();
    object_unref(object);
    if (!(access & either_right)) {
        failure(ERROR_ACCESS_DENIED);
        return 0;
    }
    return id;
}

DWORD WINAPI GetThreadId(HANDLE thread)
{
    if (thread == PSEUDO_HANDLE_THREAD)
        return GetCurrentThreadId();
    return object_id(thread, &thread_type, THREAD_QUERY_INFORMATION | THREAD_QUERY_LIMITED_INFORMATION);
}

DWORD WINAPI GetProcessId(HANDLE process)
{
    if (process == PSEUDO_HANDLE_PROCESS)
        return GetCurrentProcessId();
    return object_id(process, &process_type, PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION);
}

DWORD WINAPI GetCurrentThreadId(void)
{
    return (DWORD)gettid();
}

BOOL process_handle_is_current(HANDLE process)
{
    if (process == PSEUDO_HANDLE_PROCESS)
        return TRUE;
    struct object *object = handle_lookup(process, &process_type, NULL);
    if (!object)
        return FALSE;
    object_unref(object);
    return TRUE;
}

BOOL WINAPI DuplicateHandle(HANDLE source_process, HANDLE source, HANDLE target_process,
                            LPHANDLE target, DWORD desired_access, BOOL inherit, DWORD options)
{
    if (!process_handle_is_current(source_process) || !process_handle_is_current(target_process))
        return FALSE;
    /* Once both processes are known, NT clears the output: a call that
     * fails from here on leaves NULL there. */
    if (target)
        *target = NULL;

    struct object *object;
    ACCESS_MASK access;
    DWORD flags = 0;
    BOOL source_is_pseudo = source == PSEUDO_HANDLE_PROCESS || source == PSEUDO_HANDLE_THREAD;
    if (source == PSEUDO_HANDLE_PROCESS) {
        object = object_ref(&current_process);
        access = PROCESS_ALL_ACCESS;
    } else if (source == PSEUDO_HANDLE_THREAD) {
        if (!(object = current_thread_object()))
            return FALSE;
        access = THREAD_ALL_ACCESS;
    } else {
        object = handle_lookup(source, NULL, &access);
        if (!object)
            return FALSE;
        GetHandleInformation(source, &flags);
    }

    if (!(options & DUPLICATE_SAME_ACCESS))
        access = object_map_access(object->type, desired_access);
    if (!(options & DUPLICATE_SAME_ATTRIBUTES))
        flags = inherit ? HANDLE_FLAG_INHERIT : 0;

    /* Windows closes the source whatever else happens, unless it is protected;
     * closing first lets the duplicate reuse its slot. */
    if ((options & DUPLICATE_CLOSE_SOURCE) && !source_is_pseudo) {
        DWORD saved_error = GetLastError();
        CloseHandle(source);
        SetLastError(saved_error);
    }

    HANDLE duplicate = handle_create(object, access, flags);
    object_unref(object);
    if (!duplicate)
        return FALSE;
    /* A NULL target is allowed for compatibility: the duplicate exists but the
     * caller never learns its value, exactly as Windows documents. */
    if (target)
        *target = duplicate;
    return TRUE;
}
