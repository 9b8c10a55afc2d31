/* libFuzzer harness: heaps and Global/Local memory against a model.
 *
 * The input is a sequence of calls (HeapCreate/Alloc/ReAlloc/Free/Size/
 * Validate/Walk/Compact/Lock/Unlock/SetInformation/Destroy, Global and Local
 * Alloc/ReAlloc/Free/Lock/Unlock/Size/Handle/Flags) with good and bad
 * arguments: live, destroyed, bogus and pseudo heap handles; live, freed,
 * interior, unaligned, foreign and other heaps' pointers; sizes from 0 to
 * near SIZE_MAX; valid and invalid flags.  The model knows every heap and
 * its live blocks (address, size, contents) and every moveable memory
 * object (size, lock count, contents), so it predicts each result and
 * error.  After every call each heap validates, HeapWalk's busy blocks are
 * exactly the model's, and every block still holds what was written.  At
 * the end of an input everything is freed and the process heap walks empty. */
#include <string.h>
#include <windows.h>

#include "fuzz.h"

#define MAX_HEAPS 5                 /* 0 is the process heap */
#define MAX_BLOCKS 40
#define MAX_MOVEABLE 12
#define KEPT 8
#define FILL_UNKNOWN (-1)
#define HUGE ((size_t)1 << 31)          /* may fail; if not, freed at once */

struct block {
    char *data;
    size_t size;
    int fill;
    int global;                     /* a fixed Global/Local object */
};

struct heap {
    HANDLE handle;
    int live, fixed, serialized, debug;
    int lfh_asked;
    struct block blocks[MAX_BLOCKS];
};

struct moveable {
    HGLOBAL handle;
    int live;
    char *data;                     /* NULL: discarded */
    size_t size;
    unsigned locks;
    int discardable;
    int fill;
};

static struct {
    struct heap heaps[MAX_HEAPS];
    struct moveable moveables[MAX_MOVEABLE];
    void *freed[KEPT];
    unsigned freed_next;
    HANDLE dead_heaps[KEPT];
    unsigned dead_next;
    HGLOBAL dead_handles[KEPT];
    unsigned dead_handle_next;
} model;

static _Alignas(16) char foreign[256];

/* ---- the model ----------------------------------------------------------- */

static struct heap *heap_of(HANDLE handle)
{
    for (int i = 0; i < MAX_HEAPS; i++)
        if (model.heaps[i].live && model.heaps[i].handle == handle)
            return &model.heaps[i];
    return NULL;
}

static struct block *block_in(struct heap *heap, const void *data)
{
    if (!heap || !data)
        return NULL;
    for (int i = 0; i < MAX_BLOCKS; i++)
        if (heap->blocks[i].data && heap->blocks[i].data == data)
            return &heap->blocks[i];
    return NULL;
}

static struct block *free_block_slot(struct heap *heap)
{
    for (int i = 0; i < MAX_BLOCKS; i++)
        if (!heap->blocks[i].data)
            return &heap->blocks[i];
    return NULL;
}

static void forget_block(struct block *block)
{
    model.freed[model.freed_next++ % KEPT] = block->data;
    block->data = NULL;
}

static struct moveable *moveable_of(HGLOBAL handle)
{
    for (int i = 0; i < MAX_MOVEABLE; i++)
        if (model.moveables[i].live && model.moveables[i].handle == handle)
            return &model.moveables[i];
    return NULL;
}

static void forget_moveable(struct moveable *object)
{
    model.dead_handles[model.dead_handle_next++ % KEPT] = object->handle;
    object->live = 0;
}

/* No live block or moveable object overlaps [data, data+size). */
static void expect_unused(const char *data, size_t size)
{
    size_t length = size ? size : 1;
    for (int h = 0; h < MAX_HEAPS; h++) {
        if (!model.heaps[h].live)
            continue;
        for (int i = 0; i < MAX_BLOCKS; i++) {
            const struct block *block = &model.heaps[h].blocks[i];
            size_t other = block->size ? block->size : 1;
            FUZZ_CHECK(!block->data || data + length <= block->data || block->data + other <= data,
                       "new block %p+%zu overlaps live block %p+%zu", (void *)data, size, (void *)block->data,
                       block->size);
        }
    }
    for (int i = 0; i < MAX_MOVEABLE; i++) {
        const struct moveable *object = &model.moveables[i];
        FUZZ_CHECK(!object->live || !object->data || data + length <= object->data ||
                   object->data + object->size <= data, "new block %p overlaps moveable data %p", (void *)data,
                   (void *)object->data);
    }
}

static void fill_bytes(char *data, size_t size, int *fill, int value)
{
    memset(data, value, size);
    *fill = value;
}

static void expect_bytes(const char *data, size_t size, int fill, size_t from, int full)
{
    if (fill == FILL_UNKNOWN || from >= size)
        return;
    if (full) {
        for (size_t i = from; i < size; i++)
            FUZZ_CHECK((unsigned char)data[i] == fill, "byte %zu of %p is %#x, expected %#x", i, (void *)data,
                       (unsigned char)data[i], fill);
        return;
    }
    size_t probes[] = { from, from + (size - from) / 2, size - 1 };
    for (int i = 0; i < 3; i++)
        FUZZ_CHECK((unsigned char)data[probes[i]] == fill, "byte %zu of %p is %#x, expected %#x", probes[i],
                   (void *)data, (unsigned char)data[probes[i]], fill);
}

/* ---- choosing arguments -------------------------------------------------- */

static void *choose_any_pointer(struct input *in, struct heap *heap);
static HGLOBAL choose_any_global(struct input *in);

