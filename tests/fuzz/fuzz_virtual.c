/* libFuzzer harness: virtual memory and file mappings against a model.
 *
 * The input is a sequence of calls (VirtualAlloc/Free/Protect/Query,
 * MEM_RESET, writes to pages, CreateFileMapping on the paging file and on a
 * file, OpenFileMapping, MapViewOfFile, UnmapViewOfFile, CloseHandle,
 * DuplicateHandle) with good and bad arguments: live, interior, unaligned,
 * freed and foreign pointers, live (also with tag bits), closed, bogus and
 * pseudo handles, sizes from 0 to near SIZE_MAX, valid and invalid flag
 * combinations.  The model knows every allocation page by page (state,
 * protection, contents), every section (size, protection, name, handles and
 * views that keep it alive) and every handle (its object and access), so it
 * predicts each call's result and error.  After every call VirtualQuery must
 * describe every allocation exactly as the model does and every readable
 * page must hold what was written.  At the end of an input everything is
 * released and the names are gone, and no descriptor leaked. */
#include <string.h>
#include <unistd.h>
#include <windows.h>

#include "fuzz.h"
#include "handle.h"

#define PAGES_MODELED 48            /* three allocation granules */
#define MAX_ALLOCATIONS 8
#define MAX_SECTIONS 6
#define MAX_HANDLES 12
#define MAX_NAMES 3
#define FILE_PAGES 48
#define GRANULE 0x10000
#define CLOSED_KEPT 8

enum kind { NO_HANDLE, SECTION_HANDLE, PROCESS_HANDLE, FILE_HANDLE };
enum { RIGHT_READ = 1, RIGHT_WRITE = 2 };
#define UNKNOWN_FILL (-1)

struct allocation {
    int live;
    uintptr_t base;
    size_t pages;                   /* pages past PAGES_MODELED stay reserved */
    DWORD allocation_protect;
    int view, section, copy;        /* a view of section; copy: FILE_MAP_COPY */
    size_t first_page;              /* the view's offset into the section */
    unsigned char committed[PAGES_MODELED];
    DWORD protect[PAGES_MODELED];
    int fill[PAGES_MODELED];        /* private pages' contents */
};

struct section {
    int live, handles, views;
    uint64_t size;                  /* bytes, as MapViewOfFile checks them */
    DWORD protect;
    int name;                       /* -1: anonymous */
    int store;                      /* 0: the file; else its own pages */
};

struct handle {
    HANDLE value;
    enum kind kind;
    int section;
    unsigned rights;
};

static struct {
    size_t page;
    uintptr_t highest;
    struct allocation allocations[MAX_ALLOCATIONS];
    struct section sections[MAX_SECTIONS];
    struct handle handles[MAX_HANDLES];
    int stores[MAX_SECTIONS + 1][FILE_PAGES];
    int file_handles;               /* open handles to the backing file */
    HANDLE closed[CLOSED_KEPT];
    unsigned closed_next;
    uintptr_t freed[CLOSED_KEPT];
    unsigned freed_next;
    char names[MAX_NAMES][64];
    char file_path[256];
    int descriptors;
    unsigned long handles_open;
    int trace;
} model;

static volatile unsigned char foreign_global[8192];

/* ---- the model ----------------------------------------------------------- */

static int is_writecopy(DWORD protect)
{
    return (protect & 0xff) == PAGE_WRITECOPY || (protect & 0xff) == PAGE_EXECUTE_WRITECOPY;
}

static int readable(DWORD protect)
{
    if (protect & PAGE_GUARD)
        return 0;
    switch (protect & 0xff) {
    case PAGE_READONLY: case PAGE_READWRITE: case PAGE_WRITECOPY:
    case PAGE_EXECUTE_READ: case PAGE_EXECUTE_READWRITE: case PAGE_EXECUTE_WRITECOPY:
        return 1;
    }
    return 0;
}

static int writable(DWORD protect)
{
    return !(protect & PAGE_GUARD) && ((protect & 0xff) == PAGE_READWRITE || (protect & 0xff) == PAGE_EXECUTE_READWRITE);
}

/* Windows' rule for private memory: one base protection other than the
 * copy-on-write ones, at most one modifier, none on PAGE_NOACCESS. */
static int valid_private_protect(DWORD protect)
{
    DWORD modifiers = protect & ~(DWORD)0xff;
    switch (protect & 0xff) {
    case PAGE_NOACCESS:
        return !modifiers;
    case PAGE_READONLY: case PAGE_READWRITE: case PAGE_EXECUTE:
    case PAGE_EXECUTE_READ: case PAGE_EXECUTE_READWRITE:
        break;
    default:
        return 0;
    }
    return modifiers == 0 || modifiers == PAGE_GUARD || modifiers == PAGE_NOCACHE || modifiers == PAGE_WRITECOMBINE;
}

static uintptr_t end_of(const struct allocation *allocation)
{
    return allocation->base + allocation->pages * model.page;
}

static struct allocation *allocation_at(uintptr_t address)
{
    for (int i = 0; i < MAX_ALLOCATIONS; i++) {
        struct allocation *allocation = &model.allocations[i];
        if (allocation->live && address >= allocation->base && address < end_of(allocation))
            return allocation;
    }
    return NULL;
}

static struct allocation *free_allocation_slot(void)
{
    for (int i = 0; i < MAX_ALLOCATIONS; i++)
        if (!model.allocations[i].live)
            return &model.allocations[i];
    return NULL;
}

static int *page_contents(struct allocation *allocation, size_t page)
{
    if (!allocation->view)
        return &allocation->fill[page];
    const struct section *section = &model.sections[allocation->section];
    return &model.stores[section->store][allocation->first_page + page];
}

static void forget_allocation(struct allocation *allocation)
{
    model.freed[model.freed_next++ % CLOSED_KEPT] = allocation->base;
    allocation->live = 0;
}

static void section_maybe_dies(int index)
{
    struct section *section = &model.sections[index];
    if (!section->handles)
        section->name = -1;     /* the name goes with the last handle (views or not) */
    if (section->handles || section->views)
        return;
    section->live = 0;
    if (section->store)
        memset(model.stores[section->store], 0, sizeof(model.stores[0]));
}

static void forget_handle(struct handle *handle)
{
    model.closed[model.closed_next++ % CLOSED_KEPT] = handle->value;
    if (handle->kind == SECTION_HANDLE) {
        model.sections[handle->section].handles--;
        section_maybe_dies(handle->section);
    } else if (handle->kind == FILE_HANDLE) {
        model.file_handles--;
    }
    handle->kind = NO_HANDLE;
}

/* Windows ignores a kernel handle's two low bits (ntdef.h's
 * OBJ_HANDLE_TAGBITS, left to programs as tags), so 0x27 names what 0x24
 * names; the library does the same. */
#define HANDLE_TAG_BITS ((uintptr_t)3)

