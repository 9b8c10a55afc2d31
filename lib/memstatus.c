/* GlobalMemoryStatus(Ex), GetPhysicallyInstalledSystemMemory and
 * GetLargePageMinimum, from the kernel's accounts, within the memory
 * cgroup (v2 or v1) and RLIMIT_AS when the process runs under them.
 *
 * Windows' "page file" figures are the commit limit and what is left of it.
 * Under vm.overcommit_memory=2 that is the kernel's CommitLimit; under the
 * default heuristic mode the kernel refuses any single commit larger than
 * RAM plus swap, so that sum is the limit reported; Committed_AS is the
 * charge in both. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "error.h"
#include "sysinfo.h"
#include "inject.h"

/* Reads a small file into buffer as a string; FALSE if it cannot. */
static BOOL read_text(const char *path, char *buffer, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return FALSE;
    ssize_t count = read(fd, buffer, size - 1);
    close(fd);
    if (count < 0)
        return FALSE;
    buffer[count] = '\0';
    return TRUE;
}

/* The value of a "Name:   1234 kB" line of /proc/meminfo, in bytes. */
static uint64_t meminfo_field(const char *meminfo, const char *name)
{
    size_t length = strlen(name);
    for (const char *line = meminfo; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, name, length) == 0 && line[length] == ':')
            return strtoull(line + length + 1, NULL, 10) * 1024;
    return 0;
}

/* A number in a cgroup file; "max" and absurd values mean no limit. */
static uint64_t cgroup_value(const char *directory, const char *file)
{
    char path[512], text[64];
    snprintf(path, sizeof(path), "%s/%s", directory, file);
    if (!read_text(path, text, sizeof(text)) || strncmp(text, "max", 3) == 0)
        return UINT64_MAX;
    uint64_t value = strtoull(text, NULL, 10);
    return value >= (UINT64_C(1) << 62) ? UINT64_MAX : value;
}

/* A "name value" line of a cgroup's memory.stat. */
static uint64_t cgroup_stat(const char *directory, const char *name)
{
    char path[512], text[8192];
    snprintf(path, sizeof(path), "%s/memory.stat", directory);
    if (!read_text(path, text, sizeof(text)))
        return 0;
    size_t length = strlen(name);
    for (const char *line = text; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, name, length) == 0 && line[length] == ' ')
            return strtoull(line + length + 1, NULL, 10);
    return 0;
}

struct cgroup_memory {
    uint64_t limit, usage, swap_limit;      /* UINT64_MAX: none */
};

/* The tightest memory limit on the way from the process's cgroup up to the
 * root, and the usage of the process's own cgroup (less the file cache the
 * kernel would drop first). */
