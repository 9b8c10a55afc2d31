#include "addrmap.h"

#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>

static void *value_for(uintptr_t n)
{
    return (void *)(n * 16 + 8);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

/* splitmix64: fixed seed so every failure reproduces. */
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

START_TEST(test_empty)
{
    struct addrmap map = {0};
    uintptr_t key = 123;

    ck_assert_uint_eq(addrmap_count(&map), 0);
    ck_assert_ptr_null(addrmap_get(&map, 0));
    ck_assert_ptr_null(addrmap_floor(&map, UINTPTR_MAX, &key));
    ck_assert_ptr_null(addrmap_ceiling(&map, 0, &key));
    ck_assert_ptr_null(addrmap_next(&map, 0, &key));
    ck_assert_uint_eq(key, 123);
    ck_assert_ptr_null(addrmap_remove(&map, 0));
    ck_assert_ptr_null(addrmap_replace(&map, 0, value_for(1)));
    ck_assert(addrmap_validate(&map));
    addrmap_clear(&map);
    ck_assert(addrmap_validate(&map));
    ck_assert_uint_eq(addrmap_pool_bytes(&map), 0);
}
END_TEST

START_TEST(test_single_entry)
{
    struct addrmap map = {0};
    uintptr_t key = 0;

    ck_assert_int_eq(addrmap_insert(&map, 0x1000, value_for(1)), 0);
    ck_assert_uint_eq(addrmap_count(&map), 1);
    ck_assert(addrmap_validate(&map));

    ck_assert_ptr_eq(addrmap_get(&map, 0x1000), value_for(1));
    ck_assert_ptr_null(addrmap_get(&map, 0xfff));
    ck_assert_ptr_null(addrmap_get(&map, 0x1001));

    ck_assert_ptr_null(addrmap_floor(&map, 0, NULL));
    ck_assert_ptr_null(addrmap_floor(&map, 0xfff, NULL));
    ck_assert_ptr_eq(addrmap_floor(&map, 0x1000, &key), value_for(1));
    ck_assert_uint_eq(key, 0x1000);
    ck_assert_ptr_eq(addrmap_floor(&map, UINTPTR_MAX, NULL), value_for(1));

    ck_assert_ptr_eq(addrmap_ceiling(&map, 0, &key), value_for(1));
    ck_assert_ptr_eq(addrmap_ceiling(&map, 0x1000, NULL), value_for(1));
    ck_assert_ptr_null(addrmap_ceiling(&map, 0x1001, NULL));
    ck_assert_ptr_null(addrmap_ceiling(&map, UINTPTR_MAX, NULL));

    ck_assert_ptr_eq(addrmap_next(&map, 0, NULL), value_for(1));
    ck_assert_ptr_eq(addrmap_next(&map, 0xfff, NULL), value_for(1));
    ck_assert_ptr_null(addrmap_next(&map, 0x1000, NULL));

    ck_assert_ptr_eq(addrmap_replace(&map, 0x1000, value_for(2)), value_for(1));
    ck_assert_ptr_eq(addrmap_get(&map, 0x1000), value_for(2));
    ck_assert_ptr_null(addrmap_replace(&map, 0x2000, value_for(3)));
    ck_assert_uint_eq(addrmap_count(&map), 1);

    ck_assert_ptr_null(addrmap_remove(&map, 0x1001));
    ck_assert_ptr_eq(addrmap_remove(&map, 0x1000), value_for(2));
    ck_assert_ptr_null(addrmap_remove(&map, 0x1000));
    ck_assert_uint_eq(addrmap_count(&map), 0);
    ck_assert_ptr_null(addrmap_floor(&map, UINTPTR_MAX, NULL));
    ck_assert(addrmap_validate(&map));
}
END_TEST

/* Keys 0 and UINTPTR_MAX, alone and with enough keys between them to make
 * them sit in different leaves. */
START_TEST(test_extreme_keys)
{
    struct addrmap map = {0};
    uintptr_t key = 1;

    ck_assert_int_eq(addrmap_insert(&map, 0, value_for(0)), 0);
    ck_assert_int_eq(addrmap_insert(&map, UINTPTR_MAX, value_for(1)), 0);
    for (int round = 0; round < 2; round++) {
        ck_assert(addrmap_validate(&map));
        ck_assert_ptr_eq(addrmap_floor(&map, 0, &key), value_for(0));
        ck_assert_uint_eq(key, 0);
        ck_assert_ptr_eq(addrmap_ceiling(&map, 0, &key), value_for(0));
        ck_assert_uint_eq(key, 0);
        ck_assert_ptr_eq(addrmap_floor(&map, UINTPTR_MAX, &key), value_for(1));
        ck_assert_uint_eq(key, UINTPTR_MAX);
        ck_assert_ptr_eq(addrmap_ceiling(&map, UINTPTR_MAX, &key), value_for(1));
        ck_assert_uint_eq(key, UINTPTR_MAX);
        ck_assert_ptr_null(addrmap_next(&map, UINTPTR_MAX, NULL));
        ck_assert_ptr_eq(addrmap_next(&map, UINTPTR_MAX - 1, &key), value_for(1));
        ck_assert_uint_eq(key, UINTPTR_MAX);
        ck_assert_ptr_eq(addrmap_get(&map, UINTPTR_MAX), value_for(1));
        ck_assert_ptr_eq(addrmap_get(&map, 0), value_for(0));
        if (round == 0) {
            ck_assert_ptr_eq(addrmap_floor(&map, UINTPTR_MAX - 1, &key), value_for(0));
            ck_assert_ptr_eq(addrmap_ceiling(&map, 1, &key), value_for(1));
            ck_assert_ptr_eq(addrmap_next(&map, 0, &key), value_for(1));
            for (uintptr_t i = 1; i <= 1000; i++)
                ck_assert_int_eq(addrmap_insert(&map, i << 40, value_for(i + 1)), 0);
        }
    }
    ck_assert_ptr_eq(addrmap_floor(&map, UINTPTR_MAX - 1, &key), value_for(1001));
    ck_assert_uint_eq(key, (uintptr_t)1000 << 40);
    ck_assert_ptr_eq(addrmap_ceiling(&map, 1, &key), value_for(2));
    ck_assert_uint_eq(key, (uintptr_t)1 << 40);
    ck_assert_ptr_eq(addrmap_remove(&map, UINTPTR_MAX), value_for(1));
    ck_assert_ptr_eq(addrmap_remove(&map, 0), value_for(0));
    ck_assert_ptr_null(addrmap_floor(&map, ((uintptr_t)1 << 40) - 1, NULL));
    ck_assert_ptr_null(addrmap_ceiling(&map, ((uintptr_t)1000 << 40) + 1, NULL));
    ck_assert(addrmap_validate(&map));
}
END_TEST

/* Every query at, just below and just above every key of a multi-level tree,
 * so each leaf boundary is crossed in both directions. */
START_TEST(test_around_every_key)
{
    struct addrmap map = {0};
    const uintptr_t n = 20000, stride = 0x1000;
    uintptr_t key;

    for (uintptr_t i = 1; i <= n; i++)
        ck_assert_int_eq(addrmap_insert(&map, i * stride, value_for(i)), 0);
    ck_assert(addrmap_validate(&map));
    for (uintptr_t i = 1; i <= n; i++) {
        uintptr_t k = i * stride;

        ck_assert_ptr_eq(addrmap_get(&map, k), value_for(i));
        ck_assert_ptr_null(addrmap_get(&map, k + 1));
        ck_assert_ptr_eq(addrmap_floor(&map, k, &key), value_for(i));
        ck_assert_uint_eq(key, k);
        ck_assert_ptr_eq(addrmap_floor(&map, k + stride - 1, &key), value_for(i));
        ck_assert_uint_eq(key, k);
        ck_assert_ptr_eq(addrmap_ceiling(&map, k, &key), value_for(i));
        ck_assert_uint_eq(key, k);
        ck_assert_ptr_eq(addrmap_ceiling(&map, k - stride + 1, &key), value_for(i));
        ck_assert_uint_eq(key, k);
        if (i < n) {
            ck_assert_ptr_eq(addrmap_next(&map, k, &key), value_for(i + 1));
            ck_assert_uint_eq(key, k + stride);
        }
    }
    ck_assert_ptr_null(addrmap_floor(&map, stride - 1, NULL));
    ck_assert_ptr_null(addrmap_ceiling(&map, n * stride + 1, NULL));
    ck_assert_ptr_null(addrmap_next(&map, n * stride, NULL));
}
END_TEST

/*
 * Reference model for the randomized test: keys are index << KEY_SHIFT for
 * indexes below UNIVERSE, spread over the whole key range, and the model is
 * a bitmap of the present indexes.
 */
#define UNIVERSE_BITS 19
#define UNIVERSE ((uint32_t)1 << UNIVERSE_BITS)
#define KEY_SHIFT (sizeof(uintptr_t) * CHAR_BIT - UNIVERSE_BITS)
#define WORD_BITS 64

static uint64_t present[UNIVERSE / WORD_BITS];
static size_t present_count;
static struct addrmap model_map;

static uintptr_t key_of(uint32_t index)
{
    return (uintptr_t)index << KEY_SHIFT;
}

static int is_present(uint32_t index)
{
    return (present[index / WORD_BITS] >> (index % WORD_BITS)) & 1;
}

/* Greatest present index <= index, or -1. */
static long model_floor(uint32_t index)
{
    long word = index / WORD_BITS;
    uint64_t bits = present[word] & (~(uint64_t)0 >> (WORD_BITS - 1 - index % WORD_BITS));

    while (!bits) {
        if (--word < 0)
            return -1;
        bits = present[word];
    }
    return word * WORD_BITS + (WORD_BITS - 1 - __builtin_clzll(bits));
}

/* Least present index >= index, or -1; index may be UNIVERSE. */
static long model_ceiling(uint64_t index)
{
    uint64_t word = index / WORD_BITS, bits;

    if (index >= UNIVERSE)
        return -1;
    bits = present[word] & (~(uint64_t)0 << (index % WORD_BITS));
    while (!bits) {
        if (++word == UNIVERSE / WORD_BITS)
            return -1;
        bits = present[word];
    }
    return (long)(word * WORD_BITS + __builtin_ctzll(bits));
}

static void expect_answer(const char *what, uintptr_t addr, void *got, uintptr_t got_key,
                          long want_index)
{
    if (want_index < 0) {
        if (got)
            ck_abort_msg("%s(%#jx): got %#jx, want none", what, (uintmax_t)addr,
                         (uintmax_t)got_key);
        return;
    }
    if (got != value_for((uintptr_t)want_index) || got_key != key_of((uint32_t)want_index))
        ck_abort_msg("%s(%#jx): got %p at %#jx, want index %ld", what, (uintmax_t)addr, got,
                     (uintmax_t)got_key, want_index);
}

static void model_insert(uint32_t index)
{
    if (addrmap_insert(&model_map, key_of(index), value_for(index)) != 0)
        ck_abort_msg("insert %u failed", index);
    present[index / WORD_BITS] |= (uint64_t)1 << (index % WORD_BITS);
    present_count++;
}

static void model_remove(uint32_t index)
{
    void *want = is_present(index) ? value_for(index) : NULL;

    if (addrmap_remove(&model_map, key_of(index)) != want)
        ck_abort_msg("remove %u: wrong result", index);
    if (want)
        present_count--;
    present[index / WORD_BITS] &= ~((uint64_t)1 << (index % WORD_BITS));
}

/* Addresses likely to be interesting: keys, their neighbours, any bits. */
static uintptr_t random_address(void)
{
    uintptr_t key = key_of((uint32_t)(rng_next() % UNIVERSE));

    switch (rng_next() % 6) {
    case 0: return key;
    case 1: return key - 1;
    case 2: return key + 1;
    case 3: return (uintptr_t)rng_next();
    case 4: return rng_next() % 2 ? 0 : UINTPTR_MAX;
    default: return key + ((uintptr_t)rng_next() >> UNIVERSE_BITS);
    }
}

static void check_random_query(void)
{
    uintptr_t addr = random_address(), index = addr >> KEY_SHIFT, got_key = 0;
    int exact = (addr & ((((uintptr_t)1) << KEY_SHIFT) - 1)) == 0;
    void *got;

    switch (rng_next() % 4) {
    case 0:
        got = addrmap_floor(&model_map, addr, &got_key);
        expect_answer("floor", addr, got, got_key, model_floor((uint32_t)index));
        break;
    case 1:
        got = addrmap_ceiling(&model_map, addr, &got_key);
        expect_answer("ceiling", addr, got, got_key, model_ceiling(index + !exact));
        break;
    case 2:
        got = addrmap_next(&model_map, addr, &got_key);
        expect_answer("next", addr, got, got_key, model_ceiling(index + 1));
        break;
    default:
        got = addrmap_get(&model_map, addr);
        if (got != (exact && is_present((uint32_t)index) ? value_for(index) : NULL))
            ck_abort_msg("get(%#jx): wrong result", (uintmax_t)addr);
    }
}

static unsigned long operations;

/* Each mutation is followed by a checked query; the whole structure is
 * validated every so often. */
static void after_mutation(void)
{
    check_random_query();
    if (++operations % 20000 == 0 && !addrmap_validate(&model_map))
        ck_abort_msg("invariants broken after %lu operations", operations);
    if (addrmap_count(&model_map) != present_count)
        ck_abort_msg("count %zu, want %zu", addrmap_count(&model_map), present_count);
}

static void check_whole_map(void)
{
    uintptr_t key;
    long index = model_ceiling(0);
    void *value = addrmap_ceiling(&model_map, 0, &key);

    ck_assert(addrmap_validate(&model_map));
    for (; index >= 0; index = model_ceiling((uint64_t)index + 1)) {
        expect_answer("iterate", key, value, key, index);
        value = addrmap_next(&model_map, key, &key);
    }
    ck_assert_ptr_null(value);
}

static uint32_t random_absent_index(void)
{
    uint32_t index;

    do
        index = (uint32_t)(rng_next() % UNIVERSE);
    while (is_present(index));
    return index;
}

static uint32_t random_present_index(void)
{
    long index = model_ceiling(rng_next() % UNIVERSE);

    return (uint32_t)(index >= 0 ? index : model_ceiling(0));
}

/* Random inserts and removes drifting towards `target` live entries. */
static void churn(unsigned long steps, size_t target)
{
    for (unsigned long step = 0; step < steps; step++) {
        int grow = present_count == 0 ||
                   (present_count < target ? rng_next() % 4 != 0 : rng_next() % 4 == 0);

        if (grow)
            model_insert(random_absent_index());
        else
            model_remove(random_present_index());
        after_mutation();
    }
}

START_TEST(test_random_against_model)
{
    const uint32_t run = 100000;

    for (uint32_t i = 0; i < run; i++) {
        model_insert(i);
        after_mutation();
    }
    check_whole_map();
    churn(300000, 200000);
    check_whole_map();
    while (present_count > 0) {
        model_remove(random_present_index());
        after_mutation();
    }
    check_whole_map();

    for (uint32_t i = 0; i < run; i++) {
        model_insert(UNIVERSE - 1 - i);
        after_mutation();
    }
    check_whole_map();
    for (uint32_t i = UNIVERSE - run; i < UNIVERSE; i++) {
        model_remove(i);
        model_remove(i); /* absent now: must be a no-op */
        after_mutation();
    }
    check_whole_map();

    churn(150000, 150000);
    check_whole_map();
    for (long i = model_floor(UNIVERSE - 1); i >= 0; i = model_floor((uint32_t)i)) {
        model_remove((uint32_t)i);
        after_mutation();
    }
    ck_assert_uint_eq(addrmap_count(&model_map), 0);
    check_whole_map();
}
END_TEST

/* Keys handed out in ascending order, as bottom-up placement does, fill
 * their nodes instead of leaving every split node half empty; removing them
 * again in either order keeps the map valid. */
START_TEST(test_ascending_fill)
{
    struct addrmap map = {0};
    const uintptr_t n = 100000;

    for (uintptr_t i = 0; i < n; i++)
        ck_assert_int_eq(addrmap_insert(&map, 0x10000000 + i * 0x10000, value_for(i)), 0);
    ck_assert(addrmap_validate(&map));
    /* 512-byte nodes nearly full: under 20 bytes per entry (half-full
     * nodes would take 35). */
    ck_assert_uint_le(addrmap_pool_bytes(&map) / n, 20);
    for (uintptr_t i = 0; i < n; i++)
        ck_assert_ptr_eq(addrmap_floor(&map, 0x10000000 + i * 0x10000 + 0x100, NULL), value_for(i));
    for (uintptr_t i = 0; i < n / 2; i++) {
        ck_assert_ptr_eq(addrmap_remove(&map, 0x10000000 + (n - 1 - i) * 0x10000), value_for(n - 1 - i));
        ck_assert_ptr_eq(addrmap_remove(&map, 0x10000000 + i * 0x10000), value_for(i));
        if (i % 1000 == 0)
            ck_assert(addrmap_validate(&map));
    }
    ck_assert_uint_eq(addrmap_count(&map), 0);
    ck_assert(addrmap_validate(&map));
}
END_TEST

START_TEST(test_pool_reuse)
{
    struct addrmap map = {0};
    const uintptr_t n = 100000;
    uintptr_t *keys = malloc(n * sizeof *keys);
    size_t pool_after_fill = 0;

    ck_assert_ptr_nonnull(keys);
    for (uintptr_t i = 0; i < n; i++)
        keys[i] = (uintptr_t)rng_next() & ~(uintptr_t)0xfff;
    /* Same inserts every round, so the same nodes are needed each time;
     * odd rounds empty the map with clear, even ones by removing every key. */
    for (int round = 0; round < 4; round++) {
        size_t inserted = 0;

        for (uintptr_t i = 0; i < n; i++) {
            if (addrmap_get(&map, keys[i]))
                continue;
            ck_assert_int_eq(addrmap_insert(&map, keys[i], value_for(i)), 0);
            inserted++;
        }
        ck_assert_uint_eq(addrmap_count(&map), inserted);
        if (round == 0)
            pool_after_fill = addrmap_pool_bytes(&map);
        ck_assert_uint_eq(addrmap_pool_bytes(&map), pool_after_fill);
        ck_assert(addrmap_validate(&map));
        /* Nodes are at least half full: under ~37 bytes per entry. */
        ck_assert_uint_le(pool_after_fill / inserted, 40);

        if (round % 2) {
            addrmap_clear(&map);
        } else {
            for (uintptr_t i = 0; i < n; i++)
                addrmap_remove(&map, keys[round == 0 ? n - 1 - i : i]);
        }
        ck_assert_uint_eq(addrmap_count(&map), 0);
        ck_assert_ptr_null(addrmap_floor(&map, UINTPTR_MAX, NULL));
        ck_assert(addrmap_validate(&map));
    }
    free(keys);
}
END_TEST

/*
 * Out of memory for real: with RLIMIT_AS at 0 every new mapping fails, so
 * inserts run until the pool is dry. Between setting and restoring the limit
 * only map functions run (nothing that could malloc), and results are only
 * asserted once the limit is lifted. Rounds with different amounts of
 * unlimited growth in between make the failure hit different points of the
 * split cascade: a leaf split alone, or a leaf and its parent with part of
 * the needed nodes already taken from the pool.
 */
START_TEST(test_out_of_memory)
{
    struct addrmap map = {0};
    struct rlimit saved, no_new_memory;
    uintptr_t next_key = 0x10000;

    ck_assert_int_eq(getrlimit(RLIMIT_AS, &saved), 0);
    no_new_memory = saved;
    no_new_memory.rlim_cur = 0;
    for (int i = 0; i < 2000; i++, next_key += 0x1000)
        ck_assert_int_eq(addrmap_insert(&map, next_key, value_for(next_key)), 0);
    for (int round = 0; round < 100; round++) {
        size_t count_before_fail = 0, pool_before = addrmap_pool_bytes(&map), pool_after;
        int failed = 0, valid_after_fail, absent_after_fail, valid_after_removal;
        int reinserted, limit_set;
        uintptr_t failed_key = 0;

        limit_set = setrlimit(RLIMIT_AS, &no_new_memory) == 0;
        for (int i = 0; limit_set && i < 1000000; i++, next_key += 0x1000) {
            count_before_fail = addrmap_count(&map);
            if (addrmap_insert(&map, next_key, value_for(next_key)) != 0) {
                failed = 1;
                failed_key = next_key;
                break;
            }
        }
        valid_after_fail = addrmap_validate(&map) && addrmap_count(&map) == count_before_fail;
        absent_after_fail = addrmap_get(&map, failed_key) == NULL &&
                            addrmap_floor(&map, UINTPTR_MAX, NULL) == value_for(failed_key - 0x1000);
        pool_after = addrmap_pool_bytes(&map);
        /* Removing a run of keys frees whole nodes without needing memory,
         * and the failed insert can then reuse them. */
        for (int removed = 0; removed < 400; removed++) {
            uintptr_t below;

            if (addrmap_floor(&map, failed_key, &below))
                addrmap_remove(&map, below);
        }
        valid_after_removal = addrmap_validate(&map);
        reinserted = addrmap_insert(&map, failed_key, value_for(failed_key)) == 0;
        ck_assert_int_eq(setrlimit(RLIMIT_AS, &saved), 0);

        ck_assert(limit_set);
        ck_assert(failed);
        ck_assert(valid_after_fail);
        ck_assert(absent_after_fail);
        ck_assert_uint_eq(pool_after, pool_before);
        ck_assert(valid_after_removal);
        ck_assert(reinserted);
        ck_assert_ptr_eq(addrmap_get(&map, failed_key), value_for(failed_key));

        next_key = failed_key + 0x1000;
        for (uint64_t extra = rng_next() % 3000; extra > 0; extra--, next_key += 0x1000)
            ck_assert_int_eq(addrmap_insert(&map, next_key, value_for(next_key)), 0);
    }
    ck_assert(addrmap_validate(&map));
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("addrmap");
    TCase *basics = tcase_create("basics");
    TCase *stress = tcase_create("stress");
    SRunner *runner;
    int failures;

    tcase_add_test(basics, test_empty);
    tcase_add_test(basics, test_single_entry);
    tcase_add_test(basics, test_extreme_keys);
    tcase_add_test(basics, test_around_every_key);
    suite_add_tcase(suite, basics);

    /* Sanitizer builds run several times slower than the default timeout allows. */
    tcase_set_timeout(stress, 300);
    tcase_add_test(stress, test_random_against_model);
    tcase_add_test(stress, test_pool_reuse);
    tcase_add_test(stress, test_ascending_fill);
    tcase_add_test(stress, test_out_of_memory);
    suite_add_tcase(suite, stress);

    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failures = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
