/* The heap workloads W1-W7 of performance.md section 4, run against the
 * process heap and against glibc malloc, jemalloc and mimalloc in one
 * invocation.
 *
 * Every (backend, workload) pair runs in a child process of its own: the
 * baselines are the C library's malloc with LD_PRELOAD of jemalloc or
 * mimalloc (as mimalloc-bench does), and each child's peak RSS and minor
 * faults come from wait4.  A baseline that is not installed is skipped with
 * a note.  Times are the median of REPETITIONS runs, the backends taking
 * turns.
 * Usage: heapbench [scale [workload...]], scale 1 (default) or smaller;
 * naming workloads (W1 ... W7) runs only those. */
#include <dlfcn.h>
#include <math.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <windows.h>

#include "bench.h"

/* ---- backends ------------------------------------------------------------ */

struct backend {
    void *(*alloc)(size_t);
    void (*free)(void *);
    void *(*realloc)(void *, size_t);
    /* W6: a private heap, or NULL to use the allocator itself. */
    void *(*heap_create)(void);
    void *(*heap_alloc)(void *heap, size_t size);
    void (*heap_free)(void *heap, void *block);
    void (*heap_destroy)(void *heap);
};

static HANDLE process_heap;
static void *w32_alloc(size_t size) { return HeapAlloc(process_heap, 0, size); }
static void w32_free(void *block) { HeapFree(process_heap, 0, block); }
static void *w32_realloc(void *block, size_t size)
{
    return block ? HeapReAlloc(process_heap, 0, block, size) : HeapAlloc(process_heap, 0, size);
}
static void *w32_heap_create(void) { return HeapCreate(0, 0, 0); }
static void *w32_heap_alloc(void *heap, size_t size) { return HeapAlloc(heap, 0, size); }
static void w32_heap_free(void *heap, void *block) { HeapFree(heap, 0, block); }
static void w32_heap_destroy(void *heap) { HeapDestroy(heap); }

/* glibc has no heap objects: a "heap" is a list of its blocks. */
struct block_list { void **blocks; size_t count; };
static void *libc_heap_create(void) { return calloc(1, sizeof(struct block_list)); }
static void *libc_heap_alloc(void *heap, size_t size)
{
    struct block_list *list = heap;
    if (!(list->count & (list->count - 1)) || !list->count)
        list->blocks = realloc(list->blocks, (list->count ? 2 * list->count : 1) * sizeof(void *));
    return list->blocks[list->count++] = malloc(size);
}
static void libc_heap_free(void *heap, void *block)
{
    struct block_list *list = heap;
    for (size_t i = 0; i < list->count; i++)
        if (list->blocks[i] == block) {
            list->blocks[i] = NULL;
            break;
        }
    free(block);
}
static void libc_heap_destroy(void *heap)
{
    struct block_list *list = heap;
    for (size_t i = 0; i < list->count; i++)
        free(list->blocks[i]);
    free(list->blocks);
    free(list);
}

/* mimalloc's heaps, when it is preloaded. */
static void *(*mi_heap_new_fn)(void);
static void *(*mi_heap_malloc_fn)(void *, size_t);
static void (*mi_free_fn)(void *);
static void (*mi_heap_destroy_fn)(void *);
static void *mi_heap_create(void) { return mi_heap_new_fn(); }
static void *mi_heap_alloc(void *heap, size_t size) { return mi_heap_malloc_fn(heap, size); }
static void mi_heap_free(void *heap, void *block) { (void)heap; mi_free_fn(block); }
static void mi_heap_destroy(void *heap) { mi_heap_destroy_fn(heap); }

/* jemalloc's arenas, when it is preloaded. */
static int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
static void *(*mallocx_fn)(size_t, int);
static void (*dallocx_fn)(void *, int);
static int je_flags(void *heap)
{
    unsigned arena = (unsigned)(uintptr_t)heap - 1;
    return (int)((arena + 1) << 20) | (int)(1u << 8);    /* MALLOCX_ARENA | MALLOCX_TCACHE_NONE */
}
static void *je_heap_create(void)
{
    unsigned arena;
    size_t size = sizeof(arena);
    if (mallctl_fn("arenas.create", &arena, &size, NULL, 0))
        return NULL;
    return (void *)(uintptr_t)(arena + 1);
}
static void *je_heap_alloc(void *heap, size_t size) { return mallocx_fn(size, je_flags(heap)); }
static void je_heap_free(void *heap, void *block) { dallocx_fn(block, je_flags(heap)); }
static void je_heap_destroy(void *heap)
{
    char name[64];
    snprintf(name, sizeof(name), "arena.%u.destroy", (unsigned)(uintptr_t)heap - 1);
    mallctl_fn(name, NULL, NULL, NULL, 0);
}

