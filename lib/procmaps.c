/* Reading /proc/self/maps with nothing but read(2) and a stack buffer. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "procmaps.h"
#include "inject.h"

static const char *parse_hex(const char *text, unsigned long long *value)
{
    unsigned long long result = 0;
    for (;; text++) {
        char c = *text;
        if (c >= '0' && c <= '9')      result = result * 16 + (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') result = result * 16 + (unsigned)(c - 'a' + 10);
        else break;
    }
    *value = result;
    return text;
}

static const char *parse_decimal(const char *text, unsigned long *value)
{
    unsigned long result = 0;
    while (*text >= '0' && *text <= '9')
        result = result * 10 + (unsigned)(*text++ - '0');
    *value = result;
    return text;
}

/* "start-end perms offset major:minor inode   path" */
static void parse_line(char *line, struct procmap_entry *entry)
{
    unsigned long long value, major, minor;
    const char *p = parse_hex(line, &value);
    entry->start = (uintptr_t)value;
    p = parse_hex(p + 1, &value);
    entry->end = (uintptr_t)value;
    memcpy(entry->perms, p + 1, 4);
    entry->perms[4] = '\0';
    p = parse_hex(p + 6, &entry->offset);
    p = parse_hex(p + 1, &major);
    p = parse_hex(p + 1, &minor);
    entry->device = (unsigned long)(major << 20 | minor);
    p = parse_decimal(p + 1, &entry->inode);
    while (*p == ' ')
        p++;
    entry->path = p;
}

BOOL procmaps_walk(int (*visit)(const struct procmap_entry *entry, void *context), void *context)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return failure_from_errno();
    char buffer[8192];
    size_t filled = 0;
    int stop = 0;
    for (;;) {
        ssize_t count = read(fd, buffer + filled, sizeof(buffer) - 1 - filled);
        if (count <= 0)
            break;
        filled += (size_t)count;
        char *line = buffer, *newline;
        while (!stop && (newline = memchr(line, '\n', filled - (size_t)(line - buffer)))) {
            struct procmap_entry entry;
            *newline = '\0';
            parse_line(line, &entry);
            stop = visit(&entry, context);
            line = newline + 1;
        }
        if (stop)
            break;
        filled -= (size_t)(line - buffer);
        memmove(buffer, line, filled);
        if (filled == sizeof(buffer) - 1)
            filled = 0;         /* a path longer than the buffer: drop the line */
    }
    close(fd);
    return TRUE;
}

struct overlap_search {
    uintptr_t start, end, found;
};

static int find_overlap(const struct procmap_entry *entry, void *context)
{
    struct overlap_search *search = context;
    if (entry->start >= search->end)
        return 1;
    if (entry->end > search->start) {
        search->found = entry->end;
        return 1;
    }
    return 0;
}

uintptr_t procmaps_overlap_end(uintptr_t start, size_t size)
{
    struct overlap_search search = { start, start + size, 0 };
    procmaps_walk(find_overlap, &search);
    return search.found;
}