static struct handle *handle_of(HANDLE value)
{
    uintptr_t untagged = (uintptr_t)value & ~HANDLE_TAG_BITS;
    for (int i = 0; i < MAX_HANDLES; i++)
        if (model.handles[i].kind != NO_HANDLE && (uintptr_t)model.handles[i].value == untagged)
            return &model.handles[i];
    return NULL;
}

static struct handle *add_handle(HANDLE value, enum kind kind, int section, unsigned rights)
{
    FUZZ_CHECK(value && !((uintptr_t)value & HANDLE_TAG_BITS), "a new handle is %p", value);
    FUZZ_CHECK(!handle_of(value), "handle %p handed out twice", value);
    for (int i = 0; i < MAX_HANDLES; i++) {
        struct handle *handle = &model.handles[i];
        if (handle->kind == NO_HANDLE) {
            *handle = (struct handle){ value, kind, section, rights };
            if (kind == SECTION_HANDLE)
                model.sections[section].handles++;
            else if (kind == FILE_HANDLE)
                model.file_handles++;
            return handle;
        }
    }
    FUZZ_CHECK(0, "no free handle slot (the caller checks)");
    return NULL;
}

static int handle_slots_free(void)
{
    for (int i = 0; i < MAX_HANDLES; i++)
        if (model.handles[i].kind == NO_HANDLE)
            return 1;
    return 0;
}

/* ---- choosing arguments -------------------------------------------------- */

static const DWORD private_protections[] = {
    PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
    PAGE_READWRITE | PAGE_GUARD, PAGE_READONLY | PAGE_GUARD, PAGE_READWRITE, PAGE_READONLY,
    /* invalid */
    0, PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY, PAGE_READWRITE | PAGE_READONLY, PAGE_NOACCESS | PAGE_GUARD,
    PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE, PAGE_READWRITE | 0x800, 0xffffffff,
    /* caching: only where the model can follow it (see choose_protect) */
    PAGE_READWRITE | PAGE_NOCACHE, PAGE_READWRITE | PAGE_WRITECOMBINE,
};
#define CACHING_CHOICES 2

static DWORD choose_protect(struct input *in, int caching)
{
    unsigned count = sizeof(private_protections) / sizeof(private_protections[0]);
    return private_protections[input_pick(in, caching ? count : count - CACHING_CHOICES)];
}

static struct allocation *choose_allocation(struct input *in)
{
    unsigned start = input_pick(in, MAX_ALLOCATIONS);
    for (unsigned i = 0; i < MAX_ALLOCATIONS; i++) {
        struct allocation *allocation = &model.allocations[(start + i) % MAX_ALLOCATIONS];
        if (allocation->live)
            return allocation;
    }
    return NULL;
}

/* An address: mostly inside what the model knows, sometimes not. */
static uintptr_t choose_address(struct input *in)
{
    struct allocation *allocation = choose_allocation(in);
    unsigned how = input_pick(in, 16);
    size_t modeled = allocation ? (allocation->pages < PAGES_MODELED ? allocation->pages : PAGES_MODELED) : 0;
    if (allocation && how < 9) {
        size_t page = input_pick(in, (unsigned)modeled);
        switch (how) {
        case 0: case 1: case 2: return allocation->base;
        case 3: case 4: case 5: return allocation->base + page * model.page;
        case 6: return allocation->base + page * model.page + 1 + input_pick(in, 255);
        case 7: return allocation->base + page * model.page + model.page - 1;
        default: return end_of(allocation);
        }
    }
    switch (how % 6) {
    case 0: return 0;
    case 1: return model.freed[input_pick(in, CLOSED_KEPT)];
    case 2: return (uintptr_t)&foreign_global[input_pick(in, 2) * 4096];
    case 3: return (uintptr_t)&in->at;
    case 4: return model.highest + 1 - model.page * input_pick(in, 2);
    default: return (uintptr_t)input_u32(in) << 12;
    }
}

static SIZE_T choose_size(struct input *in)
{
    unsigned how = input_pick(in, 16);
    size_t pages = 1 + input_pick(in, PAGES_MODELED);
    switch (how) {
    case 0: return 0;
    case 1: return SIZE_MAX;
    case 2: return SIZE_MAX - model.page + 1;
    case 3: return pages * model.page - 1 - input_pick(in, 200);
    case 4: return 1 + input_pick(in, 255);
    case 5: return (SIZE_T)1 << 47;
    default: return pages * model.page;
    }
}

static HANDLE choose_handle(struct input *in)
{
    unsigned how = input_pick(in, 12);
    if (how < 6) {
        /* Choice 5 sets one of the three tags (see handle_of), taken from
         * the byte's high part so the other choices read inputs as before. */
        unsigned byte = input_byte(in), start = byte % MAX_HANDLES;
        uintptr_t tag = how == 5 ? 1 + byte / MAX_HANDLES % 3 : 0;
        for (unsigned i = 0; i < MAX_HANDLES; i++) {
            const struct handle *handle = &model.handles[(start + i) % MAX_HANDLES];
            if (handle->kind != NO_HANDLE)
                return (HANDLE)((uintptr_t)handle->value | tag);
        }
    }
    switch (how % 6) {
    case 0: return model.closed[input_pick(in, CLOSED_KEPT)];
    case 1: return NULL;
    case 2: return GetCurrentProcess();
    case 3: return GetCurrentThread();
    case 4: return (HANDLE)(uintptr_t)(4 * (1 + input_pick(in, 255)));
    default: return (HANDLE)(uintptr_t)input_u32(in);
    }
}

/* ---- checking against the model ------------------------------------------ */

static void expect_page_contents(struct allocation *allocation, size_t page)
{
    int expected = *page_contents(allocation, page);
    if (expected == UNKNOWN_FILL || !readable(allocation->protect[page]))
        return;
    const volatile unsigned char *bytes = (const unsigned char *)(allocation->base + page * model.page);
    size_t probes[] = { 0, model.page / 2, model.page - 1 };
    for (size_t i = 0; i < 3; i++)
        FUZZ_CHECK(bytes[probes[i]] == expected, "page %zu of %p holds %#x at %zu, expected %#x", page,
                   (void *)allocation->base, bytes[probes[i]], probes[i], expected);
}