static struct backend backend_for(const char *name)
{
    if (!strcmp(name, "w32-process")) {
        process_heap = GetProcessHeap();
        return (struct backend){ w32_alloc, w32_free, w32_realloc, w32_heap_create, w32_heap_alloc,
                                 w32_heap_free, w32_heap_destroy };
    }
    struct backend libc = { malloc, free, realloc, libc_heap_create, libc_heap_alloc, libc_heap_free,
                            libc_heap_destroy };
    if (!strcmp(name, "mimalloc") && (mi_heap_new_fn = (void *(*)(void))dlsym(RTLD_DEFAULT, "mi_heap_new"))) {
        mi_heap_malloc_fn = (void *(*)(void *, size_t))dlsym(RTLD_DEFAULT, "mi_heap_malloc");
        mi_free_fn = (void (*)(void *))dlsym(RTLD_DEFAULT, "mi_free");
        mi_heap_destroy_fn = (void (*)(void *))dlsym(RTLD_DEFAULT, "mi_heap_destroy");
        libc.heap_create = mi_heap_create;
        libc.heap_alloc = mi_heap_alloc;
        libc.heap_free = mi_heap_free;
        libc.heap_destroy = mi_heap_destroy;
    }
    if (!strcmp(name, "jemalloc") &&
        (mallctl_fn = (int (*)(const char *, void *, size_t *, void *, size_t))dlsym(RTLD_DEFAULT, "mallctl"))) {
        mallocx_fn = (void *(*)(size_t, int))dlsym(RTLD_DEFAULT, "mallocx");
        dallocx_fn = (void (*)(void *, int))dlsym(RTLD_DEFAULT, "dallocx");
        libc.heap_create = je_heap_create;
        libc.heap_alloc = je_heap_alloc;
        libc.heap_free = je_heap_free;
        libc.heap_destroy = je_heap_destroy;
    }
    return libc;
}

/* ---- workloads ----------------------------------------------------------- */

static double scale = 1.0;
static struct backend backend;

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static void touch(void *block, size_t size)
{
    if (size) {
        ((volatile char *)block)[0] = 1;
        ((volatile char *)block)[size - 1] = 1;
    }
}

static size_t churn_size(uint64_t *state)
{
    unsigned pick = (unsigned)(next_random(state) % 100);
    uint64_t r = next_random(state);
    if (pick < 70)
        return 8 + r % 57;
    if (pick < 90)
        return 65 + r % 192;
    if (pick < 99)
        return 257 + r % 1792;
    return 2049 + r % 14336;
}

static long ops(long full)
{
    return (long)((double)full * scale) + 1;
}

static long w1_churn(void)
{
    enum { SLOTS = 4096 };
    static void *slots[SLOTS];
    uint64_t state = 88172645463325252ull;
    long count = ops(20000000);
    for (long i = 0; i < count; i++) {
        unsigned slot = (unsigned)(next_random(&state) % SLOTS);
        backend.free(slots[slot]);
        size_t size = churn_size(&state);
        touch(slots[slot] = backend.alloc(size), size);
    }
    for (int i = 0; i < SLOTS; i++)
        backend.free(slots[i]);
    return count;
}

/* W2: batches of 1024 objects through a 16-deep ring to a consumer. */
enum { BATCH = 1024, RING_DEPTH = 16 };
static void **ring[RING_DEPTH];
static unsigned ring_head, ring_tail;
static long prodcons_batches;

static void wait_a_little(int *spins)
{
    if (++*spins < 2000)
        __builtin_ia32_pause();
    else
        sched_yield();
}

static void *consumer(void *unused)
{
    (void)unused;
    for (long b = 0; b < prodcons_batches; b++) {
        int spins = 0;
        while (__atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE) == __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE))
            wait_a_little(&spins);
        void **batch = ring[ring_tail % RING_DEPTH];
        for (int i = 0; i < BATCH; i++)
            backend.free(batch[i]);
        __atomic_store_n(&ring_tail, ring_tail + 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

static long w2_prodcons(void)
{
    static void *batches[RING_DEPTH][BATCH];
    prodcons_batches = ops(10000000) / BATCH + 1;
    pthread_t thread;
    pthread_create(&thread, NULL, consumer, NULL);
    uint64_t state = 1234567;
    for (long b = 0; b < prodcons_batches; b++) {
        int spins = 0;
        while (__atomic_load_n(&ring_head, __ATOMIC_ACQUIRE) - __atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE) ==
               RING_DEPTH)
            wait_a_little(&spins);
        void **batch = batches[ring_head % RING_DEPTH];
        for (int i = 0; i < BATCH; i++) {
            size_t size = 16 + next_random(&state) % 241;
            touch(batch[i] = backend.alloc(size), size);
        }
        ring[ring_head % RING_DEPTH] = batch;
        __atomic_store_n(&ring_head, ring_head + 1, __ATOMIC_RELEASE);
    }
    pthread_join(thread, NULL);
    return prodcons_batches * BATCH;
}