static void cgroup_memory(struct cgroup_memory *memory)
{
    memory->limit = memory->usage = memory->swap_limit = UINT64_MAX;
    char cgroups[4096];
    if (!read_text("/proc/self/cgroup", cgroups, sizeof(cgroups)))
        return;
    char directory[400];
    const char *v1 = NULL, *v2 = NULL;
    char *saved;
    for (char *line = strtok_r(cgroups, "\n", &saved); line; line = strtok_r(NULL, "\n", &saved)) {
        char *controllers = strchr(line, ':');
        char *path = controllers ? strchr(controllers + 1, ':') : NULL;
        if (!path)
            continue;
        *path++ = '\0';
        controllers++;
        if (strncmp(line, "0", 1) == 0 && *controllers == '\0')
            v2 = path;
        else if (strstr(controllers, "memory"))
            v1 = path;
    }
    const char *root = v1 ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup";
    const char *path = v1 ? v1 : v2;
    if (!path)
        return;
    snprintf(directory, sizeof(directory), "%s%s", root, path);
    if (access(directory, F_OK) != 0)               /* a namespaced mount */
        snprintf(directory, sizeof(directory), "%s", root);

    const char *limit_file = v1 ? "memory.limit_in_bytes" : "memory.max";
    const char *usage_file = v1 ? "memory.usage_in_bytes" : "memory.current";
    uint64_t usage = cgroup_value(directory, usage_file);
    if (usage != UINT64_MAX) {
        uint64_t inactive = cgroup_stat(directory, v1 ? "total_inactive_file" : "inactive_file");
        memory->usage = usage > inactive ? usage - inactive : 0;
    }
    memory->swap_limit = cgroup_value(directory, v1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max");
    for (;;) {
        uint64_t limit = cgroup_value(directory, limit_file);
        if (limit < memory->limit)
            memory->limit = limit;
        char *slash = strrchr(directory, '/');
        if (!slash || (size_t)(slash - directory) < strlen(root))
            break;
        *slash = '\0';
    }
    if (v1 && memory->swap_limit != UINT64_MAX && memory->limit != UINT64_MAX)
        memory->swap_limit = memory->swap_limit > memory->limit ? memory->swap_limit - memory->limit : 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

BOOL WINAPI GlobalMemoryStatusEx(LPMEMORYSTATUSEX status)
{
    if (!status)
        return failure(ERROR_NOACCESS);
    if (status->dwLength != sizeof(MEMORYSTATUSEX))
        return failure(ERROR_INVALID_PARAMETER);

    char meminfo[8192], mode[8];
    if (!read_text("/proc/meminfo", meminfo, sizeof(meminfo)))
        return failure_from_errno();
    uint64_t total = meminfo_field(meminfo, "MemTotal");
    uint64_t available = meminfo_field(meminfo, "MemAvailable");
    uint64_t swap = meminfo_field(meminfo, "SwapTotal");
    uint64_t committed = meminfo_field(meminfo, "Committed_AS");
    uint64_t commit_limit = total + swap;
    if (read_text("/proc/sys/vm/overcommit_memory", mode, sizeof(mode)) && mode[0] == '2')
        commit_limit = meminfo_field(meminfo, "CommitLimit");
    uint64_t commit_available = commit_limit > committed ? commit_limit - committed : 0;

    struct cgroup_memory cgroup;
    cgroup_memory(&cgroup);
    if (cgroup.limit != UINT64_MAX) {
        uint64_t used = cgroup.usage != UINT64_MAX ? cgroup.usage : 0;
        uint64_t left = cgroup.limit > used ? cgroup.limit - used : 0;
        uint64_t cgroup_commit = cgroup.limit + min_u64(cgroup.swap_limit, swap);
        total = min_u64(total, cgroup.limit);
        available = min_u64(available, left);
        commit_limit = min_u64(commit_limit, cgroup_commit);
        commit_available = min_u64(commit_available, cgroup_commit > used ? cgroup_commit - used : 0);
    }
    available = min_u64(available, total);

    const struct address_space *space = address_space();
    uint64_t total_virtual = space->highest - space->lowest + 1;
    struct rlimit address_limit;
    if (getrlimit(RLIMIT_AS, &address_limit) == 0 && address_limit.rlim_cur != RLIM_INFINITY)
        total_virtual = min_u64(total_virtual, address_limit.rlim_cur);
    char statm[128];
    uint64_t mapped = 0;
    if (read_text("/proc/self/statm", statm, sizeof(statm)))
        mapped = strtoull(statm, NULL, 10) * space->page_size;

    status->dwMemoryLoad = total >= 100 ? (DWORD)((total - available) / (total / 100)) : 0;
    status->ullTotalPhys = total;
    status->ullAvailPhys = available;
    status->ullTotalPageFile = commit_limit;
    status->ullAvailPageFile = commit_available;
    status->ullTotalVirtual = total_virtual;
    status->ullAvailVirtual = total_virtual > mapped ? total_virtual - mapped : 0;
    status->ullAvailExtendedVirtual = 0;
    return TRUE;
}

void WINAPI GlobalMemoryStatus(LPMEMORYSTATUS status)
{
    if (!status)
        return;
    DWORD saved_error = GetLastError();
    MEMORYSTATUSEX extended = { .dwLength = sizeof(extended) };
    if (GlobalMemoryStatusEx(&extended)) {
        status->dwMemoryLoad = extended.dwMemoryLoad;
        status->dwTotalPhys = (SIZE_T)min_u64(extended.ullTotalPhys, SIZE_MAX >> 1);
        status->dwAvailPhys = (SIZE_T)min_u64(extended.ullAvailPhys, SIZE_MAX >> 1);
        status->dwTotalPageFile = (SIZE_T)extended.ullTotalPageFile;
        status->dwAvailPageFile = (SIZE_T)extended.ullAvailPageFile;
        status->dwTotalVirtual = (SIZE_T)extended.ullTotalVirtual;
        status->dwAvailVirtual = (SIZE_T)extended.ullAvailVirtual;
    }
    status->dwLength = sizeof(MEMORYSTATUS);
    SetLastError(saved_error);
}

/* What the firmware handed the kernel: the online hot-pluggable memory
 * blocks when the kernel lists them, which include what it reserves for
 * itself, otherwise MemTotal. */
BOOL WINAPI GetPhysicallyInstalledSystemMemory(PULONGLONG kilobytes)
{
    if (!kilobytes)
        return failure(ERROR_INVALID_PARAMETER);
    char text[8192];
    uint64_t total = 0, blocks = 0, block_size = 0;
    if (read_text("/proc/meminfo", text, sizeof(text)))
        total = meminfo_field(text, "MemTotal");
    if (read_text("/sys/devices/system/memory/block_size_bytes", text, sizeof(text)))
        block_size = strtoull(text, NULL, 16);
    DIR *directory = block_size ? opendir("/sys/devices/system/memory") : NULL;
    if (directory) {
        struct dirent *entry;
        while ((entry = readdir(directory))) {
            char path[300];
            if (strncmp(entry->d_name, "memory", 6) != 0)
                continue;
            snprintf(path, sizeof(path), "/sys/devices/system/memory/%s/online", entry->d_name);
            if (read_text(path, text, sizeof(text)) && text[0] == '1')
                blocks++;
        }
        closedir(directory);
    }
    if (blocks * block_size > total)
        total = blocks * block_size;
    if (!total)
        return failure(ERROR_GEN_FAILURE);
    *kilobytes = total / 1024;
    return TRUE;
}

SIZE_T WINAPI GetLargePageMinimum(void)
{
    char meminfo[8192];
    if (!read_text("/proc/meminfo", meminfo, sizeof(meminfo)))
        return 0;
    return (SIZE_T)meminfo_field(meminfo, "Hugepagesize");
}