static void expect_allocation(struct allocation *allocation)
{
    size_t modeled = allocation->pages < PAGES_MODELED ? allocation->pages : PAGES_MODELED;
    size_t page = 0;
    while (page < allocation->pages) {
        size_t run = 1;
        DWORD state = MEM_RESERVE, protect = 0;
        if (page < modeled) {
            state = allocation->committed[page] ? MEM_COMMIT : MEM_RESERVE;
            protect = allocation->committed[page] ? allocation->protect[page] : 0;
            while (page + run < modeled && allocation->committed[page + run] == allocation->committed[page] &&
                   (!allocation->committed[page] || allocation->protect[page + run] == protect))
                run++;
            if (page + run == modeled && !allocation->committed[page])
                run = allocation->pages - page;
        } else {
            run = allocation->pages - page;
        }
        uintptr_t address = allocation->base + page * model.page;
        MEMORY_BASIC_INFORMATION info;
        SetLastError(0xdead);
        FUZZ_CHECK(VirtualQuery((void *)(address + 17), &info, sizeof(info)) == sizeof(info),
                   "VirtualQuery(%p) failed with %u", (void *)address, (unsigned)GetLastError());
        FUZZ_CHECK((uintptr_t)info.BaseAddress == address, "BaseAddress %p, expected %p", info.BaseAddress,
                   (void *)address);
        FUZZ_CHECK((uintptr_t)info.AllocationBase == allocation->base, "AllocationBase %p, expected %p at %p",
                   info.AllocationBase, (void *)allocation->base, (void *)address);
        FUZZ_CHECK(info.AllocationProtect == allocation->allocation_protect,
                   "AllocationProtect %#x, expected %#x at %p", (unsigned)info.AllocationProtect,
                   (unsigned)allocation->allocation_protect, (void *)address);
        FUZZ_CHECK(info.RegionSize == run * model.page, "RegionSize %#zx, expected %#zx at %p (base %p)",
                   (size_t)info.RegionSize, run * model.page, (void *)address, (void *)allocation->base);
        FUZZ_CHECK(info.State == state, "State %#x, expected %#x at %p", (unsigned)info.State, (unsigned)state,
                   (void *)address);
        FUZZ_CHECK(info.Protect == protect, "Protect %#x, expected %#x at %p", (unsigned)info.Protect,
                   (unsigned)protect, (void *)address);
        FUZZ_CHECK(info.Type == (allocation->view ? MEM_MAPPED : MEM_PRIVATE), "Type %#x at %p",
                   (unsigned)info.Type, (void *)address);
        for (size_t i = page; i < page + run && i < modeled; i++)
            if (allocation->committed[i])
                expect_page_contents(allocation, i);
        page += run;
    }
}

static void expect_model(void)
{
    for (int i = 0; i < MAX_ALLOCATIONS; i++)
        if (model.allocations[i].live)
            expect_allocation(&model.allocations[i]);
    for (size_t i = 0; i < sizeof(foreign_global); i += 4096)
        FUZZ_CHECK(foreign_global[i] == 0x5a, "memory the library does not own changed at %zu", i);
}

/* ---- virtual memory ------------------------------------------------------ */

static void record_allocation(struct allocation *allocation, uintptr_t base, size_t pages, DWORD protect,
                              int commit)
{
    *allocation = (struct allocation){ .live = 1, .base = base, .pages = pages, .allocation_protect = protect };
    for (size_t i = 0; i < PAGES_MODELED; i++) {
        allocation->committed[i] = commit && i < pages;
        allocation->protect[i] = protect;
    }
}

static void op_allocate(struct input *in, int at_address)
{
    struct allocation *slot = free_allocation_slot();
    if (!slot)
        return;
    static const DWORD types[] = {
        MEM_RESERVE, MEM_RESERVE | MEM_COMMIT, MEM_COMMIT, MEM_RESERVE | MEM_TOP_DOWN,
        MEM_RESERVE | MEM_WRITE_WATCH, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
        0, MEM_RESERVE | 0x1, MEM_DECOMMIT, MEM_RESERVE | MEM_RESET,
    };
    DWORD type = types[input_pick(in, sizeof(types) / sizeof(types[0]))];
    DWORD protect = choose_protect(in, 1);
    uintptr_t address = at_address ? choose_address(in) : 0;
    SIZE_T size = choose_size(in);
    int big = size == (SIZE_T)1 << 47;
    if (big) {
        size = (SIZE_T)1 << 32;     /* reserve only: nothing to commit */
        type = MEM_RESERVE;
    }

    DWORD valid_types = MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN | MEM_WRITE_WATCH;
    int bad_type = !(type & (MEM_COMMIT | MEM_RESERVE)) || (type & ~valid_types) || (type & MEM_RESET);
    uintptr_t span_highest = model.highest - 0x10000 + 1;
    int bad_range = address ? (address < 0x10000 || address + size < address || address + size - 1 > model.highest)
                            : size > span_highest;
    int invalid = !size || bad_type || bad_range || !valid_private_protect(protect);
    /* MEM_COMMIT alone at an address commits into a reservation: when one
     * is there, that is op_commit's business. */
    int commit_into = address && !(type & MEM_RESERVE);
    if (!invalid && commit_into) {
        struct allocation *inside = allocation_at(address & ~(model.page - 1));
        uintptr_t end = (address + size + model.page - 1) & ~(model.page - 1);
        if (inside && end <= end_of(inside))
            return;
    }

    /* A committed reservation at an address, with the rounding down to
     * 64 KiB, may reach past the modeled pages. */
    if (!invalid && address && (type & MEM_COMMIT)) {
        uintptr_t base = address & ~(uintptr_t)(GRANULE - 1);
        uintptr_t end = (address + size + model.page - 1) & ~(model.page - 1);
        if ((end - base) / model.page > PAGES_MODELED)
            return;
    }

    SetLastError(0xdead);
    int marker = 0;
    void *result = VirtualAlloc((void *)address, size, type, protect);
    if (invalid) {
        FUZZ_CHECK(!result, "VirtualAlloc(%p, %#zx, %#x, %#x) succeeded", (void *)address, (size_t)size,
                   (unsigned)type, (unsigned)protect);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "VirtualAlloc");
        return;
    }
    if (commit_into) {
        FUZZ_CHECK(!result, "commit outside any reservation succeeded at %p", (void *)address);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_ADDRESS, "VirtualAlloc(MEM_COMMIT) outside");
        return;
    }
    if (address) {
        uintptr_t base = address & ~(uintptr_t)(GRANULE - 1);
        uintptr_t end = (address + size + model.page - 1) & ~(model.page - 1);
        int overlaps = 0;
        for (int i = 0; i < MAX_ALLOCATIONS; i++) {
            const struct allocation *other = &model.allocations[i];
            if (other->live && base < end_of(other) && other->base < end)
                overlaps = 1;
        }
        int foreign = base <= (uintptr_t)foreign_global + sizeof(foreign_global) &&
                      (uintptr_t)foreign_global < end;
        if (overlaps || foreign) {
            FUZZ_CHECK(!result, "VirtualAlloc reserved over memory in use at %p", (void *)address);
            FUZZ_EXPECT_ERROR(ERROR_INVALID_ADDRESS, "VirtualAlloc over memory in use");
            return;
        }
        if (!result) {
            /* Something else (the sanitizer, the C library) may live there. */
            FUZZ_CHECK(GetLastError() == ERROR_INVALID_ADDRESS || GetLastError() == ERROR_NOT_ENOUGH_MEMORY,
                       "VirtualAlloc at %p: error %u", (void *)address, (unsigned)GetLastError());
            return;
        }
        FUZZ_CHECK((uintptr_t)result == base, "VirtualAlloc(%p) returned %p", (void *)address, result);
        FUZZ_CHECK((uintptr_t)&marker < base || (uintptr_t)&marker >= end, "VirtualAlloc reserved the stack");
        record_allocation(slot, base, (end - base) / model.page, protect, (type & MEM_COMMIT) != 0);
        return;
    }
    if (!result) {
        FUZZ_CHECK(GetLastError() == ERROR_NOT_ENOUGH_MEMORY || GetLastError() == ERROR_COMMITMENT_LIMIT,
                   "VirtualAlloc(NULL, %#zx) failed with %u", (size_t)size, (unsigned)GetLastError());
        return;
    }
    FUZZ_CHECK((uintptr_t)result % GRANULE == 0, "allocation %p is not 64 KiB aligned", result);
    FUZZ_CHECK(!allocation_at((uintptr_t)result), "VirtualAlloc returned %p, which is in use", result);
    record_allocation(slot, (uintptr_t)result, (size + model.page - 1) / model.page, protect, (type & MEM_COMMIT) != 0);
}

