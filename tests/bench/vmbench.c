/* make bench, virtual memory part: each workload through w32mem and as the
 * raw system-call sequence that does the same work, in the same run.
 * Target: w32mem <= 1.1 x raw + 150 ns per operation; VirtualQuery <= 200 ns
 * with 100k live reservations. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <windows.h>

#include "bench.h"

#define ROUNDS 7
#define G 0x10000

typedef void (*workload)(int iterations);

static char *reservation;

static void w32_reserve_release(int n)
{
    for (int i = 0; i < n; i++)
        VirtualFree(VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_READWRITE), 0, MEM_RELEASE);
}

static void raw_reserve_release(int n)
{
    for (int i = 0; i < n; i++)
        munmap(mmap(NULL, G, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), G);
}

static void w32_commit_decommit(int n)
{
    for (int i = 0; i < n; i++) {
        char *at = reservation + (size_t)(i % 64) * G;
        VirtualAlloc(at, G, MEM_COMMIT, PAGE_READWRITE);
        VirtualFree(at, G, MEM_DECOMMIT);
    }
}

static void raw_commit_decommit(int n)
{
    for (int i = 0; i < n; i++) {
        char *at = reservation + (size_t)(i % 64) * G;
        mprotect(at, G, PROT_READ | PROT_WRITE);
        mmap(at, G, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    }
}

static void w32_protect(int n)
{
    DWORD old;
    for (int i = 0; i < n; i++)
        VirtualProtect(reservation, G, i & 1 ? PAGE_READWRITE : PAGE_READONLY, &old);
}

static void raw_protect(int n)
{
    for (int i = 0; i < n; i++)
        mprotect(reservation, G, i & 1 ? PROT_READ | PROT_WRITE : PROT_READ);
}

static char **live;
static int live_count;

static void w32_query(int n)
{
    MEMORY_BASIC_INFORMATION info;
    uint64_t state = 88172645463325252ull;
    for (int i = 0; i < n; i++) {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17;
        VirtualQuery(live[state % (uint64_t)live_count] + 0x100, &info, sizeof(info));
    }
}

/* ns per operation of a and b, each the median of interleaved rounds. */
static void measure(workload a, workload b, int iterations, double *a_ns, double *b_ns)
{
    double a_rounds[ROUNDS], b_rounds[ROUNDS];
    a(iterations / 10);
    if (b)
        b(iterations / 10);
    for (int r = 0; r < ROUNDS; r++) {
        double start = now_ns();
        a(iterations);
        a_rounds[r] = (now_ns() - start) / iterations;
        if (b) {
            start = now_ns();
            b(iterations);
            b_rounds[r] = (now_ns() - start) / iterations;
        }
    }
    *a_ns = median(a_rounds, ROUNDS);
    *b_ns = b ? median(b_rounds, ROUNDS) : 0;
}

static int report(const char *name, double w32, double raw)
{
    double limit = 1.1 * raw + 150;
    int ok = w32 <= limit;
    printf("%-34s %10.0f %10.0f %7.2fx  %s (<= %.0f ns)\n", name, w32, raw, w32 / raw,
           ok ? "ok  " : "SLOW", limit);
    return ok;
}

int main(void)
{
    int all_ok = 1;
    double w32, raw;
    printf("%-34s %10s %10s %8s\n", "workload (ns/op, median of 7)", "w32mem", "raw", "ratio");

    measure(w32_reserve_release, raw_reserve_release, 20000, &w32, &raw);
    all_ok &= report("reserve+release 64 KiB", w32, raw);

    reservation = VirtualAlloc(NULL, 64 * G, MEM_RESERVE, PAGE_READWRITE);
    measure(w32_commit_decommit, raw_commit_decommit, 20000, &w32, &raw);
    all_ok &= report("commit+decommit 64 KiB", w32, raw);
    VirtualAlloc(reservation, G, MEM_COMMIT, PAGE_READWRITE);
    measure(w32_protect, raw_protect, 20000, &w32, &raw);
    all_ok &= report("protect 64 KiB (RO <-> RW)", w32, raw);
    VirtualFree(reservation, 0, MEM_RELEASE);

    static const int populations[] = { 10000, 100000 };
    for (int p = 0; p < 2; p++) {
        live_count = populations[p];
        live = calloc((size_t)live_count, sizeof(*live));
        for (int i = 0; i < live_count; i++)
            live[i] = VirtualAlloc(NULL, G, MEM_RESERVE, PAGE_READWRITE);
        measure(w32_query, NULL, 200000, &w32, &raw);
        int ok = w32 <= 200;
        printf("VirtualQuery, %6d reservations    %10.0f %10s %8s  %s (<= 200 ns)\n", live_count, w32,
               "-", "-", ok ? "ok  " : "SLOW");
        all_ok &= ok;
        for (int i = 0; i < live_count; i++)
            VirtualFree(live[i], 0, MEM_RELEASE);
        free(live);
    }
    printf("virtual memory targets: %s\n", all_ok ? "all met" : "NOT all met");
    return 0;
}