/* W3: two threads replace random slots of their arrays, then swap them. */
enum { LARSON_SLOTS = 4096, LARSON_ROUND = 100000 };
static void *larson_arrays[2][LARSON_SLOTS];
static pthread_barrier_t larson_barrier;
static long larson_rounds;

static void *larson(void *argument)
{
    unsigned me = (unsigned)(uintptr_t)argument;
    uint64_t state = 99991u + me;
    for (long round = 0; round < larson_rounds; round++) {
        void **slots = larson_arrays[(me + (unsigned)round) % 2];
        for (int i = 0; i < LARSON_ROUND; i++) {
            unsigned slot = (unsigned)(next_random(&state) % LARSON_SLOTS);
            backend.free(slots[slot]);
            size_t size = 8 + next_random(&state) % 993;
            touch(slots[slot] = backend.alloc(size), size);
        }
        pthread_barrier_wait(&larson_barrier);
    }
    return NULL;
}

static long w3_larson(void)
{
    larson_rounds = ops(50);
    pthread_barrier_init(&larson_barrier, NULL, 2);
    pthread_t thread;
    pthread_create(&thread, NULL, larson, (void *)1);
    larson((void *)0);
    pthread_join(thread, NULL);
    for (int a = 0; a < 2; a++)
        for (int i = 0; i < LARSON_SLOTS; i++)
            backend.free(larson_arrays[a][i]);
    return 2 * larson_rounds * LARSON_ROUND;
}

static long w4_realloc(void)
{
    enum { BUFFERS = 1024 };
    static void *buffers[BUFFERS];
    static size_t sizes[BUFFERS];
    uint64_t state = 4242;
    long count = ops(200000);
    for (long i = 0; i < count; i++) {
        unsigned b = (unsigned)(next_random(&state) % BUFFERS);
        size_t size = sizes[b];
        if (next_random(&state) % 4)
            size = size > 256 * 1024 ? 16 : size + size / 2 + 16;
        else
            size = size / 2 + 1;
        buffers[b] = backend.realloc(buffers[b], size);
        sizes[b] = size;
        ((volatile char *)buffers[b])[size - 1] = 1;
    }
    for (int b = 0; b < BUFFERS; b++)
        backend.free(buffers[b]);
    return count;
}

/* W5 touches the first byte of each block, W5b every page of it. */
static long large_workload(long full, bool every_page)
{
    enum { SLOTS = 20 };
    static void *slots[SLOTS];
    uint64_t state = 777;
    long count = ops(full);
    for (long i = 0; i < count; i++) {
        unsigned slot = (unsigned)(next_random(&state) % SLOTS);
        backend.free(slots[slot]);
        /* log-uniform from 64 KiB to 16 MiB */
        double exponent = 16.0 + 8.0 * (double)(next_random(&state) % 10000) / 10000.0;
        size_t size = (size_t)exp2(exponent);
        slots[slot] = backend.alloc(size);
        for (size_t at = 0; at < (every_page ? size : 1); at += 4096)
            ((volatile char *)slots[slot])[at] = 1;
    }
    for (int i = 0; i < SLOTS; i++) {
        backend.free(slots[i]);
        slots[i] = NULL;
    }
    return count;
}

static long w5_large(void) { return large_workload(20000, false); }
static long w5b_large_touch(void) { return large_workload(200, true); }

static long heaps_workload(int live)
{
    enum { ALLOCS = 256 };
    void *heaps[64] = { NULL };
    void *blocks[ALLOCS];
    uint64_t state = 31337;
    long count = ops(5000);
    for (long h = 0; h < count; h++) {
        void **heap = &heaps[h % live];
        if (*heap)
            backend.heap_destroy(*heap);
        *heap = backend.heap_create();
        for (int i = 0; i < ALLOCS; i++) {
            size_t size = 16 + next_random(&state) % 497;
            touch(blocks[i] = backend.heap_alloc(*heap, size), size);
        }
        for (int i = 0; i < ALLOCS; i += 2)
            backend.heap_free(*heap, blocks[i]);
    }
    for (int i = 0; i < live; i++)
        if (heaps[i])
            backend.heap_destroy(heaps[i]);
    return count;
}