/* The page range [first, first+count) of allocation that [address, +size)
 * touches; 0 when it leaves the modeled pages (the call is skipped). */
static int modeled_range(const struct allocation *allocation, uintptr_t start, uintptr_t end, size_t *first,
                         size_t *count)
{
    *first = (start - allocation->base) / model.page;
    *count = (end - start) / model.page;
    return *first + *count <= PAGES_MODELED;
}

static void op_commit(struct input *in)
{
    uintptr_t address = choose_address(in);
    SIZE_T size = choose_size(in);
    DWORD protect = choose_protect(in, 0);
    if (!address)
        return;     /* that would be a new allocation: op_allocate's */
    uintptr_t start = address & ~(model.page - 1);
    uintptr_t end = (address + size + model.page - 1) & ~(model.page - 1);
    struct allocation *allocation = allocation_at(start);
    int bad_range = address < 0x10000 || address + size < address || address + size - 1 > model.highest;
    int fits = allocation && end > start && end <= end_of(allocation);
    size_t first = 0, count = 0;
    int valid = size && !bad_range && valid_private_protect(protect);
    if (valid && fits && (allocation->view || !modeled_range(allocation, start, end, &first, &count)))
        return;

    SetLastError(0xdead);
    void *result = VirtualAlloc((void *)address, size, MEM_COMMIT, protect);
    if (!valid) {
        FUZZ_CHECK(!result, "commit (%p, %#zx, %#x) succeeded", (void *)address, (size_t)size, (unsigned)protect);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "VirtualAlloc(MEM_COMMIT)");
        return;
    }
    if (!fits) {
        FUZZ_CHECK(!result, "commit outside a reservation (%p, %#zx) succeeded", (void *)address, (size_t)size);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_ADDRESS, "VirtualAlloc(MEM_COMMIT) outside");
        return;
    }
    FUZZ_CHECK((uintptr_t)result == start, "commit at %p returned %p, expected %p (error %u)", (void *)address,
               result, (void *)start, (unsigned)GetLastError());
    /* Caching attributes belong to the allocation (facts 13, 14). */
    DWORD caching = PAGE_NOCACHE | PAGE_WRITECOMBINE;
    for (size_t i = first; i < first + count; i++) {
        if (!allocation->committed[i])
            allocation->fill[i] = 0;
        allocation->committed[i] = 1;
        allocation->protect[i] = (protect & ~caching) | (allocation->allocation_protect & caching);
    }
}

static void op_free(struct input *in, DWORD type)
{
    uintptr_t address = choose_address(in);
    SIZE_T size = input_pick(in, 3) ? 0 : choose_size(in);
    SetLastError(0xdead);
    BOOL done = VirtualFree((void *)address, size, type);
    uintptr_t start = address & ~(model.page - 1);
    struct allocation *allocation = allocation_at(start);
    DWORD expected = 0;
    if (type == MEM_RELEASE && size)
        expected = ERROR_INVALID_PARAMETER;
    else if (!address || address + size < address)
        expected = ERROR_INVALID_PARAMETER;
    else if (!allocation)
        expected = ERROR_INVALID_ADDRESS;
    else if (allocation->view)
        expected = ERROR_INVALID_PARAMETER;
    else if (!size && start != allocation->base)
        expected = ERROR_INVALID_ADDRESS;
    else if (type == MEM_DECOMMIT && size && ((address + size + model.page - 1) & ~(model.page - 1)) > end_of(allocation))
        expected = ERROR_INVALID_PARAMETER;
    if (expected) {
        FUZZ_CHECK(!done, "VirtualFree(%p, %#zx, %#x) succeeded", (void *)address, (size_t)size, (unsigned)type);
        FUZZ_EXPECT_ERROR(expected, "VirtualFree");
        return;
    }
    FUZZ_CHECK(done, "VirtualFree(%p, %#zx, %#x) failed with %u", (void *)address, (size_t)size, (unsigned)type,
               (unsigned)GetLastError());
    if (type == MEM_RELEASE) {
        forget_allocation(allocation);
        return;
    }
    uintptr_t end = size ? (address + size + model.page - 1) & ~(model.page - 1) : end_of(allocation);
    for (uintptr_t at = start; at < end && (at - allocation->base) / model.page < PAGES_MODELED; at += model.page)
        allocation->committed[(at - allocation->base) / model.page] = 0;
}

static void op_protect(struct input *in)
{
    uintptr_t address = choose_address(in);
    SIZE_T size = input_pick(in, 4) ? choose_size(in) : 0;
    DWORD protect = input_pick(in, 6) ? choose_protect(in, 1) : (input_pick(in, 2) ? PAGE_WRITECOPY : PAGE_EXECUTE_WRITECOPY);
    int null_old = input_pick(in, 16) == 0;
    DWORD old = 0xdead;
    uintptr_t start = address & ~(model.page - 1);
    uintptr_t end = (address + size + model.page - 1) & ~(model.page - 1);
    /* Size 0 at a page boundary covers no page: the call only reports the
     * page's protection (Wine). */
    int empty = end == start;
    if (end <= start)
        end = start + model.page;
    struct allocation *allocation = allocation_at(start);
    size_t first = 0, count = 0;
    int in_model = allocation && end <= end_of(allocation) && modeled_range(allocation, start, end, &first, &count);
    if (allocation && end <= end_of(allocation) && !in_model)
        return;
    /* Copy-on-write protections on a view decide per page whether it is
     * still the section's, which the model does not follow. */
    if (allocation && allocation->view && is_writecopy(protect))
        return;

    SetLastError(0xdead);
    BOOL done = VirtualProtect((void *)address, size, protect, null_old ? NULL : &old);
    if (model.trace)
        fprintf(stderr, "  VirtualProtect(%p, %#zx, %#x) = %d, error %u\n", (void *)address, (size_t)size,
                (unsigned)protect, done, (unsigned)GetLastError());
    int private_ok = valid_private_protect(protect);
    DWORD expected = 0;
    if (null_old)
        expected = ERROR_NOACCESS;
    else if (!(private_ok || is_writecopy(protect)) || address + size < address)
        expected = ERROR_INVALID_PARAMETER;
    else if (!in_model)
        expected = ERROR_INVALID_ADDRESS;
    else {
        for (size_t i = first; i < first + count; i++)
            if (!allocation->committed[i])
                expected = ERROR_INVALID_ADDRESS;
        if (!expected && !allocation->view && !private_ok && !empty)
            expected = ERROR_INVALID_PARAMETER;
    }
    if (expected) {
        FUZZ_CHECK(!done, "VirtualProtect(%p, %#zx, %#x) succeeded", (void *)address, (size_t)size, (unsigned)protect);
        FUZZ_EXPECT_ERROR(expected, "VirtualProtect");
        return;
    }
    if (empty) {
        FUZZ_CHECK(done && old == allocation->protect[first], "VirtualProtect(%p, 0) = %d, old %#x, expected %#x",
                   (void *)address, done, (unsigned)old, (unsigned)allocation->protect[first]);
        return;
    }
    if (allocation->view && !done) {
        /* What a view may become depends on its section and access. */
        FUZZ_CHECK(GetLastError() == ERROR_INVALID_PARAMETER || GetLastError() == ERROR_ACCESS_DENIED,
                   "VirtualProtect on a view: error %u", (unsigned)GetLastError());
        return;
    }
    FUZZ_CHECK(done, "VirtualProtect(%p, %#zx, %#x) failed with %u", (void *)address, (size_t)size,
               (unsigned)protect, (unsigned)GetLastError());
    FUZZ_CHECK(old == allocation->protect[first], "old protection %#x, expected %#x", (unsigned)old,
               (unsigned)allocation->protect[first]);
    DWORD caching = PAGE_NOCACHE | PAGE_WRITECOMBINE;
    DWORD effective = allocation->view ? protect : (protect & ~caching) | (allocation->allocation_protect & caching);
    for (size_t i = first; i < first + count; i++)
        allocation->protect[i] = effective;
}