static struct heap *choose_live_heap(struct input *in)
{
    unsigned start = input_pick(in, MAX_HEAPS);
    for (unsigned i = 0; i < MAX_HEAPS; i++)
        if (model.heaps[(start + i) % MAX_HEAPS].live)
            return &model.heaps[(start + i) % MAX_HEAPS];
    return &model.heaps[0];
}

static HANDLE choose_heap_handle(struct input *in)
{
    switch (input_pick(in, 16)) {
    case 0: return model.dead_heaps[input_pick(in, KEPT)];
    case 1: return NULL;
    case 2: return GetCurrentProcess();
    case 3: return (HANDLE)((uintptr_t)foreign & ~(uintptr_t)0xffff);
    case 4: return (HANDLE)foreign;
    case 5: return model.freed[input_pick(in, KEPT)];
    default: return choose_live_heap(in)->handle;
    }
}

static struct block *choose_block(struct input *in, struct heap *heap)
{
    unsigned start = input_pick(in, MAX_BLOCKS);
    for (unsigned i = 0; i < MAX_BLOCKS; i++)
        if (heap->blocks[(start + i) % MAX_BLOCKS].data)
            return &heap->blocks[(start + i) % MAX_BLOCKS];
    return NULL;
}

/* A moveable object's data is a process-heap block the model does not
 * list: freeing it through a stale pointer that happens to match would
 * corrupt the object, as on Windows. */
static void *not_inside_moveable(void *pointer)
{
    for (int i = 0; i < MAX_MOVEABLE; i++)
        if (model.moveables[i].live && model.moveables[i].data && model.moveables[i].data == (char *)pointer)
            return NULL;
    return pointer;
}

static void *choose_pointer(struct input *in, struct heap *heap)
{
    return not_inside_moveable(choose_any_pointer(in, heap));
}

static void *choose_any_pointer(struct input *in, struct heap *heap)
{
    unsigned how = input_pick(in, 20);
    struct block *block = how < 12 ? choose_block(in, heap) : choose_block(in, choose_live_heap(in));
    if (block) {
        switch (how) {
        case 12: return block->data + 16;
        case 13: return block->data + 8;
        case 14: return block->data + 1;
        case 15: return block->data + block->size;
        default: if (how < 12 || how == 16) return block->data;
        }
    }
    switch (how % 6) {
    case 0: return NULL;
    case 1: return model.freed[input_pick(in, KEPT)];
    case 2: return foreign;
    case 3: return heap->handle;
    default: {
        const struct moveable *object = &model.moveables[input_pick(in, MAX_MOVEABLE)];
        return object->live && object->data ? object->data : model.freed[input_pick(in, KEPT)];
    }
    }
}

static size_t choose_size(struct input *in)
{
    switch (input_pick(in, 20)) {
    case 0: return 0;
    case 1: return SIZE_MAX - input_pick(in, 64);
    case 2: return HUGE + input_pick(in, 2) * 0x7fff0000;
    case 3: return 0xFF000 + input_pick(in, 4) * 0x10000;      /* large blocks */
    case 4: case 5: return 1 + input_pick(in, 16) * 1024;
    case 6: case 7: case 8: return 16 * (1 + input_pick(in, 8));
    default: return 1 + input_pick(in, 255);
    }
}

/* ---- heap checks --------------------------------------------------------- */

static int moveable_block_matches(const PROCESS_HEAP_ENTRY *entry)
{
    for (int i = 0; i < MAX_MOVEABLE; i++) {
        const struct moveable *object = &model.moveables[i];
        if (!object->live || !object->data)
            continue;
        if (entry->lpData == object->data && entry->cbData == object->size)
            return 1;
    }
    return 0;
}

static void expect_heap(struct heap *heap)
{
    FUZZ_CHECK(HeapValidate(heap->handle, 0, NULL), "heap %p does not validate", heap->handle);
    unsigned expected = 0, busy = 0;
    for (int i = 0; i < MAX_BLOCKS; i++) {
        struct block *block = &heap->blocks[i];
        if (!block->data)
            continue;
        expected++;
        expect_bytes(block->data, block->size, block->fill, 0, 0);
    }
    if (heap == &model.heaps[0])
        for (int i = 0; i < MAX_MOVEABLE; i++)
            if (model.moveables[i].live && model.moveables[i].data) {
                expected++;
                expect_bytes(model.moveables[i].data, model.moveables[i].size, model.moveables[i].fill, 0, 0);
            }
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    SetLastError(0xdead);
    while (HeapWalk(heap->handle, &entry)) {
        if (!(entry.wFlags & PROCESS_HEAP_ENTRY_BUSY))
            continue;
        busy++;
        const struct block *block = block_in(heap, entry.lpData);
        FUZZ_CHECK((block && block->size == entry.cbData) || (heap == &model.heaps[0] && moveable_block_matches(&entry)),
                   "HeapWalk of %p: busy block %p+%u is none of the model's", heap->handle, entry.lpData,
                   (unsigned)entry.cbData);
    }
    FUZZ_EXPECT_ERROR(ERROR_NO_MORE_ITEMS, "HeapWalk's end");
    FUZZ_CHECK(busy == expected, "HeapWalk of %p: %u busy blocks, the model has %u", heap->handle, busy, expected);
}

static void expect_model(void)
{
    for (int i = 0; i < MAX_HEAPS; i++)
        if (model.heaps[i].live)
            expect_heap(&model.heaps[i]);
    for (size_t i = 0; i < sizeof(foreign); i++)
        FUZZ_CHECK(foreign[i] == 0x5a, "memory the library does not own changed at %zu", i);
}

