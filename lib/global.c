/* Global* and Local* memory: fixed blocks are plain process-heap blocks
 * (the HGLOBAL is the pointer); moveable blocks are named by a handle that
 * points into a table of entries {flags, lock count, pointer}.  Handles are
 * &entry->pointer, so they sit at 8 mod 16 while heap pointers are 16-byte
 * aligned: one test tells them apart, as in Windows.  A moveable block's
 * data is a process-heap block of exactly its size, as on Windows (Wine's
 * conformance test checks HeapValidate and HeapSize of it there); a map from
 * data to entry finds its handle for GlobalHandle.
 *
 * The Global and Local families are the same functions on Win32; they
 * differ only in the flag values GlobalFlags/LocalFlags report and in a
 * few edge cases noted below. */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include "addrmap.h"
#include "fork.h"
#include "error.h"
#include "heap.h"
#include "vquery.h"
#include "inject.h"

#define MEM_FLAG_USED        0x1
#define MEM_FLAG_MOVEABLE    0x2
#define MEM_FLAG_DISCARDABLE 0x4
#define MEM_FLAG_DISCARDED   0x8
#define MEM_FLAG_DDESHARE    0x10

#define MEM_HANDLES          0x10000

struct mem_entry {
    union {
        struct {
            WORD flags;
            BYTE lock;
        };
        struct mem_entry *next_free;
    };
    void *pointer;
};

_Static_assert(sizeof(struct mem_entry) == 16, "handles are at 8 mod 16");

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
FORK_HOOKS(global_table, table_lock)
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static struct mem_entry *table, *table_end, *next_unused, *free_entries;
static struct addrmap owners;       /* moveable data -> its entry, under table_lock */

static void map_table(void)
{
    void *mapped = mmap(NULL, MEM_HANDLES * sizeof(struct mem_entry), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapped == MAP_FAILED)
        return;
    table = next_unused = mapped;
    table_end = table + MEM_HANDLES;
}

static HLOCAL handle_of(struct mem_entry *entry)
{
    return &entry->pointer;
}

static bool is_pointer(HLOCAL handle)
{
    return handle && !((uintptr_t)handle % HEAP_ALIGN);
}

/* The error for a handle that names nothing.  Given a pointer, Windows
 * reads the heap block header before it that the pointer would have: if
 * that memory cannot be read, the fault is reported as ERROR_NOACCESS by
 * the calls that read it (LocalFree, LocalReAlloc, LocalFlags and their
 * Global twins but GlobalFlags; Wine's conformance tests test_GlobalAlloc
 * and test_LocalAlloc check this on Windows). */
static DWORD nothing_error(HLOCAL handle)
{
    if (is_pointer(handle) && !vquery_readable((uintptr_t)handle - HEAP_ALIGN))
        return ERROR_NOACCESS;
    return ERROR_INVALID_HANDLE;
}

/* The entry a handle names, or NULL; the caller holds the table. */
static struct mem_entry *entry_of(HLOCAL handle)
{
    if ((uintptr_t)handle % HEAP_ALIGN != offsetof(struct mem_entry, pointer))
        return NULL;
    struct mem_entry *entry = (struct mem_entry *)((char *)handle - offsetof(struct mem_entry, pointer));
    if (entry < table || entry >= table_end || entry >= next_unused || !(entry->flags & MEM_FLAG_USED))
        return NULL;
    return entry;
}

/* The entry whose data a heap block is, or NULL; the caller holds the table. */
static struct mem_entry *owner_of(const void *pointer)
{
    return addrmap_get(&owners, (uintptr_t)pointer);
}

/* A heap block that is no moveable block's data: the data is a heap block
 * too, but freeing or resizing it behind its handle's back would leave the
 * handle dangling, so it is not taken for fixed memory. */
static bool fixed_block(const void *pointer)
{
    if (!is_pointer((HLOCAL)pointer) || !HeapValidate(GetProcessHeap(), 0, pointer))
        return false;
    pthread_mutex_lock(&table_lock);
    bool owned = owner_of(pointer) != NULL;
    pthread_mutex_unlock(&table_lock);
    return !owned;
}

/* Makes data the entry's memory; false, changing nothing, if the map has
 * no room for it.  The caller holds the table. */
static bool own(struct mem_entry *entry, void *data)
{
    if (addrmap_insert(&owners, (uintptr_t)data, entry))
        return false;
    entry->pointer = data;
    return true;
}