static void op_write(struct input *in)
{
    struct allocation *allocation = choose_allocation(in);
    if (!allocation)
        return;
    size_t modeled = allocation->pages < PAGES_MODELED ? allocation->pages : PAGES_MODELED;
    size_t page = input_pick(in, (unsigned)modeled);
    int value = 1 + (int)input_pick(in, 255);
    if (!allocation->committed[page] || !writable(allocation->protect[page]) || allocation->copy)
        return;
    if (model.trace)
        fprintf(stderr, "  write %#x to %p\n", (unsigned)value, (void *)(allocation->base + page * model.page));
    memset((void *)(allocation->base + page * model.page), value, model.page);
    *page_contents(allocation, page) = value;
}

static void op_reset(struct input *in)
{
    uintptr_t address = choose_address(in);
    SIZE_T size = 1 + input_pick(in, 4) * model.page;
    int undo = input_pick(in, 4) == 0;
    uintptr_t start = address & ~(model.page - 1);
    uintptr_t end = (address + size + model.page - 1) & ~(model.page - 1);
    struct allocation *allocation = allocation_at(start);
    size_t first = 0, count = 0;
    if (!address || !allocation || allocation->view || end > end_of(allocation) ||
        !modeled_range(allocation, start, end, &first, &count))
        return;
    int all_committed = 1;
    for (size_t i = first; i < first + count; i++)
        all_committed &= allocation->committed[i];
    SetLastError(0xdead);
    void *result = VirtualAlloc((void *)address, size, undo ? MEM_RESET_UNDO : MEM_RESET, PAGE_NOACCESS);
    /* Whether reset data survives for MEM_RESET_UNDO is the kernel's
     * choice, and so is resetting reserved pages: either answer is one
     * Windows gives. */
    if (undo || !all_committed)
        FUZZ_CHECK(result == (void *)start || (!result && GetLastError() == ERROR_INVALID_ADDRESS),
                   "MEM_RESET%s(%p): %p, error %u", undo ? "_UNDO" : "", (void *)address, result,
                   (unsigned)GetLastError());
    else
        FUZZ_CHECK(result == (void *)start, "MEM_RESET(%p) returned %p, error %u", (void *)address, result,
                   (unsigned)GetLastError());
    if (undo || !result)
        return;
    for (size_t i = first; i < first + count; i++)
        if (allocation->committed[i])
            allocation->fill[i] = UNKNOWN_FILL;
}

static void op_query_anywhere(struct input *in)
{
    uintptr_t address = choose_address(in);
    unsigned how = input_pick(in, 4);
    MEMORY_BASIC_INFORMATION info;
    SetLastError(0xdead);
    SIZE_T length = how == 0 ? sizeof(info) - 1 : sizeof(info);
    SIZE_T got = VirtualQuery((void *)address, how == 1 ? NULL : &info, length);
    if (how == 0) {
        FUZZ_CHECK(!got, "VirtualQuery with a short buffer returned %zu", (size_t)got);
        FUZZ_EXPECT_ERROR(ERROR_BAD_LENGTH, "VirtualQuery short");
    } else if (address > model.highest) {
        FUZZ_CHECK(!got, "VirtualQuery(%p) above user space returned %zu", (void *)address, (size_t)got);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "VirtualQuery high");
    } else if (how == 1) {
        FUZZ_CHECK(!got, "VirtualQuery(NULL buffer) returned %zu", (size_t)got);
        FUZZ_EXPECT_ERROR(ERROR_NOACCESS, "VirtualQuery NULL buffer");
    } else {
        FUZZ_CHECK(got == sizeof(info), "VirtualQuery(%p) failed with %u", (void *)address, (unsigned)GetLastError());
        uintptr_t page = address & ~(model.page - 1);
        FUZZ_CHECK((uintptr_t)info.BaseAddress == page, "BaseAddress %p for %p", info.BaseAddress, (void *)address);
        FUZZ_CHECK(info.RegionSize > 0 && info.RegionSize % model.page == 0, "RegionSize %#zx",
                   (size_t)info.RegionSize);
        if (info.State == MEM_FREE)
            FUZZ_CHECK(!allocation_at(address), "%p is ours, but VirtualQuery says free", (void *)address);
    }
}

/* ---- sections, views and handles ----------------------------------------- */

static int live_section_named(int name)
{
    for (int i = 0; i < MAX_SECTIONS; i++)
        if (model.sections[i].live && model.sections[i].name == name)
            return i;
    return -1;
}

static int free_section_slot(void)
{
    for (int i = 0; i < MAX_SECTIONS; i++)
        if (!model.sections[i].live)
            return i;
    return -1;
}

static unsigned section_rights(DWORD protect)
{
    switch (protect & 0xff) {
    case PAGE_READWRITE: case PAGE_EXECUTE_READWRITE: return RIGHT_READ | RIGHT_WRITE;
    default: return RIGHT_READ;
    }
}