/* ---- heap calls ---------------------------------------------------------- */

static void op_create(struct input *in)
{
    static const DWORD options[] = {
        0, HEAP_NO_SERIALIZE, HEAP_CREATE_ENABLE_EXECUTE, HEAP_NO_SERIALIZE | HEAP_CREATE_ENABLE_EXECUTE,
        HEAP_TAIL_CHECKING_ENABLED | HEAP_FREE_CHECKING_ENABLED, HEAP_CREATE_ALIGN_16, 0xfffffffb,
    };
    static const size_t initials[] = { 0, 1, 4096, 65536, 1 << 20, SIZE_MAX };
    static const size_t maximums[] = { 0, 0, 4096, 65536, 1 << 20, 8 << 20 };
    DWORD option = options[input_pick(in, sizeof(options) / sizeof(options[0]))];
    size_t initial = initials[input_pick(in, sizeof(initials) / sizeof(initials[0]))];
    size_t maximum = maximums[input_pick(in, sizeof(maximums) / sizeof(maximums[0]))];
    struct heap *slot = NULL;
    for (int i = 1; i < MAX_HEAPS && !slot; i++)
        if (!model.heaps[i].live)
            slot = &model.heaps[i];
    if (!slot)
        return;
    SetLastError(0xdead);
    HANDLE handle = HeapCreate(option, initial, maximum);
    if (initial == SIZE_MAX) {
        FUZZ_CHECK(!handle, "HeapCreate(initial SIZE_MAX) succeeded");
        FUZZ_EXPECT_ERROR(ERROR_NOT_ENOUGH_MEMORY, "HeapCreate");
        return;
    }
    FUZZ_CHECK(handle, "HeapCreate(%#x, %zu, %zu) failed with %u", (unsigned)option, initial, maximum,
               (unsigned)GetLastError());
    FUZZ_CHECK(!heap_of(handle), "HeapCreate returned the live heap %p", handle);
    memset(slot, 0, sizeof(*slot));
    slot->handle = handle;
    slot->live = 1;
    slot->fixed = maximum != 0;
    slot->serialized = !(option & HEAP_NO_SERIALIZE);
    slot->debug = (option & (HEAP_TAIL_CHECKING_ENABLED | HEAP_FREE_CHECKING_ENABLED)) != 0;
}

/* A heap call on a handle that names no heap. */
static int bad_heap(HANDLE handle)
{
    return !heap_of(handle);
}

static int may_run_out(const struct heap *heap, size_t size)
{
    return heap->fixed || size >= HUGE;
}

static void op_alloc(struct input *in)
{
    HANDLE handle = choose_heap_handle(in);
    static const DWORD flags_choices[] = { 0, HEAP_ZERO_MEMORY, 0, HEAP_NO_SERIALIZE, HEAP_ZERO_MEMORY | 0x100000 };
    DWORD flags = flags_choices[input_pick(in, 5)];
    size_t size = choose_size(in);
    int value = 1 + (int)input_pick(in, 255);
    struct heap *heap = heap_of(handle);
    struct block *slot = heap ? free_block_slot(heap) : NULL;
    if (heap && !slot)
        return;
    SetLastError(0xdead);
    char *data = HeapAlloc(handle, flags, size);
    if (!heap) {
        FUZZ_CHECK(!data, "HeapAlloc(%p) on no heap succeeded", handle);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "HeapAlloc");
        return;
    }
    if (!data) {
        FUZZ_CHECK(may_run_out(heap, size), "HeapAlloc(%p, %#x, %zu) failed with %u", handle, (unsigned)flags, size,
                   (unsigned)GetLastError());
        FUZZ_EXPECT_ERROR(ERROR_NOT_ENOUGH_MEMORY, "HeapAlloc");
        return;
    }
    FUZZ_CHECK((uintptr_t)data % 16 == 0, "HeapAlloc returned %p, not 16-byte aligned", (void *)data);
    expect_unused(data, size);
    if ((flags & HEAP_ZERO_MEMORY) && size < HUGE)
        expect_bytes(data, size, 0, 0, 1);
    SetLastError(0xdead);
    FUZZ_CHECK(HeapSize(handle, 0, data) == size, "HeapSize(%p) = %zu, allocated %zu", (void *)data,
               (size_t)HeapSize(handle, 0, data), size);
    if (size >= HUGE) {
        /* Gigabytes: proven usable by freeing, not by filling. */
        FUZZ_CHECK(HeapFree(handle, 0, data), "HeapFree of a huge block failed with %u", (unsigned)GetLastError());
        return;
    }
    *slot = (struct block){ .data = data, .size = size };
    fill_bytes(data, size, &slot->fill, value);
}

