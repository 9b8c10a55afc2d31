/* What the fuzz harnesses share: reading the input as a stream of small
 * numbers, and reporting a broken invariant as a crash libFuzzer keeps. */
#ifndef W32MEM_FUZZ_H
#define W32MEM_FUZZ_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct input {
    const uint8_t *data;
    size_t size, at;
};

static inline int input_left(const struct input *in)
{
    return in->at < in->size;
}

/* Past the end, every number reads as 0: a short input is a valid one. */
static inline unsigned input_byte(struct input *in)
{
    return in->at < in->size ? in->data[in->at++] : 0;
}

static inline unsigned input_pick(struct input *in, unsigned choices)
{
    return input_byte(in) % choices;
}

static inline uint32_t input_u32(struct input *in)
{
    uint32_t value = 0;
    for (int i = 0; i < 4; i++)
        value = value << 8 | input_byte(in);
    return value;
}

#define FUZZ_CHECK(condition, ...)                                                   \
    do {                                                                             \
        if (!(condition)) {                                                          \
            fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__, #condition); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
            abort();                                                                 \
        }                                                                            \
    } while (0)

/* A failed call's error: exactly the one expected. */
#define FUZZ_EXPECT_ERROR(expected, call)                                            \
    FUZZ_CHECK(GetLastError() == (DWORD)(expected), "%s: GetLastError() = %u, expected %u", call, \
               (unsigned)GetLastError(), (unsigned)(expected))

/* Descriptors the library may open (memfds, shared memory, files named
 * w32mem-*), to prove an input's clean-up leaked none; libFuzzer's own files
 * come and go. */
static inline int library_descriptors(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        char path[64], target[256];
        snprintf(path, sizeof(path), "/proc/self/fd/%s", entry->d_name);
        ssize_t length = readlink(path, target, sizeof(target) - 1);
        if (length <= 0)
            continue;
        target[length] = 0;
        if (strstr(target, "memfd:") || strstr(target, "/dev/shm") || strstr(target, "w32mem"))
            count++;
    }
    closedir(dir);
    return count;
}

#endif
