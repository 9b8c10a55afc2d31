/*
 * addrmap micro-benchmark: ns per floor lookup (independent lookups, and
 * dependent ones where each address depends on the previous answer, i.e.
 * pure latency), insert and remove, for maps of 10k and 100k regions.
 *
 *   gcc -std=gnu99 -O2 -Ilib lib/addrmap.c tests/bench/addrmap_bench.c -o /tmp/addrmap_bench
 *   /tmp/addrmap_bench [entries...]      (default: 10000 100000 1000000)
 */
#include "addrmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define LOOKUPS 10000000u
#define SPAN ((uintptr_t)1 << 46) /* keys spread like user-space mappings */

static uint64_t rng_state = 88172645463325252u;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void bench(size_t n)
{
    struct addrmap map = {0};
    uintptr_t *keys = malloc(n * sizeof *keys), sum = 0, addr = 0;
    double start, insert_ns, independent_ns, dependent_ns, remove_ns;

    if (!keys)
        exit(1);
    for (size_t i = 0; i < n; i++)
        keys[i] = ((uintptr_t)rng_next() % SPAN) & ~(uintptr_t)0xfff;

    start = now_ns();
    for (size_t i = 0; i < n; i++)
        if (!addrmap_get(&map, keys[i]) && addrmap_insert(&map, keys[i], &keys[i]) != 0)
            exit(1);
    insert_ns = (now_ns() - start) / n;

    start = now_ns();
    for (unsigned i = 0; i < LOOKUPS; i++) {
        uintptr_t key;

        if (addrmap_floor(&map, (uintptr_t)rng_next() % SPAN, &key))
            sum += key;
    }
    independent_ns = (now_ns() - start) / LOOKUPS;

    start = now_ns();
    for (unsigned i = 0; i < LOOKUPS; i++) {
        uintptr_t key = 0;

        addrmap_floor(&map, ((uintptr_t)rng_next() ^ addr) % SPAN, &key);
        addr = key;
    }
    dependent_ns = (now_ns() - start) / LOOKUPS;

    printf("%7zu entries: pool %zu bytes (%.1f B/entry)\n", n, addrmap_pool_bytes(&map),
           (double)addrmap_pool_bytes(&map) / addrmap_count(&map));

    start = now_ns();
    for (size_t i = n; i-- > 0;)
        addrmap_remove(&map, keys[i]);
    remove_ns = (now_ns() - start) / n;

    printf("  insert %.0f ns, remove %.0f ns, floor %.1f ns (independent), %.1f ns (dependent)"
           " [%ju]\n", insert_ns, remove_ns, independent_ns, dependent_ns,
           (uintmax_t)(sum ^ addr) & 1);
    free(keys);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        bench(10000);
        bench(100000);
        bench(1000000);
    }
    for (int i = 1; i < argc; i++)
        bench(strtoul(argv[i], NULL, 0));
    return 0;
}
