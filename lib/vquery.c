/* VirtualQuery's answers.  The library's own allocations come from the
 * address-space map with no system call; memory it did not make (the
 * executable, libraries, stacks, the C library's heap, other mappings) comes
 * from the kernel's map of the process, described the way Windows would
 * describe it: images, mapped files and private memory. */
#include "config.h"

#include <string.h>

#include "mapping.h"
#include "procmaps.h"
#include "region.h"
#include "sysinfo.h"
#include "vquery.h"

static DWORD protection_of(const char *perms)
{
    BOOL read = perms[0] == 'r', write = perms[1] == 'w', execute = perms[2] == 'x';
    if (execute)
        return write ? PAGE_EXECUTE_READWRITE : read ? PAGE_EXECUTE_READ : PAGE_EXECUTE;
    return write ? PAGE_READWRITE : read ? PAGE_READONLY : PAGE_NOACCESS;
}

/* The part of the kernel's map around the queried address that is not the
 * library's: the kernel may have merged one of our mappings with a
 * neighbour, so our allocations are cut out of its entries. */
struct foreign_search {
    uintptr_t address;
    BOOL want_piece;                /* address is not in any of our mappings */
    BOOL found;                     /* ... and lies in a foreign mapping */
    struct procmap_entry entry;     /* that mapping (its path is not kept) */
    BOOL pseudo_image;              /* [vdso] and friends */
    uintptr_t start, end;           /* the foreign piece holding address */
    uintptr_t next;                 /* the first foreign byte above address */
};

/* The first address in [from, to) that none of our mappings covers, or to. */
static uintptr_t first_foreign(uintptr_t from, uintptr_t to)
{
    struct vm_allocation *ours;
    while (from < to && (ours = vm_mapping_at(from)))
        from = ours->base + ours->mapped_size;
    return from < to ? from : to;
}

static int find_foreign(const struct procmap_entry *entry, void *context)
{
    struct foreign_search *search = context;
    uintptr_t address = search->address;
    if (entry->end <= address)
        return 0;
    if (entry->start <= address && search->want_piece) {
        search->found = TRUE;
        search->entry = *entry;
        search->entry.path = "";
        search->pseudo_image = strcmp(entry->path, "[vdso]") == 0 || strcmp(entry->path, "[vvar]") == 0;
        struct vm_allocation *below = vm_allocation_before(address);
        uintptr_t below_end = below ? below->base + below->mapped_size : 0;
        search->start = below_end > entry->start ? below_end : entry->start;
        struct vm_allocation *above = vm_allocation_after(address);
        search->end = above && above->base < entry->end ? above->base : entry->end;
        return 1;
    }
    uintptr_t from = entry->start > address ? entry->start : address + 1;
    uintptr_t foreign = first_foreign(from, entry->end);
    if (foreign < entry->end) {
        search->next = foreign;
        return 1;
    }
    return 0;
}

struct image_search {
    unsigned long device, inode;
    BOOL executable;
    uintptr_t base;
};

static int find_image(const struct procmap_entry *entry, void *context)
{
    struct image_search *search = context;
    if (entry->device == search->device && entry->inode == search->inode) {
        if (!search->base)
            search->base = entry->start;
        if (entry->perms[2] == 'x')
            search->executable = TRUE;
    }
    return 0;
}

static void describe_foreign(const struct foreign_search *search, uintptr_t page,
                             MEMORY_BASIC_INFORMATION *info)
{
    const struct procmap_entry *entry = &search->entry;
    DWORD protect = protection_of(entry->perms);
    info->AllocationBase = (PVOID)search->start;
    info->RegionSize = search->end - page;
    info->Type = search->pseudo_image ? MEM_IMAGE : entry->perms[3] == 's' ? MEM_MAPPED : MEM_PRIVATE;
    if (entry->inode) {
        struct image_search image = { entry->device, entry->inode, FALSE, 0 };
        procmaps_walk(find_image, &image);
        if (image.executable) {
            info->Type = MEM_IMAGE;
            info->AllocationBase = (PVOID)image.base;
            info->AllocationProtect = PAGE_EXECUTE_WRITECOPY;
        } else {
            info->Type = MEM_MAPPED;
        }
    }
    if (!info->AllocationProtect)
        info->AllocationProtect = protect;
    if (protect == PAGE_NOACCESS && !entry->inode) {
        /* Inaccessible private memory is reserved address space (thread
         * stack guards, reserved arenas of other allocators). */
        info->State = MEM_RESERVE;
        info->Protect = 0;
    } else {
        info->State = MEM_COMMIT;
        info->Protect = protect;
    }
}

BOOL vquery(uintptr_t address, MEMORY_BASIC_INFORMATION *info)
{
    const struct address_space *space = address_space();
    uintptr_t page = page_down(address);
    memset(info, 0, sizeof(*info));
    info->BaseAddress = (PVOID)page;

    vm_lock_shared();
    struct vm_run *run = vm_run_at(address);
    if (run && view_is_stale(run->allocation)) {
        /* Pages other views committed count as committed here too. */
        vm_unlock();
        view_refresh(address);
        vm_lock_shared();
        run = vm_run_at(address);
    }
    if (run) {
        const struct vm_allocation *allocation = run->allocation;
        info->AllocationBase = (PVOID)allocation->base;
        info->AllocationProtect = allocation->protect;
        info->RegionSize = vm_region_end(run) - page;
        info->State = run->state;
        info->Protect = run->protect;
        info->Type = allocation->type;
        vm_unlock();
        return TRUE;
    }

    struct foreign_search search = { .address = address, .want_piece = !vm_mapping_at(address) };
    if (!procmaps_walk(find_foreign, &search)) {
        vm_unlock();
        return FALSE;
    }
    if (search.found) {
        describe_foreign(&search, page, info);
    } else {
        /* Free: up to whatever comes next, ours or not. */
        uintptr_t end = space->highest + 1;
        struct vm_allocation *next = vm_allocation_after(address);
        if (next && next->base < end)
            end = next->base;
        if (search.next && search.next < end)
            end = search.next;
        info->RegionSize = end - page;
        info->State = MEM_FREE;
        info->Protect = PAGE_NOACCESS;
    }
    vm_unlock();
    return TRUE;
}

BOOL vquery_readable(uintptr_t address)
{
    if (address < address_space()->lowest || address > address_space()->highest)
        return FALSE;
    DWORD error = GetLastError();
    MEMORY_BASIC_INFORMATION info;
    /* Without the kernel's map, nothing says the memory is not there. */
    BOOL readable = !vquery(address, &info) ||
                    (info.State == MEM_COMMIT && info.Protect &&
                     !(info.Protect & (PAGE_NOACCESS | PAGE_GUARD | PAGE_EXECUTE)));
    SetLastError(error);
    return readable;
}