static void op_realloc(struct input *in)
{
    HANDLE handle = choose_heap_handle(in);
    static const DWORD flags_choices[] = {
        0, HEAP_ZERO_MEMORY, HEAP_REALLOC_IN_PLACE_ONLY, HEAP_ZERO_MEMORY | HEAP_REALLOC_IN_PLACE_ONLY,
    };
    DWORD flags = flags_choices[input_pick(in, 4)];
    struct heap *heap = heap_of(handle);
    void *pointer = choose_pointer(in, heap ? heap : &model.heaps[0]);
    size_t size = choose_size(in);
    int value = 1 + (int)input_pick(in, 255);
    SetLastError(0xdead);
    char *data = HeapReAlloc(handle, flags, pointer, size);
    if (!heap) {
        FUZZ_CHECK(!data, "HeapReAlloc(%p) on no heap succeeded", handle);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "HeapReAlloc");
        return;
    }
    if (!pointer) {
        FUZZ_CHECK(!data, "HeapReAlloc(NULL) succeeded");
        FUZZ_EXPECT_ERROR(NO_ERROR, "HeapReAlloc(NULL)");
        return;
    }
    struct block *block = block_in(heap, pointer);
    if (!block) {
        FUZZ_CHECK(!data, "HeapReAlloc(%p, %p) of no block succeeded", handle, pointer);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "HeapReAlloc");
        return;
    }
    if (!data) {
        FUZZ_CHECK(may_run_out(heap, size) || (flags & HEAP_REALLOC_IN_PLACE_ONLY),
                   "HeapReAlloc(%p, %#x, %p, %zu) failed with %u", handle, (unsigned)flags, pointer, size,
                   (unsigned)GetLastError());
        FUZZ_EXPECT_ERROR(ERROR_NOT_ENOUGH_MEMORY, "HeapReAlloc");
        expect_bytes(block->data, block->size, block->fill, 0, 1);
        return;
    }
    FUZZ_CHECK(!(flags & HEAP_REALLOC_IN_PLACE_ONLY) || data == pointer, "HEAP_REALLOC_IN_PLACE_ONLY moved %p to %p",
               pointer, (void *)data);
    size_t kept = block->size < size ? block->size : size;
    expect_bytes(data, kept, block->fill, 0, 1);
    if ((flags & HEAP_ZERO_MEMORY) && size > block->size && size < HUGE)
        expect_bytes(data, size, 0, block->size, 1);
    char *old = block->data;
    block->data = NULL;
    if (data != old)
        model.freed[model.freed_next++ % KEPT] = old;
    expect_unused(data, size);
    FUZZ_CHECK(HeapSize(handle, 0, data) == size, "HeapSize after HeapReAlloc = %zu, expected %zu",
               (size_t)HeapSize(handle, 0, data), size);
    *block = (struct block){ .data = data, .size = size, .global = block->global };
    if (size >= HUGE) {
        FUZZ_CHECK(HeapFree(handle, 0, data), "HeapFree of a huge block failed with %u", (unsigned)GetLastError());
        forget_block(block);
        return;
    }
    fill_bytes(data, size, &block->fill, value);
}

static void op_free(struct input *in)
{
    HANDLE handle = choose_heap_handle(in);
    struct heap *heap = heap_of(handle);
    void *pointer = choose_pointer(in, heap ? heap : &model.heaps[0]);
    SetLastError(0xdead);
    BOOL done = HeapFree(handle, 0, pointer);
    if (!pointer) {
        FUZZ_CHECK(done, "HeapFree(NULL) failed");
        return;
    }
    if (!heap) {
        FUZZ_CHECK(!done, "HeapFree(%p) on no heap succeeded", handle);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "HeapFree");
        return;
    }
    struct block *block = block_in(heap, pointer);
    if (!block) {
        FUZZ_CHECK(!done, "HeapFree(%p, %p) of no block succeeded", handle, pointer);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "HeapFree");
        return;
    }
    FUZZ_CHECK(done, "HeapFree(%p, %p) failed with %u", handle, pointer, (unsigned)GetLastError());
    forget_block(block);
}

static void op_query(struct input *in)
{
    HANDLE handle = choose_heap_handle(in);
    struct heap *heap = heap_of(handle);
    void *pointer = choose_pointer(in, heap ? heap : &model.heaps[0]);
    struct block *block = block_in(heap, pointer);
    SetLastError(0xdead);
    if (input_pick(in, 2)) {
        SIZE_T size = HeapSize(handle, 0, pointer);
        if (block) {
            FUZZ_CHECK(size == block->size, "HeapSize(%p) = %zu, expected %zu", pointer, (size_t)size, block->size);
            return;
        }
        FUZZ_CHECK(size == (SIZE_T)-1, "HeapSize(%p, %p) of no block = %zu", handle, pointer, (size_t)size);
        FUZZ_EXPECT_ERROR(heap ? ERROR_INVALID_PARAMETER : ERROR_INVALID_HANDLE, "HeapSize");
        return;
    }
    BOOL valid = HeapValidate(handle, 0, pointer);
    FUZZ_CHECK(valid == (heap && (!pointer || block)), "HeapValidate(%p, %p) = %d", handle, pointer, valid);
}

static void op_walk_bad(struct input *in)
{
    HANDLE handle = choose_heap_handle(in);
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    SetLastError(0xdead);
    int null_entry = input_pick(in, 2);
    BOOL found = HeapWalk(handle, null_entry ? NULL : &entry);
    if (null_entry) {
        FUZZ_CHECK(!found, "HeapWalk(NULL entry) succeeded");
        FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "HeapWalk(NULL)");
    } else if (bad_heap(handle)) {
        FUZZ_CHECK(!found, "HeapWalk(%p) of no heap succeeded", handle);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "HeapWalk");
    } else {
        FUZZ_CHECK(found, "HeapWalk(%p) found no region", handle);
    }
}

static void op_destroy(struct input *in)
{
    HANDLE handle = choose_heap_handle(in);
    struct heap *heap = heap_of(handle);
    SetLastError(0xdead);
    BOOL done = HeapDestroy(handle);
    if (!heap || heap == &model.heaps[0]) {
        FUZZ_CHECK(!done, "HeapDestroy(%p) succeeded", handle);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "HeapDestroy");
        return;
    }
    FUZZ_CHECK(done, "HeapDestroy(%p) failed with %u", handle, (unsigned)GetLastError());
    for (int i = 0; i < MAX_BLOCKS; i++)
        if (heap->blocks[i].data)
            forget_block(&heap->blocks[i]);
    heap->live = 0;
    model.dead_heaps[model.dead_next++ % KEPT] = handle;
}