static void op_create_mapping(struct input *in, int on_file)
{
    static const DWORD protections[] = {
        PAGE_READWRITE, PAGE_READONLY, PAGE_WRITECOPY, PAGE_READWRITE | SEC_COMMIT, PAGE_READWRITE,
        PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY,
        /* invalid */
        PAGE_NOACCESS, PAGE_EXECUTE, 0, PAGE_READWRITE | PAGE_GUARD, PAGE_READWRITE | SEC_RESERVE | SEC_COMMIT,
        PAGE_READWRITE | SEC_NOCACHE, PAGE_READWRITE | SEC_FILE,
    };
    DWORD protect = protections[input_pick(in, sizeof(protections) / sizeof(protections[0]))];
    int valid_protect = (protect & 0xff) != PAGE_NOACCESS && (protect & 0xff) != PAGE_EXECUTE &&
                        (protect & 0xff) && !(protect & (PAGE_GUARD | SEC_RESERVE | SEC_NOCACHE | SEC_FILE));
    int exec = (protect & 0xf0) != 0;
    int name = (int)input_pick(in, MAX_NAMES + 2) - 2;     /* -2, -1: anonymous */
    if (name < 0)
        name = -1;
    int local_prefix = input_pick(in, 2);
    unsigned how = input_pick(in, 8);
    uint64_t size = (uint64_t)(1 + input_pick(in, on_file ? FILE_PAGES : PAGES_MODELED)) * model.page;
    if (how == 0)
        size = 0;
    else if (how == 1)
        size -= 1 + input_pick(in, 200);
    else if (how == 2 && !on_file)
        size = 0xfffffffffffff000ull + input_pick(in, 4) * 0x400;
    HANDLE file = INVALID_HANDLE_VALUE;
    int file_ok = 1;
    unsigned file_rights = 0;
    if (on_file) {
        file = choose_handle(in);
        const struct handle *known = handle_of(file);
        file_ok = known && known->kind == FILE_HANDLE;
        file_rights = known ? known->rights : 0;
        if (!file_ok && (file == INVALID_HANDLE_VALUE || file == GetCurrentProcess()))
            return;     /* that is a paging-file mapping */
    }
    int slot = free_section_slot();
    if (slot < 0 || !handle_slots_free())
        return;

    char name_buffer[80];
    if (name >= 0)
        snprintf(name_buffer, sizeof(name_buffer), "%s%s", local_prefix ? "Local\\" : "", model.names[name]);
    SetLastError(0xdead);
    HANDLE handle = CreateFileMappingA(file, NULL, protect, (DWORD)(size >> 32), (DWORD)size,
                                       name >= 0 ? name_buffer : NULL);
    int existing = name >= 0 ? live_section_named(name) : -1;
    DWORD expected = 0;
    if (!valid_protect)
        expected = ERROR_INVALID_PARAMETER;
    else if (on_file && !file_ok)
        expected = ERROR_INVALID_HANDLE;
    else if (on_file && (section_rights(protect) & ~file_rights & RIGHT_WRITE || !(file_rights & RIGHT_READ)))
        expected = ERROR_ACCESS_DENIED;
    else if (!on_file && !size)
        expected = ERROR_INVALID_PARAMETER;
    else if (!on_file && size > 0xffff000000000000ull)
        expected = ERROR_NOT_ENOUGH_MEMORY;
    if (expected) {
        FUZZ_CHECK(!handle, "CreateFileMapping(%#x, %#llx) succeeded", (unsigned)protect, (unsigned long long)size);
        FUZZ_EXPECT_ERROR(expected, "CreateFileMapping");
        return;
    }
    if (on_file && exec && !handle) {
        /* The file was opened without GENERIC_EXECUTE. */
        FUZZ_EXPECT_ERROR(ERROR_ACCESS_DENIED, "CreateFileMapping(executable, file)");
        return;
    }
    FUZZ_CHECK(handle, "CreateFileMapping(%#x, %#llx, %s) failed with %u", (unsigned)protect,
               (unsigned long long)size, name >= 0 ? name_buffer : "(anonymous)", (unsigned)GetLastError());
    if (existing >= 0) {
        FUZZ_EXPECT_ERROR(ERROR_ALREADY_EXISTS, "CreateFileMapping of an existing name");
        add_handle(handle, SECTION_HANDLE, existing, RIGHT_READ | RIGHT_WRITE);
        return;
    }
    FUZZ_EXPECT_ERROR(ERROR_SUCCESS, "CreateFileMapping of a new object");
    struct section *section = &model.sections[slot];
    *section = (struct section){
        .live = 1, .protect = protect & 0xff, .name = name, .store = on_file ? 0 : slot + 1,
        .size = on_file ? (size ? size : (uint64_t)FILE_PAGES * model.page)
                        : (size + model.page - 1) & ~(uint64_t)(model.page - 1),
    };
    if (section->store)
        memset(model.stores[section->store], 0, sizeof(model.stores[0]));
    add_handle(handle, SECTION_HANDLE, slot, RIGHT_READ | RIGHT_WRITE);
}

static void op_open_mapping(struct input *in)
{
    static const struct { DWORD access; unsigned rights; } accesses[] = {
        { FILE_MAP_READ, RIGHT_READ }, { FILE_MAP_WRITE, RIGHT_WRITE },
        { FILE_MAP_ALL_ACCESS, RIGHT_READ | RIGHT_WRITE }, { FILE_MAP_COPY, RIGHT_READ },
        { FILE_MAP_READ | FILE_MAP_WRITE, RIGHT_READ | RIGHT_WRITE },
    };
    unsigned choice = input_pick(in, sizeof(accesses) / sizeof(accesses[0]));
    int name = (int)input_pick(in, MAX_NAMES);
    if (!handle_slots_free())
        return;
    SetLastError(0xdead);
    HANDLE handle = OpenFileMappingA(accesses[choice].access, FALSE, model.names[name]);
    int existing = live_section_named(name);
    if (existing < 0) {
        FUZZ_CHECK(!handle, "OpenFileMapping(%s) found a dead object", model.names[name]);
        FUZZ_EXPECT_ERROR(ERROR_FILE_NOT_FOUND, "OpenFileMapping");
        return;
    }
    FUZZ_CHECK(handle, "OpenFileMapping(%s) failed with %u", model.names[name], (unsigned)GetLastError());
    add_handle(handle, SECTION_HANDLE, existing, accesses[choice].rights);
}

