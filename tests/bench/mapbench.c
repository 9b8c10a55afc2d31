/* make bench, mapping part: a named page-file mapping's
 * create + map + write + unmap + close cycle, and a file-backed one, each
 * against the raw sequence that does the same work (shm_open or open,
 * ftruncate, mmap, write, munmap, close, unlink), in the same run.
 * Target: w32mem <= 1.5 x raw. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <windows.h>

#include "bench.h"

/* Many short rounds, ours and raw taking turns: a slow spell of the disk
 * or of the machine's neighbours then falls on a few rounds of both sides,
 * which the medians leave out, not on a whole side. */
#define ROUNDS 21
#define ITERATIONS 500
#define SIZE 0x10000

/* Names of this run's own, so that runs in parallel do not share objects. */
static char file_path[64], mapping_name[64], shm_name[64];

static void w32_named(int n)
{
    for (int i = 0; i < n; i++) {
        HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, SIZE, mapping_name);
        char *view = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
        view[0] = (char)i;
        UnmapViewOfFile(view);
        CloseHandle(m);
    }
}

static void raw_named(int n)
{
    for (int i = 0; i < n; i++) {
        int fd = shm_open(shm_name, O_RDWR | O_CREAT, 0600);
        ftruncate(fd, SIZE);
        char *view = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        view[0] = (char)i;
        munmap(view, SIZE);
        close(fd);
        shm_unlink(shm_name);
    }
}

static void w32_file(int n)
{
    for (int i = 0; i < n; i++) {
        HANDLE f = CreateFileA(file_path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        HANDLE m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, SIZE, NULL);
        char *view = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
        view[0] = (char)i;
        UnmapViewOfFile(view);
        CloseHandle(m);
        CloseHandle(f);
    }
}

static void raw_file(int n)
{
    for (int i = 0; i < n; i++) {
        int fd = open(file_path, O_RDWR | O_CREAT | O_TRUNC, 0666);
        ftruncate(fd, SIZE);
        char *view = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        view[0] = (char)i;
        munmap(view, SIZE);
        close(fd);
    }
}

static void compare(const char *what, void (*ours)(int), void (*raw)(int))
{
    double mine[ROUNDS], theirs[ROUNDS];
    ours(ITERATIONS / 10);
    raw(ITERATIONS / 10);
    for (int round = 0; round < ROUNDS; round++) {
        double start = now_ns();
        ours(ITERATIONS);
        mine[round] = (now_ns() - start) / ITERATIONS;
        start = now_ns();
        raw(ITERATIONS);
        theirs[round] = (now_ns() - start) / ITERATIONS;
    }
    double a = median(mine, ROUNDS), b = median(theirs, ROUNDS);
    printf("%-44s w32mem %7.0f ns   raw %7.0f ns   ratio %.2f %s\n", what, a, b, a / b,
           a / b <= 1.5 ? "(target <= 1.5: met)" : "(target <= 1.5: MISSED)");
}

int main(void)
{
    snprintf(file_path, sizeof(file_path), "/tmp/mapbench-%d.dat", (int)getpid());
    snprintf(mapping_name, sizeof(mapping_name), "mapbench-%d", (int)getpid());
    snprintf(shm_name, sizeof(shm_name), "/mapbench-raw-%d", (int)getpid());
    compare("named mapping create+map+write+unmap+close", w32_named, raw_named);
    compare("file mapping open+map+write+unmap+close", w32_file, raw_file);
    unlink(file_path);
    return 0;
}