static void op_misc(struct input *in)
{
    HANDLE handle = choose_heap_handle(in);
    struct heap *heap = heap_of(handle);
    SetLastError(0xdead);
    switch (input_pick(in, 3)) {
    case 0: {
        SIZE_T largest = HeapCompact(handle, 0);
        if (!heap) {
            FUZZ_CHECK(!largest, "HeapCompact(%p) of no heap = %zu", handle, (size_t)largest);
            FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "HeapCompact");
        }
        break;
    }
    case 1: {
        int lock = input_pick(in, 2);
        BOOL locked = lock ? HeapLock(handle) : FALSE;
        BOOL unlocked = HeapUnlock(handle);
        if (!heap) {
            FUZZ_CHECK(!unlocked, "HeapUnlock(%p) of no heap succeeded", handle);
            FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "HeapUnlock");
        } else if (lock || !heap->serialized) {
            FUZZ_CHECK(unlocked && (!lock || locked), "HeapLock/HeapUnlock(%p) failed", handle);
        } else {
            FUZZ_CHECK(!unlocked, "HeapUnlock(%p) of an unlocked heap succeeded", handle);
            FUZZ_EXPECT_ERROR(ERROR_NOT_LOCKED, "HeapUnlock");
        }
        break;
    }
    default: {
        ULONG lfh = 2;
        BOOL done = HeapSetInformation(handle, HeapCompatibilityInformation, &lfh, sizeof(lfh));
        if (!handle) {
            FUZZ_CHECK(!done, "HeapSetInformation(NULL) succeeded");
            FUZZ_EXPECT_ERROR(ERROR_NOACCESS, "HeapSetInformation(NULL)");
        } else if (!heap) {
            FUZZ_CHECK(!done, "HeapSetInformation(%p) of no heap succeeded", handle);
            FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "HeapSetInformation");
        } else if (heap->fixed || !heap->serialized) {
            FUZZ_CHECK(!done, "LFH on a fixed or unserialized heap");
            FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "HeapSetInformation");
        } else if (!heap->lfh_asked && heap != &model.heaps[0]) {
            FUZZ_CHECK(done, "LFH refused with %u", (unsigned)GetLastError());
        }
        if (heap)
            heap->lfh_asked = 1;
        break;
    }
    }
}

/* ---- Global and Local ---------------------------------------------------- */

/* What a call that reads the block header fails with for a handle that
 * names nothing: Windows faults on a pointer whose header it cannot read. */
static DWORD nothing_error(HGLOBAL handle)
{
    MEMORY_BASIC_INFORMATION info;
    uintptr_t header = (uintptr_t)handle - 16;
    if (handle && (uintptr_t)handle % 16 == 0 &&
        (!VirtualQuery((void *)header, &info, sizeof(info)) || info.State != MEM_COMMIT ||
         (info.Protect & (PAGE_NOACCESS | PAGE_GUARD | PAGE_EXECUTE))))
        return ERROR_NOACCESS;
    return ERROR_INVALID_HANDLE;
}

static HGLOBAL choose_global(struct input *in)
{
    return not_inside_moveable(choose_any_global(in));
}

static HGLOBAL choose_any_global(struct input *in)
{
    unsigned how = input_pick(in, 12);
    if (how < 5) {
        const struct moveable *object = &model.moveables[input_pick(in, MAX_MOVEABLE)];
        if (object->live)
            return object->handle;
    }
    if (how < 8) {
        struct block *block = choose_block(in, &model.heaps[0]);
        if (block)
            return block->data;
    }
    switch (how % 4) {
    case 0: return model.dead_handles[input_pick(in, KEPT)];
    case 1: return NULL;
    case 2: return (HGLOBAL)(foreign + 8);
    default: return model.freed[input_pick(in, KEPT)];
    }
}