static long w6_heaps(void) { return heaps_workload(1); }
static long w6_heaps64(void) { return heaps_workload(64); }

/* W7: the process heap only; reports its three timings itself. */
static void w7_walk(void)
{
    enum { BLOCKS = 100000 };
    static void *blocks[BLOCKS];
    uint64_t state = 5;
    HANDLE heap = GetProcessHeap();
    for (int i = 0; i < BLOCKS; i++)
        blocks[i] = HeapAlloc(heap, 0, 16 + next_random(&state) % 497);
    for (int i = 0; i < BLOCKS; i += 2)
        HeapFree(heap, 0, blocks[i]);
    PROCESS_HEAP_ENTRY entry = { .lpData = NULL };
    long entries = 0;
    double start = now_ns();
    HeapLock(heap);
    while (HeapWalk(heap, &entry))
        entries++;
    HeapUnlock(heap);
    double walked = now_ns();
    BOOL whole = HeapValidate(heap, 0, NULL);
    double validated = now_ns();
    long valid = 0;
    for (int i = 1; i < BLOCKS; i += 2)
        valid += HeapValidate(heap, 0, blocks[i]);
    double end = now_ns();
    printf("%.1f %.1f %.1f %ld %d %ld\n", (walked - start) / (double)entries,
           (validated - walked) / (double)entries, (end - validated) / (BLOCKS / 2), entries, whole, valid);
}

struct workload {
    const char *name;
    const char *what;
    long (*run)(void);
};

static const struct workload workloads[] = {
    { "W1", "churn, 1 thread, 8 B-16 KiB", w1_churn },
    { "W2", "producer/consumer, all frees remote", w2_prodcons },
    { "W3", "larson, 2 threads swapping arrays", w3_larson },
    { "W4", "realloc 16 B-256 KiB", w4_realloc },
    { "W5", "large 64 KiB-16 MiB", w5_large },
    { "W5b", "large 64 KiB-16 MiB, every page touched", w5b_large_touch },
    { "W6", "heap create/alloc/destroy, live 1", w6_heaps },
    { "W6b", "heap create/alloc/destroy, live 64", w6_heaps64 },
};
#define WORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

/* ---- the parent ---------------------------------------------------------- */

struct result {
    bool ran;
    double ns_per_op, rss_mib, faults_per_op;
};

static const char *const backends[] = { "glibc", "jemalloc", "mimalloc", "w32-process" };
static const char *const preloads[] = { NULL, "libjemalloc.so.2", "libmimalloc.so.2", NULL };
#define BACKENDS 4
#define BASELINES 3
#define REPETITIONS 3