static void op_map_view(struct input *in)
{
    static const DWORD accesses[] = {
        FILE_MAP_READ, FILE_MAP_WRITE, FILE_MAP_ALL_ACCESS, FILE_MAP_COPY, FILE_MAP_READ | FILE_MAP_WRITE, 0,
        FILE_MAP_READ | FILE_MAP_COPY,
    };
    HANDLE value = choose_handle(in);
    DWORD access = accesses[input_pick(in, sizeof(accesses) / sizeof(accesses[0]))];
    unsigned how = input_pick(in, 8);
    uint64_t offset = (uint64_t)input_pick(in, 4) * GRANULE;
    if (how == 0)
        offset += 1 + input_pick(in, 3) * model.page;
    SIZE_T size = input_pick(in, 2) ? 0 : choose_size(in);
    const struct handle *handle = handle_of(value);
    struct allocation *slot = free_allocation_slot();
    if (!slot)
        return;

    SetLastError(0xdead);
    void *view = MapViewOfFile(value, access, (DWORD)(offset >> 32), (DWORD)offset, size);
    if (!handle || handle->kind != SECTION_HANDLE) {
        FUZZ_CHECK(!view, "MapViewOfFile(%p) on no mapping succeeded", value);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "MapViewOfFile");
        return;
    }
    struct section *section = &model.sections[handle->section];
    DWORD view_protect = access == FILE_MAP_COPY ? PAGE_WRITECOPY
                       : (access & FILE_MAP_WRITE) ? PAGE_READWRITE
                       : (access & FILE_MAP_READ) ? PAGE_READONLY : PAGE_NOACCESS;
    unsigned needed = view_protect == PAGE_READWRITE ? RIGHT_WRITE : RIGHT_READ;
    unsigned view_rights = view_protect == PAGE_READWRITE ? RIGHT_READ | RIGHT_WRITE
                         : view_protect == PAGE_NOACCESS ? 0 : RIGHT_READ;
    DWORD expected = 0;
    if ((handle->rights & needed) != needed)
        expected = ERROR_ACCESS_DENIED;
    else if (view_rights & ~section_rights(section->protect))
        expected = ERROR_ACCESS_DENIED;
    else if (offset % GRANULE)
        expected = ERROR_MAPPED_ALIGNMENT;
    else if (offset >= section->size)
        expected = ERROR_INVALID_PARAMETER;
    else if (size > section->size - offset)
        expected = ERROR_ACCESS_DENIED;
    if (expected) {
        FUZZ_CHECK(!view, "MapViewOfFile(%#x, offset %#llx, %#zx) of a %#llx-byte %#x section succeeded",
                   (unsigned)access, (unsigned long long)offset, (size_t)size, (unsigned long long)section->size,
                   (unsigned)section->protect);
        FUZZ_EXPECT_ERROR(expected, "MapViewOfFile");
        return;
    }
    FUZZ_CHECK(view, "MapViewOfFile(%#x, offset %#llx, %#zx) of a %#llx-byte %#x section failed with %u",
               (unsigned)access, (unsigned long long)offset, (size_t)size, (unsigned long long)section->size,
               (unsigned)section->protect, (unsigned)GetLastError());
    FUZZ_CHECK((uintptr_t)view % GRANULE == 0, "view %p is not 64 KiB aligned", view);
    FUZZ_CHECK(!allocation_at((uintptr_t)view), "view %p overlaps memory in use", view);
    uint64_t bytes = size ? size : section->size - offset;
    record_allocation(slot, (uintptr_t)view, (bytes + model.page - 1) / model.page, view_protect, 1);
    slot->view = 1;
    slot->section = handle->section;
    slot->copy = view_protect == PAGE_WRITECOPY;
    slot->first_page = offset / model.page;
    section->views++;
}

static void op_unmap(struct input *in)
{
    uintptr_t address = choose_address(in);
    SetLastError(0xdead);
    BOOL done = UnmapViewOfFile((void *)address);
    struct allocation *allocation = allocation_at(address);
    if (!allocation || !allocation->view) {
        FUZZ_CHECK(!done, "UnmapViewOfFile(%p) of no view succeeded", (void *)address);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_ADDRESS, "UnmapViewOfFile");
        return;
    }
    FUZZ_CHECK(done, "UnmapViewOfFile(%p) failed with %u", (void *)address, (unsigned)GetLastError());
    int section = allocation->section;
    forget_allocation(allocation);
    model.sections[section].views--;
    section_maybe_dies(section);
}

static void op_close(struct input *in)
{
    HANDLE value = choose_handle(in);
    struct handle *handle = handle_of(value);
    SetLastError(0xdead);
    BOOL done = CloseHandle(value);
    if (value == GetCurrentProcess() || value == GetCurrentThread()) {
        FUZZ_CHECK(done, "CloseHandle(pseudo handle %p) failed", value);
        return;
    }
    if (!handle) {
        FUZZ_CHECK(!done, "CloseHandle(%p) of no handle succeeded", value);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "CloseHandle");
        return;
    }
    FUZZ_CHECK(done, "CloseHandle(%p) failed with %u", value, (unsigned)GetLastError());
    forget_handle(handle);
}

static void op_duplicate(struct input *in)
{
    HANDLE source = choose_handle(in);
    unsigned how = input_pick(in, 8);
    HANDLE process = how == 7 ? (HANDLE)(uintptr_t)0x1234 : GetCurrentProcess();
    DWORD options = how < 3 ? DUPLICATE_SAME_ACCESS : how < 5 ? DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE : 0;
    DWORD access = how == 5 ? FILE_MAP_READ : how == 6 ? FILE_MAP_ALL_ACCESS : 0;
    struct handle *handle = handle_of(source);
    if (!handle_slots_free())
        return;
    HANDLE target = NULL;
    SetLastError(0xdead);
    BOOL done = DuplicateHandle(process, source, GetCurrentProcess(), &target, access, FALSE, options);
    int pseudo_process = source == GetCurrentProcess();
    if (how == 7 || (!handle && !pseudo_process && source != GetCurrentThread())) {
        FUZZ_CHECK(!done, "DuplicateHandle(%p, %p) succeeded", process, source);
        FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "DuplicateHandle");
        return;
    }
    if (source == GetCurrentThread()) {
        /* A real thread handle: nothing here uses it. */
        if (done)
            CloseHandle(target);
        return;
    }
    FUZZ_CHECK(done, "DuplicateHandle(%p) failed with %u", source, (unsigned)GetLastError());
    if (pseudo_process) {
        add_handle(target, PROCESS_HANDLE, -1, 0);
        return;
    }
    enum kind kind = handle->kind;
    int section = handle->section;
    /* Explicit access is granted from the object, not the source handle;
     * for a file, FILE_MAP_READ's bit is FILE_APPEND_DATA alone. */
    unsigned rights = options & DUPLICATE_SAME_ACCESS ? handle->rights
                    : access == FILE_MAP_READ ? (kind == FILE_HANDLE ? 0 : RIGHT_READ) : RIGHT_READ | RIGHT_WRITE;
    /* The duplicate holds the object before the source lets it go. */
    if (kind == SECTION_HANDLE)
        model.sections[section].handles++;
    if (options & DUPLICATE_CLOSE_SOURCE)
        forget_handle(handle);
    add_handle(target, kind, section, rights);
    if (kind == SECTION_HANDLE)
        model.sections[section].handles--;
}