static void op_global_alloc(struct input *in)
{
    static const UINT flags_choices[] = {
        GMEM_FIXED, GMEM_MOVEABLE, GPTR, GHND, GMEM_MOVEABLE | GMEM_DISCARDABLE, GMEM_MOVEABLE,
    };
    int local = input_pick(in, 2);
    UINT flags = flags_choices[input_pick(in, sizeof(flags_choices) / sizeof(flags_choices[0]))];
    size_t size = input_pick(in, 3) ? choose_size(in) : 0;
    int value = 1 + (int)input_pick(in, 255);
    if (local && (flags & GMEM_DISCARDABLE))
        flags = (flags & ~(UINT)GMEM_DISCARDABLE) | LMEM_DISCARDABLE;
    int moveable = (flags & GMEM_MOVEABLE) != 0;
    struct block *block = moveable ? NULL : free_block_slot(&model.heaps[0]);
    struct moveable *object = NULL;
    for (int i = 0; i < MAX_MOVEABLE && moveable && !object; i++)
        if (!model.moveables[i].live)
            object = &model.moveables[i];
    if (!block && !object)
        return;
    SetLastError(0xdead);
    HGLOBAL handle = local ? LocalAlloc(flags, size) : GlobalAlloc(flags, size);
    if (!handle) {
        FUZZ_CHECK(size >= HUGE, "%sAlloc(%#x, %zu) failed with %u", local ? "Local" : "Global", flags,
                   size, (unsigned)GetLastError());
        FUZZ_EXPECT_ERROR(ERROR_NOT_ENOUGH_MEMORY, "GlobalAlloc");
        return;
    }
    if (size >= HUGE) {
        FUZZ_CHECK(!GlobalFree(handle), "GlobalFree of a huge block failed with %u", (unsigned)GetLastError());
        return;
    }
    if (!moveable) {
        size_t actual = !local && !size ? 1 : size;
        FUZZ_CHECK((uintptr_t)handle % 16 == 0, "fixed memory %p is not 16-byte aligned", handle);
        expect_unused(handle, actual);
        if (flags & GMEM_ZEROINIT)
            expect_bytes(handle, actual, 0, 0, 1);
        *block = (struct block){ .data = handle, .size = actual, .global = 1 };
        fill_bytes(handle, actual, &block->fill, value);
        return;
    }
    FUZZ_CHECK((uintptr_t)handle % 16 == 8, "moveable handle %p looks like a pointer", handle);
    FUZZ_CHECK(!moveable_of(handle), "moveable handle %p handed out twice", handle);
    char *data = size ? GlobalLock(handle) : NULL;
    FUZZ_CHECK(data || !size, "GlobalLock of a new block failed with %u", (unsigned)GetLastError());
    if (data)
        expect_unused(data, size);
    *object = (struct moveable){ .handle = handle, .live = 1, .data = data, .size = size,
                                 .discardable = (flags & GMEM_DISCARDABLE) != 0 };
    if (!size)
        return;
    if ((flags & GMEM_ZEROINIT) && size < HUGE)
        expect_bytes(data, size, 0, 0, 1);
    fill_bytes(object->data, size, &object->fill, value);
    SetLastError(0xdead);
    FUZZ_CHECK(!GlobalUnlock(handle), "GlobalUnlock of a once-locked block says still locked");
    FUZZ_EXPECT_ERROR(NO_ERROR, "GlobalUnlock to 0");
}

static void op_global_lock(struct input *in)
{
    HGLOBAL handle = choose_global(in);
    int local = input_pick(in, 2);
    int unlock = input_pick(in, 2);
    struct moveable *object = moveable_of(handle);
    struct block *block = block_in(&model.heaps[0], handle);
    SetLastError(0xdead);
    if (!unlock) {
        void *data = local ? LocalLock(handle) : GlobalLock(handle);
        if (block) {
            FUZZ_CHECK(data == handle, "locking fixed memory %p gave %p", handle, data);
        } else if (!handle) {
            FUZZ_CHECK(!data, "GlobalLock(NULL) gave %p", data);
        } else if (!object) {
            FUZZ_CHECK(!data, "GlobalLock(%p) of nothing gave %p", handle, data);
            /* LocalLock of a pointer leaves the error alone, as on Windows. */
            FUZZ_EXPECT_ERROR(local && (uintptr_t)handle % 16 == 0 ? 0xdead : ERROR_INVALID_HANDLE, "GlobalLock");
        } else if (!object->data) {
            FUZZ_CHECK(!data, "GlobalLock of discarded memory gave %p", data);
            FUZZ_EXPECT_ERROR(ERROR_DISCARDED, "GlobalLock(discarded)");
        } else {
            FUZZ_CHECK(data == object->data, "GlobalLock(%p) gave %p, expected %p", handle, data,
                       (void *)object->data);
            if (object->locks < GMEM_LOCKCOUNT)
                object->locks++;
        }
        return;
    }
    BOOL still = local ? LocalUnlock(handle) : GlobalUnlock(handle);
    if (block || (handle && (uintptr_t)handle % 16 == 0)) {
        FUZZ_CHECK(still == !local, "%sUnlock(pointer %p) = %d", local ? "Local" : "Global", handle, still);
        if (local)
            FUZZ_EXPECT_ERROR(ERROR_NOT_LOCKED, "LocalUnlock(fixed)");
    } else if (!object) {
        /* GlobalUnlock of nothing returns TRUE on Windows, LocalUnlock FALSE. */
        FUZZ_CHECK(still == !local, "%sUnlock(%p) of nothing = %d", local ? "Local" : "Global", handle, still);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "GlobalUnlock");
    } else if (!object->locks) {
        FUZZ_CHECK(!still, "GlobalUnlock of an unlocked block succeeded");
        FUZZ_EXPECT_ERROR(ERROR_NOT_LOCKED, "GlobalUnlock(unlocked)");
    } else {
        object->locks--;
        FUZZ_CHECK(still == (object->locks != 0), "GlobalUnlock = %d with %u locks left", still, object->locks);
        if (!still)
            FUZZ_EXPECT_ERROR(NO_ERROR, "GlobalUnlock to 0");
    }
}

static void op_global_free(struct input *in)
{
    HGLOBAL handle = choose_global(in);
    int local = input_pick(in, 2);
    struct moveable *object = moveable_of(handle);
    struct block *block = block_in(&model.heaps[0], handle);
    DWORD nothing = nothing_error(handle);
    SetLastError(0xdead);
    HGLOBAL result = local ? LocalFree(handle) : GlobalFree(handle);
    if (!handle) {
        FUZZ_CHECK(!result, "GlobalFree(NULL) = %p", result);
    } else if (block) {
        FUZZ_CHECK(!result, "GlobalFree(fixed %p) failed with %u", handle, (unsigned)GetLastError());
        forget_block(block);
    } else if (object) {
        FUZZ_CHECK(!result, "GlobalFree(%p) failed with %u", handle, (unsigned)GetLastError());
        if (object->data)
            model.freed[model.freed_next++ % KEPT] = object->data;
        forget_moveable(object);
    } else {
        FUZZ_CHECK(result == handle, "GlobalFree(%p) of nothing = %p", handle, result);
        FUZZ_EXPECT_ERROR(nothing, "GlobalFree");
    }
}