static bool library_present(const char *name)
{
    void *handle = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
    if (handle)
        return true;
    static const char *const directories[] = { "/usr/lib/x86_64-linux-gnu/", "/usr/lib64/", "/usr/lib/",
                                               "/usr/local/lib/" };
    for (size_t i = 0; i < sizeof(directories) / sizeof(directories[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s%s", directories[i], name);
        if (!access(path, R_OK))
            return true;
    }
    return false;
}

/* Runs one pair in a child; its stdout line goes to line. */
static bool run_child(int backend_index, const char *workload, char *line, size_t size, struct rusage *usage)
{
    int pipe_ends[2];
    if (pipe(pipe_ends))
        return false;
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        dup2(pipe_ends[1], STDOUT_FILENO);
        close(pipe_ends[0]);
        if (preloads[backend_index])
            setenv("LD_PRELOAD", preloads[backend_index], 1);
        char scale_text[32];
        snprintf(scale_text, sizeof(scale_text), "%g", scale);
        execl("/proc/self/exe", "heapbench", "--child", backends[backend_index], workload, scale_text, (char *)NULL);
        _exit(127);
    }
    close(pipe_ends[1]);
    ssize_t got = read(pipe_ends[0], line, size - 1);
    close(pipe_ends[0]);
    int status;
    if (wait4(child, &status, 0, usage) != child || !WIFEXITED(status) || WEXITSTATUS(status) || got <= 0)
        return false;
    line[got] = 0;
    return true;
}

static bool wanted(const char *name, char *const *chosen, int count)
{
    for (int i = 0; i < count; i++)
        if (!strcmp(chosen[i], name))
            return true;
    return count == 0;
}

static int child_main(const char *backend_name, const char *workload_name)
{
    backend = backend_for(backend_name);
    if (!strcmp(workload_name, "W7")) {
        w7_walk();
        return 0;
    }
    for (size_t w = 0; w < WORKLOADS; w++)
        if (!strcmp(workloads[w].name, workload_name)) {
            double start = now_ns();
            long count = workloads[w].run();
            printf("%.2f %ld\n", (now_ns() - start) / (double)count, count);
            return 0;
        }
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "--child")) {
        scale = atof(argv[4]);
        return child_main(argv[2], argv[3]);
    }
    if (argc > 1)
        scale = atof(argv[1]);
    if (scale <= 0 || scale > 1) {
        fprintf(stderr, "usage: %s [scale in (0, 1] [workload...]]\n", argv[0]);
        return 2;
    }
    char *const *chosen = argv + 2;
    int chosen_count = argc > 2 ? argc - 2 : 0;

    bool present[BACKENDS];
    printf("heapbench (scale %g): each (backend, workload) in its own process; RSS is that process's peak\n",
           scale);
    for (int b = 0; b < BACKENDS; b++) {
        present[b] = !preloads[b] || library_present(preloads[b]);
        if (!present[b])
            printf("%s: %s is not installed; skipped\n", backends[b], preloads[b]);
    }
    printf("\n%-4s %-12s %10s %10s %10s   %s\n", "", "backend", "ns/op", "peak MiB", "minflt/op",
           "vs best baseline (time, RSS)");
    for (size_t w = 0; w < WORKLOADS; w++) {
        if (!wanted(workloads[w].name, chosen, chosen_count))
            continue;
        /* The backends take turns, so that whatever else the machine is
         * doing (this VM's CPUs slow down by a third for minutes at a time)
         * falls on all of them alike. */
        struct result results[BACKENDS] = { { 0 } };
        double times[BACKENDS][REPETITIONS];
        bool failed[BACKENDS] = { false };
        for (int run = 0; run < REPETITIONS; run++)
            for (int b = 0; b < BACKENDS; b++) {
                char line[256];
                struct rusage usage;
                if (!present[b] || failed[b])
                    continue;
                if (!run_child(b, workloads[w].name, line, sizeof(line), &usage)) {
                    failed[b] = true;
                    continue;
                }
                long count = 1;
                sscanf(line, "%lf %ld", &times[b][run], &count);
                double rss = (double)usage.ru_maxrss / 1024.0;
                if (rss > results[b].rss_mib)
                    results[b].rss_mib = rss;
                results[b].faults_per_op = (double)usage.ru_minflt / (double)count;
            }
        for (int b = 0; b < BACKENDS; b++)
            if (present[b] && !failed[b]) {
                results[b].ran = true;
                results[b].ns_per_op = median(times[b], REPETITIONS);
            }
        double best_time = 0, best_rss = 0;
        for (int b = 0; b < BASELINES; b++)
            if (results[b].ran) {
                if (!best_time || results[b].ns_per_op < best_time)
                    best_time = results[b].ns_per_op;
                if (!best_rss || results[b].rss_mib < best_rss)
                    best_rss = results[b].rss_mib;
            }
        printf("%s: %s\n", workloads[w].name, workloads[w].what);
        for (int b = 0; b < BACKENDS; b++) {
            if (!results[b].ran) {
                printf("     %-12s %10s\n", backends[b], present[b] ? "failed" : "absent");
                continue;
            }
            printf("     %-12s %10.1f %10.1f %10.3f", backends[b], results[b].ns_per_op, results[b].rss_mib,
                   results[b].faults_per_op);
            if (b == BACKENDS - 1 && best_time)
                printf("   %.2fx, %.2fx", results[b].ns_per_op / best_time, results[b].rss_mib / best_rss);
            printf("\n");
        }
    }

    char line[256];
    struct rusage usage;
    if (!wanted("W7", chosen, chosen_count))
        return 0;
    if (run_child(BACKENDS - 1, "W7", line, sizeof(line), &usage)) {
        double walk, validate_all, validate_one;
        long entries, valid;
        int whole;
        sscanf(line, "%lf %lf %lf %ld %d %ld", &walk, &validate_all, &validate_one, &entries, &whole, &valid);
        printf("W7: 100k blocks, half freed, process heap: HeapWalk %.1f ns/entry (%ld entries), "
               "HeapValidate(NULL) %.1f ns/entry (%s), HeapValidate(ptr) %.1f ns (%ld valid)\n",
               walk, entries, validate_all, whole ? "valid" : "INVALID", validate_one, valid);
    } else {
        printf("W7: failed\n");
    }
    return 0;
}