static void op_bad_calls(struct input *in)
{
    void *address = (void *)choose_address(in);
    SetLastError(0xdead);
    switch (input_pick(in, 4)) {
    case 0:
        FUZZ_CHECK(!VirtualFree(address, 0, MEM_DECOMMIT | MEM_RELEASE), "VirtualFree(both) succeeded");
        FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "VirtualFree(both)");
        break;
    case 1:
        FUZZ_CHECK(!VirtualFree(address, 0, 0), "VirtualFree(0) succeeded");
        FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "VirtualFree(0)");
        break;
    case 2:
        FUZZ_CHECK(!OpenFileMappingA(FILE_MAP_READ, FALSE, NULL), "OpenFileMapping(NULL) succeeded");
        FUZZ_EXPECT_ERROR(ERROR_INVALID_PARAMETER, "OpenFileMapping(NULL)");
        break;
    default: {
        DWORD old;
        FUZZ_CHECK(!VirtualProtectEx((HANDLE)(uintptr_t)0x1234, address, 1, PAGE_READWRITE, &old),
                   "VirtualProtectEx(bogus process) succeeded");
        FUZZ_EXPECT_ERROR(ERROR_INVALID_HANDLE, "VirtualProtectEx(bogus process)");
        break;
    }
    }
}

/* ---- one input ------------------------------------------------------------ */

/* W32MEM_FUZZ_TRACE=1 shows what the model believes before each call. */
static void trace_model(unsigned op)
{
    fprintf(stderr, "op %u:", op);
    for (int i = 0; i < MAX_ALLOCATIONS; i++)
        if (model.allocations[i].live)
            fprintf(stderr, " [%s %p+%zu pages, section %d at page %zu%s]",
                    model.allocations[i].view ? "view" : "private", (void *)model.allocations[i].base,
                    model.allocations[i].pages, model.allocations[i].section, model.allocations[i].first_page,
                    model.allocations[i].copy ? ", copy" : "");
    for (int i = 0; i < MAX_SECTIONS; i++)
        if (model.sections[i].live)
            fprintf(stderr, " {section %d: name %d, %d handles, %d views}", i, model.sections[i].name,
                    model.sections[i].handles, model.sections[i].views);
    for (int i = 0; i < MAX_HANDLES; i++)
        if (model.handles[i].kind != NO_HANDLE)
            fprintf(stderr, " <%p: kind %d, section %d>", model.handles[i].value, model.handles[i].kind,
                    model.handles[i].section);
    fputc('\n', stderr);
}


static void open_file(void)
{
    HANDLE file = CreateFileA(model.file_path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    FUZZ_CHECK(file != INVALID_HANDLE_VALUE, "CreateFile(%s) failed with %u", model.file_path,
               (unsigned)GetLastError());
    FUZZ_CHECK(SetFilePointer(file, (LONG)(FILE_PAGES * model.page), NULL, FILE_BEGIN) != INVALID_SET_FILE_POINTER &&
               SetEndOfFile(file), "sizing the file failed with %u", (unsigned)GetLastError());
    add_handle(file, FILE_HANDLE, -1, RIGHT_READ | RIGHT_WRITE);
    memset(model.stores[0], 0, sizeof(model.stores[0]));
}

static void clean_up(void)
{
    for (int i = 0; i < MAX_ALLOCATIONS; i++) {
        struct allocation *allocation = &model.allocations[i];
        if (!allocation->live)
            continue;
        if (allocation->view) {
            FUZZ_CHECK(UnmapViewOfFile((void *)allocation->base), "unmapping %p failed with %u",
                       (void *)allocation->base, (unsigned)GetLastError());
            model.sections[allocation->section].views--;
            section_maybe_dies(allocation->section);
        } else {
            FUZZ_CHECK(VirtualFree((void *)allocation->base, 0, MEM_RELEASE), "releasing %p failed with %u",
                       (void *)allocation->base, (unsigned)GetLastError());
        }
        allocation->live = 0;
    }
    for (int i = 0; i < MAX_HANDLES; i++) {
        struct handle *handle = &model.handles[i];
        if (handle->kind == NO_HANDLE)
            continue;
        FUZZ_CHECK(CloseHandle(handle->value), "closing %p failed with %u", handle->value, (unsigned)GetLastError());
        forget_handle(handle);
    }
    for (int i = 0; i < MAX_SECTIONS; i++)
        FUZZ_CHECK(!model.sections[i].live, "section %d outlived its handles and views", i);
    for (int name = 0; name < MAX_NAMES; name++) {
        SetLastError(0xdead);
        FUZZ_CHECK(!OpenFileMappingA(FILE_MAP_READ, FALSE, model.names[name]), "%s outlived its holders",
                   model.names[name]);
        FUZZ_EXPECT_ERROR(ERROR_FILE_NOT_FOUND, "OpenFileMapping after clean-up");
    }
    DeleteFileA(model.file_path);
    FUZZ_CHECK(handle_count() == model.handles_open, "%lu handles open, %lu before", handle_count(),
               model.handles_open);
    int descriptors = library_descriptors();
    FUZZ_CHECK(descriptors == model.descriptors, "%d descriptors open, %d before", descriptors, model.descriptors);
}

static void run(const uint8_t *data, size_t size)
{
    struct input in = { data, size, 0 };
    open_file();
    while (input_left(&in)) {
        unsigned op = input_pick(&in, 20);
        if (model.trace)
            trace_model(op);
        switch (op) {
        case 0: case 1: op_allocate(&in, 0); break;
        case 2: op_allocate(&in, 1); break;
        case 3: case 4: op_commit(&in); break;
        case 5: op_free(&in, MEM_DECOMMIT); break;
        case 6: op_free(&in, MEM_RELEASE); break;
        case 7: case 8: op_protect(&in); break;
        case 9: case 10: op_write(&in); break;
        case 11: op_reset(&in); break;
        case 12: op_query_anywhere(&in); break;
        case 13: op_create_mapping(&in, 0); break;
        case 14: op_create_mapping(&in, 1); break;
        case 15: op_open_mapping(&in); break;
        case 16: op_map_view(&in); break;
        case 17: op_unmap(&in); break;
        case 18: input_pick(&in, 2) ? op_close(&in) : op_duplicate(&in); break;
        default: op_bad_calls(&in); break;
        }
        expect_model();
    }
    clean_up();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    model.page = info.dwPageSize;
    model.highest = (uintptr_t)info.lpMaximumApplicationAddress;
    model.trace = getenv("W32MEM_FUZZ_TRACE") != NULL;
    memset((void *)foreign_global, 0x5a, sizeof(foreign_global));
    for (int name = 0; name < MAX_NAMES; name++)
        snprintf(model.names[name], sizeof(model.names[name]), "w32mem-fuzz-%d-%d", (int)getpid(), name);
    const char *directory = getenv("TMPDIR");
    snprintf(model.file_path, sizeof(model.file_path), "%s/w32mem-fuzz-%d.dat", directory ? directory : "/tmp",
             (int)getpid());
    /* Whatever the library opens once and keeps (the namespace directory)
     * is opened here, before the descriptors are counted. */
    HANDLE mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 1, model.names[0]);
    void *view = mapping ? MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    FUZZ_CHECK(view, "warming up failed with %u", (unsigned)GetLastError());
    UnmapViewOfFile(view);
    CloseHandle(mapping);
    OpenFileMappingA(FILE_MAP_READ, FALSE, model.names[0]);
    model.descriptors = library_descriptors();
    model.handles_open = handle_count();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size);
    return 0;
}