static void op_global_realloc(struct input *in)
{
    static const UINT flags_choices[] = {
        0, GMEM_MOVEABLE, GMEM_ZEROINIT, GMEM_MOVEABLE | GMEM_ZEROINIT, GMEM_MODIFY, GMEM_DISCARDABLE,
    };
    HGLOBAL handle = choose_global(in);
    int local = input_pick(in, 2);
    UINT flags = flags_choices[input_pick(in, sizeof(flags_choices) / sizeof(flags_choices[0]))];
    size_t size = input_pick(in, 4) ? choose_size(in) : 0;
    int value = 1 + (int)input_pick(in, 255);
    if (local && (flags & GMEM_DISCARDABLE))
        flags = (flags & ~(UINT)GMEM_DISCARDABLE) | LMEM_DISCARDABLE;
    struct moveable *object = moveable_of(handle);
    struct block *block = block_in(&model.heaps[0], handle);
    DWORD nothing = nothing_error(handle);
    SetLastError(0xdead);
    HGLOBAL result = local ? LocalReAlloc(handle, size, flags) : GlobalReAlloc(handle, size, flags);
    int may_fail = size >= HUGE;
    if (block) {
        if (flags & GMEM_MODIFY) {
            FUZZ_CHECK(result == handle, "GlobalReAlloc(MODIFY) of fixed memory = %p", result);
            return;
        }
        if (flags & GMEM_DISCARDABLE) {
            FUZZ_CHECK(!result, "GlobalReAlloc(DISCARDABLE) of fixed memory succeeded");
            FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "GlobalReAlloc(DISCARDABLE)");
            return;
        }
        if (!result) {
            FUZZ_CHECK(may_fail || !(flags & GMEM_MOVEABLE), "GlobalReAlloc(fixed, %zu, %#x) failed with %u", size,
                       flags, (unsigned)GetLastError());
            FUZZ_EXPECT_ERROR(ERROR_NOT_ENOUGH_MEMORY, "GlobalReAlloc(fixed)");
            expect_bytes(block->data, block->size, block->fill, 0, 1);
            return;
        }
        FUZZ_CHECK((flags & GMEM_MOVEABLE) || result == handle, "fixed memory moved without GMEM_MOVEABLE");
        size_t kept = block->size < size ? block->size : size;
        expect_bytes(result, kept, block->fill, 0, 1);
        if ((flags & GMEM_ZEROINIT) && size > block->size && size < HUGE)
            expect_bytes(result, size, 0, block->size, 1);
        char *old = block->data;
        block->data = NULL;
        if (old != (char *)result)
            model.freed[model.freed_next++ % KEPT] = old;
        expect_unused(result, size);
        *block = (struct block){ .data = result, .size = size, .global = 1 };
        if (size >= HUGE) {
            FUZZ_CHECK(!GlobalFree(result), "GlobalFree of a huge block failed");
            forget_block(block);
            return;
        }
        fill_bytes(result, size, &block->fill, value);
        return;
    }
    if (!object) {
        FUZZ_CHECK(!result, "GlobalReAlloc(%p) of nothing succeeded", handle);
        FUZZ_EXPECT_ERROR(nothing, "GlobalReAlloc");
        return;
    }
    if (flags & GMEM_MODIFY) {
        FUZZ_CHECK(result == handle, "GlobalReAlloc(MODIFY) = %p", result);
        return;
    }
    if (flags & GMEM_DISCARDABLE) {
        FUZZ_CHECK(!result, "GlobalReAlloc(DISCARDABLE) succeeded");
        FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "GlobalReAlloc(DISCARDABLE)");
        return;
    }
    if (!size) {
        if ((flags & GMEM_MOVEABLE) && !object->locks) {
            FUZZ_CHECK(result == handle, "discarding %p failed with %u", handle, (unsigned)GetLastError());
            if (object->data)
                model.freed[model.freed_next++ % KEPT] = object->data;
            object->data = NULL;
            object->size = 0;
        } else {
            FUZZ_CHECK(!result, "GlobalReAlloc(%p, 0, %#x) with %u locks succeeded", handle, flags, object->locks);
            FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "GlobalReAlloc(0)");
        }
        return;
    }
    if (!result) {
        FUZZ_CHECK(may_fail || (object->locks && !(flags & GMEM_MOVEABLE)), "GlobalReAlloc(%p, %zu, %#x) failed with %u",
                   handle, size, flags, (unsigned)GetLastError());
        FUZZ_EXPECT_ERROR(ERROR_NOT_ENOUGH_MEMORY, "GlobalReAlloc");
        return;
    }
    FUZZ_CHECK(result == handle, "GlobalReAlloc of moveable %p gave %p", handle, result);
    char *data = GlobalLock(handle);
    FUZZ_CHECK(data, "GlobalLock after GlobalReAlloc failed with %u", (unsigned)GetLastError());
    FUZZ_CHECK(!object->locks || (flags & GMEM_MOVEABLE) || data == object->data, "a locked block moved");
    size_t kept = object->size < size ? object->size : size;
    if (object->data)
        expect_bytes(data, kept, object->fill, 0, 1);
    if ((flags & GMEM_ZEROINIT) && size > object->size && size < HUGE)
        expect_bytes(data, size, 0, object->size, 1);
    if (object->data && data != object->data)
        model.freed[model.freed_next++ % KEPT] = object->data;
    object->data = NULL;
    expect_unused(data, size);
    object->data = data;
    object->size = size;
    GlobalUnlock(handle);
    if (object->locks == GMEM_LOCKCOUNT)
        object->locks--;        /* the count saturates: the lock above did not add one */
    if (size >= HUGE) {
        FUZZ_CHECK(!GlobalFree(handle), "GlobalFree of a huge block failed");
        forget_moveable(object);
        return;
    }
    fill_bytes(data, size, &object->fill, value);
}