/* Takes the entry's memory from it, for the caller to free; the caller
 * holds the table. */
static void *disown(struct mem_entry *entry)
{
    void *data = entry->pointer;
    if (data)
        addrmap_remove(&owners, (uintptr_t)data);
    entry->pointer = NULL;
    return data;
}

static HLOCAL memory_alloc(UINT flags, SIZE_T size, WORD extra_flags)
{
    HANDLE heap = GetProcessHeap();
    DWORD heap_flags = flags & LMEM_ZEROINIT ? HEAP_ZERO_MEMORY : 0;
    if (!(flags & LMEM_MOVEABLE))
        return HeapAlloc(heap, heap_flags, size);

    void *data = NULL;
    if (size && !(data = HeapAlloc(heap, heap_flags, size))) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    pthread_once(&table_once, map_table);
    pthread_mutex_lock(&table_lock);
    struct mem_entry *entry = free_entries;
    if (entry)
        free_entries = entry->next_free;
    else if (next_unused && next_unused < table_end)
        entry = next_unused++;
    if (entry) {
        entry->flags = MEM_FLAG_USED | MEM_FLAG_MOVEABLE | extra_flags;
        if (flags & LMEM_DISCARDABLE)
            entry->flags |= MEM_FLAG_DISCARDABLE;
        if (!size)
            entry->flags |= MEM_FLAG_DISCARDED;
        entry->lock = 0;
        entry->pointer = NULL;
        if (data && !own(entry, data)) {
            entry->next_free = free_entries;
            free_entries = entry;
            entry = NULL;
        }
    }
    pthread_mutex_unlock(&table_lock);
    if (!entry) {
        if (data)
            HeapFree(heap, 0, data);
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    return handle_of(entry);
}

HLOCAL WINAPI LocalAlloc(UINT flags, SIZE_T size)
{
    return memory_alloc(flags, size, 0);
}

HGLOBAL WINAPI GlobalAlloc(UINT flags, SIZE_T size)
{
    /* Unlike LocalAlloc, GlobalAlloc gives no 0-byte fixed block. */
    if (!(flags & GMEM_MOVEABLE) && !size)
        size = 1;
    return memory_alloc(flags, size, flags & GMEM_DDESHARE ? MEM_FLAG_DDESHARE : 0);
}

HLOCAL WINAPI LocalFree(HLOCAL handle)
{
    HANDLE heap = GetProcessHeap();
    if (!handle)
        return NULL;
    if (fixed_block(handle) && HeapFree(heap, 0, handle))
        return NULL;
    pthread_mutex_lock(&table_lock);
    struct mem_entry *entry = entry_of(handle);
    void *data = NULL;
    if (entry) {
        data = disown(entry);
        entry->next_free = free_entries;
        free_entries = entry;
    }
    pthread_mutex_unlock(&table_lock);
    if (!entry) {
        SetLastError(nothing_error(handle));
        return handle;
    }
    if (data)
        HeapFree(heap, 0, data);
    return NULL;
}

HGLOBAL WINAPI GlobalFree(HGLOBAL handle)
{
    return LocalFree(handle);
}

/* What a bad pointer reports differs between the families: GlobalLock
 * sets ERROR_INVALID_HANDLE, LocalLock leaves the last error alone (Wine's
 * conformance test checks both on Windows). */
static LPVOID memory_lock(HLOCAL handle, bool global)
{
    if (!handle)
        return NULL;
    if (is_pointer(handle)) {
        if (fixed_block(handle))
            return handle;
        if (global)
            SetLastError(ERROR_INVALID_HANDLE);
        return NULL;
    }
    void *pointer = NULL;
    pthread_mutex_lock(&table_lock);
    struct mem_entry *entry = entry_of(handle);
    if (!entry) {
        SetLastError(ERROR_INVALID_HANDLE);
    } else if (!(pointer = entry->pointer)) {
        SetLastError(ERROR_DISCARDED);
    } else if (entry->lock < GMEM_LOCKCOUNT) {
        entry->lock++;
    }
    pthread_mutex_unlock(&table_lock);
    return pointer;
}

LPVOID WINAPI LocalLock(HLOCAL handle)
{
    return memory_lock(handle, false);
}

LPVOID WINAPI GlobalLock(HGLOBAL handle)
{
    return memory_lock(handle, true);
}

/* TRUE while the block stays locked.  A handle that names no block gives
 * invalid_result with ERROR_INVALID_HANDLE: FALSE for LocalUnlock, but TRUE
 * for GlobalUnlock, which on Windows returns TRUE for a freed or made-up
 * handle (Wine's conformance test checks it; Wine itself returns FALSE). */
static BOOL unlock_moveable(HLOCAL handle, BOOL invalid_result)
{
    BOOL result = FALSE;
    pthread_mutex_lock(&table_lock);
    struct mem_entry *entry = entry_of(handle);
    if (!entry) {
        SetLastError(ERROR_INVALID_HANDLE);
        result = invalid_result;
    } else if (!entry->lock) {
        SetLastError(ERROR_NOT_LOCKED);
    } else if (!(result = --entry->lock != 0)) {
        SetLastError(NO_ERROR);
    }
    pthread_mutex_unlock(&table_lock);
    return result;
}

BOOL WINAPI LocalUnlock(HLOCAL handle)
{
    if (is_pointer(handle))
        return failure(ERROR_NOT_LOCKED);
    return unlock_moveable(handle, FALSE);
}

BOOL WINAPI GlobalUnlock(HGLOBAL handle)
{
    /* Fixed global memory counts as always unlockable. */
    if (is_pointer(handle))
        return TRUE;
    return unlock_moveable(handle, TRUE);
}

/* Gives a moveable block size bytes of memory; false, with the block as it
 * was, if that cannot be done.  It grows or shrinks in place if it can;
 * otherwise the data moves to a new block, entered in the map before the
 * old one is freed, so that no failure can leave the map without it.  A
 * locked block stays where it is unless the caller allows a move.  The
 * caller holds the table. */
static bool resize_moveable(struct mem_entry *entry, SIZE_T size, UINT flags, DWORD heap_flags)
{
    HANDLE heap = GetProcessHeap();
    void *old = entry->pointer;
    DWORD error = GetLastError();       /* a failed try in place must not show */
    if (old && HeapReAlloc(heap, heap_flags | HEAP_REALLOC_IN_PLACE_ONLY, old, size))
        return true;
    SetLastError(error);
    if (old && entry->lock && !(flags & LMEM_MOVEABLE))
        return false;
    void *moved = HeapAlloc(heap, heap_flags, size);
    if (!moved)
        return false;
    if (!own(entry, moved)) {
        HeapFree(heap, 0, moved);
        return false;
    }
    if (old) {
        SIZE_T old_size = HeapSize(heap, 0, old);
        memcpy(moved, old, old_size < size ? old_size : size);
        addrmap_remove(&owners, (uintptr_t)old);
        HeapFree(heap, 0, old);
    }
    return true;
}

HLOCAL WINAPI LocalReAlloc(HLOCAL handle, SIZE_T size, UINT flags)
{
    HANDLE heap = GetProcessHeap();
    DWORD heap_flags = flags & LMEM_ZEROINIT ? HEAP_ZERO_MEMORY : 0;
    if (fixed_block(handle)) {
        if (flags & LMEM_MODIFY)
            return handle;
        if (flags & LMEM_DISCARDABLE) {
            SetLastError(ERROR_INVALID_PARAMETER);
            return NULL;
        }
        /* Fixed memory moves only when the caller allows it. */
        if (!(flags & LMEM_MOVEABLE))
            heap_flags |= HEAP_REALLOC_IN_PLACE_ONLY;
        void *resized = HeapReAlloc(heap, heap_flags, handle, size);
        if (!resized)
            SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return resized;
    }

    HLOCAL result = NULL;
    pthread_mutex_lock(&table_lock);
    struct mem_entry *entry = entry_of(handle);
    if (!entry) {
        pthread_mutex_unlock(&table_lock);
        SetLastError(nothing_error(handle));
        return NULL;
    }
    if (flags & LMEM_MODIFY) {
        if (flags & LMEM_DISCARDABLE)
            entry->flags |= MEM_FLAG_DISCARDABLE;
        result = handle;
    } else if (flags & LMEM_DISCARDABLE) {
        SetLastError(ERROR_INVALID_PARAMETER);
    } else if (size) {
        if (resize_moveable(entry, size, flags, heap_flags)) {
            entry->flags &= (WORD)~MEM_FLAG_DISCARDED;
            result = handle;
        } else {
            SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        }
    } else if ((flags & LMEM_MOVEABLE) && !entry->lock) {
        /* Size 0 discards the block's memory; the handle stays valid. */
        void *data = disown(entry);
        if (data)
            HeapFree(heap, 0, data);
        entry->flags |= MEM_FLAG_DISCARDED;
        result = handle;
    } else {
        SetLastError(ERROR_INVALID_PARAMETER);
    }
    pthread_mutex_unlock(&table_lock);
    return result;
}

/* The moveable copy of a fixed block, which is freed; NULL if there is no
 * memory for it, and then the fixed block is left as it was. */
static HGLOBAL fixed_to_moveable(HGLOBAL fixed, UINT flags)
{
    SIZE_T size = HeapSize(GetProcessHeap(), 0, fixed);
    HGLOBAL moveable = GlobalAlloc(GMEM_MOVEABLE | (flags & GMEM_DISCARDABLE), size);
    if (!moveable)
        return NULL;
    if (size) {
        DWORD error = GetLastError();       /* the unlock below reports NO_ERROR */
        memcpy(GlobalLock(moveable), fixed, size);
        GlobalUnlock(moveable);
        SetLastError(error);
    }
    HeapFree(GetProcessHeap(), 0, fixed);
    return moveable;
}

HGLOBAL WINAPI GlobalReAlloc(HGLOBAL handle, SIZE_T size, UINT flags)
{
    /* Only the Global family turns fixed memory moveable; LocalReAlloc
     * leaves it fixed (kernel32/tests/heap.c). */
    if ((flags & GMEM_MODIFY) && (flags & GMEM_MOVEABLE) && fixed_block(handle))
        return fixed_to_moveable(handle, flags);
    return LocalReAlloc(handle, size, flags);
}

SIZE_T WINAPI LocalSize(HLOCAL handle)
{
    if (fixed_block(handle))
        return HeapSize(GetProcessHeap(), 0, handle);
    SIZE_T size = 0;
    pthread_mutex_lock(&table_lock);
    struct mem_entry *entry = entry_of(handle);
    if (!entry)
        SetLastError(ERROR_INVALID_HANDLE);
    else if (entry->pointer)
        size = HeapSize(GetProcessHeap(), 0, entry->pointer);
    pthread_mutex_unlock(&table_lock);
    return size;
}

SIZE_T WINAPI GlobalSize(HGLOBAL handle)
{
    return LocalSize(handle);
}

HLOCAL WINAPI LocalHandle(LPCVOID pointer)
{
    HLOCAL handle = NULL;
    pthread_mutex_lock(&table_lock);
    if (entry_of((HLOCAL)pointer)) {
        handle = (HLOCAL)pointer;
    } else if (is_pointer((HLOCAL)pointer)) {
        struct mem_entry *entry = owner_of(pointer);
        if (entry)
            handle = handle_of(entry);
        else if (HeapValidate(GetProcessHeap(), 0, pointer))
            handle = (HLOCAL)pointer;
    }
    pthread_mutex_unlock(&table_lock);
    if (!handle)
        SetLastError(ERROR_INVALID_HANDLE);
    return handle;
}

HGLOBAL WINAPI GlobalHandle(LPCVOID pointer)
{
    return LocalHandle(pointer);
}

/* The lock count and state bits, or invalid_handle; fixed memory has none. */
static UINT memory_flags(HLOCAL handle, UINT discardable, UINT discarded, UINT invalid_handle, bool global)
{
    if (fixed_block(handle))
        return 0;
    UINT flags = invalid_handle;
    pthread_mutex_lock(&table_lock);
    struct mem_entry *entry = entry_of(handle);
    if (entry) {
        flags = entry->lock;
        if (entry->flags & MEM_FLAG_DISCARDABLE)
            flags |= discardable;
        if (entry->flags & MEM_FLAG_DISCARDED)
            flags |= discarded;
        if (global && (entry->flags & MEM_FLAG_DDESHARE))
            flags |= GMEM_DDESHARE;
    }
    pthread_mutex_unlock(&table_lock);
    if (!entry)
        SetLastError(global ? ERROR_INVALID_HANDLE : nothing_error(handle));
    return flags;
}

UINT WINAPI LocalFlags(HLOCAL handle)
{
    return memory_flags(handle, LMEM_DISCARDABLE, LMEM_DISCARDED, LMEM_INVALID_HANDLE, false);
}

UINT WINAPI GlobalFlags(HGLOBAL handle)
{
    return memory_flags(handle, GMEM_DISCARDABLE, GMEM_DISCARDED, GMEM_INVALID_HANDLE, true);
}
