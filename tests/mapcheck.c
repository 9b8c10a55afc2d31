/* The map checker and the holdings snapshots (see mapcheck.h). */
#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "handle.h"
#include "mapcheck.h"
#include "namespace.h"
#include "procmaps.h"
#include "region.h"

#define KERNEL_MAPPINGS 65536

struct kernel_mapping {
    uintptr_t start, end;
    int protection;
};

/* Static: the checker must not change what it checks by allocating. */
static struct kernel_mapping kernel[KERNEL_MAPPINGS];
static size_t kernel_count;

static int collect(const struct procmap_entry *entry, void *context)
{
    (void)context;
    if (kernel_count == KERNEL_MAPPINGS)
        return 1;
    kernel[kernel_count++] = (struct kernel_mapping){
        .start = entry->start, .end = entry->end,
        .protection = (entry->perms[0] == 'r' ? PROT_READ : 0) | (entry->perms[1] == 'w' ? PROT_WRITE : 0) |
                      (entry->perms[2] == 'x' ? PROT_EXEC : 0),
    };
    return 0;
}

static BOOL read_kernel_map(void)
{
    kernel_count = 0;
    return procmaps_walk(collect, NULL) && kernel_count < KERNEL_MAPPINGS;
}

/* Whether the kernel maps all of [start, end) with protection (with
 * write_optional, write may be missing: write watching takes it away from
 * clean pages).  Otherwise says where it does not. */
static BOOL kernel_agrees(uintptr_t start, uintptr_t end, int protection, BOOL write_optional,
                          char *why, size_t why_size)
{
    uintptr_t at = start;
    for (size_t i = 0; i < kernel_count && at < end; i++) {
        if (kernel[i].end <= at)
            continue;
        if (kernel[i].start > at)
            break;
        int actual = kernel[i].protection;
        if (actual != protection && !(write_optional && actual == (protection & ~PROT_WRITE))) {
            snprintf(why, why_size, "%#lx: the map says protection %d, the kernel %d",
                     (unsigned long)at, protection, actual);
            return FALSE;
        }
        at = kernel[i].end;
    }
    if (at < end) {
        snprintf(why, why_size, "%#lx..%#lx: in the map but not mapped", (unsigned long)at, (unsigned long)end);
        return FALSE;
    }
    return TRUE;
}

static BOOL allocation_agrees(const struct vm_allocation *allocation, char *why, size_t why_size)
{
    BOOL watched = allocation->written != NULL;
    uintptr_t end = allocation->base + allocation->size;
    uintptr_t at = allocation->base;
    for (const struct vm_run *run = vm_run_at(at); run; run = vm_run_next(run)) {
        if (run->start != at || run->allocation != allocation) {
            snprintf(why, why_size, "%#lx: the runs do not tile the allocation", (unsigned long)at);
            return FALSE;
        }
        int protection = run->state == MEM_COMMIT ? vm_kernel_protection(run->protect) : PROT_NONE;
        if (!kernel_agrees(run->start, run->start + run->size, protection, watched, why, why_size))
            return FALSE;
        at = run->start + run->size;
    }
    if (at != end) {
        snprintf(why, why_size, "%#lx: the runs end at %#lx", (unsigned long)allocation->base, (unsigned long)at);
        return FALSE;
    }
    return kernel_agrees(end, allocation->base + allocation->mapped_size, PROT_NONE, FALSE, why, why_size);
}

BOOL mapcheck_consistent(char *why, size_t why_size)
{
    vm_lock_shared();
    BOOL agree = read_kernel_map();
    if (!agree)
        snprintf(why, why_size, "cannot read /proc/self/maps");
    for (const struct vm_allocation *allocation = vm_allocation_after(0); agree && allocation;
         allocation = vm_allocation_after(allocation->base))
        agree = allocation_agrees(allocation, why, why_size);
    vm_unlock();
    return agree;
}

static int count_entries(const char *path)
{
    DIR *directory = opendir(path);
    if (!directory)
        return -1;
    int count = 0;
    for (struct dirent *entry; (entry = readdir(directory)) != NULL; )
        count += strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0;
    closedir(directory);
    return count;
}

/* Whether the named object's name is bound in the abstract socket namespace
 * (namespace.h). */
static int name_exists(const char *object)
{
    struct ns_entry entry;
    struct ns_header header;
    if (!ns_name(object, &entry, &header))
        return -1;
    FILE *sockets = fopen("/proc/net/unix", "r");
    if (!sockets)
        return -1;
    char wanted[NS_KEY_BYTES + 2];
    snprintf(wanted, sizeof(wanted), "@%s\n", entry.key);
    int found = 0;
    char line[512];
    while (!found && fgets(line, sizeof(line), sockets)) {
        const char *address = strchr(line, '@');
        found = address && strcmp(address, wanted) == 0;
    }
    fclose(sockets);
    return found;
}

void holdings_take(struct holdings *holdings, const char *object)
{
    ck_assert(read_kernel_map());
    holdings->range_count = 0;
    for (size_t i = 0; i < kernel_count; i++) {
        size_t last = holdings->range_count - 1;
        if (holdings->range_count && holdings->end[last] == kernel[i].start) {
            holdings->end[last] = kernel[i].end;
            continue;
        }
        ck_assert_uint_lt(holdings->range_count, MAPCHECK_RANGES);
        holdings->start[holdings->range_count] = kernel[i].start;
        holdings->end[holdings->range_count++] = kernel[i].end;
    }
    holdings->descriptors = count_entries("/proc/self/fd");
    holdings->handles = handle_count();
    holdings->names = name_exists(object);
    /* Under ASan this is glibc's unused arena, constant; LeakSanitizer
     * checks those builds at exit instead. */
    holdings->heap_bytes = mallinfo2().uordblks;
}

BOOL holdings_same(const struct holdings *before, const struct holdings *after, char *why, size_t why_size)
{
    if (after->descriptors != before->descriptors)
        snprintf(why, why_size, "descriptors: %d before, %d after", before->descriptors, after->descriptors);
    else if (after->handles != before->handles)
        snprintf(why, why_size, "handles: %u before, %u after", before->handles, after->handles);
    else if (after->names != before->names)
        snprintf(why, why_size, "the named object: %d before, %d after", before->names, after->names);
    else if (after->heap_bytes != before->heap_bytes)
        snprintf(why, why_size, "malloc'ed bytes: %zu before, %zu after", before->heap_bytes, after->heap_bytes);
    else {
        for (size_t i = 0; i < before->range_count || i < after->range_count; i++) {
            if (i < before->range_count && i < after->range_count &&
                before->start[i] == after->start[i] && before->end[i] == after->end[i])
                continue;
            if (i < after->range_count)
                snprintf(why, why_size, "mappings differ from %#lx..%#lx after (%zu ranges before, %zu after)",
                         (unsigned long)after->start[i], (unsigned long)after->end[i],
                         before->range_count, after->range_count);
            else
                snprintf(why, why_size, "%#lx..%#lx was unmapped", (unsigned long)before->start[i],
                         (unsigned long)before->end[i]);
            return FALSE;
        }
        return TRUE;
    }
    return FALSE;
}