static void op_global_query(struct input *in)
{
    HGLOBAL handle = choose_global(in);
    int local = input_pick(in, 2);
    struct moveable *object = moveable_of(handle);
    struct block *block = block_in(&model.heaps[0], handle);
    DWORD nothing = nothing_error(handle);
    SetLastError(0xdead);
    switch (input_pick(in, 3)) {
    case 0: {
        SIZE_T size = local ? LocalSize(handle) : GlobalSize(handle);
        if (block || object) {
            FUZZ_CHECK(size == (block ? block->size : object->size), "GlobalSize(%p) = %zu", handle, (size_t)size);
        } else {
            FUZZ_CHECK(!size, "GlobalSize(%p) of nothing = %zu", handle, (size_t)size);
            FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "GlobalSize");
        }
        break;
    }
    case 1: {
        UINT flags = local ? LocalFlags(handle) : GlobalFlags(handle);
        if (block) {
            FUZZ_CHECK(flags == 0, "GlobalFlags(fixed) = %#x", flags);
        } else if (object) {
            UINT expected = object->locks;
            if (object->discardable)
                expected |= local ? LMEM_DISCARDABLE : GMEM_DISCARDABLE;
            if (!object->data)
                expected |= local ? LMEM_DISCARDED : GMEM_DISCARDED;
            FUZZ_CHECK(flags == expected, "GlobalFlags(%p) = %#x, expected %#x", handle, flags, expected);
        } else {
            FUZZ_CHECK(flags == (local ? LMEM_INVALID_HANDLE : GMEM_INVALID_HANDLE), "GlobalFlags(%p) = %#x", handle,
                       flags);
            FUZZ_EXPECT_ERROR(local ? nothing : ERROR_INVALID_HANDLE, "GlobalFlags");
        }
        break;
    }
    default: {
        /* From a moveable object's data back to its handle. */
        const void *pointer = object && object->data && input_pick(in, 2) ? object->data : handle;
        HGLOBAL found = local ? LocalHandle(pointer) : GlobalHandle(pointer);
        if (object)
            FUZZ_CHECK(found == handle, "GlobalHandle(%p) = %p, expected %p", pointer, found, handle);
        else if (block)
            FUZZ_CHECK(found == handle, "GlobalHandle(fixed %p) = %p", handle, found);
        else if (!pointer || (uintptr_t)pointer % 16 == 8)
            FUZZ_CHECK(!found, "GlobalHandle(%p) of nothing = %p", pointer, found);
        break;
    }
    }
}

/* ---- one input ------------------------------------------------------------ */

static void clean_up(void)
{
    for (int h = 0; h < MAX_HEAPS; h++) {
        struct heap *heap = &model.heaps[h];
        if (!heap->live)
            continue;
        if (h) {
            FUZZ_CHECK(HeapDestroy(heap->handle), "HeapDestroy(%p) failed with %u", heap->handle,
                       (unsigned)GetLastError());
            heap->live = 0;
            model.dead_heaps[model.dead_next++ % KEPT] = heap->handle;
            continue;
        }
        for (int i = 0; i < MAX_BLOCKS; i++)
            if (heap->blocks[i].data) {
                FUZZ_CHECK(HeapFree(heap->handle, 0, heap->blocks[i].data), "HeapFree at clean-up failed");
                forget_block(&heap->blocks[i]);
            }
    }
    for (int i = 0; i < MAX_MOVEABLE; i++)
        if (model.moveables[i].live) {
            FUZZ_CHECK(!GlobalFree(model.moveables[i].handle), "GlobalFree at clean-up failed");
            forget_moveable(&model.moveables[i]);
        }
    memset(model.heaps, 0, sizeof(model.heaps));
    memset(model.moveables, 0, sizeof(model.moveables));
    model.heaps[0].handle = GetProcessHeap();
    model.heaps[0].live = 1;
    model.heaps[0].serialized = 1;
    model.heaps[0].lfh_asked = 1;
    expect_heap(&model.heaps[0]);
    FUZZ_CHECK(GetProcessHeaps(0, NULL) == 1, "%u heaps after clean-up", (unsigned)GetProcessHeaps(0, NULL));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    memset(foreign, 0x5a, sizeof(foreign));
    clean_up();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size, 0 };
    while (input_left(&in)) {
        switch (input_pick(&in, 18)) {
        case 0: op_create(&in); break;
        case 1: case 2: case 3: op_alloc(&in); break;
        case 4: case 5: op_realloc(&in); break;
        case 6: case 7: op_free(&in); break;
        case 8: op_query(&in); break;
        case 9: op_walk_bad(&in); break;
        case 10: op_destroy(&in); break;
        case 11: op_misc(&in); break;
        case 12: op_global_alloc(&in); break;
        case 13: op_global_lock(&in); break;
        case 14: op_global_free(&in); break;
        case 15: op_global_realloc(&in); break;
        default: op_global_query(&in); break;
        }
        expect_model();
    }
    clean_up();
    return 0;
}
